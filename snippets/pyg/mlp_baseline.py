# --8<-- [start:setup]
import warnings

import torch

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv


# A two-layer GCN: 16 hidden channels, then one score per community
class GCN(torch.nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.conv1 = GCNConv(in_channels, 16)
        self.conv2 = GCNConv(16, num_classes)

    def forward(self, x, edge_index):
        return self.conv2(self.conv1(x, edge_index).relu(), edge_index)


# --8<-- [end:setup]


# --8<-- [start:mlp]
class MLP(torch.nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.lin1 = torch.nn.Linear(in_channels, 16)
        self.lin2 = torch.nn.Linear(16, num_classes)

    def forward(self, x, edge_index):
        # edge_index is not used: each member is classified on its own
        return self.lin2(self.lin1(x).relu())


# --8<-- [end:mlp]


# --8<-- [start:compare]
def train_and_score(model, graph):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(200):
        optimizer.zero_grad()
        logits = model(graph.x, graph.edge_index)
        loss = torch.nn.functional.cross_entropy(
            logits[graph.train_mask], graph.y[graph.train_mask]
        )
        loss.backward()
        optimizer.step()
    predicted = model(graph.x, graph.edge_index).argmax(dim=1)
    unlabelled = ~graph.train_mask
    return int((predicted[unlabelled] == graph.y[unlabelled]).sum())


torch.manual_seed(0)
graph = KarateClub()[0]
mlp, gcn = MLP(graph.num_features, 4), GCN(graph.num_features, 4)
initial_weight = mlp.lin1.weight.detach().clone()
for model in [mlp, gcn]:
    correct = train_and_score(model, graph)
    print(f"{type(model).__name__}: {correct} of 30 unlabelled members")

# The features are one-hot identities: the MLP's weights for an unlabelled
# member never get a gradient, so Adam leaves them exactly as initialised.
untouched = (mlp.lin1.weight == initial_weight).all(dim=0)
assert torch.equal(untouched, ~graph.train_mask)
print("MLP weight columns training never changed:", int(untouched.sum()))
# --8<-- [end:compare]
