# --8<-- [start:setup]
# %% Imports, model and data
import logging
import os
import socket
import subprocess
import sys
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
logging.getLogger("lightning_fabric").setLevel(logging.ERROR)
# The graph is already in memory: loader worker processes would only cost time.
warnings.filterwarnings(
    "ignore", "The '.*' does not have many workers", PossibleUserWarning
)
# Lightning 2.6 builds a pytree spec in a way that torch 2.14 deprecates.
warnings.filterwarnings("ignore", "`isinstance\\(treespec", FutureWarning)
# The stand-in machines share this one's CPU, even where it has a GPU.
warnings.filterwarnings(
    "ignore", "GPU available but not used", PossibleUserWarning
)


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
        self.log("train_loss", loss, sync_dist=True)  # mean over processes
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


# --8<-- [end:setup]


# --8<-- [start:trainer]
# %% What every machine runs: its place comes from the environment
def train_on_this_machine():
    pl.seed_everything(0)
    model = NodeClassifier(graph, num_classes=4)
    trainer = pl.Trainer(
        accelerator="cpu",  # on machines with GPUs: "gpu"
        devices=1,  # processes (GPUs) per machine
        num_nodes=2,  # machines
        strategy="ddp",
        max_epochs=50,
        deterministic=True,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, DataLoader(train_nodes, batch_size=len(train_nodes)))

    # Each process reports where it ran and what it trained.
    place = (trainer.node_rank, trainer.local_rank, trainer.global_rank)
    weights = torch.cat([p.detach().flatten() for p in model.parameters()])
    reports = [None] * trainer.world_size
    torch.distributed.all_gather_object(reports, (place, weights))
    torch.distributed.destroy_process_group()
    # --8<-- [end:trainer]

    # --8<-- [start:report]
    if trainer.is_global_zero:
        for (node, local, rank), _ in reports:
            print(f"machine {node}: process {local}, global rank {rank}")
        # Both copies took the same averaged gradient and the same Adam
        # steps, in the same order: identical to the last bit.
        assert all(torch.equal(w, weights) for _, w in reports)
        print("weights identical on both machines")
        model.eval()
        with torch.no_grad():
            logits = model.model(graph.x, graph.edge_index)
        predictions = logits[test_nodes].argmax(dim=1)
        accuracy = (predictions == graph.y[test_nodes]).float().mean()
        loss = trainer.callback_metrics["train_loss"]
        print(f"final training loss: {loss.item():.4f}")
        print(f"accuracy on the 30 unlabelled members: {accuracy:.3f}")


# --8<-- [end:report]


# --8<-- [start:launch]
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# %% Launched on each machine with MASTER_ADDR set; without, stand in for two
if __name__ == "__main__":
    if "MASTER_ADDR" in os.environ:
        train_on_this_machine()
    else:
        os.environ["MASTER_ADDR"] = "127.0.0.1"  # machine 0's address
        os.environ["MASTER_PORT"] = str(free_port())  # open on machine 0
        machine_1 = subprocess.Popen(
            [sys.executable, __file__], env={**os.environ, "NODE_RANK": "1"}
        )
        os.environ["NODE_RANK"] = "0"
        train_on_this_machine()
        assert machine_1.wait() == 0
# --8<-- [end:launch]
