# --8<-- [start:imports]
import copy
import warnings

import torch
from backpack import backpack, extend
from backpack.extensions import BatchGrad, BatchL2Grad
from torch import nn

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")
# --8<-- [end:imports]

# --8<-- [start:data]
# %% Synthetic data: a training set and a held-out set
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
SAMPLES, BATCH, STEPS = 2048, 64, 200
# CLIP near the median per-sample gradient norm at the start, as Abadi et al.
# suggest: about half the samples are clipped
CLIP, LR = 2.5, 0.5


def make_data(n):
    x = torch.randn(n, 10, device=device)
    y = (x[:, :3] + 0.5 * torch.randn(n, 3, device=device)).argmax(dim=1)
    return x, y


inputs, labels = make_data(SAMPLES)
test_inputs, test_labels = make_data(SAMPLES)
initial_model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
initial_model = initial_model.to(device)
# reduction="sum": grad_batch[i] is sample i's own gradient, unscaled
loss_function = extend(nn.CrossEntropyLoss(reduction="sum"))
# --8<-- [end:data]


# --8<-- [start:clip]
# %% One DP-SGD step: clip each sample's gradient to norm CLIP, add noise
def clipping_scales(model):
    """min(1, C / |g_i|) for every sample i, from BatchL2Grad's squared
    norms (summed over the parameters: the norm of the whole gradient)."""
    norms = sum(p.batch_l2 for p in model.parameters()).sqrt()
    return (CLIP / norms).clamp(max=1.0)


def noisy_mean(clipped_sums, noise_multiplier, generator, batch_size):
    """(sum of clipped gradients + N(0, (sigma C)^2)) / batch, per tensor."""
    noise_std = noise_multiplier * CLIP
    return [
        (
            s
            + noise_std
            * torch.randn(s.shape, generator=generator, device=device)
        )
        / batch_size
        for s in clipped_sums
    ]


# --8<-- [end:clip]


# --8<-- [start:per_sample]
def private_gradient(model, x, y, noise_multiplier, generator):
    """The route this page trains with: the per-sample gradients
    (BatchGrad, N times the parameters in memory), scaled and summed."""
    loss = loss_function(model(x), y)
    with backpack(BatchGrad(), BatchL2Grad()):
        loss.backward()
    scale = clipping_scales(model)
    clipped_sums = [
        torch.einsum("n,n...->...", scale, p.grad_batch)
        for p in model.parameters()
    ]
    return noisy_mean(clipped_sums, noise_multiplier, generator, len(x))


# --8<-- [end:per_sample]


# --8<-- [start:two_passes]
def private_gradient_two_passes(model, x, y, noise_multiplier, generator):
    """The same step without per-sample gradients: their norms only
    (BatchL2Grad), then a second backward pass of sum_i scale_i * loss_i."""
    output = model(x)
    with backpack(BatchL2Grad()):
        loss_function(output, y).backward(retain_graph=True)
    scale = clipping_scales(model)
    losses = nn.functional.cross_entropy(output, y, reduction="none")
    clipped_sums = torch.autograd.grad(
        scale @ losses, list(model.parameters())
    )
    return noisy_mean(clipped_sums, noise_multiplier, generator, len(x))


# --8<-- [end:two_passes]


# --8<-- [start:check]
# %% Both routes checked against a loop over the samples, with the same noise
model = extend(copy.deepcopy(initial_model))
x, y = inputs[:BATCH], labels[:BATCH]
sigma = 1.0
params = list(model.parameters())
clipped_sum = [torch.zeros_like(p) for p in params]
for i in range(BATCH):
    sample_loss = loss_function(model(x[i : i + 1]), y[i : i + 1])
    gradients = torch.autograd.grad(sample_loss, params)
    norm = torch.cat([g.flatten() for g in gradients]).norm()
    for total, g in zip(clipped_sum, gradients):
        total += g * min(1.0, CLIP / norm.item())
generator = torch.Generator(device).manual_seed(1)
expected = []
for p, total in zip(params, clipped_sum):
    noise = torch.randn(p.shape, generator=generator, device=device)
    expected.append((total + sigma * CLIP * noise) / BATCH)
for route in (private_gradient, private_gradient_two_passes):
    generator = torch.Generator(device).manual_seed(1)
    private = route(model, x, y, sigma, generator)
    for value, reference in zip(private, expected):
        # float32 rounding of sums over the batch: 1e-5 of the largest
        # entry, far below a missing clip or a missing 1/batch
        tolerance = 1e-5 * reference.abs().max().item()
        torch.testing.assert_close(value, reference, rtol=0, atol=tolerance)
print("both routes match a per-sample loop: clipped, noised, averaged")
# --8<-- [end:check]


# --8<-- [start:norms]
# %% The clipping norm against the per-sample gradient norms at the start
model = extend(copy.deepcopy(initial_model))
with backpack(BatchL2Grad()):
    loss_function(model(inputs), labels).backward()
norms = sum(p.batch_l2 for p in model.parameters()).sqrt()
print(
    f"at the start: median per-sample gradient norm {norms.median():.2f}, "
    f"clipped at C={CLIP}: {(norms > CLIP).float().mean():.0%} of samples"
)
# --8<-- [end:norms]


# --8<-- [start:train]
# %% Train with plain SGD and with DP-SGD at three noise levels
def train(noise_multiplier=None):
    """Held-out accuracy after STEPS steps; no noise_multiplier: plain SGD.

    Batches come from the global random stream: each run sees new ones."""
    model = extend(copy.deepcopy(initial_model))
    generator = torch.Generator(device).manual_seed(2)
    for step in range(STEPS):
        batch = torch.randint(0, SAMPLES, (BATCH,), device=device)
        x, y = inputs[batch], labels[batch]
        model.zero_grad()
        if noise_multiplier is None:
            loss_function(model(x), y).backward()
            update = [p.grad / BATCH for p in model.parameters()]
        else:
            update = private_gradient(model, x, y, noise_multiplier, generator)
        with torch.no_grad():
            for p, u in zip(model.parameters(), update):
                p -= LR * u
    with torch.no_grad():
        predictions = model(test_inputs).argmax(dim=1)
    return (predictions == test_labels).float().mean().item()


# --8<-- [end:train]


# --8<-- [start:results]
print(f"held-out accuracy after {STEPS} steps (chance: 33%):")
# plain SGD five times, with five batch orders: the spread between runs
plain = sorted(train() for _ in range(5))
print(f"SGD, 5 batch orders {plain[0]:.0%} to {plain[-1]:.0%}")
accuracy = {sigma: train(sigma) for sigma in (1.0, 3.0, 10.0)}
for sigma, value in accuracy.items():
    print(f"DP-SGD sigma={sigma:<4}   {value:.0%}")
# the price of privacy grows with the noise
assert accuracy[10.0] < accuracy[3.0] < accuracy[1.0]
# --8<-- [end:results]
