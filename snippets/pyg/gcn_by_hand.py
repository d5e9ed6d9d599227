import torch
from torch_geometric.datasets import KarateClub
from torch_geometric.nn import GCNConv
from torch_geometric.utils import to_dense_adj

torch.manual_seed(0)
graph = KarateClub()[0]
conv = GCNConv(graph.num_features, 4)

# What GCNConv computes: D^-1/2 (A + I) D^-1/2 X W + b,
# with D the diagonal matrix of the degrees of A + I.
adjacency = to_dense_adj(graph.edge_index, max_num_nodes=graph.num_nodes)[0]
adjacency = adjacency + torch.eye(graph.num_nodes)
inv_sqrt_degree = adjacency.sum(dim=1).pow(-0.5)
normalized = inv_sqrt_degree[:, None] * adjacency * inv_sqrt_degree[None, :]
by_hand = normalized @ graph.x @ conv.lin.weight.T + conv.bias

by_pyg = conv(graph.x, graph.edge_index)
torch.testing.assert_close(by_pyg, by_hand)
print("GCNConv matches the dense formula:", by_pyg.shape)
