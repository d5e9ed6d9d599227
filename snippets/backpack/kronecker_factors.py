# --8<-- [start:imports]
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
# --8<-- [end:imports]

# --8<-- [start:setup]
# %% The same kind of small network, and the exact GGN to compare with
# In float64, so that the properties that hold exactly (symmetry, positive
# semi-definiteness, exactness for one sample) can be checked to rounding
# error: BackPACK computes in the model's dtype, float32 works the same way.
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
N = 16
inputs = torch.randn(N, 4, device=device).double()
labels = torch.randint(0, 3, (N,), device=device)
model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
model = model.to(device, torch.float64)
reference = copy.deepcopy(model)
names = [name for name, _ in reference.named_parameters()]
sizes = [p.numel() for p in reference.parameters()]
theta = torch.cat([p.detach().flatten() for p in reference.parameters()])
# --8<-- [end:setup]


# --8<-- [start:exact]
def exact_ggn_blocks(inputs, labels):
    """The GGN J^T H_out J of the mean cross-entropy, one block per parameter."""

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


# --8<-- [end:exact]


# --8<-- [start:factors]
model = extend(model)
loss_function = extend(nn.CrossEntropyLoss())

# %% Three Kronecker-factored curvatures in one backward pass
loss = loss_function(model(inputs), labels)
with backpack(KFAC(mc_samples=2000), KFLR(), KFRA()):
    loss.backward()

# float64 rounding, accumulated over N * mc_samples terms, relative to each
# factor's scale: 1e-10 of its largest eigenvalue. The output-side factor
# of the last layer is singular by construction (cross-entropy gradients sum
# to zero over the classes), so its smallest eigenvalue is 0 up to rounding.
ROUNDING = 1e-10
for p in model.parameters():
    # Linear weight (out x in): [B (out x out), A (in x in)]; bias: [B] alone.
    expected_shapes = [(n, n) for n in p.shape]
    for attribute in ("kfac", "kflr", "kfra"):
        factors = getattr(p, attribute)
        assert [tuple(f.shape) for f in factors] == expected_shapes
        for factor in factors:
            eigenvalues = torch.linalg.eigvalsh(factor)
            bound = ROUNDING * eigenvalues.max().item()
            # symmetric
            torch.testing.assert_close(factor, factor.T, rtol=0, atol=bound)
            # positive semi-definite
            assert eigenvalues.min() >= -bound, (eigenvalues, bound)
print(
    "all factors have the expected shapes, are symmetric and positive "
    "semi-definite"
)
# --8<-- [end:factors]

# --8<-- [start:table]
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
    # KFAC samples the loss Hessian that KFLR uses exactly: with many samples
    # they agree. Its sampling error shrinks like 1/sqrt(mc_samples), about
    # 0.01 for 2000 samples; 0.05 leaves room for other random draws.
    kfac_error = relative_error(kfacs_to_mat(p.kfac), kfacs_to_mat(p.kflr))
    assert kfac_error < 0.05, kfac_error
# --8<-- [end:table]

# --8<-- [start:one_sample]
# %% For a single sample, KFLR and KFRA are exact
one_sample = slice(0, 1)
loss = loss_function(model(inputs[one_sample]), labels[one_sample])
with backpack(KFLR(), KFRA()):
    loss.backward()
for p, block in zip(
    model.parameters(),
    exact_ggn_blocks(inputs[one_sample], labels[one_sample]),
):
    # float64 rounding, relative to the block's largest entry
    tolerance = ROUNDING * block.abs().max().item()
    for attribute in ("kflr", "kfra"):
        torch.testing.assert_close(
            kfacs_to_mat(getattr(p, attribute)), block, rtol=0, atol=tolerance
        )
print("one sample: KFLR and KFRA equal the exact GGN blocks")
# --8<-- [end:one_sample]
