"""Run every snippet on this machine's GPU, and again with the GPU hidden, and record the result
on the site's "GPU runs" page (docs/gpu-runs.md): which snippets ran on which GPU, when, whether
they used it, and what they printed.

CI has no GPU, so the GPU paths are checked whenever a machine with one is at hand: `make gpu`
there, then commit the updated page. A run is added at the top of the page's record; older runs
stay below it. Exit status 1 when a snippet fails on either device.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import tempfile
from pathlib import Path

from engine.paths import DOCS, cache_root, rel
from engine.programs import collect_programs
from engine.runner import run_code

PAGE = DOCS / "gpu-runs.md"
RECORD_START = "<!-- runs: newest first; scripts/gpu_run.py adds each run here -->"

# Loaded first by each snippet process (and its DDP children): at exit, it notes whether the
# process initialised CUDA and the most GPU memory it allocated, in a file of the program's own
# folder (the only place the sandbox lets it write; the runner copies it out).
PROBE = """\
import atexit, os, sys

_record = os.path.abspath(os.environ["GPU_PROBE_FILE"])

def _report():
    torch = sys.modules.get("torch")
    used = bool(torch is not None and torch.cuda.is_initialized())
    peak = torch.cuda.max_memory_allocated() if used else 0
    with open(_record, "a") as record:
        record.write(f"{int(used)} {peak}\\n")

atexit.register(_report)
"""
RECORD = "gpu-probe.txt"


def run(program, probe_dir: Path, *, hide_gpu: bool) -> dict:
    kept = probe_dir / f"{abs(hash((program.label, hide_gpu)))}"
    env = {"PYTHONPATH": str(probe_dir), "GPU_PROBE_FILE": RECORD}
    if hide_gpu:
        env["CUDA_VISIBLE_DEVICES"] = ""
    result = run_code(
        program.code,
        label=program.label,
        filename=program.filename,
        env=env,
        check=False,
        keep_files_in=kept,
    )
    record = kept / RECORD
    rows = [line.split() for line in record.read_text().splitlines()] if record.exists() else []
    return {
        "ok": result.returncode == 0 and result.completed and not result.stderr.strip(),
        "used_gpu": any(used == "1" for used, _ in rows),
        "peak_mib": max((int(peak) for _, peak in rows), default=0) / 2**20,
        "as_stated": (
            program.unstated_output(result.stdout) is None if program.expected_outputs else None
        ),
        "stdout": result.stdout,
        "stderr": result.stderr,
        "seconds": result.seconds,
    }


def gpu_name() -> tuple[str, str, str]:
    code = (
        "import torch; print(torch.cuda.get_device_name(0)); print(torch.__version__);"
        "print(torch.version.cuda)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    name, torch_version, cuda = out.stdout.split("\n")[:3]
    return name, torch_version, cuda


def section(results: list[tuple[str, dict, dict]], when: str, gpu: tuple[str, str, str]) -> str:
    name, torch_version, cuda = gpu

    def mark(value) -> str:
        return "—" if value is None else ("yes" if value else "**no**")

    lines = [
        f"### {when}: {name}",
        "",
        f"PyTorch {torch_version}, CUDA {cuda}; every other version as on the site's pages.",
        "",
        "| Snippet | Runs on the GPU | Used the GPU (peak memory) | Prints what the page states "
        "| Runs with the GPU hidden |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, gpu_run, cpu_run in results:
        peak = f" ({gpu_run['peak_mib']:.0f} MiB)" if gpu_run["used_gpu"] else ""
        lines.append(
            f"| `{label}` | {mark(gpu_run['ok'])} | {mark(gpu_run['used_gpu'])}{peak} "
            f"| {mark(gpu_run['as_stated'])} | {mark(cpu_run['ok'])} |"
        )
    lines += ["", '??? note "What each snippet printed on the GPU"', ""]
    for label, gpu_run, _ in results:
        printed = "\n".join(gpu_run["stdout"].rstrip().splitlines()[:40]) or "(nothing)"
        lines += [
            f"    `{label}`",
            "",
            "    ```text",
            *(f"    {line}" for line in printed.splitlines()),
        ]
        lines += ["    ```", ""]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print the section, change no file")
    args = parser.parse_args()
    probe = "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"
    if subprocess.run([sys.executable, "-c", probe]).returncode != 0:
        print("no CUDA GPU here: run `make gpu` on a machine with one")
        return 2
    programs = [p for p in collect_programs() if p.label.startswith("snippets/")]
    results = []
    # Outside the system temp folder, which the sandbox replaces with one of the program's own.
    cache_root().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gpu-probe-", dir=cache_root()) as folder:
        probe_dir = Path(folder)
        (probe_dir / "sitecustomize.py").write_text(PROBE)
        for program in programs:
            gpu_run = run(program, probe_dir, hide_gpu=False)
            cpu_run = run(program, probe_dir, hide_gpu=True)
            results.append((program.label, gpu_run, cpu_run))
            print(
                f"{program.label}: gpu {'ok' if gpu_run['ok'] else 'FAILED'} "
                f"(used: {gpu_run['used_gpu']}), cpu {'ok' if cpu_run['ok'] else 'FAILED'}"
            )
            for device, outcome in (("gpu", gpu_run), ("cpu", cpu_run)):
                if not outcome["ok"]:
                    print(f"--- {device} stderr:\n{outcome['stderr'][-2000:]}")
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = section(results, when, gpu_name())
    if args.dry_run:
        print(text)
    else:
        page = PAGE.read_text(encoding="utf-8")
        PAGE.write_text(page.replace(RECORD_START, f"{RECORD_START}\n\n{text}", 1), "utf-8")
        print(f"recorded in {rel(PAGE)}")
    failed = [label for label, g, c in results if not (g["ok"] and c["ok"])]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
