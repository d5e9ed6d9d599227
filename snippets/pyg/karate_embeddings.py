# --8<-- [start:data]
# %% Imports and data
import warnings

import matplotlib.pyplot as plt
import torch

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv

torch.manual_seed(0)
graph = KarateClub()[0]
print(graph)
print(
    "training nodes (one per community):",
    graph.train_mask.nonzero().flatten().tolist(),
)

# --8<-- [end:data]


# --8<-- [start:model]
# %% A GCN whose last hidden layer has two dimensions, so we can draw it
class GCN(torch.nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.conv1 = GCNConv(in_channels, 16)
        self.conv2 = GCNConv(16, 2)
        self.classifier = torch.nn.Linear(2, num_classes)

    def forward(self, x, edge_index):
        h = self.conv1(x, edge_index).relu()
        embedding = self.conv2(h, edge_index)
        return self.classifier(embedding), embedding


model = GCN(graph.num_features, num_classes=4)
_, untrained = model(graph.x, graph.edge_index)
# --8<-- [end:model]

# --8<-- [start:train]
# %% Train on the four labelled nodes only
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(200):
    optimizer.zero_grad()
    logits, _ = model(graph.x, graph.edge_index)
    loss = torch.nn.functional.cross_entropy(
        logits[graph.train_mask], graph.y[graph.train_mask]
    )
    loss.backward()
    optimizer.step()

# %% Score on the 30 members the model never saw a label for
model.eval()
logits, trained = model(graph.x, graph.edge_index)
unlabelled = ~graph.train_mask
predicted = logits.argmax(dim=1)
correct = int((predicted[unlabelled] == graph.y[unlabelled]).sum())
print(
    f"unlabelled members in their community: {correct} of "
    f"{int(unlabelled.sum())}"
)
# --8<-- [end:train]

# --8<-- [start:figure]
# %% Node embeddings before and after training, coloured by community
fig, axes = plt.subplots(1, 2, figsize=(8, 3.6))
for ax, embedding, title in zip(
    axes, [untrained, trained], ["untrained", "after training"]
):
    points = embedding.detach().numpy()
    ax.scatter(
        points[:, 0],
        points[:, 1],
        c=graph.y.numpy(),
        cmap="tab10",
        vmax=9,
        s=40,
    )
    ax.set_title(f"GCN embedding, {title}")
    ax.set_xlabel("dimension 1")
    ax.grid(alpha=0.3)
axes[0].set_ylabel("dimension 2")
fig.tight_layout()
fig.savefig("karate_embeddings.png", dpi=80)
# --8<-- [end:figure]
