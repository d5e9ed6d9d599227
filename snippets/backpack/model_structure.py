# --8<-- [start:imports]
import copy
import warnings

import torch
from backpack import backpack, extend
from backpack.extensions import DiagGGNExact
from torch import nn
from torch.func import functional_call, jacrev

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")
# --8<-- [end:imports]


# --8<-- [start:model]
# %% A model that is not an nn.Sequential: its own forward(), a residual sum
class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 4)
        self.activation = nn.Tanh()
        self.readout = nn.Linear(4, 3)

    def forward(self, x):
        return self.readout(x + self.activation(self.hidden(x)))


torch.manual_seed(0)
N = 16
inputs = torch.randn(N, 4)
labels = torch.randint(0, 3, (N,))
loss_function = extend(nn.CrossEntropyLoss())
# --8<-- [end:model]

# --8<-- [start:raises]
# %% Extended as it is, a second-order extension raises
model = Residual()
reference = copy.deepcopy(model)
try:
    with backpack(DiagGGNExact()):
        loss_function(extend(model)(inputs), labels).backward()
except NotImplementedError as error:
    print(f"extend(model): NotImplementedError: {error}")
# --8<-- [end:raises]

# --8<-- [start:converter]
# %% use_converter=True traces it with torch.fx into modules BackPACK knows
converted = extend(copy.deepcopy(reference), use_converter=True)
with backpack(DiagGGNExact()):
    loss_function(converted(inputs), labels).backward()
print(f"extend(model, use_converter=True): {type(converted).__name__}")
# --8<-- [end:converter]

# --8<-- [start:check]
# %% Check the GGN diagonal against J^T H_out J by torch.func, in float64
# The converter keeps the parameter names; the reference runs in float64.
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


logits = logits_of(theta)
jacobian = jacrev(logits_of)(theta).flatten(0, 1)
output_hessian = jacrev(jacrev(loss_of))(logits).flatten(0, 1).flatten(1)
ggn_diagonal = (jacobian.T @ output_hessian @ jacobian).diagonal().float()
backpack_diagonal = torch.cat(
    [
        dict(converted.named_parameters())[n].diag_ggn_exact.flatten()
        for n in names
    ]
)
# float32 rounding in BackPACK: 1e-5 of the largest entry
tolerance = 1e-5 * ggn_diagonal.abs().max().item()
torch.testing.assert_close(
    backpack_diagonal, ggn_diagonal, rtol=0, atol=tolerance
)
print("its diag_ggn_exact matches torch.func")
# --8<-- [end:check]


# --8<-- [start:functional]
# %% A functional call is no module: the converter warns, the extension fails
class FunctionalTanh(Residual):
    def forward(self, x):
        return self.readout(x + torch.tanh(self.hidden(x)))


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", UserWarning)
    converted = extend(FunctionalTanh(), use_converter=True)
assert any("may break second-order" in str(w.message) for w in caught)
try:
    with backpack(DiagGGNExact()):
        loss_function(converted(inputs), labels).backward()
except AssertionError as error:
    # BackPACK's own check: nothing was backpropagated to the hidden layer
    print(f"torch.tanh in forward(): {str(error).split('.')[0]}")
# --8<-- [end:functional]
