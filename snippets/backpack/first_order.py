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

# %% A small classifier and a batch of synthetic data
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
N = 32
inputs = torch.randn(N, 5, device=device)
labels = torch.randint(0, 3, (N,), device=device)
model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).to(device)
reference = copy.deepcopy(model)  # an untouched copy for the independent check
loss_function = (
    nn.CrossEntropyLoss()
)  # reduction="mean": the loss is (1/N) sum_i loss_i

# %% Four first-order quantities in one backward pass
model = extend(model)
loss_function = extend(loss_function)
loss = loss_function(model(inputs), labels)
with backpack(BatchGrad(), BatchL2Grad(), SumGradSquared(), Variance()):
    loss.backward()

# %% The reference: per-sample gradients with torch.func, one vmap over the batch
params = {name: p.detach() for name, p in reference.named_parameters()}


def sample_loss(params, x, label):
    logits = functional_call(reference, params, (x.unsqueeze(0),))
    return nn.functional.cross_entropy(logits, label.unsqueeze(0))


per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(
    params, inputs, labels
)

# %% Compare, parameter by parameter
for name, p in model.named_parameters():
    g = (
        per_sample[name] / N
    )  # reduction="mean" scales every sample's gradient by 1/N
    torch.testing.assert_close(p.grad_batch, g)
    torch.testing.assert_close(p.batch_l2, (g**2).flatten(1).sum(1))
    torch.testing.assert_close(p.sum_grad_squared, (g**2).sum(0))
    torch.testing.assert_close(p.variance, g.var(0, correction=0))
    torch.testing.assert_close(
        p.grad_batch.sum(0), p.grad
    )  # the usual gradient is their sum
    print(
        f"{name:8} grad_batch {tuple(p.grad_batch.shape)}: all four match torch.func"
    )
