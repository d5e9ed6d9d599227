import warnings

import torch

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv
    from torch_geometric.utils import to_dense_adj

torch.manual_seed(0)
graph = KarateClub()[0]
conv = GCNConv(graph.num_features, 4)
# The bias starts at zero; give it values so that the check covers it.
torch.nn.init.normal_(conv.bias)

# What GCNConv computes: D^-1/2 (A + I) D^-1/2 X W + b, with D the diagonal
# matrix of the degrees of A + I. Dense, and in float64 as a reference.
adjacency = to_dense_adj(graph.edge_index, max_num_nodes=graph.num_nodes)[0]
adjacency = adjacency.double() + torch.eye(graph.num_nodes)
inv_sqrt_degree = adjacency.sum(dim=1).pow(-0.5)
normalized = inv_sqrt_degree[:, None] * adjacency * inv_sqrt_degree[None, :]
weight, bias = conv.lin.weight.double(), conv.bias.double()
by_hand = normalized @ graph.x.double() @ weight.T + bias

by_pyg = conv(graph.x, graph.edge_index)
# GCNConv works in float32 and sums at most 18 terms (degree + 1) per node:
# its rounding error stays far below 1e-5 of the output's scale.
scale = by_hand.abs().max().item()
torch.testing.assert_close(by_pyg.double(), by_hand, rtol=0, atol=1e-5 * scale)
print("GCNConv matches the dense formula:", by_pyg.shape)
