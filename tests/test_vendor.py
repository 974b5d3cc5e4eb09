"""Vendored browser assets: pinned in package.json, copied by tools/vendor_assets.py into a versioned
folder with its licence, found by api/vendor.py, and never loaded from a CDN."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from coopgraph.api import vendor

REPO = Path(__file__).resolve().parent.parent
CDN_MARKERS = ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis", "gstatic", "cdn.", "yasgui.triply.cc",
               "fontawesome.com")


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_assets", REPO / "tools" / "vendor_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_npm_dependencies_are_private_and_pinned_exactly() -> None:
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    assert package["private"] is True
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} {version} is not an exact version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_yasgui_is_vendored_in_a_versioned_folder_with_its_licence() -> None:
    pinned = json.loads((REPO / "package.json").read_text(encoding="utf-8"))["dependencies"]["@zazuko/yasgui"]
    assets = vendor.yasgui()
    assert assets.version == pinned
    folder = REPO / "api" / "static" / "vendor" / f"yasgui-{pinned}"
    assert assets.js == f"/static/vendor/yasgui-{pinned}/yasgui.min.js"
    assert assets.css == f"/static/vendor/yasgui-{pinned}/yasgui.min.css"
    assert (folder / "yasgui.min.js").stat().st_size > 100_000
    assert (folder / "yasgui.min.css").stat().st_size > 10_000
    licence = (folder / "LICENSE").read_text(encoding="utf-8")
    assert "MIT" in licence and "Permission is hereby granted" in licence
    assert "--- codemirror " in licence and "--- dompurify " in licence, "bundled packages' licences"
    record = json.loads((folder / "VENDOR.json").read_text(encoding="utf-8"))
    assert record["package"] == "@zazuko/yasgui" and record["version"] == pinned


def test_vendor_tool_is_idempotent_and_drops_old_versions(tmp_path: Path) -> None:
    tool = _tool()
    target_root = tmp_path / "vendor"
    (target_root / "yasgui-0.0.1").mkdir(parents=True)
    (target_root / ".stamp").write_text("")
    library = tool.LIBRARIES[0]
    folder, changed = tool.vendor(library, vendor_root=target_root)
    assert changed and folder.parent == target_root
    assert sorted(p.name for p in target_root.iterdir()) == [".stamp", folder.name]
    assert tool.vendor(library, vendor_root=target_root) == (folder, False)


def test_vendor_tool_says_to_run_npm_ci_when_node_modules_is_missing(tmp_path: Path) -> None:
    tool = _tool()
    with pytest.raises(tool.SetupError, match=re.escape("run `npm ci --no-audit --no-fund`")):
        tool.vendor(tool.LIBRARIES[0], node_modules=tmp_path / "node_modules", vendor_root=tmp_path / "v")
    assert not (tmp_path / "v").exists() or not any((tmp_path / "v").iterdir())


def test_vendor_lookup_reports_a_missing_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = REPO / "api" / "static" / "vendor" / f"yasgui-{vendor.yasgui().version}"
    empty = tmp_path / "vendor"
    empty.mkdir()
    monkeypatch.setattr(vendor, "_vendor_root", lambda: empty)
    with pytest.raises(vendor.VendorAssetsMissing, match="make setup"):
        vendor.vendor_folder("yasgui")
    for version in ("4.6.1", "4.6.2"):
        shutil.copytree(installed, empty / f"yasgui-{version}")
    with pytest.raises(vendor.VendorAssetsMissing, match="several yasgui versions"):
        vendor.vendor_folder("yasgui")


def test_query_page_loads_nothing_from_a_cdn(app_client: httpx.Client) -> None:
    html = app_client.get("/query").text
    for marker in CDN_MARKERS:
        assert marker not in html, marker
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        if url.endswith((".js", ".css")):
            assert url.startswith("/"), url


def test_vendored_bundle_is_configured_away_from_remote_services() -> None:
    """YASGUI's defaults reach for remote services; our page script must override each of them."""
    script = (REPO / "api" / "static" / "query.js").read_text(encoding="utf-8")
    for setting in ("prefixCcApi: null", "consumeShareLink: null", "persistenceId: null",
                    "endpoint: config.endpoint", '"coopClasses"', '"coopProperties"'):
        assert setting in script, setting
    # The default completers "class"/"property" query Linked Open Vocabularies: never enabled.
    completers = re.search(r"const completers = \[([^\]]*)\]", script)
    assert completers is not None
    assert completers[1] == '"coopPrefixes", "variables", "coopClasses", "coopProperties"'
