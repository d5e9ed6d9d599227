import copy
import warnings

import torch
from backpack import backpack, extend
from backpack.extensions import DiagGGNExact, DiagGGNMC, DiagHessian
from torch import nn
from torch.func import functional_call, jacrev

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")

# %% A small Tanh network (its curvature makes the Hessian differ from the GGN)
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
N = 16
inputs = torch.randn(N, 4, device=device)
labels = torch.randint(0, 3, (N,), device=device)
model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)).to(device)
reference = copy.deepcopy(model)

model = extend(model)
loss_function = extend(nn.CrossEntropyLoss())
loss = loss_function(model(inputs), labels)
with backpack(DiagGGNExact(), DiagHessian(), DiagGGNMC(mc_samples=1000)):
    loss.backward()


def flat(attribute):
    """One BackPACK result for all parameters, as a single vector."""
    return torch.cat(
        [getattr(p, attribute).flatten() for p in model.parameters()]
    )


# %% The exact references: dense Hessian and GGN of the loss over all 51 parameters
names = [name for name, _ in reference.named_parameters()]
shapes = [p.shape for p in reference.parameters()]
theta = torch.cat([p.detach().flatten() for p in reference.parameters()])


def logits_of(theta):
    chunks = theta.split([shape.numel() for shape in shapes])
    params = {n: c.view(s) for n, c, s in zip(names, chunks, shapes)}
    return functional_call(reference, params, (inputs,))


def loss_of(logits):
    return nn.functional.cross_entropy(logits, labels)


full_hessian = jacrev(jacrev(lambda t: loss_of(logits_of(t))))(
    theta
)  # 51 x 51
jacobian = jacrev(logits_of)(theta).flatten(0, 1)  # (N*3) x 51
output_hessian = (
    jacrev(jacrev(loss_of))(logits_of(theta)).flatten(0, 1).flatten(1)
)  # (N*3) x (N*3)
full_ggn = jacobian.T @ output_hessian @ jacobian  # G = J^T H_out J

# %% Compare
torch.testing.assert_close(flat("diag_ggn_exact"), full_ggn.diagonal())
torch.testing.assert_close(flat("diag_h"), full_hessian.diagonal())
print(
    f"diag_ggn_exact = diag(J^T H_out J), diag_h = diag(Hessian): {theta.numel()} entries each"
)
difference = (flat("diag_h") - flat("diag_ggn_exact")).abs().max()
print(f"largest |diag_h - diag_ggn_exact| with Tanh: {difference:.4f}")

# The Monte-Carlo GGN is an unbiased estimate: 1000 samples land close to the exact diagonal.
error = (
    flat("diag_ggn_mc") - full_ggn.diagonal()
).norm() / full_ggn.diagonal().norm()
assert error < 0.05, error
print(f"diag_ggn_mc (mc_samples=1000) relative error: {error:.3f}")
