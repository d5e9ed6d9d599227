# --8<-- [start:imports]
import warnings

import torch
from backpack.hessianfree.ggnvp import ggn_vector_product
from backpack.hessianfree.hvp import hessian_vector_product
from torch import nn
from torch.func import functional_call, grad, jvp, vjp

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv
# --8<-- [end:imports]


# --8<-- [start:setup]
# %% The two-layer GCN of the PyG page, on the Karate Club
class GCN(nn.Module):
    def __init__(self, in_channels, hidden_channels, num_classes):
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden_channels)
        self.conv2 = GCNConv(hidden_channels, num_classes)

    def forward(self, x, edge_index):
        h = self.conv1(x, edge_index).relu()
        return self.conv2(h, edge_index)


torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
graph = KarateClub()[0].to(device)
train_mask = graph.train_mask
model = GCN(graph.num_features, 16, 4).to(device)
params = dict(model.named_parameters())


def loss_of_logits(logits):
    """Mean cross-entropy over the four labelled members."""
    return nn.functional.cross_entropy(logits[train_mask], graph.y[train_mask])


# --8<-- [end:setup]


# --8<-- [start:products]
# %% BackPACK's matrix-free products: no extend(), plain autograd graphs
logits = model(graph.x, graph.edge_index)
loss = loss_of_logits(logits)
vector = [torch.randn_like(p) for p in params.values()]
ggn_v = ggn_vector_product(loss, logits, model, vector)
hessian_v = hessian_vector_product(loss, list(params.values()), vector)
# --8<-- [end:products]


# --8<-- [start:hvp_reference]
# %% Independent references: double backward, and forward mode (torch.func)
# Hessian-vector product: the gradient of (gradient . v), backward twice
gradients = torch.autograd.grad(
    loss_of_logits(model(graph.x, graph.edge_index)),
    list(params.values()),
    create_graph=True,
)
gradient_dot_v = sum((g * v).sum() for g, v in zip(gradients, vector))
hessian_v_reference = torch.autograd.grad(
    gradient_dot_v, list(params.values())
)
# --8<-- [end:hvp_reference]


# --8<-- [start:ggnvp_reference]
# GGN-vector product J^T H_out J v: push v forward through the network (J v)
# in forward mode, multiply by the Hessian of the loss with respect to the
# logits, pull the result back (J^T)
def logits_of(params):
    return functional_call(model, params, (graph.x, graph.edge_index))


detached = {name: p.detach() for name, p in params.items()}
tangent = dict(zip(params, vector))
# The first forward-mode call loads PyTorch's rules with torch.jit.script,
# which PyTorch 2.14 deprecates itself.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    reference_logits, logits_v = jvp(logits_of, (detached,), (tangent,))
_, output_hessian_logits_v = jvp(
    grad(loss_of_logits), (reference_logits,), (logits_v,)
)
_, pull_back = vjp(logits_of, detached)
(ggn_v_reference,) = pull_back(output_hessian_logits_v)
# --8<-- [end:ggnvp_reference]


# --8<-- [start:compare]
def relative_error(products, references):
    difference = [a - b for a, b in zip(products, references)]
    norm = torch.cat([d.flatten() for d in difference]).norm()
    return (norm / torch.cat([r.flatten() for r in references]).norm()).item()


# float32 rounding along different routes (BackPACK's R-op against double
# backward and forward mode): a relative error of 1e-5 is about a hundred float32 ulps, far below
# the gap between the GGN and the Hessian that the checks tell apart.
ggn_error = relative_error(ggn_v, ggn_v_reference.values())
hessian_error = relative_error(hessian_v, hessian_v_reference)
assert ggn_error < 1e-5, ggn_error
assert hessian_error < 1e-5, hessian_error
print("GGN-vector product on GCNConv matches torch.func (J^T H_out J v)")
print("Hessian-vector product on GCNConv matches double backward")
gap = relative_error(hessian_v, ggn_v)
print(f"|Hv - Gv| / |Gv| = {gap:.2f}: the two curvatures differ")
# --8<-- [end:compare]
