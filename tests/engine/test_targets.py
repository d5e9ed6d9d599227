"""engine.targets: each budget once, in one unit per kind of quantity."""

from engine import targets


def test_time_limits_leave_room_for_what_they_contain():
    assert targets.PROGRAM_TIMEOUT_S < targets.BUILD_TIMEOUT_S <= targets.TEST_TIMEOUT_S
    assert max(targets.CELL_TIMEOUT_S, targets.FIGURE_TIMEOUT_S) < targets.BUILD_TIMEOUT_S


def test_lighthouse_scores_are_its_categories_on_its_scale():
    """scripts/lighthouse.py passes the names to --only-categories."""
    scores = targets.LIGHTHOUSE_SCORES
    assert set(scores) == {"performance", "accessibility", "best-practices", "seo"}
    assert all(0 < score <= 1 for score in scores.values())
