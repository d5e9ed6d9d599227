import warnings

import torch

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.data import Data
    from torch_geometric.utils import to_dense_adj

# Three nodes: an undirected edge 1 - 2 and a directed edge 0 -> 1. Each
# column is one directed edge (source, target), so the undirected edge
# appears twice, once in each direction, and the directed one once.
edge_index = torch.tensor(
    [
        [0, 1, 2],  # source nodes
        [1, 2, 1],  # target nodes
    ]
)
# One feature per node
x = torch.tensor([[1.0], [2.0], [3.0]])

graph = Data(x=x, edge_index=edge_index)
print(graph)
print("undirected:", graph.is_undirected())
# Row = source, column = target: the edge 0 -> 1 is the 1 in row 0.
print(to_dense_adj(edge_index)[0])
