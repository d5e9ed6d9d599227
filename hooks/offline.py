"""MkDocs hook: keep the offline build (`make offline`, OFFLINE=true) free of third-party requests.

Material's offline plugin loads its search shim from https://unpkg.com/iframe-worker/shim: a
third-party request, and no search without a network. This hook serves a vendored copy instead
(hooks/vendor/iframe-worker-shim.js, iframe-worker 1.0.4, MIT), in the offline build only;
tests/test_browser.py searches the offline build from file:// with the network blocked.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

SHIM = Path(__file__).parent / "vendor" / "iframe-worker-shim.js"
# Must contain "iframe-worker": see on_config.
SHIM_URI = "assets/javascripts/iframe-worker-shim.js"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if not _offline(config):
        return config
    # Whichever runs first: the offline plugin adds its unpkg URL only when no polyfill already
    # names "iframe-worker", and a URL it did add is dropped here.
    polyfills = [p for p in config.extra.get("polyfills", []) if "iframe-worker" not in str(p)]
    config.extra["polyfills"] = [*polyfills, SHIM_URI]
    return config


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    if _offline(config):
        files.append(File.generated(config, SHIM_URI, abs_src_path=str(SHIM)))
    return files


# ----------------------------------------------------------------------------- helpers


def _offline(config: MkDocsConfig) -> bool:
    plugin = config.plugins.get("material/offline") or config.plugins.get("offline")
    return bool(plugin and plugin.config.enabled)
