"""engine.cpus: the kinds of CPU a reader may have."""

import pytest

from engine.cpus import cpu_capabilities, parse_cpus


@pytest.fixture
def cpuinfo(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text("flags\t\t: sse avx2 fma\n")
    return path


def test_settings_read_and_print_as_capability_and_threads(cpuinfo):
    assert parse_cpus("", cpuinfo) == []
    settings = parse_cpus("default:2, avx2:4", cpuinfo)
    assert [str(setting) for setting in settings] == ["default:2", "avx2:4"]
    assert settings[1].env == {
        "ATEN_CPU_CAPABILITY": "avx2",
        "OMP_NUM_THREADS": "4",
        "OMP_WAIT_POLICY": "PASSIVE",
    }


@pytest.mark.parametrize(("cores", "threads"), [(4, "1 2 4"), (2, "1 2")])
def test_all_is_every_kernel_set_of_this_cpu_at_each_thread_count_up_to_its_cores(
    cpuinfo, monkeypatch, cores, threads
):
    monkeypatch.setattr("engine.cpus.cores", lambda: cores)
    expected = [f"{kernels}:{n}" for kernels in ("default", "avx2") for n in threads.split()]
    assert [str(setting) for setting in parse_cpus("all", cpuinfo)] == expected


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
