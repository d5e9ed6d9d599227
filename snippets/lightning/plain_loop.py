# --8<-- [start:setup]
# %% Imports, model and data
import warnings

import torch
import torch.nn.functional as F

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

# --8<-- [start:loop]
# %% Train: you move everything to the device and drive each step
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = GCN(graph.num_features, out_channels=4).to(device)
graph = graph.to(device)
train_nodes, test_nodes = train_nodes.to(device), test_nodes.to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

for epoch in range(50):
    model.train()
    optimizer.zero_grad()
    logits = model(graph.x, graph.edge_index)
    loss = F.cross_entropy(logits[train_nodes], graph.y[train_nodes])
    loss.backward()
    optimizer.step()

# %% Evaluate on the members the model never saw a label for
model.eval()
with torch.no_grad():
    logits = model(graph.x, graph.edge_index)
    predictions = logits[test_nodes].argmax(dim=1)
    accuracy = (predictions == graph.y[test_nodes]).float().mean().item()
print(f"final training loss: {loss.item():.4f}")
print(f"accuracy on the 30 unlabelled members: {accuracy:.3f}")
# --8<-- [end:loop]
