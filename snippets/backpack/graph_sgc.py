# --8<-- [start:imports]
import warnings

import torch
from backpack import backpack, extend
from backpack.extensions import BatchGrad, DiagGGNExact
from torch import nn
from torch.func import jacrev

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv, SGConv
    from torch_geometric.utils import to_dense_adj

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")
# --8<-- [end:imports]

# --8<-- [start:unknown]
# %% Karate Club: 34 members, 4 communities, one labelled member per community
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
graph = KarateClub()[0].to(device)
train_mask = graph.train_mask
loss_function = extend(nn.CrossEntropyLoss())

# %% BackPACK does not know GCNConv
gcn = extend(GCNConv(graph.num_features, 4).to(device))
loss = loss_function(
    gcn(graph.x, graph.edge_index)[train_mask], graph.y[train_mask]
)
try:
    with backpack(DiagGGNExact()):
        loss.backward()
except NotImplementedError as error:
    print(f"second order on GCNConv: {type(error).__name__}: {error}")

loss = loss_function(
    gcn(graph.x, graph.edge_index)[train_mask], graph.y[train_mask]
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", UserWarning)
    with backpack(BatchGrad()):
        loss.backward()
assert not any(hasattr(p, "grad_batch") for p in gcn.parameters())
assert any("does not have an extension" in str(w.message) for w in caught)
print("first order on GCNConv: a warning, and no grad_batch on any parameter")
# --8<-- [end:unknown]

# --8<-- [start:sgc]
# %% SGC: propagate once with S = D^-1/2 (A + I) D^-1/2, then a plain Linear layer
adjacency = to_dense_adj(graph.edge_index, max_num_nodes=graph.num_nodes)[0]
adjacency = adjacency + torch.eye(graph.num_nodes, device=device)
inv_sqrt_degree = adjacency.sum(dim=1).pow(-0.5)
normalized = inv_sqrt_degree[:, None] * adjacency * inv_sqrt_degree[None, :]
# two hops, computed once; no parameters
features = normalized @ normalized @ graph.x

model = nn.Sequential(nn.Linear(graph.num_features, 4)).to(device)


def assert_matches(actual, expected):
    """Equal up to float32 rounding: 1e-5 of the largest entry (~100 ulps).

    Far below what the checks tell apart: a missing self-loop or 1/N.
    """
    tolerance = 1e-5 * expected.abs().max().item()
    torch.testing.assert_close(actual, expected, rtol=0, atol=tolerance)


# It is exactly PyG's SGConv(K=2), with the propagation taken out of the
# model.
sgconv = SGConv(graph.num_features, 4, K=2).to(device)
sgconv.lin.load_state_dict(model[0].state_dict())
assert_matches(model(features), sgconv(graph.x, graph.edge_index))
print("Linear(S @ S @ X) equals SGConv(K=2)")
# --8<-- [end:sgc]

# --8<-- [start:per_node]
# %% BackPACK on the SGC: per-node gradients and GGN diagonal, against autograd
model = extend(model)
loss = loss_function(model(features[train_mask]), graph.y[train_mask])
with backpack(BatchGrad(), DiagGGNExact()):
    loss.backward()

num_train = int(train_mask.sum())
weight = model[0].weight
for row, node in enumerate(train_mask.nonzero().flatten()):
    node_loss = loss_function(
        model(features[node : node + 1]), graph.y[node : node + 1]
    )
    node_grad = torch.autograd.grad(node_loss, weight)[0]
    # reduction="mean" over the labelled nodes: 1/num_train of each
    assert_matches(weight.grad_batch[row], node_grad / num_train)


def train_loss(weight, bias):
    logits = nn.functional.linear(features[train_mask], weight, bias)
    return nn.functional.cross_entropy(logits, graph.y[train_mask])


# A model linear in its parameters: its GGN is the Hessian (torch.func).
params = (weight.detach(), model[0].bias.detach())
hessian = jacrev(jacrev(train_loss, argnums=(0, 1)), argnums=(0, 1))(*params)
for index, p in enumerate(model.parameters()):
    block = hessian[index][index].reshape(p.numel(), p.numel())
    assert_matches(p.diag_ggn_exact.flatten(), block.diagonal())
print(
    f"per-node gradients {tuple(weight.grad_batch.shape)} "
    "and GGN diagonal match autograd"
)
# --8<-- [end:per_node]

# --8<-- [start:train]
# %% Train it with the damped diagonal GGN step
for step in range(100):
    model.zero_grad()
    loss = loss_function(model(features[train_mask]), graph.y[train_mask])
    with backpack(DiagGGNExact()):
        loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad / (p.diag_ggn_exact + 1e-2)

# Accuracy on the 30 members whose community the model was not trained on
unlabelled = ~train_mask
predictions = model(features[unlabelled]).argmax(dim=1)
correct = int((predictions == graph.y[unlabelled]).sum())
print(
    f"communities predicted correctly: {correct} of "
    f"{int(unlabelled.sum())} unlabelled members"
)
# --8<-- [end:train]
