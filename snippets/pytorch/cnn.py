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
images = torch.randn(8, 3, 32, 32)  # a batch of 8 RGB images of 32 x 32 pixels
model = CNN(in_channels=3)
out = model(images)
print(out.shape)
