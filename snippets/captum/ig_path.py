# --8<-- [start:setup]
import matplotlib.pyplot as plt
import torch
from captum.attr import IntegratedGradients
from torch import nn

# %% Synthetic images: noise with one bright square; label 1 if the square is in the top-left quadrant
torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
SIZE, SQUARE = 16, 4  # 16 x 16 RGB images, 4 x 4 squares


def draw_squares(noise, rows, cols):
    """Add a bright SQUARE x SQUARE patch at (rows[i], cols[i]) to image i."""
    pixels = torch.arange(SIZE, device=noise.device)
    in_rows = (pixels >= rows[:, None]) & (pixels < rows[:, None] + SQUARE)
    in_cols = (pixels >= cols[:, None]) & (pixels < cols[:, None] + SQUARE)
    patch = (in_rows[:, :, None] & in_cols[:, None, :]).float()
    return noise + patch[:, None]  # same brightness in all three channels


def make_batch(n):
    labels = torch.randint(0, 2, (n,), device=device)
    rows = torch.randint(0, SIZE - SQUARE + 1, (n,), device=device)
    cols = torch.randint(0, SIZE - SQUARE + 1, (n,), device=device)
    top_left = torch.randint(0, SIZE // 2 - SQUARE + 1, (2, n), device=device)
    outside = torch.randint(SIZE // 2, SIZE - SQUARE + 1, (n,), device=device)
    # Negatives: push one coordinate of the square out of the top-left quadrant
    move_row = torch.rand(n, device=device) < 0.5
    rows = torch.where(
        labels == 1, top_left[0], torch.where(move_row, outside, rows)
    )
    cols = torch.where(
        labels == 1, top_left[1], torch.where(move_row, cols, outside)
    )
    noise = 0.3 * torch.randn(n, 3, SIZE, SIZE, device=device)
    return draw_squares(noise, rows, cols), labels


# %% The site's CNN body, with max pooling and a linear head for two classes
class CNN(nn.Module):
    def __init__(self, in_channels, hidden_channels=8, num_classes=2):
        super().__init__()
        self.conv1 = nn.Conv2d(
            in_channels, hidden_channels, kernel_size=3, padding=1
        )
        self.conv2 = nn.Conv2d(
            hidden_channels, hidden_channels, kernel_size=3, padding=1
        )
        self.pool = nn.MaxPool2d(4)
        self.head = nn.Linear(hidden_channels * (SIZE // 4) ** 2, num_classes)

    def forward(self, x):
        h = self.conv1(x).relu()
        h = self.conv2(h).relu()
        return self.head(self.pool(h).flatten(1))


model = CNN(in_channels=3).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(40):
    images, labels = make_batch(32)
    loss = nn.functional.cross_entropy(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

model.eval()
images, labels = make_batch(1000)
with torch.no_grad():
    accuracy = (model(images).argmax(dim=1) == labels).float().mean().item()
print(f"accuracy on 1000 fresh images: {accuracy:.3f}")

# %% The test image of integrated_gradients.py
noise = 0.3 * torch.randn(1, 3, SIZE, SIZE, device=device)
square_at = (
    torch.tensor([2], device=device),
    torch.tensor([3], device=device),
)
image = draw_squares(noise, *square_at)
TARGET = 1  # the logit of "square in the top-left"
# --8<-- [end:setup]

# --8<-- [start:path]
# %% The output and IG's integrand along the path from the black image to x
baseline = torch.zeros_like(image)
alphas = torch.linspace(0, 1, 2001, device=device)
path = baseline + alphas[:, None, None, None] * (image - baseline)
path.requires_grad_()
logits = model(path)
outputs = {
    "logit": logits[:, TARGET],
    "probability": logits.softmax(dim=1)[:, TARGET],
}
print("F along the path  at baseline  halfway  at x  |dF/dalpha| at x")
integrands = {}
for name, output in outputs.items():
    # The integrand summed over pixels: dF/dalpha = gradient . (x - baseline)
    (gradient,) = torch.autograd.grad(output.sum(), path, retain_graph=True)
    integrand = (gradient * (image - baseline)).sum(dim=(1, 2, 3))
    integrands[name] = integrand.detach().cpu()
    start, halfway, end = output[[0, 1000, -1]].tolist()
    slope_at_x = abs(integrand[-1].item())
    print(
        f"{name:16} {start:12.2f} {halfway:8.2f} {end:5.2f} {slope_at_x:17.2f}"
    )
    # The integral of the integrand is F(x) - F(baseline); 1 % allows for the
    # trapezoid rule on 2001 points, across the jumps of a ReLU network and
    # the probability's narrow peak near the baseline (0.2 % at most here).
    area = torch.trapezoid(integrand, alphas)
    assert abs(area.item() - (end - start)) < 1e-2 * abs(end - start)

# The probability saturates: it is 1 from halfway on, and its gradient at x is
# nil, so the gradient at the input alone (Saliency) cannot see the square.
probability, slope = outputs["probability"], integrands["probability"]
assert probability[1000] > 0.99 and slope[-1].abs() < 1e-6 * slope.abs().max()
# --8<-- [end:path]

# --8<-- [start:convergence]
# %% The completeness gap |sum of IG - (F(x) - F(baseline))| / |F(x) - F(baseline)|
# on the image and on seven more of class 1, for two quadrature rules
more_images, more_labels = make_batch(64)
test_images = torch.cat([image, more_images[more_labels == 1][:7]])
baselines = torch.zeros_like(test_images)
with torch.no_grad():
    differences = (model(test_images) - model(baselines))[:, TARGET]
integrated_gradients = IntegratedGradients(model)
methods, all_steps = ("gausslegendre", "riemann_trapezoid"), (4, 16, 64, 256)
gaps = {}
for method in methods:
    for n_steps in all_steps:
        attribution = integrated_gradients.attribute(
            test_images,
            baselines=baselines,
            target=TARGET,
            n_steps=n_steps,
            method=method,
        )
        totals = attribution.sum(dim=(1, 2, 3))
        gaps[method, n_steps] = ((totals - differences) / differences).abs()
# --8<-- [end:convergence]

# --8<-- [start:rules]
# %% The median gap, and what holds on every image
median = {key: gap.median().item() for key, gap in gaps.items()}
print(f"median gap of {len(test_images)} images")
print(f"{'n_steps':>7} {methods[0]:>14} {methods[1]:>18}")
for n_steps in all_steps[:3]:
    row = [median[method, n_steps] for method in methods]
    print(f"{n_steps:7} {row[0]:14.0e} {row[1]:18.0e}")
# On every image and at every n_steps, Gauss-Legendre's gap is the smaller,
# and at 64 steps only Gauss-Legendre is within the page's 0.5 %.
for n_steps in all_steps:
    legendre, trapezoid = (gaps[method, n_steps] for method in methods)
    assert (legendre < trapezoid).all()
assert gaps["gausslegendre", 64].max() < 5e-3
assert gaps["riemann_trapezoid", 64].min() > 5e-3
# The trapezoid rule across jumps is first order: four times the steps divide
# the gap by about 4 (second order: by 16). The band 2 to 8 ends halfway, on a
# log scale, to what orders 0 and 2 would give (1 and 16).
for n_steps, four_times in zip(all_steps, all_steps[1:]):
    ratio = (
        median["riemann_trapezoid", n_steps]
        / median["riemann_trapezoid", four_times]
    )
    assert 2 < ratio < 8
# --8<-- [end:rules]

# --8<-- [start:figure]
# %% Figure: F and its integrand along the path, and the gap against n_steps
fig, axes = plt.subplots(1, 3, figsize=(8, 2.4))
curves = {name: output.detach().cpu() for name, output in outputs.items()}
for ax, values, title in (
    (axes[0], curves, "F"),
    (axes[1], integrands, "dF/dα"),
):
    for name, value in values.items():
        # Every 4th of the 2001 points: the same curve, a lighter file
        scaled = value / value.abs().max()
        ax.plot(alphas[::4].cpu(), scaled[::4], label=name)
    ax.set_xlabel("α (0: baseline, 1: input)", fontsize=8)
    ax.set_title(f"{title} / its largest value", fontsize=9)
axes[0].legend(fontsize=7)
for method in methods:
    axes[2].loglog(
        all_steps, [median[method, n] for n in all_steps], "o-", label=method
    )
axes[2].set_xlabel("n_steps", fontsize=8)
axes[2].set_title("median completeness gap", fontsize=9)
axes[2].legend(fontsize=7)
fig.tight_layout()
# Text stays text in the SVG file: small, and sharp at any zoom
plt.rcParams["svg.fonttype"] = "none"
fig.savefig("ig_path.svg")
# --8<-- [end:figure]
