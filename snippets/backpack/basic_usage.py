# --8<-- [start:imports]
import warnings

import torch
from backpack import backpack, extend
from backpack.extensions import (
    KFAC,
    KFLR,
    KFRA,
    BatchGrad,
    BatchL2Grad,
    DiagGGNExact,
    DiagGGNMC,
    DiagHessian,
    SumGradSquared,
    Variance,
)
from torch import nn

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")
# --8<-- [end:imports]

# --8<-- [start:extend]
# %% Extend the model and the loss
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
N = 16
inputs = torch.randn(N, 4, device=device)
labels = torch.randint(0, 3, (N,), device=device)
model = extend(
    nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3)).to(device)
)
loss_function = extend(nn.CrossEntropyLoss())
# --8<-- [end:extend]

# --8<-- [start:extensions]
# %% Backward inside `with backpack(...)`: each extension writes one attribute on each parameter
extensions = [
    BatchGrad(),
    BatchL2Grad(),
    SumGradSquared(),
    Variance(),
    DiagGGNExact(),
    DiagGGNMC(),
    DiagHessian(),
    KFAC(),
    KFLR(),
    KFRA(),
]
loss = loss_function(model(inputs), labels)
with backpack(*extensions):
    loss.backward()

# the first layer's weight, 6 x 4
weight = model[0].weight
print(f"{'(autograd)':15} -> .grad             {tuple(weight.grad.shape)}")
for extension in extensions:
    result = getattr(weight, extension.savefield)
    shapes = (
        [tuple(f.shape) for f in result]
        if isinstance(result, list)
        else tuple(result.shape)
    )
    print(
        f"{type(extension).__name__:15} -> .{extension.savefield:16} {shapes}"
    )
# --8<-- [end:extensions]

# --8<-- [start:sum]
# %% The reduction="mean" pitfall: per-sample results belong to loss_i / N, not to loss_i
grad_batch_mean, batch_l2_mean = (
    weight.grad_batch.clone(),
    weight.batch_l2.clone(),
)

loss_function_sum = extend(nn.CrossEntropyLoss(reduction="sum"))
loss = loss_function_sum(model(inputs), labels)
with backpack(BatchGrad(), BatchL2Grad()):
    loss.backward()

# With reduction="sum", row 0 is the gradient of sample 0's own loss, as
# plain autograd gives it.
weight_grad_0 = torch.autograd.grad(
    loss_function(model(inputs[:1]), labels[:1]), weight
)[0]


def assert_matches(actual, expected):
    """Equal up to float32 rounding: 1e-5 of the largest entry (~100 ulps).

    Far tighter than the factors N and N^2 that the checks tell apart.
    """
    tolerance = 1e-5 * expected.abs().max().item()
    torch.testing.assert_close(actual, expected, rtol=0, atol=tolerance)


assert_matches(weight.grad_batch[0], weight_grad_0)
# --8<-- [end:sum]

# --8<-- [start:accumulate]
# The "sum" results replaced the "mean" ones (no accumulation); they differ
# by N and N^2.
assert_matches(grad_batch_mean * N, weight.grad_batch)
assert_matches(batch_l2_mean * N**2, weight.batch_l2)

# zero_grad clears .grad, not BackPACK's attributes
model.zero_grad()
assert weight.grad is None and weight.grad_batch is not None
print(
    f"reduction='mean': grad_batch is 1/N, batch_l2 is 1/N^2 of the per-sample value (N={N})"
)
# --8<-- [end:accumulate]
