import copy
import warnings

import torch
from backpack import backpack, extend
from backpack.extensions import KFAC, KFLR, KFRA
from backpack.utils.kroneckers import kfacs_to_mat
from torch import nn
from torch.func import functional_call, jacrev

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")

# %% The same kind of small network, and the exact GGN to compare with
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
N = 16
inputs = torch.randn(N, 4, device=device)
labels = torch.randint(0, 3, (N,), device=device)
model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)).to(device)
reference = copy.deepcopy(model)
names = [name for name, _ in reference.named_parameters()]
sizes = [p.numel() for p in reference.parameters()]
theta = torch.cat([p.detach().flatten() for p in reference.parameters()])


def exact_ggn_blocks(inputs, labels):
    """The GGN J^T H_out J of the mean cross-entropy, cut into one diagonal block per parameter."""

    def logits_of(theta):
        chunks = theta.split(sizes)
        params = {
            n: c.view_as(p)
            for n, c, p in zip(names, chunks, reference.parameters())
        }
        return functional_call(reference, params, (inputs,))

    def loss_of(logits):
        return nn.functional.cross_entropy(logits, labels)

    jacobian = jacrev(logits_of)(theta).flatten(0, 1)
    output_hessian = (
        jacrev(jacrev(loss_of))(logits_of(theta)).flatten(0, 1).flatten(1)
    )
    ggn = jacobian.T @ output_hessian @ jacobian
    ends = torch.tensor(sizes).cumsum(0).tolist()
    return [
        ggn[end - size : end, end - size : end]
        for size, end in zip(sizes, ends)
    ]


def relative_error(approximation, exact):
    return ((approximation - exact).norm() / exact.norm()).item()


model = extend(model)
loss_function = extend(nn.CrossEntropyLoss())

# %% Three Kronecker-factored curvatures in one backward pass
loss = loss_function(model(inputs), labels)
with backpack(KFAC(mc_samples=2000), KFLR(), KFRA()):
    loss.backward()

for p in model.parameters():
    # Linear weight (out x in): [B (out x out), A (in x in)]; bias: [B] alone.
    expected_shapes = [(n, n) for n in p.shape]
    for attribute in ("kfac", "kflr", "kfra"):
        factors = getattr(p, attribute)
        assert [tuple(f.shape) for f in factors] == expected_shapes
        for factor in factors:
            torch.testing.assert_close(factor, factor.T)  # symmetric
            assert (
                torch.linalg.eigvalsh(factor).min() > -1e-6
            )  # positive semi-definite
print(
    "all factors have the expected shapes, are symmetric and positive semi-definite"
)

# %% How close is B ⊗ A to the exact GGN block of each parameter?
print("relative error against the exact GGN block, batch of 16:")
print(f"{'parameter':10} {'KFAC':>6} {'KFLR':>6} {'KFRA':>6}")
for name, p, block in zip(
    names, model.parameters(), exact_ggn_blocks(inputs, labels)
):
    errors = [
        relative_error(kfacs_to_mat(getattr(p, a)), block)
        for a in ("kfac", "kflr", "kfra")
    ]
    print(f"{name:10} " + " ".join(f"{e:6.3f}" for e in errors))
    # KFAC samples the loss Hessian that KFLR uses exactly: with many samples they agree.
    assert relative_error(kfacs_to_mat(p.kfac), kfacs_to_mat(p.kflr)) < 0.05

# %% For a single sample, KFLR and KFRA are exact
loss = loss_function(model(inputs[:1]), labels[:1])
with backpack(KFLR(), KFRA()):
    loss.backward()
for p, block in zip(
    model.parameters(), exact_ggn_blocks(inputs[:1], labels[:1])
):
    torch.testing.assert_close(kfacs_to_mat(p.kflr), block)
    torch.testing.assert_close(kfacs_to_mat(p.kfra), block)
print("one sample: KFLR and KFRA equal the exact GGN blocks")
