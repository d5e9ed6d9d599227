# --8<-- [start:setup]
import matplotlib.pyplot as plt
import torch
from captum.attr import (
    IntegratedGradients,
    LayerGradCam,
    LayerIntegratedGradients,
    Occlusion,
)
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


# %% How much of a map falls on a region, as in compare_methods.py
def pixel_map(attribution):
    """A [1, C, H, W] attribution summed over its C channels: [H, W]."""
    return attribution[0].sum(dim=0)


def share_on(region, attribution):
    """The share of |pixel map| on region, a [H, W] mask of pixels."""
    magnitude = pixel_map(attribution).abs()
    return (magnitude[region].sum() / magnitude.sum()).item()


# The square's 16 pixels, of 256
on_square = draw_squares(torch.zeros_like(image), *square_at)[0, 0] > 0
# --8<-- [end:setup]

# --8<-- [start:layer]
# %% Layer IG: the attribution of each of conv2's 8 x 16 x 16 outputs
baseline = torch.zeros_like(image)
with torch.no_grad():
    difference = (model(image) - model(baseline))[0, TARGET]
layer_ig = LayerIntegratedGradients(model, model.conv2).attribute(
    image, baselines=baseline, target=TARGET, n_steps=64
)
# Complete too, along the path between conv2's outputs at baseline and input;
# 0.5 % of the difference allows for the quadrature and float32 rounding.
torch.testing.assert_close(
    layer_ig.sum(), difference, atol=5e-3 * difference.abs().item(), rtol=0
)
per_channel = layer_ig[0].sum(dim=(1, 2))
top = per_channel.argsort(descending=True)[:4]
share = (per_channel[top].sum() / difference).item()
print(f"conv2 channels {top.tolist()} carry {share:.0%} of F(x) - F(baseline)")
# --8<-- [end:layer]

# --8<-- [start:maps]
# %% Three pixel maps: IG, Grad-CAM on conv2, occlusion of 4 x 4 windows
integrated = IntegratedGradients(model).attribute(
    image, baselines=baseline, target=TARGET, n_steps=64
)
# Grad-CAM weighs conv2's channels by their gradient averaged over positions;
# conv2 keeps the 16 x 16 grid (padding 1), so no upsampling is needed.
grad_cam = LayerGradCam(model, model.conv2)
# LayerGradCam returns the signed map; the paper's ReLU is an option
signed_cam = grad_cam.attribute(image, target=TARGET)
relu_cam = grad_cam.attribute(image, target=TARGET, relu_attributions=True)
torch.testing.assert_close(relu_cam, signed_cam.clamp(min=0), atol=0, rtol=0)
# Occlusion: the drop of F when a window is set to 0, averaged over windows
occlusion = Occlusion(model).attribute(
    image,
    sliding_window_shapes=(3, 4, 4),
    strides=(3, 2, 2),
    baselines=0,
    target=TARGET,
)
maps = {
    "Integrated gradients": integrated,
    "Grad-CAM, ReLU": relu_cam,
    "Occlusion 4 x 4": occlusion,
}
passes = {"Integrated gradients": 64, "Grad-CAM, ReLU": 1}
passes["Occlusion 4 x 4"] = 1 + 7 * 7  # the input, and 7 x 7 window positions
# --8<-- [end:maps]

# --8<-- [start:agree]
# %% Where each map puts its mass, and how the maps agree
print("map                   passes  on the square  peak on the square")
peaks = {}
for name, attribution in maps.items():
    magnitude = pixel_map(attribution).abs()
    peaks[name] = bool(on_square.flatten()[magnitude.argmax()])
    share = share_on(on_square, attribution)
    print(f"{name:20} {passes[name]:7} {share:14.0%}  {peaks[name]}")
ig_map, cam_map, occlusion_map = (
    pixel_map(attribution)
    for attribution in (integrated, signed_cam, occlusion)
)
correlation = torch.corrcoef(
    torch.stack([ig_map.flatten(), occlusion_map.flatten()])
)
print(f"correlation of the IG and occlusion maps: {correlation[0, 1]:.2f}")

# IG and occlusion agree: both peak on the square, and their maps correlate.
assert peaks["Integrated gradients"] and peaks["Occlusion 4 x 4"]
assert correlation[0, 1] > 0.5
# Grad-CAM is negative on the whole square: the head rewards conv2's channels
# in the top-left cells and penalises them elsewhere, and Grad-CAM averages
# those gradients over positions. It sees what a channel detects, not where.
assert (cam_map[on_square] < 0).all()
# --8<-- [end:agree]

# --8<-- [start:figure]
# %% Figure: IG, the signed Grad-CAM map and occlusion side by side
shown = {
    "Integrated gradients": ig_map,
    "Grad-CAM on conv2 (signed)": cam_map,
    "Occlusion 4 x 4": occlusion_map,
}
fig, axes = plt.subplots(1, 3, figsize=(7, 2.5))
for ax, (name, heat) in zip(axes, shown.items()):
    heat = heat.detach().cpu()
    limit = heat.abs().max()
    ax.imshow(heat, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(name, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
# Text stays text in the SVG file: small, and sharp at any zoom
plt.rcParams["svg.fonttype"] = "none"
fig.savefig("layer_and_occlusion.svg")
# --8<-- [end:figure]
