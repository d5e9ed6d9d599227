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
logging.getLogger("lightning_fabric").setLevel(logging.ERROR)
# The graph is already in memory: loader worker processes would only cost time.
warnings.filterwarnings(
    "ignore", "The '.*' does not have many workers", PossibleUserWarning
)
# Lightning 2.6 builds a pytree spec in a way that torch 2.14 deprecates.
warnings.filterwarnings("ignore", "`isinstance\\(treespec", FutureWarning)
# The 30 test nodes split evenly over the processes: none is counted twice.
warnings.filterwarnings("ignore", "Using `DistributedSampler`", UserWarning)
# With a single GPU, the two processes below run on the CPU on purpose.
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
        logits = self.model(self.x, self.edge_index)
        predictions = logits[nodes].argmax(dim=1)
        accuracy = (predictions == self.y[nodes]).float().mean()
        self.log("test_accuracy", accuracy, sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


# --8<-- [end:module]


# --8<-- [start:evidence]
# %% Evidence: each process counts the node losses it computed
class WorkDone(pl.Callback):
    def on_fit_start(self, trainer, module):
        rows = (trainer.world_size, module.y.numel())
        self.node_losses = torch.zeros(rows, device=module.device)

    def on_train_batch_start(self, trainer, module, nodes, batch_idx):
        self.node_losses[trainer.global_rank, nodes] += 1

    def on_fit_end(self, trainer, module):
        # Each process filled its own row; summing over processes joins them.
        self.node_losses = trainer.strategy.reduce(
            self.node_losses, reduce_op="sum"
        )


# --8<-- [end:evidence]


# --8<-- [start:reference]
def train_in_one_process(graph, train_nodes, epochs, dtype):
    """The plain loop of the first snippet: one process, all training nodes."""
    torch.manual_seed(0)
    model = GCN(graph.num_features, out_channels=4)
    model = model.to(graph.x.device, dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(epochs):
        optimizer.zero_grad()
        logits = model(graph.x.to(dtype), graph.edge_index)
        loss = F.cross_entropy(logits[train_nodes], graph.y[train_nodes])
        loss.backward()
        optimizer.step()
    return model.state_dict()


def distance(weights, others):
    """How far apart two sets of weights are: all entries, as one vector."""
    return sum(((weights[k] - others[k]) ** 2).sum() for k in others).sqrt()


# --8<-- [end:reference]


# --8<-- [start:trainer]
# %% Train in two processes: on two GPUs if there are, else on the CPU
if __name__ == "__main__":
    # Seeds this process's generators (the initial weights) and sets the
    # seed of the sampler that splits the training nodes over the processes.
    pl.seed_everything(0)
    model = NodeClassifier(graph, num_classes=4)
    work_done = WorkDone()
    trainer = pl.Trainer(
        accelerator="gpu" if torch.cuda.device_count() >= 2 else "cpu",
        devices=2,
        strategy="ddp",
        max_epochs=50,
        deterministic=True,
        callbacks=[work_done],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    # Each process gets its own half of the training nodes, reshuffled
    # every epoch; DDP averages the two halves' gradients before each step.
    trainer.fit(model, DataLoader(train_nodes, batch_size=len(train_nodes)))

    loss = trainer.callback_metrics["train_loss"]
    test_loader = DataLoader(test_nodes, batch_size=len(test_nodes))
    results = trainer.test(model, test_loader, verbose=False)
    accuracy = results[0]["test_accuracy"]
    # Close the processes' connections: left open, gloo may abort at exit.
    torch.distributed.destroy_process_group()
    # --8<-- [end:trainer]

    # --8<-- [start:report]
    # %% Every process ran the lines above; only the first one reports
    if trainer.is_global_zero:
        node_losses = work_done.node_losses[:, train_nodes].int()
        print(f"training nodes:            {train_nodes.tolist()}")
        for rank, counts in enumerate(node_losses):
            print(f"rank {rank} used their losses {counts.tolist()} times")
        print(f"final training loss: {loss.item():.4f}")
        print(f"accuracy on the 30 unlabelled members: {accuracy:.3f}")

        # Like with like: one process on the same device, in float32, and
        # in float64 to measure how far float32 rounding moves the weights.
        on_device = graph.to(model.device), train_nodes.to(model.device)
        epochs = trainer.max_epochs
        reference = train_in_one_process(*on_device, epochs, torch.float32)
        exact = train_in_one_process(*on_device, epochs, torch.float64)
        # DDP adds the same loss terms in another order: its float32 weights
        # and the reference's are two roundings of the float64 run, each about
        # as far from it (measured as a distance over all weights), so at most
        # about twice that from each other.
        rounding = distance(reference, exact)
        gap = distance(model.model.state_dict(), reference)
        assert gap <= 2 * rounding, f"{gap:.1e} apart, rounding {rounding:.1e}"
        print("weights match one process trained on all four nodes")
        # Why: each process computed half of the node losses of every epoch,
        # and together they used every training node once per epoch.
        half = len(train_nodes) // trainer.world_size * trainer.max_epochs
        assert (node_losses.sum(dim=1) == half).all()
        assert (node_losses.sum(dim=0) == trainer.max_epochs).all()
# --8<-- [end:report]
