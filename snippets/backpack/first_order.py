# --8<-- [start:imports]
import copy
import warnings

import torch
from backpack import backpack, extend
from backpack.extensions import (
    BatchGrad,
    BatchL2Grad,
    SumGradSquared,
    Variance,
)
from torch import nn
from torch.func import functional_call, grad, vmap

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")
# --8<-- [end:imports]

# --8<-- [start:backpack]
# %% A small classifier and a batch of synthetic data
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
N = 32
inputs = torch.randn(N, 5, device=device)
labels = torch.randint(0, 3, (N,), device=device)
model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).to(device)
# an untouched copy for the independent check
reference = copy.deepcopy(model)
# reduction="mean": the loss is (1/N) sum_i loss_i
loss_function = nn.CrossEntropyLoss()

# %% Four first-order quantities in one backward pass
model = extend(model)
loss_function = extend(loss_function)
loss = loss_function(model(inputs), labels)
with backpack(BatchGrad(), BatchL2Grad(), SumGradSquared(), Variance()):
    loss.backward()
# --8<-- [end:backpack]

# --8<-- [start:reference]
# %% The reference: per-sample gradients with torch.func, one vmap over the batch
params = {name: p.detach() for name, p in reference.named_parameters()}


def sample_loss(params, x, label):
    logits = functional_call(reference, params, (x.unsqueeze(0),))
    return nn.functional.cross_entropy(logits, label.unsqueeze(0))


per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(
    params, inputs, labels
)
# --8<-- [end:reference]

# --8<-- [start:compare]
# %% Compare, parameter by parameter


def assert_matches(actual, expected, scale):
    """Equal up to float32 rounding, relative to the quantity's scale.

    BackPACK and torch.func sum in different orders, so results differ in
    the last bits: allow 1e-5 of the largest entry of `scale` (about a
    hundred float32 ulps), far below the wrong answers (a factor N, N - 1
    against N in a variance) that the check must tell apart.
    """
    tolerance = 1e-5 * scale.abs().max().item()
    torch.testing.assert_close(actual, expected, rtol=0, atol=tolerance)


for name, p in model.named_parameters():
    # reduction="mean" scales every sample's gradient by 1/N
    g = per_sample[name] / N
    assert_matches(p.grad_batch, g, scale=g)
    squared_norms = (g**2).flatten(1).sum(1)
    assert_matches(p.batch_l2, squared_norms, scale=squared_norms)
    second_moment = (g**2).sum(0)
    assert_matches(p.sum_grad_squared, second_moment, scale=second_moment)
    # BackPACK subtracts the squared mean from the second moment, so its
    # rounding error scales with the second moment, not with the variance.
    variance = g.var(0, correction=0)
    assert_matches(p.variance, variance, scale=second_moment / N)
    # the usual gradient is their sum
    assert_matches(p.grad_batch.sum(0), p.grad, scale=p.grad_batch)
    print(
        f"{name:8} grad_batch {tuple(p.grad_batch.shape)}: "
        "all four match torch.func"
    )
# --8<-- [end:compare]
