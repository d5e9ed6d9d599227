# --8<-- [start:setup]
# %% Imports and the model
import logging
import warnings

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.utilities.warnings import PossibleUserWarning

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.loader import DataLoader
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


# --8<-- [start:data]
# %% The data: one graph, whose masks say which nodes each stage scores
class KarateClubData(pl.LightningDataModule):
    def __init__(self):
        super().__init__()
        # Ships with PyG; a data set to download would do it in prepare_data.
        self.dataset = KarateClub()

    def setup(self, stage):
        self.graph = self.dataset[0]
        # Labelled: one member per class. Scored: the 30 others.
        self.graph.test_mask = ~self.graph.train_mask

    def train_dataloader(self):
        return DataLoader([self.graph], batch_size=1)

    def test_dataloader(self):
        return DataLoader([self.graph], batch_size=1)


# --8<-- [end:data]


# --8<-- [start:module]
# %% The module reads the graph from each batch: no data of its own
class NodeClassifier(pl.LightningModule):
    def __init__(self, num_features, num_classes, lr=0.01):
        super().__init__()
        self.model = GCN(num_features, out_channels=num_classes)
        self.lr = lr

    def training_step(self, graph):
        logits = self.model(graph.x, graph.edge_index)
        mask = graph.train_mask
        loss = F.cross_entropy(logits[mask], graph.y[mask])
        self.log("train_loss", loss, batch_size=1)
        return loss

    def test_step(self, graph):
        logits = self.model(graph.x, graph.edge_index)
        mask = graph.test_mask
        predictions = logits[mask].argmax(dim=1)
        accuracy = (predictions == graph.y[mask]).float().mean()
        self.log("test_accuracy", accuracy, batch_size=1)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


# --8<-- [end:module]


# --8<-- [start:train]
# %% The Trainer gets the data module instead of loaders
data = KarateClubData()
torch.manual_seed(0)
model = NodeClassifier(data.dataset.num_features, data.dataset.num_classes)
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
trainer.fit(model, datamodule=data)
loss = trainer.callback_metrics["train_loss"]
results = trainer.test(model, datamodule=data, verbose=False)
print(f"final training loss: {loss.item():.4f}")
print(
    f"accuracy on the 30 unlabelled members: {results[0]['test_accuracy']:.3f}"
)
# --8<-- [end:train]
