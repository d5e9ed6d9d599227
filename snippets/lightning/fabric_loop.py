# --8<-- [start:setup]
# %% Imports, model and data
import warnings

import torch
import torch.nn.functional as F
from lightning_fabric import Fabric

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv


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

# --8<-- [start:fabric]
# %% The plain loop; Fabric chooses the device and wraps model and optimizer
fabric = Fabric(accelerator="auto", devices=1)
torch.manual_seed(0)
model = GCN(graph.num_features, out_channels=4)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
model, optimizer = fabric.setup(model, optimizer)
graph = fabric.to_device(graph)
train_nodes, test_nodes = fabric.to_device((train_nodes, test_nodes))

for epoch in range(50):
    model.train()
    optimizer.zero_grad()
    logits = model(graph.x, graph.edge_index)
    loss = F.cross_entropy(logits[train_nodes], graph.y[train_nodes])
    fabric.backward(loss)  # instead of loss.backward()
    optimizer.step()

model.eval()
with torch.no_grad():
    logits = model(graph.x, graph.edge_index)
    predictions = logits[test_nodes].argmax(dim=1)
    accuracy = (predictions == graph.y[test_nodes]).float().mean().item()
print(f"final training loss: {loss.item():.4f}")
print(f"accuracy on the 30 unlabelled members: {accuracy:.3f}")
# --8<-- [end:fabric]


# --8<-- [start:check]
# %% Check: the plain loop without Fabric, on the same device
def train_plain(dtype):
    torch.manual_seed(0)
    plain = GCN(graph.num_features, out_channels=4).to(fabric.device, dtype)
    plain_optimizer = torch.optim.Adam(plain.parameters(), lr=0.01)
    for epoch in range(50):
        plain_optimizer.zero_grad()
        logits = plain(graph.x.to(dtype), graph.edge_index)
        F.cross_entropy(logits[train_nodes], graph.y[train_nodes]).backward()
        plain_optimizer.step()
    return plain.state_dict()


def distance(weights, others):
    """How far apart two sets of weights are: all entries, as one vector."""
    return sum(((weights[k] - others[k]) ** 2).sum() for k in others).sqrt()


reference, exact = train_plain(torch.float32), train_plain(torch.float64)
# Fabric adds no arithmetic. Where kernels add in another order from run to
# run (on a GPU), both float32 runs are roundings of the float64 run, each
# about as far from it, so at most about twice that from each other.
rounding = distance(reference, exact)
gap = distance(model.state_dict(), reference)
assert gap <= 2 * rounding, f"{gap:.1e} apart, rounding {rounding:.1e}"
print("weights match the plain loop's")
# --8<-- [end:check]
