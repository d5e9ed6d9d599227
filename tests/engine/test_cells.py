"""engine.cells: the kinds of CPU a reader may have."""

import pytest

from engine.cells import Cell, cpu_capabilities, parse_cells


def test_a_cell_reads_and_prints_as_capability_and_threads():
    cell = Cell.parse("avx2:4")
    assert (cell.capability, cell.threads, str(cell)) == ("avx2", 4, "avx2:4")
    assert cell.env == {
        "ATEN_CPU_CAPABILITY": "avx2",
        "OMP_NUM_THREADS": "4",
        "OMP_WAIT_POLICY": "PASSIVE",
    }


@pytest.mark.parametrize("text", ["sse:2", "avx2", "avx2:x"])
def test_a_malformed_cell_is_refused(text):
    with pytest.raises(ValueError, match="CAPABILITY:THREADS"):
        Cell.parse(text)


def test_a_list_of_cells_may_be_empty():
    assert parse_cells("") == []
    assert parse_cells("default:2, avx2:1") == [Cell("default", 2), Cell("avx2", 1)]


def test_capabilities_follow_the_cpu_flags(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: sse avx2 fma\n")
    assert cpu_capabilities(cpuinfo) == ["default", "avx2"]
    assert cpu_capabilities(tmp_path / "missing") == ["default"]
