import torch
from torch_geometric.datasets import KarateClub
from torch_geometric.nn import GCNConv


class GCN(torch.nn.Module):
    def __init__(self, in_channels, hidden_channels=64):
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden_channels)
        self.conv2 = GCNConv(hidden_channels, hidden_channels)

    def forward(self, x, edge_index):
        h = self.conv1(x, edge_index)
        h = h.relu()
        h = self.conv2(h, edge_index)
        return h


torch.manual_seed(0)
graph = KarateClub()[0]  # 34 club members, 78 friendships; ships with PyG
model = GCN(in_channels=graph.num_features)
out = model(graph.x, graph.edge_index)
print(out.shape)
