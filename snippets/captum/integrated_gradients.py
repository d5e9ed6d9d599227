# --8<-- [start:data]
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


# --8<-- [end:data]


# --8<-- [start:model]
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


# --8<-- [end:model]

# --8<-- [start:train]
# %% Train on 40 fresh batches, then score on 1000 images never seen
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
# --8<-- [end:train]

# --8<-- [start:image]
# %% One test image with its square in the top-left quadrant, and two baselines
noise = 0.3 * torch.randn(1, 3, SIZE, SIZE, device=device)
square_at = (
    torch.tensor([2], device=device),
    torch.tensor([3], device=device),
)
image = draw_squares(noise, *square_at)
baselines = {
    "black image": torch.zeros_like(image),
    "same noise, no square": noise,
}
TARGET = 1  # the logit of "square in the top-left"
# --8<-- [end:image]

# --8<-- [start:attribute]
# %% Integrated gradients from each baseline, checked for completeness
integrated_gradients = IntegratedGradients(model)
# The square's pixels
on_square = draw_squares(torch.zeros_like(image), *square_at) > 0
attributions = {}
for name, baseline in baselines.items():
    attribution, delta = integrated_gradients.attribute(
        image,
        baselines=baseline,
        target=TARGET,
        n_steps=64,
        return_convergence_delta=True,
    )
    attributions[name] = attribution

    # Completeness: the attributions add up to F(image) - F(baseline), by our own forward passes.
    with torch.no_grad():
        difference = model(image)[0, TARGET] - model(baseline)[0, TARGET]
    # 0.5 % of the difference to explain: room for the error of the 64-point
    # quadrature (0.03 to 0.04 % here) and for float32 or TF32 rounding.
    tolerance = 5e-3 * difference.abs().item()
    torch.testing.assert_close(
        attribution.sum(), difference, atol=tolerance, rtol=0
    )
    assert abs(delta.item()) < tolerance

    inside, outside = (
        attribution[on_square].sum(),
        attribution[~on_square].sum(),
    )
    # One decimal: the digits a reader sees on any CPU kernel and thread count
    explained = f"{name:>21}: F(x) - F(baseline) = {difference:4.1f}"
    print(
        f"{explained} = {inside:4.1f} on the square {outside:+.1f} elsewhere"
    )

# IG multiplies by (input - baseline): where the two are equal, the factor is
# exactly 0.0, so the attribution is exactly zero, on any device.
assert (attributions["same noise, no square"][~on_square] == 0).all()
print(
    "attributions sum to F(x) - F(baseline) within 0.5 %; |delta| below the same tolerance"
)
# --8<-- [end:attribute]

# --8<-- [start:figure]
# %% The image and where each baseline puts the attribution (summed over the colour channels)
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
axes[0].imshow(image[0].mean(dim=0).cpu(), cmap="gray")
axes[0].set_title("input:\nsquare at the top left")
for ax, (name, attribution) in zip(axes[1:], attributions.items()):
    heat = attribution[0].sum(dim=0).cpu()
    limit = heat.abs().max()
    shown = ax.imshow(heat, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"IG, baseline:\n{name}")
    fig.colorbar(shown, ax=ax, shrink=0.8)
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
# Text stays text in the SVG file: small, and sharp at any zoom
plt.rcParams["svg.fonttype"] = "none"
fig.savefig("integrated_gradients.svg")
# --8<-- [end:figure]
