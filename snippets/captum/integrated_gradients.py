# %% Imports
import matplotlib.pyplot as plt
import torch
from captum.attr import IntegratedGradients
from captum.attr import visualization
from torch.nn import Conv2d, Linear

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
SIZE, BAR = 16, 6  # 16 x 16 grayscale images; a bar is 6 pixels long and 2 wide
CLASSES = ["no bar", "vertical bar", "horizontal bar"]


# %% Synthetic images: noise, with a vertical or a horizontal bar somewhere, or no bar at all
def draw_bar(image, label, row, col):
    """Paint the bar of class `label` into a (1, SIZE, SIZE) image, top-left corner at (row, col)."""
    if label == 1:
        image[0, row : row + BAR, col : col + 2] = 1.0
    elif label == 2:
        image[0, row : row + 2, col : col + BAR] = 1.0
    return image


def make_images(n):
    images = 0.2 * torch.randn(n, 1, SIZE, SIZE)
    labels = torch.randint(0, len(CLASSES), (n,))
    for image, label in zip(images, labels):
        row, col = torch.randint(0, SIZE - BAR, (2,)).tolist()
        draw_bar(image, label, row, col)
    return images, labels


# %% The site's CNN, with a classification head: global average pooling and a linear layer
class CNN(torch.nn.Module):
    def __init__(self, in_channels, hidden_channels=64, num_classes=len(CLASSES)):
        super().__init__()
        self.conv1 = Conv2d(in_channels, hidden_channels, kernel_size=3, padding=1)
        self.conv2 = Conv2d(hidden_channels, hidden_channels, kernel_size=3, padding=1)
        self.classifier = Linear(hidden_channels, num_classes)

    def forward(self, x):
        h = self.conv1(x)
        h = h.relu()
        h = self.conv2(h)
        h = h.relu()
        h = h.mean(dim=(2, 3))  # global average pooling: one number per channel
        return self.classifier(h)  # one logit per class


# %% Train it briefly (a second or two on a CPU)
images, labels = make_images(384)
images, labels = images.to(device), labels.to(device)
model = CNN(in_channels=1, hidden_channels=8).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(100):
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()

test_images, test_labels = make_images(300)
with torch.no_grad():
    predicted = model(test_images.to(device)).argmax(dim=1).cpu()
print(f"test accuracy: {(predicted == test_labels).float().mean():.2f}")

# %% The input to explain, and the baseline it is compared with
background = 0.2 * torch.randn(1, 1, SIZE, SIZE, device=device)
image = draw_bar(background[0].clone(), label=1, row=5, col=4).unsqueeze(0)
baseline = torch.zeros_like(image)  # a black image: no signal anywhere
with torch.no_grad():
    target = int(model(image).argmax())
    baseline_class = int(model(baseline).argmax())
print(f"the input is classified as {CLASSES[target]!r}, the baseline as {CLASSES[baseline_class]!r}")

# %% Integrated gradients of the logit of the predicted class
integrated_gradients = IntegratedGradients(model)
attributions, delta = integrated_gradients.attribute(
    image,
    baselines=baseline,
    target=target,
    n_steps=64,  # points on the path from baseline to input (Gauss-Legendre rule by default)
    return_convergence_delta=True,
)
print(f"attributions: one per pixel, shape {tuple(attributions.shape)}")

# %% Completeness: the attributions add up to F(input) - F(baseline)
with torch.no_grad():  # two plain forward passes, independent of Captum
    score_gap = model(image)[0, target] - model(baseline)[0, target]
print(f"F(input) - F(baseline) = {score_gap:.2f}, sum of attributions = {attributions.sum():.2f}")
assert abs(attributions.sum() - score_gap) < 0.005 * abs(score_gap)
assert abs(delta.item()) < 0.005 * abs(score_gap)  # Captum's delta is that same difference
print("completeness holds to 0.5 %, and |delta| is below 0.5 % of the gap")

# %% The same attributions by hand: (input - baseline) x the average gradient along the path
alphas = (torch.arange(1000, device=device) + 0.5) / 1000  # midpoints of 1000 equal steps
path = (baseline + alphas.view(-1, 1, 1, 1) * (image - baseline)).requires_grad_()
(gradients,) = torch.autograd.grad(model(path)[:, target].sum(), path)
by_hand = (image - baseline) * gradients.mean(dim=0, keepdim=True)
torch.testing.assert_close(attributions, by_hand, atol=0.01 * attributions.abs().max(), rtol=0)
print("Captum's attributions match a 1000-step Riemann sum within 1 % of the largest one")

# %% The baseline decides the question: compare with the same noise without the bar
on_bar = (image != background).squeeze()
background_attributions = integrated_gradients.attribute(
    image, baselines=background, target=target, n_steps=64
)
assert (background_attributions.squeeze()[~on_bar] == 0).all()  # input equals baseline there
for name, values in [("black", attributions), ("bar-free background", background_attributions)]:
    share = values.squeeze()[on_bar].abs().sum() / values.abs().sum()
    print(f"baseline {name + ':':<21} {share:.0%} of the attribution mass is on the bar")

# %% Heat maps: red pixels raise the logit of the predicted class, blue pixels lower it
fig, axes = plt.subplots(1, 3, figsize=(9, 3.4))
axes[0].imshow(image.squeeze().cpu(), cmap="gray")
axes[0].set_title(f"input ({CLASSES[target]})")
axes[0].axis("off")
for ax, values, title in [
    (axes[1], attributions, "IG, black baseline"),
    (axes[2], background_attributions, "IG, bar-free baseline"),
]:
    visualization.visualize_image_attr(
        values.squeeze(0).permute(1, 2, 0).cpu().numpy(),  # Captum draws (H, W, C) arrays
        method="heat_map",
        sign="all",
        show_colorbar=True,
        title=title,
        plt_fig_axis=(fig, ax),
        use_pyplot=False,
    )
fig.tight_layout()
