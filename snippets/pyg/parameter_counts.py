import warnings

from torch.nn import Conv2d

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.nn import GCNConv


def count(module):
    return sum(parameter.numel() for parameter in module.parameters())


# The two layers of the CNN and of the GCN, with the same channels.
totals = {"Conv2d": 0, "GCNConv": 0}
print("channels   Conv2d  GCNConv")
for c_in, c_out in [(3, 64), (64, 64)]:
    conv = Conv2d(c_in, c_out, kernel_size=3, padding=1)
    gcn = GCNConv(c_in, c_out)
    # Conv2d: one c_in x c_out matrix per kernel position (3 x 3 = 9) and a
    # bias; GCNConv: one matrix shared by all neighbours, and a bias.
    assert count(conv) == 9 * c_in * c_out + c_out
    assert count(gcn) == c_in * c_out + c_out
    totals["Conv2d"] += count(conv)
    totals["GCNConv"] += count(gcn)
    print(f"{c_in:>2} -> {c_out}  {count(conv):>7,}  {count(gcn):>7,}")
print(f"total     {totals['Conv2d']:>7,}  {totals['GCNConv']:>7,}")
