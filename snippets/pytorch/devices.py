# --8<-- [start:setup]
import copy

import torch
from torch.nn import Conv2d


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


# --8<-- [end:setup]

# --8<-- [start:device]
# %% One line picks the device; the rest of the program follows it
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)
# A module moves in place, with its parameters and buffers.
model = CNN(in_channels=3).to(device)
# Create a tensor where it is used, rather than create it and copy it.
images = torch.randn(8, 3, 32, 32, device=device)
out = model(images)
assert all(p.device.type == device.type for p in model.parameters())
print("parameters and output on:", out.device.type)

# The same numbers as on the CPU. On a GPU, convolutions round their inputs
# to TF32 (10 bits of mantissa, 5e-4 relative): allow 1e-2 of the scale.
on_cpu = copy.deepcopy(model).cpu()(images.cpu())
scale = on_cpu.abs().max().item()
torch.testing.assert_close(out.cpu(), on_cpu, rtol=0, atol=1e-2 * scale)
# --8<-- [end:device]

# --8<-- [start:rule]
# %% Module.to changes the module; Tensor.to returns a new tensor
# A dtype shows the rule on any machine; a device follows the same rule.
assert model.to(torch.float64) is model
assert all(p.dtype == torch.float64 for p in model.parameters())
converted = images.to(torch.float64)
assert images.dtype == torch.float32 and converted.dtype == torch.float64
print("Module.to: in place; Tensor.to: a new tensor")
# --8<-- [end:rule]
