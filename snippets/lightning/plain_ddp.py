# --8<-- [start:setup]
# %% Imports, model and data
import os
import socket
import warnings

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

# PyG 2.8 calls torch.jit.script on import, which PyTorch 2.14 deprecates.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "`torch.jit.script`", FutureWarning)
    from torch_geometric.datasets import KarateClub
    from torch_geometric.nn import GCNConv


class GCN(torch.nn.Module):
    def __init__(self, in_channels, out_channels, hidden_channels=64):
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden_channels)
        self.conv2 = GCNConv(hidden_channels, out_channels)

    def forward(self, x, edge_index):
        h = self.conv1(x, edge_index)
        h = h.relu()
        h = self.conv2(h, edge_index)
        return h


graph = KarateClub()[0]
train_nodes = graph.train_mask.nonzero().flatten()  # one member per class
test_nodes = (~graph.train_mask).nonzero().flatten()  # the other 30
# --8<-- [end:setup]


# --8<-- [start:process]
# %% What each process runs: you set up, split, move and step everything
def train(rank, world_size, use_gpus):
    backend = "nccl" if use_gpus else "gloo"
    dist.init_process_group(backend, rank=rank, world_size=world_size)
    device = torch.device(f"cuda:{rank}" if use_gpus else "cpu")
    torch.manual_seed(0)
    model = GCN(graph.num_features, out_channels=4).to(device)
    model = DistributedDataParallel(
        model, device_ids=[rank] if use_gpus else None
    )
    x, edge_index = graph.x.to(device), graph.edge_index.to(device)
    y, test = graph.y.to(device), test_nodes.to(device)
    # Each process gets its own share of the nodes, reshuffled every epoch.
    sampler = DistributedSampler(train_nodes, world_size, rank, seed=0)
    loader = DataLoader(
        train_nodes, batch_size=len(train_nodes), sampler=sampler
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    # --8<-- [end:process]

    # --8<-- [start:loop]
    for epoch in range(50):
        sampler.set_epoch(epoch)
        model.train()
        for nodes in loader:
            nodes = nodes.to(device)
            optimizer.zero_grad()
            logits = model(x, edge_index)
            loss = F.cross_entropy(logits[nodes], y[nodes])
            loss.backward()  # DDP averages the gradients over processes
            optimizer.step()

    # The mean of the processes' last losses; the accuracy, on every process.
    dist.all_reduce(loss.detach_(), op=dist.ReduceOp.SUM)
    model.eval()
    with torch.no_grad():
        predictions = model(x, edge_index)[test].argmax(dim=1)
        accuracy = (predictions == y[test]).float().mean().item()
    if rank == 0:
        print(f"final training loss: {loss.item() / world_size:.4f}")
        print(f"accuracy on the 30 unlabelled members: {accuracy:.3f}")
    # The DDP wrapper goes before its process group: torch 2.13's, freed
    # after destroy_process_group, hung at exit in about one run in seven.
    del model
    dist.destroy_process_group()


# --8<-- [end:loop]


# --8<-- [start:launch]
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# %% Start two processes: on two GPUs if there are, else on the CPU
if __name__ == "__main__":
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(free_port())
    use_gpus = torch.cuda.device_count() >= 2
    # fork: the processes start with the imports and the graph loaded
    # (Linux; elsewhere, or after CUDA was used here, start_method="spawn").
    mp.start_processes(
        train, args=(2, use_gpus), nprocs=2, start_method="fork"
    )
# --8<-- [end:launch]
