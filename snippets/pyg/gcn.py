import warnings

import torch

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv
    from torch_geometric.utils import k_hop_subgraph


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
# 34 club members, 78 friendships; ships with PyG
graph = KarateClub()[0]
model = GCN(in_channels=graph.num_features)
out = model(graph.x, graph.edge_index)
print(out.shape)

# Two GCN layers see 2 hops: change the features of member 11, and exactly
# the outputs of members at most 2 friendships away from it change.
changed = graph.x.clone()
changed[11] += 1.0
difference = (model(changed, graph.edge_index) - out).abs().amax(dim=1)
nearby, _, _, _ = k_hop_subgraph(11, num_hops=2, edge_index=graph.edge_index)
window = torch.zeros(graph.num_nodes, dtype=torch.bool)
window[nearby] = True
# Outside the 2 hops the change is float32 rounding, below 1e-4 of the
# output's scale; inside it is of the order of the output itself.
moved = difference > 1e-4 * out.abs().max()
assert torch.equal(moved, window)
print("outputs changed by one member:", int(moved.sum()))
