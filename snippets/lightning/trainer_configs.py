# --8<-- [start:setup]
# %% Imports
import logging
import warnings

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities.warnings import PossibleUserWarning

logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)  # no info lines
# Where GPUs are missing, CPU processes stand in below, on purpose.
warnings.filterwarnings(
    "ignore", "GPU available but not used", PossibleUserWarning
)
# --8<-- [end:setup]

# --8<-- [start:configs]
# %% The same LightningModule, four places to train it
this_machine = dict(
    accelerator="auto",  # a GPU if there is one, else the CPU
    devices=1,
    precision="bf16-mixed",
)

one_gpu = dict(
    accelerator="gpu",
    devices=1,
    precision="bf16-mixed",  # "16-mixed" on GPUs older than Ampere
)

four_gpus = dict(
    accelerator="gpu",
    devices=4,  # one process per GPU
    strategy="ddp",
    precision="bf16-mixed",
)

two_machines = dict(
    accelerator="gpu",
    devices=4,  # GPUs per machine
    num_nodes=2,  # machines
    strategy="ddp",
    precision="bf16-mixed",
)
# --8<-- [end:configs]

# --8<-- [start:build]
# %% Build each Trainer; where GPUs are missing, CPU processes stand in
configurations = {
    "this machine": this_machine,
    "one GPU": one_gpu,
    "four GPUs": four_gpus,
    "two machines with four GPUs each": two_machines,
}
for name, arguments in configurations.items():
    if arguments["accelerator"] == "gpu":
        if torch.cuda.device_count() < arguments["devices"]:
            arguments = {**arguments, "accelerator": "cpu"}
    trainer = pl.Trainer(**arguments, logger=False)
    processes = arguments["devices"] * arguments.get("num_nodes", 1)
    assert trainer.world_size == processes
    print(
        f"{name}: {processes} process(es), "
        f"{type(trainer.strategy).__name__}, {trainer.precision}"
    )
# --8<-- [end:build]
