# --8<-- [start:setup]
import warnings

import matplotlib.pyplot as plt
import networkx as nx
import torch
from captum.attr import IntegratedGradients
from torch import nn

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.explain import CaptumExplainer, Explainer
    from torch_geometric.nn import GCNConv, to_captum_input, to_captum_model
    from torch_geometric.utils import k_hop_subgraph, to_networkx

# %% The site's GCN body with a linear head for the four communities, trained on Karate Club
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
# x is the 34 x 34 identity: each member's feature is its id
graph = KarateClub()[0].to(device)


class GCN(nn.Module):
    def __init__(self, in_channels, hidden_channels=16, num_classes=4):
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden_channels)
        self.conv2 = GCNConv(hidden_channels, hidden_channels)
        self.head = nn.Linear(hidden_channels, num_classes)

    def forward(self, x, edge_index):
        h = self.conv1(x, edge_index).relu()
        h = self.conv2(h, edge_index).relu()
        return self.head(h)


model = GCN(graph.num_features).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(100):
    optimizer.zero_grad()
    logits = model(graph.x, graph.edge_index)
    loss = nn.functional.cross_entropy(
        logits[graph.train_mask], graph.y[graph.train_mask]
    )
    loss.backward()
    optimizer.step()
model.eval()
with torch.no_grad():
    predicted = model(graph.x, graph.edge_index).argmax(dim=1)
unseen = ~graph.train_mask
correct = int((predicted[unseen] == graph.y[unseen]).sum())
print(
    f"correct on {correct} of the {int(unseen.sum())} members not trained on"
)
# --8<-- [end:setup]

# --8<-- [start:explain]
# %% Explain one member's prediction with integrated gradients, through PyG's Explainer
NODE = 5
explainer = Explainer(
    model,
    algorithm=CaptumExplainer("IntegratedGradients", n_steps=64),
    explanation_type="model",  # explain the model's own prediction (its argmax class)
    model_config=dict(
        mode="multiclass_classification", task_level="node", return_type="raw"
    ),
    node_mask_type="attributes",  # one attribution per node feature: [num_nodes, num_features]
    edge_mask_type="object",  # one attribution per edge: [num_edges]
)
explanation = explainer(graph.x, graph.edge_index, index=NODE)
target = int(explanation.target[NODE])
node_mask, edge_mask = explanation.node_mask, explanation.edge_mask
print(
    f"member {NODE}: predicted community {target}, true community {int(graph.y[NODE])}"
)
print(
    f"node_mask {tuple(node_mask.shape)}, edge_mask {tuple(edge_mask.shape)}"
)

# Two GCN layers see two hops: outside that neighbourhood every attribution is exactly zero.
subset, _, _, in_reach = k_hop_subgraph(
    NODE, 2, graph.edge_index, num_nodes=graph.num_nodes
)
outside = torch.ones(graph.num_nodes, dtype=torch.bool, device=device)
outside[subset] = False
assert (node_mask[outside] == 0).all() and (edge_mask[~in_reach] == 0).all()
print(
    f"nonzero only within two hops: {len(subset)} members, {int(in_reach.sum())} edges"
)
# --8<-- [end:explain]


# --8<-- [start:dense]
# %% Completeness on a graph: the baseline is "no features, no messages along any edge"
def dense_gcn(x, edge_weight):
    """The same model with dense matrices; the message along edge e is scaled by edge_weight[e].

    GCNConv adds a self-loop to every node and normalises with the degrees of the
    full graph, self-loops included, whatever the mask.
    """
    source, destination = graph.edge_index
    n = graph.num_nodes
    self_loops = torch.eye(n, device=device)
    empty = torch.zeros(n, n, device=device)
    edges = empty.index_put(
        (destination, source), torch.ones_like(edge_weight)
    )
    degree = (edges + self_loops).sum(dim=1)
    messages = empty.index_put((destination, source), edge_weight) + self_loops
    scale = degree.pow(-0.5)
    propagate = scale[:, None] * messages * scale[None, :]
    h = (propagate @ x @ model.conv1.lin.weight.T + model.conv1.bias).relu()
    h = (propagate @ h @ model.conv2.lin.weight.T + model.conv2.bias).relu()
    return model.head(h)


# --8<-- [end:dense]

# --8<-- [start:completeness]
all_edges = torch.ones(graph.num_edges, device=device)
with torch.no_grad():
    logits = model(graph.x, graph.edge_index)
    # Dense and sparse sums add in different orders: float32 rounding, far
    # below the change that a missing self-loop or degree makes.
    torch.testing.assert_close(
        dense_gcn(graph.x, all_edges),
        logits,
        atol=1e-5 * logits.abs().max().item(),
        rtol=0,
    )
    at_input = dense_gcn(graph.x, all_edges)[NODE, target]
    at_baseline = dense_gcn(
        torch.zeros_like(graph.x), torch.zeros_like(all_edges)
    )[NODE, target]
difference = at_input - at_baseline
total = node_mask.sum() + edge_mask.sum()
# 1 % of the difference: room for the error of the 64-point quadrature of a
# piecewise-constant (ReLU) integrand, 0.04 % here, and for float32 rounding.
tolerance = 1e-2 * difference.abs().item()
torch.testing.assert_close(total, difference, atol=tolerance, rtol=0)
print(f"F(x) - F(baseline) = {difference:.2f}")
print(
    f"  = node attributions {node_mask.sum():.2f}"
    f" + edge attributions {edge_mask.sum():.2f}"
)
# --8<-- [end:completeness]

# --8<-- [start:low_level]
# %% The same numbers from the low-level path, which also returns Captum's convergence delta
captum_model = to_captum_model(
    model, mask_type="node_and_edge", output_idx=NODE
)
inputs, additional_forward_args = to_captum_input(
    graph.x, graph.edge_index, "node_and_edge"
)
(node_attribution, edge_attribution), delta = IntegratedGradients(
    captum_model
).attribute(
    inputs,  # (x, edge mask of ones), each with a leading batch dimension of 1
    target=target,
    additional_forward_args=additional_forward_args,
    internal_batch_size=1,  # the wrapped model takes one graph at a time
    n_steps=64,
    return_convergence_delta=True,
)
# The same computation; on a GPU, scatter-adds may sum in another order.
for low_level, mask in (
    (node_attribution, node_mask),
    (edge_attribution, edge_mask),
):
    torch.testing.assert_close(
        low_level[0], mask, atol=1e-5 * mask.abs().max().item(), rtol=0
    )
assert abs(delta.item()) < tolerance
print(
    "to_captum_model gives the same masks; |delta| below 1 % of F(x) - F(baseline)"
)
# --8<-- [end:low_level]


# --8<-- [start:by_hand]
# %% IG by hand: Captum on the dense model, whose edge weights are an input
def node_logits(x, edge_weight):
    """The logits of member NODE, for a batch of one graph."""
    return dense_gcn(x[0], edge_weight[0])[NODE][None]


by_hand = IntegratedGradients(node_logits).attribute(
    (graph.x[None], all_edges[None]),
    baselines=(
        torch.zeros_like(graph.x)[None],
        torch.zeros_like(all_edges)[None],
    ),
    target=target,
    internal_batch_size=1,
    n_steps=64,
)
# The same integrand at the same 64 points; only the order of float32 sums
# differs (dense products against sparse scatters).
for hand, mask in zip(by_hand, (node_mask, edge_mask)):
    scale = mask.abs().max().item()
    torch.testing.assert_close(hand[0], mask, atol=1e-4 * scale, rtol=0)
# Identity features: x - baseline is 0 off the diagonal, so node_mask is too
off_diagonal = ~torch.eye(graph.num_nodes, dtype=torch.bool, device=device)
assert (node_mask[off_diagonal] == 0).all()
print("IG by hand on the dense model gives the Explainer's masks")
# --8<-- [end:by_hand]

# --8<-- [start:importance]
# %% Which members and edges carry the prediction
# Identity features: one nonzero entry per row, the importance of that member
importance = node_mask.sum(dim=1).cpu()
club = to_networkx(graph.cpu(), to_undirected=True)
edge_importance = dict.fromkeys(club.edges, 0.0)
for (source, destination), value in zip(
    graph.edge_index.t().tolist(), edge_mask.tolist()
):
    # Both directions of an edge together
    edge_importance[min(source, destination), max(source, destination)] += (
        value
    )
top_members = importance.argsort(descending=True)[:4].tolist()
top_edges = sorted(edge_importance, key=edge_importance.get, reverse=True)[:4]
print(f"most important members: {top_members}, edges: {top_edges}")
# With its neighbours other than the hub, HUB, the member carries most of the
# attribution, and its edges to them are among the top four.
HUB = 0
others = sorted(set(club.neighbors(NODE)) - {HUB})
share = importance[[NODE, *others]].sum() / importance.sum()
print(
    f"member {NODE} and neighbours {others} carry {share:.0%} of node attribution"
)
to_them = {tuple(sorted((NODE, other))) for other in others}
assert share > 0.5
assert to_them <= set(top_edges)
# The hub adds little: less than a tenth
hub_share = importance[HUB] / importance.sum()
assert hub_share < 0.1
print(f"the hub, member {HUB}, a neighbour too, carries {hub_share:.0%}")
# --8<-- [end:importance]

# --8<-- [start:figure]
# %% Draw the club, each member coloured by its attribution
positions = nx.spring_layout(club, seed=0)
largest = max(abs(value) for value in edge_importance.values())
widths = [
    0.3 + 4 * abs(edge_importance[edge]) / largest for edge in club.edges
]
fig, ax = plt.subplots(figsize=(5.6, 4.4))
limit = importance.abs().max().item()
nx.draw_networkx_edges(
    club, positions, ax=ax, width=widths, edge_color="darkgray"
)
nodes = nx.draw_networkx_nodes(
    club,
    positions,
    ax=ax,
    node_color=importance.tolist(),
    cmap="RdBu_r",
    vmin=-limit,
    vmax=limit,
)
nodes.set_edgecolor(
    ["black" if node == NODE else "lightgray" for node in club.nodes]
)
# White labels on the dark nodes, black on the light ones
dark = {node for node in club.nodes if abs(importance[node]) > limit / 2}
for members, colour in ((dark, "white"), (set(club.nodes) - dark, "black")):
    nx.draw_networkx_labels(
        club,
        positions,
        labels={node: node for node in members},
        ax=ax,
        font_size=7,
        font_color=colour,
    )
fig.colorbar(
    nodes, ax=ax, label=f"IG attribution to the logit of community {target}"
)
ax.set_title(
    f"Why member {NODE} is in community {target}\n(edge width: |attribution|)"
)
ax.axis("off")
fig.tight_layout()
# Text stays text in the SVG file: small, and sharp at any zoom
plt.rcParams["svg.fonttype"] = "none"
fig.savefig("graph_attributions.svg")
# --8<-- [end:figure]
