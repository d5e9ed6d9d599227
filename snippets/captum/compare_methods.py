# --8<-- [start:setup]
import torch
from captum.attr import IntegratedGradients, NoiseTunnel, Saliency
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

# --8<-- [start:methods]
# %% Three attribution methods on one input
integrated_gradients = IntegratedGradients(model)
N_STEPS, NT_SAMPLES = 64, 10
attributions = {
    "Saliency": Saliency(model).attribute(
        image.clone().requires_grad_(), target=TARGET
    ),
    "Integrated gradients": integrated_gradients.attribute(
        image,
        baselines=torch.zeros_like(image),
        target=TARGET,
        n_steps=N_STEPS,
    ),
    "SmoothGrad on IG": NoiseTunnel(integrated_gradients).attribute(
        image,
        nt_type="smoothgrad",
        nt_samples=NT_SAMPLES,
        stdevs=0.3,  # as much noise as the background already has
        baselines=torch.zeros_like(image),
        target=TARGET,
        n_steps=N_STEPS,
    ),
}
gradient_evaluations = {
    "Saliency": 1,
    "Integrated gradients": N_STEPS,
    "SmoothGrad on IG": N_STEPS * NT_SAMPLES,
}
# --8<-- [end:methods]


# --8<-- [start:share]
# %% How much of a map falls on a region: one definition for every map
def pixel_map(attribution):
    """A [1, C, H, W] attribution summed over its C channels: [H, W]."""
    return attribution[0].sum(dim=0)


def share_on(region, attribution):
    """The share of |pixel map| on region, a [H, W] mask of pixels."""
    magnitude = pixel_map(attribution).abs()
    return (magnitude[region].sum() / magnitude.sum()).item()


# The square's 16 pixels, of 256
on_square = draw_squares(torch.zeros_like(image), *square_at)[0, 0] > 0
# --8<-- [end:share]

# --8<-- [start:table]
# %% Cost, completeness and the share of each map on the square
with torch.no_grad():
    difference = (model(image) - model(torch.zeros_like(image)))[0, TARGET]
# One decimal and whole percents: the digits a reader sees on any CPU kernel
print(f"F(x) - F(black image) = {difference:.1f}")
print(f"{'method':20} {'gradients':>9} {'sum':>6} {'on the square':>14}")
shares = {}
for name, attribution in attributions.items():
    shares[name] = share_on(on_square, attribution)
    total = attribution.sum().item()
    print(
        f"{name:20} {gradient_evaluations[name]:9} {total:6.1f} {shares[name]:14.0%}"
    )

# Only integrated gradients is complete: its sum is F(x) - F(baseline), within
# 0.5 % of that difference (quadrature error and float32 or TF32 rounding).
integrated = attributions["Integrated gradients"].sum()
torch.testing.assert_close(
    integrated, difference, atol=5e-3 * difference.abs().item(), rtol=0
)
# Saliency's sum is not: it misses F(x) - F(baseline) by more than half of it.
saliency_gap = attributions["Saliency"].sum() - difference
assert saliency_gap.abs() > difference.abs() / 2
# On this input, both IG maps concentrate on the square more than the plain gradient does.
assert (
    min(shares["Integrated gradients"], shares["SmoothGrad on IG"])
    > shares["Saliency"]
)
# --8<-- [end:table]
