"""Where the vendored browser libraries are served from: the one place that knows their folder names.

``tools/vendor_assets.py`` copies built files from npm into ``api/static/vendor/<lib>-<version>/``
at set-up time (git-ignored, shipped in the wheel). Pages ask this module for URLs, so upgrading a
library is a ``package.json`` change and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ["VendorAssets", "VendorAssetsMissing", "swagger_ui", "yasgui", "vendor_folder"]

STATIC_URL = "/static"


class VendorAssetsMissing(LookupError):
    """The set-up step that copies npm packages into ``api/static/vendor/`` has not run."""


@dataclass(frozen=True)
class VendorAssets:
    """URLs of one vendored library's script and stylesheet."""

    lib: str
    version: str
    js: str
    css: str


def _vendor_root() -> Traversable:
    return files("coopgraph.api").joinpath("static", "vendor")


def vendor_folder(lib: str) -> tuple[str, str]:
    """``("yasgui-4.6.2", "4.6.2")`` for ``lib="yasgui"``; raises VendorAssetsMissing if absent."""
    root = _vendor_root()
    folders = sorted(entry.name for entry in root.iterdir()
                     if entry.is_dir() and entry.name.startswith(f"{lib}-")) if root.is_dir() else []
    if not folders:
        raise VendorAssetsMissing(
            f"api/static/vendor/{lib}-<version>/ is missing: run `make setup` "
            "(npm ci --no-audit --no-fund && python tools/vendor_assets.py)")
    if len(folders) > 1:  # tools/vendor_assets.py removes old versions; an old copy is a set-up slip
        raise VendorAssetsMissing(f"several {lib} versions in api/static/vendor/ ({', '.join(folders)}): "
                                  "run `python tools/vendor_assets.py` to keep only the installed one")
    folder = folders[0]
    record = root.joinpath(folder, "VENDOR.json")
    version = json.loads(record.read_text(encoding="utf-8"))["version"] if record.is_file() \
        else folder[len(lib) + 1:]
    return folder, str(version)


def _assets(lib: str, js: str, css: str) -> VendorAssets:
    folder, version = vendor_folder(lib)
    base = f"{STATIC_URL}/vendor/{folder}"
    return VendorAssets(lib=lib, version=version, js=f"{base}/{js}", css=f"{base}/{css}")


@cache
def yasgui() -> VendorAssets:
    """The YASGUI bundle (window.Yasgui, with Yasgui.Yasqe and Yasgui.Yasr)."""
    return _assets("yasgui", "yasgui.min.js", "yasgui.min.css")


@cache
def swagger_ui() -> VendorAssets:
    """Swagger UI (window.SwaggerUIBundle) for the API documentation page."""
    return _assets("swagger-ui", "swagger-ui-bundle.js", "swagger-ui.css")
