"""The kinds of machine a reader may have, as far as one CPU can stand in for them.

A cell is a CPU kernel set PyTorch dispatches to (ATEN_CPU_CAPABILITY) and a number of threads
(OMP_NUM_THREADS). A check that holds in one cell and fails in another is a coin toss on readers'
machines: `make matrix` runs every cell, and CI one besides the normal run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# "default" is the portable kernel set every x86 CPU runs; avx2 and avx512 are what most readers'
# CPUs pick by themselves.
CAPABILITIES = ("default", "avx2", "avx512")
THREADS = (1, 2, 4)


@dataclass(frozen=True)
class Cell:
    capability: str
    threads: int

    def __str__(self) -> str:
        return f"{self.capability}:{self.threads}"

    @property
    def env(self) -> dict:
        # Passive waiting: the tests run two programs at once on two cores, and OpenMP threads
        # that spin while they wait starve the other program (a 7 s snippet took over 180 s).
        # It changes when an idle thread sleeps, never what a program computes.
        return {
            "ATEN_CPU_CAPABILITY": self.capability,
            "OMP_NUM_THREADS": str(self.threads),
            "OMP_WAIT_POLICY": "PASSIVE",
        }

    @classmethod
    def parse(cls, text: str) -> Cell:
        capability, _, threads = text.strip().partition(":")
        if capability not in CAPABILITIES or not threads.isdigit():
            raise ValueError(f"a cell is CAPABILITY:THREADS with CAPABILITY in {CAPABILITIES}")
        return cls(capability, int(threads))


def parse_cells(text: str) -> list[Cell]:
    """Comma-separated cells, e.g. "default:2,avx2:4" (TESTED_NOTES_CELLS, --cells); "" is none."""
    return [Cell.parse(part) for part in text.split(",") if part.strip()]


def cpu_capabilities(cpuinfo: Path = Path("/proc/cpuinfo")) -> list[str]:
    """The kernel sets this CPU can run (the flags PyTorch itself checks for them)."""
    flags = set()
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                flags.update(line.split(":", 1)[1].split())
    found = ["default"]
    if {"avx2", "fma"} <= flags:
        found.append("avx2")
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        found.append("avx512")
    return found
