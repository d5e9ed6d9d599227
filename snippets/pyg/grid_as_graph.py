# --8<-- [start:graph]
import warnings

import torch
from torch.nn import Conv2d

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.nn import GCNConv
    from torch_geometric.utils import grid


# Pixel (row, col) of an 8 x 8 image is node row * 8 + col, joined to its 8
# neighbours and to itself: 420 edges between neighbours, 64 self-loops.
height, width = 8, 8
edge_index, _ = grid(height, width)
print("edges of the pixel graph:", edge_index.size(1))


def gcn_on_image(gcn, image, edges):
    # (1, channels, height, width) -> one row of channels per pixel, and back
    x = image[0].flatten(start_dim=1).T
    return gcn(x, edges).T.reshape(1, -1, height, width)


# --8<-- [end:graph]

# --8<-- [start:same]
torch.manual_seed(0)
image = torch.randn(1, 3, height, width)
gcn = GCNConv(3, 4)
by_gcn = gcn_on_image(gcn, image, edge_index)

# Where a pixel and its 8 neighbours all have degree 9 (8 neighbours and the
# self-loop), every weight 1 / sqrt(d_i d_j) is 1/9: a 3 x 3 convolution
# with GCNConv's one matrix W / 9 at each kernel position.
conv = Conv2d(3, 4, kernel_size=3, padding=1)
with torch.no_grad():
    conv.weight.copy_(
        gcn.lin.weight[:, :, None, None].expand(-1, -1, 3, 3) / 9
    )
    conv.bias.copy_(gcn.bias)
by_conv = conv(image)

# Equal up to float32 rounding (1e-5 of the output's scale), and only there:
# nearer the border, degrees are 4 or 6 and the weights differ.
scale = by_conv.abs().max()
agree = (by_gcn - by_conv).abs().amax(dim=1)[0] < 1e-5 * scale
interior = torch.zeros(height, width, dtype=torch.bool)
interior[2:-2, 2:-2] = True
assert torch.equal(agree, interior)
print(f"pixels where GCNConv equals the convolution: {int(agree.sum())}")
# --8<-- [end:same]

# --8<-- [start:torus]
# On a torus the grid wraps around: the row below row 7 is row 0, the column
# right of column 7 is column 0. torch.roll shifts with that wrap, so it
# gives every pixel's neighbour (dy, dx), each pixel a target of 9 edges.
pixel = torch.arange(height * width).reshape(height, width)
offsets = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
neighbours = [pixel.roll(offset, dims=(0, 1)) for offset in offsets]
torus_edges = torch.stack(
    [torch.stack(neighbours).flatten(), pixel.repeat(9, 1, 1).flatten()]
)
by_torus_gcn = gcn_on_image(gcn, image, torus_edges)

# Every degree is 9, and circular padding wraps the image as the torus does:
# the same convolution, now equal at every pixel (rounding: 1e-5 of scale).
circular = Conv2d(3, 4, kernel_size=3, padding=1, padding_mode="circular")
circular.load_state_dict(conv.state_dict())
by_circular = circular(image)
scale = by_circular.abs().max()
agree = (by_torus_gcn - by_circular).abs().amax(dim=1)[0] < 1e-5 * scale
assert agree.all()
print(f"pixels where, on the torus, they are equal: {int(agree.sum())}")
# --8<-- [end:torus]

# --8<-- [start:direction]
# Turn the image upside down: GCNConv treats all neighbours alike, so its
# output turns with it, whatever its weights; a random 3 x 3 kernel's does not.
upside_down = image.flip(dims=[2])
# The same sums in another order: float32 rounding, below 1e-5 of the scale.
torch.testing.assert_close(
    gcn_on_image(gcn, upside_down, edge_index),
    by_gcn.flip(dims=[2]),
    rtol=0,
    atol=1e-5 * by_gcn.abs().max().item(),
)
random_conv = Conv2d(3, 4, kernel_size=3, padding=1)
# Not rounding: the gap is of the order of the output itself.
gap = (random_conv(upside_down) - random_conv(image).flip(dims=[2])).abs()
assert gap.max() > 0.1 * random_conv(image).abs().max()
print("upside down: GCNConv's output flips with the image, Conv2d's does not")
# --8<-- [end:direction]
