"""MkDocs hook: keep the offline build (`make offline`, OFFLINE=true) free of third-party requests.

Material's offline plugin makes the site work from a folder (file://): it turns off directory URLs and
inlines the search index. For search it also adds a shim that runs the search worker in an iframe,
loaded from https://unpkg.com/iframe-worker/shim - a third-party request, and no search at all
without a network, which defeats the purpose. This hook replaces that URL with a vendored copy of the
same shim (hooks/vendor/iframe-worker-shim.js, iframe-worker 1.0.4, MIT), added to the offline build
only. The online build is untouched. tests/test_browser.py opens the offline build from file:// and
searches it with the network blocked.
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
