# --8<-- [start:layer]
import warnings

import torch

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv, MessagePassing
    from torch_geometric.utils import add_self_loops, degree, erdos_renyi_graph


# %% A GCN layer written as message passing
class MyGCNConv(MessagePassing):
    def __init__(self, in_channels, out_channels):
        # aggregate: sum the messages arriving at each node
        super().__init__(aggr="add")
        self.lin = torch.nn.Linear(in_channels, out_channels, bias=False)
        self.bias = torch.nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, edge_index):
        edge_index, _ = add_self_loops(edge_index, num_nodes=x.size(0))
        source, target = edge_index
        # d_i: edges arriving at node i, its self-loop included
        inv_sqrt_degree = degree(target, x.size(0)).pow(-0.5)
        norm = inv_sqrt_degree[source] * inv_sqrt_degree[target]
        return self.propagate(edge_index, x=self.lin(x), norm=norm)

    def message(self, x_j, norm):
        # x_j: the features of each edge's source node, one row per edge
        return norm[:, None] * x_j

    def update(self, aggregated):
        return aggregated + self.bias


# --8<-- [end:layer]


# --8<-- [start:check]
# %% Same weights, same output as GCNConv
torch.manual_seed(0)
karate = KarateClub()[0]
# A directed graph too: there, which end of an edge counts matters.
directed = erdos_renyi_graph(num_nodes=34, edge_prob=0.1, directed=True)

reference = GCNConv(34, 8)
# The bias starts at zero; give it values so that the check covers it.
torch.nn.init.normal_(reference.bias)
mine = MyGCNConv(34, 8)
mine.load_state_dict(reference.state_dict())

x = torch.randn(34, 34)
for name, edge_index in [
    ("Karate Club", karate.edge_index),
    ("directed", directed),
]:
    expected = reference(x, edge_index)
    # float32 sums of a few dozen terms, in another order: rounding stays
    # far below 1e-5 of the output's scale.
    scale = expected.abs().max().item()
    torch.testing.assert_close(
        mine(x, edge_index), expected, rtol=0, atol=1e-5 * scale
    )
    print(f"MyGCNConv equals GCNConv on the {name} graph")
# --8<-- [end:check]
