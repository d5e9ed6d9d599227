# --8<-- [start:setup]
# %% Imports, model and data
import logging
import warnings

import matplotlib.pyplot as plt
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
# %% The module, with a validation step that the Trainer runs every epoch
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

    def validation_step(self, nodes):
        logits = self.model(self.x, self.edge_index)
        predictions = logits[nodes].argmax(dim=1)
        accuracy = (predictions == self.y[nodes]).float().mean()
        self.log("val_accuracy", accuracy, sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


# --8<-- [end:module]


# --8<-- [start:history]
# %% A callback that keeps the metrics of every epoch
class History(pl.Callback):
    def __init__(self):
        self.loss, self.accuracy = [], []

    def on_train_epoch_end(self, trainer, module):
        self.loss.append(trainer.callback_metrics["train_loss"].item())
        self.accuracy.append(trainer.callback_metrics["val_accuracy"].item())


def train(precision):
    torch.manual_seed(0)
    model = NodeClassifier(graph, num_classes=4)
    history = History()
    trainer = pl.Trainer(
        accelerator="auto",
        devices=1,
        max_epochs=50,
        precision=precision,
        deterministic=True,
        callbacks=[history],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(
        model,
        DataLoader(train_nodes, batch_size=len(train_nodes)),
        DataLoader(test_nodes, batch_size=len(test_nodes)),
    )
    return history


# --8<-- [end:history]


# --8<-- [start:compare]
# %% Train in float32, then in bfloat16 mixed precision
full, mixed = train("32-true"), train("bf16-mixed")
best = torch.tensor(full.accuracy).argmax().item()  # the first highest
print(f"32-true: loss {full.loss[-1]:.4f}, accuracy {full.accuracy[-1]:.3f}")
print(f"  highest accuracy {full.accuracy[best]:.3f}, at epoch {best + 1}")
# bf16 keeps 8 significant bits (float32: 24), a relative step of eps =
# 2**-7; the loss, computed from bf16 logits, moves by about that. 4 eps
# allows for it, and fails "bf16-true", whose bf16 weights lose small updates.
bf16_eps = torch.finfo(torch.bfloat16).eps
torch.testing.assert_close(mixed.loss, full.loss, rtol=4 * bf16_eps, atol=0)
assert mixed.accuracy[-1] == full.accuracy[-1]
print("bf16-mixed: loss within 4 bf16 eps of 32-true, same accuracy")
# --8<-- [end:compare]

# --8<-- [start:figure]
# %% The curves
fig, (loss_ax, accuracy_ax) = plt.subplots(1, 2, figsize=(8, 3.2))
for history, label, style in [
    (full, "32-true", "-"),
    (mixed, "bf16-mixed", "--"),
]:
    epochs = range(1, len(history.loss) + 1)
    loss_ax.plot(epochs, history.loss, style, label=label)
    accuracy_ax.plot(epochs, history.accuracy, style, label=label)
loss_ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
accuracy_ax.set(xlabel="epoch", ylabel="accuracy, 30 unlabelled members")
for ax in (loss_ax, accuracy_ax):
    ax.grid(alpha=0.3)
    ax.legend()
fig.tight_layout()
fig.savefig("training_curve.png", dpi=80)
# --8<-- [end:figure]
