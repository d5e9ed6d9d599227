"""The kinds of CPU a reader may have, as far as one CPU can stand in for them.

A CPU setting is a kernel set PyTorch dispatches to (ATEN_CPU_CAPABILITY) and a number of threads
(OMP_NUM_THREADS), written CAPABILITY:THREADS. A check that holds under one setting and fails under
another is a coin toss on readers' machines: TESTED_NOTES_CPUS names the settings
tests/test_snippets.py runs every program under besides the default run; `make matrix` names all
that this CPU can run, CI one (.ci/run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# "default" is the portable kernel set every x86 CPU runs; avx2 and avx512 are what most readers'
# CPUs pick by themselves.
CAPABILITIES = ("default", "avx2", "avx512")
THREADS = (1, 2, 4)
# The environment variable that names the settings, e.g. "default:2,avx2:4", or "all".
CPUS = "TESTED_NOTES_CPUS"


@dataclass(frozen=True)
class CpuSetting:
    capability: str
    threads: int

    def __str__(self) -> str:
        return f"{self.capability}:{self.threads}"

    @property
    def env(self) -> dict:
        # Passive waiting: the tests run two programs at once on two cores, and OpenMP threads
        # that spin while they wait starve the other program. It changes when an idle thread
        # sleeps, never what a program computes.
        return {
            "ATEN_CPU_CAPABILITY": self.capability,
            "OMP_NUM_THREADS": str(self.threads),
            "OMP_WAIT_POLICY": "PASSIVE",
        }


def parse_cpus(text: str, cpuinfo: Path = Path("/proc/cpuinfo")) -> list[CpuSetting]:
    """Comma-separated CAPABILITY:THREADS, e.g. "default:2,avx2:4"; "" is none; "all" is every
    setting this CPU can run: its kernel sets at each of THREADS up to its cores (PyTorch runs no
    more threads than cores). A kernel set this CPU lacks is refused (PyTorch would fall back)."""
    here = cpu_capabilities(cpuinfo)
    if text.strip() == "all":
        threads = [n for n in THREADS if n <= cores()]
        return [CpuSetting(capability, n) for capability in here for n in threads]
    settings = []
    for part in filter(None, (part.strip() for part in text.split(","))):
        capability, _, threads = part.partition(":")
        if capability not in CAPABILITIES or not threads.isdigit():
            raise ValueError(
                f"{CPUS}: {part!r} is not CAPABILITY:THREADS, CAPABILITY in {CAPABILITIES}"
            )
        if capability not in here:
            raise ValueError(f"{CPUS}: this CPU cannot run the kernel set of {part!r}")
        settings.append(CpuSetting(capability, int(threads)))
    return settings


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


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
