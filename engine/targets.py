"""Every budget and threshold of the project, each defined once, in one unit per kind of quantity.

Times are in seconds, sizes in kilobytes of 1000 bytes (as Lighthouse and browsers show them), and
scores on Lighthouse's 0-1 scale. Tests fail on the limits; benchmarks print figures beside targets.
"""

from __future__ import annotations

# A kilobyte, in bytes.
KB = 1000

# Time limits, each several times what the slowest case takes, so that only a hang reaches it:
# one snippet or page program run by the tests, one walkthrough cell and one drawing snippet run
# by the build, one `mkdocs build`, and one test (pytest-timeout; tests/conftest.py applies it).
PROGRAM_TIMEOUT_S = 180
CELL_TIMEOUT_S = 300
FIGURE_TIMEOUT_S = 300
BUILD_TIMEOUT_S = 900
TEST_TIMEOUT_S = 900
# After a kill at the time limit: how long the runner waits for the program's last output.
KILL_WAIT_S = 5

# Resource limits of every program (engine/sandbox.py), per process: far above what any snippet
# needs (every snippet runs under them in the tests), so that only a runaway reaches them. CPU time
# counts every thread: four threads busy for the whole program time limit.
MEMORY_LIMIT_BYTES = 8 * 1000**3
CPU_LIMIT_S = 4 * PROGRAM_TIMEOUT_S
FILE_LIMIT_BYTES = 256 * 1000**2

# Programs run at once by the build (walkthroughs, figures): one per core of the 2-core machines.
BUILD_WORKERS = 2

# What a reader downloads on a first visit to any page: gzip-compressed HTML, CSS, JS and images,
# the search index (fetched on first use of search) aside.
PAGE_WEIGHT_KB = 150

# Lighthouse (mobile defaults), each page: `make lighthouse`.
LIGHTHOUSE_SCORES = {
    "performance": 0.98,
    "accessibility": 1.0,
    "best-practices": 1.0,
    "seo": 1.0,
}

# `make check FILE=...`: from an edit of one typical snippet to the verdict, on the 2-core machine.
CHECK_S = 10.0

# `make bench`: wall times on the 2-core machine.
BENCH_S = {
    "suite": 45.0,
    "cold build": 30.0,
    "rebuild after prose edit": 3.0,
}

# Code a reader sees unfolded on a page (engine.pages.shown_blocks): one idea a block. No block over
# the maximum, and the median over the site's blocks at most the typical size, in lines of code.
SHOWN_BLOCK_MAX_LINES = 60
SHOWN_BLOCK_MEDIAN_LINES = 25
# Code blocks a page holds (outputs and generated diffs included): Material's script sets each up
# at load, and Lighthouse's blocking time grows with their count (`make lighthouse`).
PAGE_CODE_BLOCKS_MAX = 24
