# %% Imports
import warnings

import matplotlib.pyplot as plt
import torch

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.data import Data
    from torch_geometric.loader import DataLoader
    from torch_geometric.nn import GCNConv, global_mean_pool
    from torch_geometric.utils import to_dense_adj


# %% Four small graphs: cycles of 3 to 6 nodes, 3 random features per node
def cycle(num_nodes):
    source = torch.arange(num_nodes)
    target = (source + 1) % num_nodes
    edge_index = torch.stack(
        [torch.cat([source, target]), torch.cat([target, source])]
    )
    return Data(x=torch.randn(num_nodes, 3), edge_index=edge_index)


torch.manual_seed(0)
graphs = [cycle(num_nodes) for num_nodes in [3, 4, 5, 6]]

# A batch of images is a 4-D tensor: (batch, channels, height, width).
images = torch.randn(2, 3, 8, 8)
print("batch of images:", tuple(images.shape))
# A batch of graphs is one graph with the small ones side by side.
batch = next(iter(DataLoader(graphs, batch_size=2)))
print(batch)
print("batch vector:", batch.batch.tolist())
# The second graph's edges follow the first graph's, with node indices
# shifted past its 3 nodes: no edge joins two graphs.
first, second = graphs[0], graphs[1]
shifted = batch.edge_index[:, first.num_edges :]
assert torch.equal(shifted, second.edge_index + first.num_nodes)


# %% A graph classifier: GCN layers, then one vector per graph
class GraphClassifier(torch.nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.conv = GCNConv(in_channels, 16)
        self.head = torch.nn.Linear(16, num_classes)

    def forward(self, x, edge_index, batch):
        h = self.conv(x, edge_index).relu()
        # the mean over each graph's nodes: batch says which graph a node is in
        return self.head(global_mean_pool(h, batch))


model = GraphClassifier(in_channels=3, num_classes=2)
predictions = model(batch.x, batch.edge_index, batch.batch)
print("predictions:", tuple(predictions.shape))

# Each graph's prediction is what the model gives for that graph alone
# (batch=None: all nodes are one graph); float32 sums in another order differ
# by far less than 1e-5 of the scale.
one_by_one = torch.cat([model(g.x, g.edge_index, None) for g in graphs[:2]])
scale = one_by_one.abs().max().item()
torch.testing.assert_close(predictions, one_by_one, rtol=0, atol=1e-5 * scale)
print("per-graph predictions match the graphs run one by one")

# %% The batch's adjacency matrix: one block per graph, nothing between them
plt.rcParams["svg.fonttype"] = "none"
fig, ax = plt.subplots(figsize=(3, 3), layout="constrained")
ax.spy(to_dense_adj(batch.edge_index)[0], markersize=9)
# batch.ptr: where each graph's nodes start, and where the last one ends
for start, end in zip(batch.ptr[:-1].tolist(), batch.ptr[1:].tolist()):
    size = end - start
    ax.add_patch(plt.Rectangle((start - 0.5,) * 2, size, size, fill=False))
ax.set_xlabel("target node")
ax.set_ylabel("source node")
fig.savefig("batch_adjacency.svg")
