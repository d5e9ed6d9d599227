# --8<-- [start:setup]
# %% Imports, model and data
import logging
import warnings

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint
from pytorch_lightning.utilities.warnings import PossibleUserWarning
from torch.utils.data import DataLoader

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv

logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)  # no info lines
# The graph is already in memory: loader worker processes would only cost time.
warnings.filterwarnings(
    "ignore", "The '.*' does not have many workers", PossibleUserWarning
)
# Lightning 2.6 builds a pytree spec in a way that torch 2.14 deprecates.
warnings.filterwarnings("ignore", "`isinstance\\(treespec", FutureWarning)


class GCN(torch.nn.Module):
    def __init__(self, in_channels, out_channels, hidden_channels=64):
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden_channels)
        self.conv2 = GCNConv(hidden_channels, out_channels)

    def forward(self, x, edge_index):
        h = self.conv1(x, edge_index)
        h = h.relu()
        h = self.conv2(h, edge_index)
        return h


# --8<-- [end:setup]
# --8<-- [start:split]
graph = KarateClub()[0]
train_nodes = graph.train_mask.nonzero().flatten()  # one member per class
unlabelled = (~graph.train_mask).nonzero().flatten()
# Every other unlabelled member chooses the epoch; the rest are for the test.
val_nodes, test_nodes = unlabelled[0::2], unlabelled[1::2]
# --8<-- [end:split]


# --8<-- [start:module]
# %% The module logs a validation loss after every epoch
class NodeClassifier(pl.LightningModule):
    def __init__(self, graph, num_classes, lr=0.01):
        super().__init__()
        self.model = GCN(graph.num_features, out_channels=num_classes)
        self.lr = lr
        self.register_buffer("x", graph.x, persistent=False)
        self.register_buffer("edge_index", graph.edge_index, persistent=False)
        self.register_buffer("y", graph.y, persistent=False)

    def loss(self, nodes):
        logits = self.model(self.x, self.edge_index)
        return F.cross_entropy(logits[nodes], self.y[nodes])

    def training_step(self, nodes):
        loss = self.loss(nodes)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, nodes):
        self.log("val_loss", self.loss(nodes))

    def test_step(self, nodes):
        logits = self.model(self.x, self.edge_index)
        predictions = logits[nodes].argmax(dim=1)
        accuracy = (predictions == self.y[nodes]).float().mean()
        self.log("test_accuracy", accuracy)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


# --8<-- [end:module]
# --8<-- [start:history]
class ValidationLosses(pl.Callback):
    """The val_loss of every epoch, to check the early stop against."""

    def __init__(self):
        self.values = []

    def on_validation_epoch_end(self, trainer, module):
        if not trainer.sanity_checking:  # the 2 batches run before training
            self.values.append(trainer.callback_metrics["val_loss"].item())


# --8<-- [end:history]
# --8<-- [start:fit]
# %% Stop 10 epochs after the lowest val_loss; keep that epoch's weights
torch.manual_seed(0)
model = NodeClassifier(graph, num_classes=4)
early_stopping = EarlyStopping(monitor="val_loss", mode="min", patience=10)
best_weights = ModelCheckpoint(dirpath="checkpoints", monitor="val_loss")
history = ValidationLosses()
trainer = pl.Trainer(
    accelerator="auto",
    devices=1,
    max_epochs=200,
    deterministic=True,
    callbacks=[early_stopping, best_weights, history],
    logger=False,
    enable_progress_bar=False,
    enable_model_summary=False,
)
trainer.fit(
    model,
    DataLoader(train_nodes, batch_size=len(train_nodes)),
    DataLoader(val_nodes, batch_size=len(val_nodes)),
)
# --8<-- [end:fit]

# --8<-- [start:checks]
# %% Where it stopped, and why (Lightning counts epochs from 0)
best = torch.tensor(history.values).argmin().item()  # the first lowest
stopped = early_stopping.stopped_epoch
print(f"lowest val_loss {history.values[best]:.3f}, in epoch {best}")
print(f"stopped after epoch {stopped} of 0 to {trainer.max_epochs - 1}")
assert trainer.current_epoch < trainer.max_epochs  # it did stop early
assert stopped == best + early_stopping.patience  # no better epoch since
# The checkpoint holds the weights of the best epoch, not of the last.
kept = torch.load(best_weights.best_model_path)["epoch"]
assert kept == best
test_loader = DataLoader(test_nodes, batch_size=len(test_nodes))
results = trainer.test(model, test_loader, ckpt_path="best", verbose=False)
accuracy = results[0]["test_accuracy"]
print(f"weights of epoch {kept}: accuracy {accuracy:.3f} on 15 test members")
# --8<-- [end:checks]
