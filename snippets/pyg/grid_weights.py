# --8<-- [start:weights]
import warnings

import matplotlib.pyplot as plt
import torch

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.nn import GCNConv
    from torch_geometric.utils import grid

height, width = 8, 8
edge_index, _ = grid(height, width)
num_pixels = height * width

# With W = I, no bias and one-hot features, GCNConv's output is its matrix
# of neighbour weights: row i holds the weight of every pixel j in pixel i.
gcn = GCNConv(num_pixels, num_pixels, bias=False)
torch.nn.init.eye_(gcn.lin.weight)
weights = gcn(torch.eye(num_pixels), edge_index).detach()
# --8<-- [end:weights]


# --8<-- [start:windows]
def weights_around(row, col):
    # the 3 x 3 window around (row, col): pad pixel (row, col)'s weights over
    # the image with NaN, which marks the cells outside the image
    weight_map = weights[row * width + col].reshape(height, width)
    padded = torch.nn.functional.pad(weight_map, (1, 1, 1, 1), value=torch.nan)
    return padded[row : row + 3, col : col + 3]


pixels = {
    "corner (0, 0)": (0, 0),
    "edge (0, 3)": (0, 3),
    "inside (3, 3)": (3, 3),
}
windows = {name: weights_around(*pixel) for name, pixel in pixels.items()}
# Inside, all 9 degrees are 9, so every weight is 1/9; at the corner, the
# pixel's own weight is 1/4 (degree 4: 3 neighbours and the self-loop).
# rtol allows for float32 rounding of a product of two square roots.
inside, corner = windows["inside (3, 3)"], windows["corner (0, 0)"]
torch.testing.assert_close(
    inside, torch.full((3, 3), 1 / 9), rtol=1e-6, atol=0
)
torch.testing.assert_close(
    corner[1, 1], torch.tensor(1 / 4), rtol=1e-6, atol=0
)
for name, window in windows.items():
    # the weights of the pixel's neighbours: all but the centre, in the image
    around = torch.cat([window.flatten()[:4], window.flatten()[5:]])
    values = sorted({f"{w:.3f}" for w in around[~around.isnan()].tolist()})
    print(
        f"{name}: own {window[1, 1]:.3f}, neighbours {' '.join(values)},",
        f"sum {window.nan_to_num().sum():.3f}",
    )
# --8<-- [end:windows]

# --8<-- [start:figure]
# SVG with text as text: small, and sharp at any zoom.
plt.rcParams["svg.fonttype"] = "none"
fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.8), layout="constrained")
for ax, (name, window) in zip(axes, windows.items()):
    ax.imshow(window, cmap="Blues", vmin=0, vmax=0.5)
    for dy in range(3):
        for dx in range(3):
            if not window[dy, dx].isnan():
                label = f"{window[dy, dx]:.3f}"
                ax.text(dx, dy, label, ha="center", va="center")
    ax.set_title(f"GCN weights, {name}", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
fig.savefig("grid_weights.svg")
# --8<-- [end:figure]
