"""The versions every page states it was built and tested with ("Tested with" in the footer).

They are also part of the cache keys of executed walkthroughs and drawn figures, so that an upgraded
library shows its own outputs, never stale ones.
"""

from __future__ import annotations

import platform
from importlib.metadata import version

# (distribution, the name readers know it by)
LIBRARIES = [
    ("torch", "PyTorch"),
    ("torch-geometric", "PyG"),
    ("pytorch-lightning", "PyTorch Lightning"),
    ("captum", "Captum"),
    ("backpack-for-pytorch", "BackPACK"),
]


def tested_with() -> list[tuple[str, str]]:
    return [("Python", platform.python_version())] + [
        (label, version(package)) for package, label in LIBRARIES
    ]
