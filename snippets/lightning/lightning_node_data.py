# --8<-- [start:setup]
# %% Imports and the model
import logging
import warnings

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.data.lightning import LightningNodeData
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv

logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)  # no info lines
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


# %% The module of datamodule.py: it reads the graph from each batch
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


# --8<-- [end:setup]
# --8<-- [start:data]
# %% PyG's data module: the splits come from the graph's masks
graph = KarateClub()[0]
graph.test_mask = ~graph.train_mask  # the 30 unlabelled members
data = LightningNodeData(graph, loader="full")
# Full batch: every loader yields the whole graph, once per epoch.
batches = list(data.train_dataloader())
assert len(batches) == 1 and batches[0].num_nodes == graph.num_nodes
print(f"one batch per epoch: the whole graph, {graph.num_nodes} nodes")
# --8<-- [end:data]

# --8<-- [start:train]
# %% Train and test as with the hand-written data module
torch.manual_seed(0)
model = NodeClassifier(graph.num_features, num_classes=4)
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
assert trainer.global_step == trainer.max_epochs  # one step per epoch
loss = trainer.callback_metrics["train_loss"]
results = trainer.test(model, datamodule=data, verbose=False)
print(f"final training loss: {loss.item():.4f}")
print(
    f"accuracy on the 30 unlabelled members: {results[0]['test_accuracy']:.3f}"
)
# --8<-- [end:train]
