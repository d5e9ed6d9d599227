"""engine.cpus: the kinds of CPU a reader may have."""

import pytest

from engine.cpus import CpuSetting, cpu_capabilities, parse_cpus


@pytest.fixture
def cpuinfo(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text("flags\t\t: sse avx2 fma\n")
    return path


def test_settings_read_and_print_as_capability_and_threads(cpuinfo):
    assert parse_cpus("", cpuinfo) == []
    assert parse_cpus("default:2, avx2:4", cpuinfo) == [
        CpuSetting("default", 2),
        CpuSetting("avx2", 4),
    ]
    assert str(CpuSetting("avx2", 4)) == "avx2:4"
    assert CpuSetting("avx2", 4).env == {
        "ATEN_CPU_CAPABILITY": "avx2",
        "OMP_NUM_THREADS": "4",
        "OMP_WAIT_POLICY": "PASSIVE",
    }


def test_all_is_every_kernel_set_of_this_cpu_at_1_2_and_4_threads(cpuinfo, monkeypatch):
    monkeypatch.setattr("engine.cpus.cores", lambda: 4)
    assert [str(s) for s in parse_cpus("all", cpuinfo)] == [
        "default:1",
        "default:2",
        "default:4",
        "avx2:1",
        "avx2:2",
        "avx2:4",
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [("sse:2", "CAPABILITY:THREADS"), ("avx2", "CAPABILITY:THREADS"), ("avx512:2", "cannot run")],
)
def test_a_malformed_or_unavailable_setting_is_refused(cpuinfo, text, why):
    with pytest.raises(ValueError, match=why):
        parse_cpus(text, cpuinfo)


def test_capabilities_follow_the_cpu_flags(cpuinfo, tmp_path):
    assert cpu_capabilities(cpuinfo) == ["default", "avx2"]
    assert cpu_capabilities(tmp_path / "missing") == ["default"]


def test_all_leaves_out_more_threads_than_cores(cpuinfo, monkeypatch):
    monkeypatch.setattr("engine.cpus.cores", lambda: 2)
    assert {s.threads for s in parse_cpus("all", cpuinfo)} == {1, 2}
