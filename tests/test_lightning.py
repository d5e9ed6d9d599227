"""PyTorch Lightning page: the checks that do not fit inside a snippet.

The distributed run itself is tested with every snippet (tests/test_snippets.py): snippets/lightning/
ddp.py trains in two CPU processes (gloo), asserts that each process computed half of the node
losses and that the weights equal a one-process run, and the page states what each rank did. Here:
the runs that train the same model (plain loop, Lightning, Fabric, DDP, plain DDP, ...) are stated to
agree, that weight comparison can fail, a misconfigured Trainer fails with the snippet's file and
line named, the page's table of what Lightning removes is counted from the files, and the
two-machine script also runs under torchrun as the page says.
"""

import json
import re
from pathlib import Path

import pytest

from engine.paths import DOCS, SNIPPETS
from engine.programs import collect_programs
from engine.results import run_once
from engine.runner import SnippetError

DDP = "lightning/ddp.py"
TWO_NODES = "lightning/two_nodes.py"
SAME_RESULT = [
    "lightning/plain_loop.py",
    "lightning/lightning_module.py",
    "lightning/fabric_loop.py",
    DDP,
    "lightning/plain_ddp.py",
    "lightning/csv_logging.py",
    "lightning/datamodule.py",
    "lightning/lightning_node_data.py",
    TWO_NODES,
]
RESULT_LINE = re.compile(r"^(final training loss|accuracy on the 30 unlabelled members): .*$", re.M)


def _variant(relative: str, old: str, new: str) -> str:
    """The snippet with one piece of text replaced; fails loudly if the snippet changed."""
    code = (SNIPPETS / relative).read_text(encoding="utf-8")
    assert code.count(old) == 1, f"snippets/{relative} no longer contains {old!r}: update this test"
    return code.replace(old, new)


def test_page_states_one_result_for_plain_loop_lightning_and_ddp():
    """test_snippets holds each file to its stated output; here the stated outputs must agree."""
    stated = {}
    for program in collect_programs():
        name = program.label.removeprefix("snippets/")
        if name in SAME_RESULT:
            stated[name] = sorted(
                {
                    match.group(0)
                    for _, text, _ in program.expected_outputs
                    for match in RESULT_LINE.finditer(text)
                }
            )
    assert set(stated) == set(SAME_RESULT), f"not all of {SAME_RESULT} are shown on a page"
    for name, lines in stated.items():
        assert len(lines) == 2, f"the page states no loss and accuracy for snippets/{name}: {lines}"
    assert len({tuple(lines) for lines in stated.values()}) == 1, (
        f"the page states different results for the runs: {stated}"
    )


def test_ddp_weight_check_fails_when_the_shards_are_unequal():
    """Three training nodes on two processes: DistributedSampler pads one shard with a repeat,
    so one node counts twice in the averaged gradient and the weights drift from one process."""
    code = _variant(
        DDP,
        "train_nodes = graph.train_mask.nonzero().flatten()",
        "train_nodes = graph.train_mask.nonzero().flatten()[:3]",
    )
    result = run_once(code, label=f"snippets/{DDP}", filename="ddp.py", check=False)
    assert result.returncode != 0, f"the unequal shards went unnoticed:\n{result.stdout}"
    assert "rank 0 used" in result.stdout and "rank 1 used" in result.stdout, result.stdout
    assert "apart, rounding" in result.stderr, result.stderr
    assert f'File "snippets/{DDP}", line' in result.stderr, result.stderr


def test_misconfigured_trainer_fails_naming_the_file():
    """GPU indices on the CPU, a copy-paste slip Lightning rejects before it starts any process."""
    code = _variant(
        DDP,
        'accelerator="gpu" if torch.cuda.device_count() >= 2 else "cpu",\n        devices=2,',
        'accelerator="cpu",\n        devices="0,1",',
    )
    line = 1 + code.splitlines().index("    trainer = pl.Trainer(")
    with pytest.raises(SnippetError) as failure:
        run_once(code, label=f"snippets/{DDP}", filename="ddp.py")
    message = str(failure.value)
    assert message.startswith(f"snippets/{DDP} failed"), message
    assert f'File "snippets/{DDP}", line {line}' in message, message
    assert "`devices` selected with `CPUAccelerator` should be an int > 0" in message, message


# What the Lightning version removes, by kind: the patterns the page's table names.
BOOKKEEPING = {
    "device": [r"torch\.device\(", r"\.to\(device\)"],
    "loops": [r"^\s*for \w+ in (range|loader)\b"],
    "steps": [r"\.zero_grad\(", r"\.backward\(", r"optimizer\.step\("],
    "modes": [r"\.train\(\)", r"\.eval\(\)", r"no_grad\(\)"],
    "processes": [
        r"init_process_group",
        r"destroy_process_group",
        r"start_processes",
        r"MASTER_(ADDR|PORT)",
        r"backend",
        r"free_port",
    ],
    "model wrapping": [r"DistributedDataParallel\(", r"all_reduce"],
    "sampler": [r"DistributedSampler\(", r"set_epoch\(", r"sampler="],
}
COUNTED = ["plain_loop.py", "plain_ddp.py", "lightning_module.py", "ddp.py"]
TABLE_MARK = "<!-- counted by tests/test_lightning.py -->"


def _count(path: Path) -> dict[str, int]:
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    return {
        kind: sum(any(re.search(p, line) for p in patterns) for line in lines)
        for kind, patterns in BOOKKEEPING.items()
    }


def test_page_table_counts_what_lightning_removes():
    """The table under TABLE_MARK: one row per kind, in order, one column per file."""
    page = (DOCS / "lightning-plain-ddp.md").read_text(encoding="utf-8")
    assert page.count(TABLE_MARK) == 1, f"docs/lightning-plain-ddp.md lost its {TABLE_MARK!r}"
    table = page.split(TABLE_MARK, 1)[1].strip().split("\n\n", 1)[0].splitlines()
    header = [cell.strip(" `") for cell in table[0].strip("|").split("|")][1:]
    assert header == COUNTED, f"the table's columns are {header}, not {COUNTED}"
    rows = [[cell.strip() for cell in row.strip("|").split("|")] for row in table[2:]]
    assert len(rows) == len(BOOKKEEPING), f"the table has {len(rows)} rows, not one per kind"
    counted = {name: _count(SNIPPETS / "lightning" / name) for name in COUNTED}
    for row, kind in zip(rows, BOOKKEEPING, strict=True):
        assert row[0].split(":")[0].startswith(kind.split()[0]), f"row {row[0]!r} is not {kind!r}"
        stated = [int(cell) for cell in row[1:]]
        actual = [counted[name][kind] for name in COUNTED]
        assert stated == actual, f"{kind}: the page states {stated}, the files have {actual}"
    assert not any(counted["lightning_module.py"].values()), counted["lightning_module.py"]


# Two torchrun launchers, node ranks 0 and 1, as on the page's torchrun tab. They run inside one
# program (one sandbox, engine/sandbox.py), so that they share its loopback and nothing else; it
# prints each launcher's exit code, stdout and stderr as JSON.
LAUNCHERS = """
import json, subprocess, sys
from pathlib import Path

Path("two_nodes.py").write_text({code!r})
torchrun = str(Path(sys.executable).with_name("torchrun"))
common = ["--nnodes=2", "--nproc-per-node=1", "--master-addr=127.0.0.1", "--master-port=29531"]
launchers = [
    subprocess.Popen([torchrun, *common, f"--node-rank={{rank}}", "two_nodes.py"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for rank in (0, 1)
]
outputs = [launcher.communicate() for launcher in launchers]
print(json.dumps([[launcher.returncode, *output] for launcher, output in zip(launchers, outputs)]))
"""


def test_two_nodes_runs_under_torchrun_as_the_page_says():
    """Two torchrun launchers, node ranks 0 and 1, as on the page's torchrun tab, on 127.0.0.1."""
    code = LAUNCHERS.format(code=(SNIPPETS / TWO_NODES).read_text(encoding="utf-8"))
    result = run_once(code, label=f"snippets/{TWO_NODES} under torchrun", filename="launch.py")
    launched = json.loads(result.stdout)
    for returncode, _, stderr in launched:
        assert returncode == 0 and not stderr.strip(), stderr[-3000:]
    outputs = [(stdout, stderr) for _, stdout, stderr in launched]
    stated = next(p for p in collect_programs() if p.label == f"snippets/{TWO_NODES}")
    expected = [text for _, text, _ in stated.expected_outputs]
    assert outputs[0][0].rstrip("\n") in [text.rstrip("\n") for text in expected], outputs[0][0]
    assert outputs[1][0] == "", f"only node 0 prints, but node 1 printed {outputs[1][0]!r}"
