"""PyTorch Lightning page: the checks that do not fit inside a snippet.

The distributed run itself is tested with every snippet (tests/test_snippets.py): snippets/lightning/
ddp.py trains in two CPU processes (gloo), asserts that each process computed half of the node
losses and that the weights equal a one-process run, and the page states what each rank did. Here:
the three runs (plain loop, Lightning, DDP) are stated to agree, that weight comparison can fail,
and a misconfigured Trainer fails with the snippet's file and line named.
"""

import re

import pytest

from engine.paths import SNIPPETS
from engine.programs import collect_programs
from engine.runner import SnippetError, run_code

DDP = "lightning/ddp.py"
SAME_RESULT = ["lightning/plain_loop.py", "lightning/lightning_module.py", DDP]
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
        f"the page states different results for the three runs: {stated}"
    )


def test_ddp_weight_check_fails_when_the_shards_are_unequal():
    """Three training nodes on two processes: DistributedSampler pads one shard with a repeat,
    so one node counts twice in the averaged gradient and the weights drift from one process."""
    code = _variant(
        DDP,
        "train_nodes = graph.train_mask.nonzero().flatten()",
        "train_nodes = graph.train_mask.nonzero().flatten()[:3]",
    )
    result = run_code(code, label=f"snippets/{DDP}", filename="ddp.py", check=False)
    assert result.returncode != 0, f"the unequal shards went unnoticed:\n{result.stdout}"
    assert "rank 0 used" in result.stdout and "rank 1 used" in result.stdout, result.stdout
    assert "Tensor-likes are not close" in result.stderr, result.stderr
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
        run_code(code, label=f"snippets/{DDP}", filename="ddp.py")
    message = str(failure.value)
    assert message.startswith(f"snippets/{DDP} failed"), message
    assert f'File "snippets/{DDP}", line {line}' in message, message
    assert "`devices` selected with `CPUAccelerator` should be an int > 0" in message, message
