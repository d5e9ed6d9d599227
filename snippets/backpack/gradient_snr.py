# --8<-- [start:imports]
import warnings

import matplotlib.pyplot as plt
import torch
from backpack import backpack, extend
from backpack.extensions import Variance
from torch import nn

# BackPACK's hooks also fire on the first layer, whose input needs no
# gradient. That is by design, but recent torch versions warn about it:
# silence exactly that warning.
warnings.filterwarnings("ignore", message="Full backward hook is firing")
# --8<-- [end:imports]

# --8<-- [start:setup]
# %% A classifier trained with mini-batch SGD on synthetic data
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
SAMPLES, BATCH, STEPS = 2048, 64, 200
inputs = torch.randn(SAMPLES, 10, device=device)
labels = inputs[:, :3] + 0.5 * torch.randn(SAMPLES, 3, device=device)
labels = labels.argmax(dim=1)
model = nn.Sequential(
    nn.Linear(10, 32),
    nn.ReLU(),
    nn.Linear(32, 32),
    nn.ReLU(),
    nn.Linear(32, 3),
).to(device)
model = extend(model)
loss_function = extend(nn.CrossEntropyLoss())
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
layers = {"layer 1": model[0], "layer 2": model[2], "layer 3": model[4]}


def gradient_statistics(layer):
    """Squared norm of the batch's mean gradient, and the per-sample
    gradients' total variance (trace of their covariance), for one layer.

    With reduction="mean", .grad is the mean of the per-sample gradients
    and .variance their (biased) variance divided by BATCH^2.
    """
    mean_squared = sum(p.grad.pow(2).sum() for p in layer.parameters())
    variance = sum(p.variance.sum() for p in layer.parameters()) * BATCH**2
    return mean_squared.item(), variance.item()


# --8<-- [end:setup]


# --8<-- [start:train]
# %% Train, and read every layer's gradient statistics at every step
history = {name: [] for name in layers}
for step in range(STEPS):
    batch = torch.randint(0, SAMPLES, (BATCH,), device=device)
    optimizer.zero_grad()
    loss = loss_function(model(inputs[batch]), labels[batch])
    with backpack(Variance()):
        loss.backward()
    for name, layer in layers.items():
        history[name].append(gradient_statistics(layer))
    # the last step is left undone, for the check below
    if step < STEPS - 1:
        optimizer.step()
# --8<-- [end:train]

# --8<-- [start:check]
# %% Check the last step against a loop over the batch, sample by sample
per_sample = {name: [] for name in layers}
for i in batch.tolist():
    sample_loss = loss_function(model(inputs[i : i + 1]), labels[i : i + 1])
    for name, layer in layers.items():
        gradients = torch.autograd.grad(
            sample_loss, list(layer.parameters()), retain_graph=True
        )
        per_sample[name].append(torch.cat([g.flatten() for g in gradients]))
for name, samples in per_sample.items():
    g = torch.stack(samples)
    loop = (g.mean(0).pow(2).sum().item(), g.var(0, correction=0).sum().item())
    # float32 rounding in two summation orders: 1e-4 relative, far below
    # the factor BATCH / (BATCH - 1) of an unbiased variance
    for backpack_value, loop_value in zip(history[name][-1], loop):
        assert abs(backpack_value / loop_value - 1) < 1e-4, name
# --8<-- [end:check]


# --8<-- [start:statistics]
# %% Signal and noise over windows of steps
def signal_and_noise(statistics):
    """|true gradient|^2 and the total variance of a per-sample gradient,
    averaged over a window of steps.

    The batch mean's squared norm overestimates the signal by the variance
    of the mean, variance / (BATCH - 1) with the biased variance: subtract
    it. A window's sums smooth the step-to-step noise of both estimates.
    """
    mean_squared = sum(m for m, v in statistics) / len(statistics)
    variance = sum(v for m, v in statistics) / len(statistics)
    signal = mean_squared - variance / (BATCH - 1)
    return signal, variance * BATCH / (BATCH - 1)


def signal_to_noise(statistics):
    signal, noise = signal_and_noise(statistics)
    return signal / noise


# --8<-- [end:statistics]


# --8<-- [start:table]
WINDOW = 20
print(f"signal-to-noise ratio per layer, batch of {BATCH}:")
print(
    "layer    steps 1-20  steps 101-200  signal late/early  noise late/early"
)
for name, statistics in history.items():
    early_signal, early_noise = signal_and_noise(statistics[:WINDOW])
    late_signal, late_noise = signal_and_noise(statistics[STEPS // 2 :])
    early, late = early_signal / early_noise, late_signal / late_noise
    print(
        f"{name:8} {early:10.4f} {late:14.4f} "
        f"{late_signal / early_signal:18.1f} {late_noise / early_noise:17.1f}"
    )
    # In the second half of training the batch's gradient noise, variance /
    # BATCH, exceeds the signal in every layer: a larger batch would help.
    assert late < 1 / BATCH, name
    if name == "layer 1":
        # The first layer's ratio falls threefold and more, because its
        # noise grows tenfold and more (over seeds: 7-34 and 24-55 times).
        assert late < early / 3
        assert late_noise > 10 * early_noise
# --8<-- [end:table]

# --8<-- [start:figure]
fig, ax = plt.subplots(figsize=(6, 3.6))
window_ends = range(WINDOW, STEPS + 1, WINDOW)
for name, statistics in history.items():
    ratios = [
        signal_to_noise(statistics[start : start + WINDOW])
        for start in range(0, STEPS, WINDOW)
    ]
    # a window whose signal estimate is not positive has no point on a log axis
    ratios = [r if r > 0 else float("nan") for r in ratios]
    ax.semilogy(window_ends, ratios, marker="o", label=name)
ax.axhline(1 / BATCH, color="gray", linestyle="--", linewidth=1)
ax.annotate(
    "1 / batch size", (STEPS, 1 / BATCH), ha="right", va="bottom", fontsize=8
)
ax.set_xlabel(f"SGD step (end of a window of {WINDOW})")
ax.set_ylabel("signal-to-noise ratio")
ax.legend(fontsize=8)
fig.tight_layout()
# SVG with its text kept as text: a small, sharp file
with plt.rc_context({"svg.fonttype": "none"}):
    fig.savefig("gradient_snr.svg")
# --8<-- [end:figure]
