# --8<-- [start:graphs]
# %% Imports
import math
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


# %% Cycles whose nodes carry a sign, +1 or -1. Label 1: smooth signs (each
# node keeps its predecessor's sign with probability 0.9); label 0: signs
# drawn independently. Either way a node is +1 or -1 with probability 1/2:
# only the edges tell the two labels apart.
def signed_cycle(num_nodes, smooth):
    source = torch.arange(num_nodes)
    target = (source + 1) % num_nodes
    edge_index = torch.stack(
        [torch.cat([source, target]), torch.cat([target, source])]
    )
    flip = torch.rand(num_nodes) < (0.1 if smooth else 0.5)
    # the first node's sign: +1 or -1, with probability 1/2 each
    flip[0] = torch.rand(()) < 0.5
    signs = torch.where(flip, -1.0, 1.0).cumprod(dim=0)
    label = torch.tensor([int(smooth)])
    return Data(x=signs[:, None], edge_index=edge_index, y=label)


# --8<-- [end:graphs]

# --8<-- [start:batch]
# %% A batch of two graphs
torch.manual_seed(0)
graphs = [signed_cycle(3, smooth=True), signed_cycle(4, smooth=False)]

# A batch of images is a 4-D tensor: (batch, channels, height, width).
images = torch.randn(2, 3, 8, 8)
print("batch of images:", tuple(images.shape))
# A batch of graphs is one graph with the small ones side by side.
batch = next(iter(DataLoader(graphs, batch_size=2)))
print(batch)
print("batch vector:", batch.batch.tolist())
# The second graph's edges follow the first graph's, with node indices
# shifted past its 3 nodes: no edge joins two graphs.
first, second = graphs
shifted = batch.edge_index[:, first.num_edges :]
assert torch.equal(shifted, second.edge_index + first.num_nodes)
# --8<-- [end:batch]


# --8<-- [start:model]
# %% A graph classifier: a GCN layer, then one vector per graph
class GraphClassifier(torch.nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.conv = GCNConv(in_channels, 16)
        self.head = torch.nn.Linear(16, num_classes)

    def forward(self, x, edge_index, batch):
        h = self.conv(x, edge_index).relu()
        # the mean over each graph's nodes: batch says which graph a node is in
        return self.head(global_mean_pool(h, batch))


model = GraphClassifier(in_channels=1, num_classes=2)
predictions = model(batch.x, batch.edge_index, batch.batch)
print("predictions:", tuple(predictions.shape))

# Each graph's prediction is what the model gives for that graph alone
# (batch=None: all nodes are one graph); float32 sums in another order differ
# by far less than 1e-5 of the scale.
one_by_one = torch.cat([model(g.x, g.edge_index, None) for g in graphs])
scale = one_by_one.abs().max().item()
torch.testing.assert_close(predictions, one_by_one, rtol=0, atol=1e-5 * scale)
print("per-graph predictions match the graphs run one by one")
# --8<-- [end:model]

# --8<-- [start:train]
# %% Train on 800 cycles of 5 to 15 nodes, test on 200 others
dataset = [
    signed_cycle(int(num_nodes), smooth=bool(smooth))
    for num_nodes, smooth in zip(
        torch.randint(5, 16, (1000,)), torch.randint(0, 2, (1000,))
    )
]
train_graphs, test_graphs = dataset[:800], dataset[800:]
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(20):
    model.train()
    for graph_batch in DataLoader(train_graphs, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        logits = model(
            graph_batch.x, graph_batch.edge_index, graph_batch.batch
        )
        loss = torch.nn.functional.cross_entropy(logits, graph_batch.y)
        loss.backward()
        optimizer.step()

model.eval()
test_batch = next(iter(DataLoader(test_graphs, batch_size=len(test_graphs))))
with torch.no_grad():
    logits = model(test_batch.x, test_batch.edge_index, test_batch.batch)
correct = int((logits.argmax(dim=1) == test_batch.y).sum())
accuracy = correct / len(test_graphs)
print(f"held-out accuracy: {accuracy:.3f} ({correct} of {len(test_graphs)})")
# Guessing gets 0.5, give or take 0.5 / sqrt(200) = 0.035: ask for more
# than five times that above it.
assert accuracy > 0.5 + 5 * 0.5 / math.sqrt(len(test_graphs))
# --8<-- [end:train]

# --8<-- [start:figure]
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
# --8<-- [end:figure]
