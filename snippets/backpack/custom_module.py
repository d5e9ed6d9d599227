# --8<-- [start:imports]
import copy
import warnings

import torch
from backpack import backpack, extend
from backpack.core.derivatives.basederivatives import BaseParameterDerivatives
from backpack.extensions import BatchGrad, DiagGGNExact
from backpack.extensions.firstorder.base import FirstOrderModuleExtension
from backpack.extensions.secondorder.diag_ggn.diag_ggn_base import (
    DiagGGNBaseModule,
)
from backpack.utils.subsampling import subsample
from torch import nn
from torch.func import functional_call, grad, jacrev, vmap

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")
# --8<-- [end:imports]


# --8<-- [start:layer]
# %% A layer BackPACK does not know: a learnable scale per feature
class Scale(nn.Module):
    """y = x * weight, elementwise over the last dimension."""

    def __init__(self, features):
        super().__init__()
        self.weight = nn.Parameter(1 + 0.1 * torch.randn(features))

    def forward(self, x):
        return x * self.weight


torch.manual_seed(0)
N = 16
inputs = torch.randn(N, 4)
labels = torch.randint(0, 3, (N,))
model = nn.Sequential(nn.Linear(4, 6), Scale(6), nn.ReLU(), nn.Linear(6, 3))
reference = copy.deepcopy(model)
model = extend(model)
loss_function = extend(nn.CrossEntropyLoss())
# --8<-- [end:layer]

# --8<-- [start:unknown]
# %% What fails: second order raises, first order warns and skips the layer
try:
    with backpack(DiagGGNExact()):
        loss_function(model(inputs), labels).backward()
except NotImplementedError as error:
    print(f"DiagGGNExact: {error}")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", UserWarning)
    with backpack(BatchGrad()):
        loss_function(model(inputs), labels).backward()
assert any("does not have an extension" in str(w.message) for w in caught)
assert not hasattr(model[1].weight, "grad_batch")
print("BatchGrad: a warning, and no grad_batch on Scale.weight")
# --8<-- [end:unknown]


# --8<-- [start:first_order]
# %% First order: per-sample gradient of y_i = x_i * w is dL/dy_i * x_i
class ScaleBatchGrad(FirstOrderModuleExtension):
    def __init__(self):
        super().__init__(params=["weight"])

    def weight(self, extension, module, g_inp, g_out, backproped):
        # g_out[0]: the loss's gradient with respect to the module's output,
        # one row per sample; module.input0: the input BackPACK stored
        return g_out[0] * module.input0


batch_grad = BatchGrad()
batch_grad.set_module_extension(Scale, ScaleBatchGrad())
with backpack(batch_grad):
    loss_function(model(inputs), labels).backward()
# --8<-- [end:first_order]

# --8<-- [start:first_order_check]
# Check every parameter's grad_batch against torch.func
params = {name: p.detach() for name, p in reference.named_parameters()}


def sample_loss(params, x, label):
    logits = functional_call(reference, params, (x.unsqueeze(0),))
    return nn.functional.cross_entropy(logits, label.unsqueeze(0))


per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(
    params, inputs, labels
)
for name, p in model.named_parameters():
    # reduction="mean": each sample's gradient scaled by 1/N; float32
    # rounding allowed at 1e-5 of the largest entry
    expected = per_sample[name] / N
    tolerance = 1e-5 * expected.abs().max().item()
    torch.testing.assert_close(p.grad_batch, expected, rtol=0, atol=tolerance)
print(
    f"with ScaleBatchGrad: grad_batch of all {len(per_sample)} parameters "
    "matches torch.func"
)
# --8<-- [end:first_order_check]


# --8<-- [start:second_order]
# %% Second order: the layer's transposed Jacobians, applied to the
# backpropagated matrix square root of the GGN (V vectors per sample,
# mat of shape [V, N, 6])
class ScaleDerivatives(BaseParameterDerivatives):
    def _jac_t_mat_prod(self, module, g_inp, g_out, mat, subsampling=None):
        # with respect to the input: dy/dx = diag(w)
        return mat * module.weight

    def _weight_jac_t_mat_prod(
        self, module, g_inp, g_out, mat, sum_batch=True, subsampling=None
    ):
        # with respect to the weight: dy/dw = diag(x), sample by sample
        product = mat * subsample(module.input0, subsampling=subsampling)
        return product.sum(1) if sum_batch else product


# DiagGGNBaseModule squares and sums what the weight's rule returns, and
# passes what the input's rule returns on to the layers below.
diag_ggn = DiagGGNExact()
diag_ggn.set_module_extension(
    Scale,
    DiagGGNBaseModule(ScaleDerivatives(), params=["weight"], sum_batch=True),
)
with backpack(diag_ggn):
    loss_function(model(inputs), labels).backward()
# --8<-- [end:second_order]

# --8<-- [start:check]
# %% Check against the dense GGN J^T H_out J by torch.func, in float64
reference = reference.double()
names = [name for name, _ in reference.named_parameters()]
shapes = [p.shape for p in reference.parameters()]
theta = torch.cat([p.detach().flatten() for p in reference.parameters()])


def logits_of(theta):
    chunks = theta.split([shape.numel() for shape in shapes])
    params = {n: c.view(s) for n, c, s in zip(names, chunks, shapes)}
    return functional_call(reference, params, (inputs.double(),))


def loss_of(logits):
    return nn.functional.cross_entropy(logits, labels)


jacobian = jacrev(logits_of)(theta).flatten(0, 1)
output_hessian = jacrev(jacrev(loss_of))(logits_of(theta)).flatten(0, 1)
ggn = jacobian.T @ output_hessian.flatten(1) @ jacobian
ggn_diagonal = ggn.diagonal().float()
backpack_diagonal = torch.cat(
    [p.diag_ggn_exact.flatten() for p in model.parameters()]
)
# float32 rounding in BackPACK: 1e-5 of the largest entry
tolerance = 1e-5 * ggn_diagonal.abs().max().item()
torch.testing.assert_close(
    backpack_diagonal, ggn_diagonal, rtol=0, atol=tolerance
)
print(
    f"with DiagGGNBaseModule: diag_ggn_exact of all {len(names)} "
    "parameters matches torch.func"
)
# --8<-- [end:check]
