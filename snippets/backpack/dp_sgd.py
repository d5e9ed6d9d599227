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


# %% One DP-SGD step: clip each sample's gradient to norm CLIP, add noise
def private_gradient(model, x, y, noise_multiplier, generator):
    """(sum of clipped per-sample gradients + N(0, (sigma C)^2)) / batch,
    sigma the noise multiplier, C the clipping norm CLIP."""
    loss = loss_function(model(x), y)
    with backpack(BatchGrad(), BatchL2Grad()):
        loss.backward()
    # each sample's gradient norm over all parameters, from BatchL2Grad
    norms = sum(p.batch_l2 for p in model.parameters()).sqrt()
    scale = (CLIP / norms).clamp(max=1.0)
    noise_std = noise_multiplier * CLIP
    result = []
    for p in model.parameters():
        clipped_sum = torch.einsum("n,n...->...", scale, p.grad_batch)
        noise = torch.randn(p.shape, generator=generator, device=device)
        result.append((clipped_sum + noise_std * noise) / len(x))
    return result


# %% Checked against a loop over the samples, with the same noise
model = extend(copy.deepcopy(initial_model))
x, y = inputs[:BATCH], labels[:BATCH]
sigma = 1.0
private = private_gradient(
    model, x, y, sigma, torch.Generator(device).manual_seed(1)
)

params = list(model.parameters())
clipped_sum = [torch.zeros_like(p) for p in params]
for i in range(BATCH):
    sample_loss = loss_function(model(x[i : i + 1]), y[i : i + 1])
    gradients = torch.autograd.grad(sample_loss, params)
    norm = torch.cat([g.flatten() for g in gradients]).norm()
    for total, g in zip(clipped_sum, gradients):
        total += g * min(1.0, CLIP / norm.item())
generator = torch.Generator(device).manual_seed(1)
for p, total, value in zip(params, clipped_sum, private):
    noise = torch.randn(p.shape, generator=generator, device=device)
    expected = (total + sigma * CLIP * noise) / BATCH
    # float32 rounding of sums over the batch: 1e-5 of the largest entry,
    # far below a missing clip or a missing 1/batch
    tolerance = 1e-5 * expected.abs().max().item()
    torch.testing.assert_close(value, expected, rtol=0, atol=tolerance)
print("clipped, noised gradient matches a per-sample loop")


# %% Train with plain SGD and with DP-SGD at three noise levels
def train(noise_multiplier=None):
    """Held-out accuracy after STEPS steps; no noise_multiplier: plain SGD."""
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


print(f"held-out accuracy after {STEPS} steps (chance: 33%):")
print(f"SGD               {train():.0%}")
accuracy = {sigma: train(sigma) for sigma in (1.0, 3.0, 10.0)}
for sigma, value in accuracy.items():
    print(f"DP-SGD sigma={sigma:<4} {value:.0%}")
# the price of privacy grows with the noise
assert accuracy[10.0] < accuracy[3.0] < accuracy[1.0]
