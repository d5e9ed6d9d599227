# --8<-- [start:setup]
# %% Imports, model and data
import logging
import warnings

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
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


graph = KarateClub()[0]
train_nodes = graph.train_mask.nonzero().flatten()  # one member per class
test_nodes = (~graph.train_mask).nonzero().flatten()  # the other 30
# --8<-- [end:setup]


# --8<-- [start:module]
# %% The training logic: the loop body, without the loop and the devices
class NodeClassifier(pl.LightningModule):
    def __init__(self, graph, num_classes, lr=0.01):
        super().__init__()
        self.model = GCN(graph.num_features, out_channels=num_classes)
        self.lr = lr
        # Buffers move to the device with the module, as parameters do.
        self.register_buffer("x", graph.x, persistent=False)
        self.register_buffer("edge_index", graph.edge_index, persistent=False)
        self.register_buffer("y", graph.y, persistent=False)

    def training_step(self, nodes):
        logits = self.model(self.x, self.edge_index)
        loss = F.cross_entropy(logits[nodes], self.y[nodes])
        self.log("train_loss", loss, sync_dist=True)  # mean over processes
        return loss

    def test_step(self, nodes):
        # trainer.test sets eval mode and runs this under inference_mode.
        assert not self.training and torch.is_inference_mode_enabled()
        logits = self.model(self.x, self.edge_index)
        predictions = logits[nodes].argmax(dim=1)
        accuracy = (predictions == self.y[nodes]).float().mean()
        self.log("test_accuracy", accuracy, sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


# --8<-- [end:module]


# --8<-- [start:train]
# %% Train: the Trainer picks the device and drives each step
torch.manual_seed(0)
model = NodeClassifier(graph, num_classes=4)
trainer = pl.Trainer(
    accelerator="auto",
    devices=1,
    max_epochs=50,
    deterministic=True,
    logger=False,
    enable_checkpointing=False,
    enable_progress_bar=False,
    enable_model_summary=False,
)
trainer.fit(model, DataLoader(train_nodes, batch_size=len(train_nodes)))

# %% Evaluate on the members the model never saw a label for
loss = trainer.callback_metrics["train_loss"]
test_loader = DataLoader(test_nodes, batch_size=len(test_nodes))
results = trainer.test(model, test_loader, verbose=False)
accuracy = results[0]["test_accuracy"]
print(f"final training loss: {loss.item():.4f}")
print(f"accuracy on the 30 unlabelled members: {accuracy:.3f}")
# --8<-- [end:train]
