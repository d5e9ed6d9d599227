import copy
import warnings

import torch
from backpack import backpack, extend
from backpack.extensions import BatchGrad, DiagGGNExact
from backpack.extensions.firstorder.base import FirstOrderModuleExtension
from torch import nn
from torch.func import functional_call, grad, vmap

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")


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


# %% The extension: per-sample gradient of y_i = x_i * w is dL/dy_i * x_i
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

# %% Check every parameter's grad_batch against torch.func
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
