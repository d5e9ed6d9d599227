# --8<-- [start:setup]
# %% Imports, model and data
import csv
import logging
import warnings

import matplotlib.pyplot as plt
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.loggers import CSVLogger
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


class NodeClassifier(pl.LightningModule):
    def __init__(self, graph, num_classes, lr=0.01):
        super().__init__()
        self.model = GCN(graph.num_features, out_channels=num_classes)
        self.lr = lr
        self.register_buffer("x", graph.x, persistent=False)
        self.register_buffer("edge_index", graph.edge_index, persistent=False)
        self.register_buffer("y", graph.y, persistent=False)

    def training_step(self, nodes):
        logits = self.model(self.x, self.edge_index)
        loss = F.cross_entropy(logits[nodes], self.y[nodes])
        self.log("train_loss", loss)
        return loss

    def validation_step(self, nodes):
        logits = self.model(self.x, self.edge_index)
        predictions = logits[nodes].argmax(dim=1)
        accuracy = (predictions == self.y[nodes]).float().mean()
        self.log("val_accuracy", accuracy)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


# --8<-- [end:setup]


# --8<-- [start:train]
# %% Train with a CSV logger: every logged value goes to a file
torch.manual_seed(0)
model = NodeClassifier(graph, num_classes=4)
trainer = pl.Trainer(
    accelerator="auto",
    devices=1,
    max_epochs=50,
    deterministic=True,
    logger=CSVLogger("logs", name="gcn"),
    log_every_n_steps=1,  # one step per epoch here: log every one
    enable_checkpointing=False,
    enable_progress_bar=False,
    enable_model_summary=False,
)
trainer.fit(
    model,
    DataLoader(train_nodes, batch_size=len(train_nodes)),
    DataLoader(test_nodes, batch_size=len(test_nodes)),
)
# --8<-- [end:train]

# --8<-- [start:read]
# %% Read the metrics back: one row per logging call, blanks elsewhere
metrics_file = f"{trainer.logger.log_dir}/metrics.csv"
with open(metrics_file, newline="") as file:
    rows = list(csv.DictReader(file))
loss = [float(row["train_loss"]) for row in rows if row["train_loss"]]
accuracy = [float(r["val_accuracy"]) for r in rows if r["val_accuracy"]]
print(
    f"{metrics_file}: {len(loss)} training losses, {len(accuracy)} accuracies"
)
# The file holds every epoch, and exactly the values the Trainer saw last.
assert len(loss) == len(accuracy) == trainer.max_epochs
assert loss[-1] == trainer.callback_metrics["train_loss"].item()
assert accuracy[-1] == trainer.callback_metrics["val_accuracy"].item()
print(f"final training loss: {loss[-1]:.4f}")
print(f"accuracy on the 30 unlabelled members: {accuracy[-1]:.3f}")
# --8<-- [end:read]

# --8<-- [start:figure]
# %% Plot from the file
fig, (loss_ax, accuracy_ax) = plt.subplots(1, 2, figsize=(8, 3.2))
epochs = range(1, len(loss) + 1)
loss_ax.plot(epochs, loss)
accuracy_ax.plot(epochs, accuracy)
loss_ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
accuracy_ax.set(xlabel="epoch", ylabel="accuracy, 30 unlabelled members")
for ax in (loss_ax, accuracy_ax):
    ax.grid(alpha=0.3)
fig.suptitle(metrics_file)
fig.tight_layout()
fig.savefig("csv_metrics.png", dpi=70)
# --8<-- [end:figure]
