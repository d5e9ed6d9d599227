# --8<-- [start:cnn]
import math

import torch
import torch.nn.functional as F
from torch.nn import Conv2d
from torch.utils.data import DataLoader, TensorDataset


# The CNN of cnn.py, unchanged
class CNN(torch.nn.Module):
    def __init__(self, in_channels, hidden_channels=64):
        super().__init__()
        self.conv1 = Conv2d(
            in_channels, hidden_channels, kernel_size=3, padding=1
        )
        self.conv2 = Conv2d(
            hidden_channels, hidden_channels, kernel_size=3, padding=1
        )

    def forward(self, x):
        h = self.conv1(x)
        h = h.relu()
        h = self.conv2(h)
        return h


# --8<-- [end:cnn]


# --8<-- [start:data]
# %% Data: 16 x 16 noise with a bar of 5 pixels, horizontal (label 0) or
# vertical (label 1), anywhere in the image
def make_images(num_images, size=16, bar=5):
    labels = torch.randint(0, 2, (num_images,))
    images = 0.5 * torch.randn(num_images, 1, size, size)
    rows, cols = torch.randint(0, size - bar + 1, (2, num_images))
    for image, label, row, col in zip(images, labels, rows, cols):
        if label == 0:
            image[0, row, col : col + bar] += 1.0
        else:
            image[0, row : row + bar, col] += 1.0
    return images, labels


torch.manual_seed(0)
train_images, train_labels = make_images(1000)
# Held out: images the model never trains on
test_images, test_labels = make_images(500)

# The CNN, then the strongest response of each channel anywhere in the
# image, then one score per class
model = torch.nn.Sequential(
    CNN(in_channels=1, hidden_channels=16),
    torch.nn.AdaptiveMaxPool2d(1),
    torch.nn.Flatten(),
    torch.nn.Linear(16, 2),
)
# --8<-- [end:data]

# --8<-- [start:loop]
# %% Train: model, loss, optimiser, and three calls per batch
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = model.to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
loader = DataLoader(
    TensorDataset(train_images, train_labels), batch_size=50, shuffle=True
)
for epoch in range(4):
    # Training behaviour of dropout and batch norm (this model has neither)
    model.train()
    losses = []
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        # backward() adds to .grad: clear what the last batch left there
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"epoch {epoch}: mean training loss {sum(losses) / len(losses):.2f}")
# --8<-- [end:loop]

# --8<-- [start:evaluate]
# %% Evaluate on the held-out images
# Inference behaviour of dropout and batch norm
model.eval()
# No graph for backward is recorded: less memory, less time
with torch.inference_mode():
    logits = model(test_images.to(device))
assert not logits.requires_grad
correct = int((logits.argmax(dim=1).cpu() == test_labels).sum())
accuracy = correct / len(test_labels)
print(f"held-out accuracy: {accuracy:.3f} ({correct} of {len(test_labels)})")
# Guessing gets 0.5, give or take 0.5 / sqrt(500) = 0.022; a trained
# model is far out of that range.
assert accuracy > 0.5 + 10 * 0.5 / math.sqrt(len(test_labels))
# --8<-- [end:evaluate]
