import torch
from torch.nn import Conv2d


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


torch.manual_seed(0)
# A batch of 8 RGB images of 32 x 32 pixels
images = torch.randn(8, 3, 32, 32)
model = CNN(in_channels=3)
out = model(images)
print(out.shape)

# Two 3 x 3 convolutions see 5 x 5 pixels: change pixel (16, 16) of image 0,
# and exactly the outputs at most 2 rows and 2 columns away from it change.
changed = images.clone()
changed[0, :, 16, 16] += 1.0
difference = (model(changed) - out).abs().amax(dim=1)
window = torch.zeros(8, 32, 32, dtype=torch.bool)
window[0, 14:19, 14:19] = True
# Outside the window the change is float32 rounding (Winograd-style kernels
# mix neighbouring pixels), below 1e-4 of the output's scale; inside it is
# of the order of the output itself.
moved = difference > 1e-4 * out.abs().max()
assert torch.equal(moved, window)
print("outputs changed by one pixel:", int(moved.sum()))
