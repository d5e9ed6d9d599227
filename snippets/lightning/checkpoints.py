# --8<-- [start:setup]
# %% Imports, model and data
import logging
import re
import warnings
from pathlib import Path

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.callbacks import ModelCheckpoint
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
# Resuming writes into the folder of the interrupted run, on purpose.
warnings.filterwarnings("ignore", "Checkpoint directory .* is not empty")


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
train_loader = DataLoader(train_nodes, batch_size=len(train_nodes))
# --8<-- [end:setup]


# --8<-- [start:module]
# %% The module records its arguments in every checkpoint
class NodeClassifier(pl.LightningModule):
    def __init__(self, graph, num_classes, lr=0.01):
        super().__init__()
        # num_classes and lr go into checkpoints; the graph is data, not a
        # setting, so it is passed again when a checkpoint is loaded.
        self.save_hyperparameters(ignore="graph")
        self.model = GCN(graph.num_features, out_channels=num_classes)
        self.register_buffer("x", graph.x, persistent=False)
        self.register_buffer("edge_index", graph.edge_index, persistent=False)
        self.register_buffer("y", graph.y, persistent=False)

    def training_step(self, nodes):
        logits = self.model(self.x, self.edge_index)
        loss = F.cross_entropy(logits[nodes], self.y[nodes])
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)


# --8<-- [end:module]


# --8<-- [start:helpers]
def keep_checkpoints():
    """After every epoch: the lowest training loss so far, and the last."""
    return ModelCheckpoint(
        dirpath="checkpoints", monitor="train_loss", save_last=True
    )


def trainer(max_epochs, checkpoints=None):
    return pl.Trainer(
        accelerator="auto",
        devices=1,
        max_epochs=max_epochs,
        deterministic=True,
        callbacks=[checkpoints] if checkpoints else [],
        enable_checkpointing=checkpoints is not None,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )


# --8<-- [end:helpers]


# --8<-- [start:interrupt]
# %% 50 epochs in one go
torch.manual_seed(0)
uninterrupted = NodeClassifier(graph, num_classes=4)
trainer(max_epochs=50).fit(uninterrupted, train_loader)

# %% 20 epochs, saving checkpoints, then stop
torch.manual_seed(0)
interrupted = NodeClassifier(graph, num_classes=4)
checkpoints = keep_checkpoints()
trainer(20, checkpoints).fit(interrupted, train_loader)
last = checkpoints.last_model_path
print(f"saved: {sorted(path.name for path in Path('checkpoints').iterdir())}")
# In the name, the epoch counts from 0 and the step counts optimizer steps
# done: one per epoch here (one batch), so the 20th epoch ends at step 20.
best = Path(checkpoints.best_model_path).name
epoch, step = map(int, re.findall(r"\d+", best))
assert step == (epoch + 1) * len(train_loader)
print(f"{best}: epoch {epoch} counted from 0, {step} steps done")
# --8<-- [end:interrupt]

# --8<-- [start:resume]
# %% Later, in a new process: resume from the last checkpoint, to epoch 50
resumed = NodeClassifier(graph, num_classes=4)
trainer(50, keep_checkpoints()).fit(resumed, train_loader, ckpt_path=last)
# Same operations in the same order on the same device: bit for bit.
for name, weight in uninterrupted.state_dict().items():
    assert torch.equal(resumed.state_dict()[name], weight), name
print("resumed at epoch 20: after 50, the weights of the uninterrupted run")

# %% Load the trained model: its settings from the file, the graph passed in
loaded = NodeClassifier.load_from_checkpoint(last, graph=graph)
# last.ckpt now holds the end of the resumed run.
for name, weight in resumed.state_dict().items():
    assert torch.equal(loaded.state_dict()[name], weight.cpu()), name
print(f"loaded the weights of epoch 50, with {dict(loaded.hparams)}")
# --8<-- [end:resume]
