"""engine.targets: each budget once, in one unit per kind of quantity."""

from engine import targets


def test_sizes_are_in_kilobytes_of_1000_bytes():
    assert targets.KB == 1000
    assert targets.PAGE_WEIGHT_KB * targets.KB == 150_000


def test_time_limits_leave_room_for_what_they_contain():
    assert targets.PROGRAM_TIMEOUT_S < targets.BUILD_TIMEOUT_S <= targets.TEST_TIMEOUT_S
    assert targets.CELL_TIMEOUT_S < targets.BUILD_TIMEOUT_S
    assert targets.FIGURE_TIMEOUT_S < targets.BUILD_TIMEOUT_S


def test_lighthouse_scores_are_on_its_scale():
    assert set(targets.LIGHTHOUSE_SCORES) == {
        "performance",
        "accessibility",
        "best-practices",
        "seo",
    }
    assert all(0 < score <= 1 for score in targets.LIGHTHOUSE_SCORES.values())
