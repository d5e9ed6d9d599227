"""engine.versions: what every page states it was tested with."""

import platform
from importlib.metadata import version

from engine import versions


def test_python_and_each_library_with_its_installed_version():
    stated = dict(versions.tested_with())
    assert stated["Python"] == platform.python_version()
    assert stated["PyTorch"] == version("torch") and "PyG" in stated and "BackPACK" in stated
