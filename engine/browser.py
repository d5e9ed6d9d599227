"""Debian's Chromium, for the browser tests and the Lighthouse benchmark: its path and flags, once.

No browser downloaded by `playwright install`: the package is what CI and the project's machines
install with apt-get (`make browser`). ``python -m engine.browser`` prints the path the Makefile uses.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT = "/usr/bin/chromium"

# Flags for Debian's Chromium, shared by the browser tests and the Lighthouse benchmark.
ARGS = [
    # Chromium refuses to run as root (CI) without it.
    "--no-sandbox",
    "--disable-dev-shm-usage",
    # A closed network makes these fail, slowly or with console errors that are not the site's.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium() -> Path:
    """The Chromium to drive: $CHROMIUM, else Debian's package."""
    return Path(os.environ.get("CHROMIUM") or DEFAULT)


def missing_reason() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if chromium().is_file():
        return None
    return (
        f"Debian's Chromium is not installed ({chromium()} is missing): `make browser` installs it "
        "with apt-get when run as root or with sudo; or `sudo apt-get install chromium`"
    )


if __name__ == "__main__":
    print(chromium())
