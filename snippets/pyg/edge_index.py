import torch
from torch_geometric.data import Data
from torch_geometric.utils import to_dense_adj

# A path graph 0 - 1 - 2. Each column is one directed edge (source, target),
# so an undirected edge appears twice, once in each direction.
edge_index = torch.tensor(
    [
        [0, 1, 1, 2],  # source nodes
        [1, 0, 2, 1],  # target nodes
    ]
)
x = torch.tensor([[1.0], [2.0], [3.0]])  # one feature per node

graph = Data(x=x, edge_index=edge_index)
print(graph)
print("undirected:", graph.is_undirected())
print(to_dense_adj(edge_index)[0])
