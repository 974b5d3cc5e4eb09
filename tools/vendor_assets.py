"""Copy the browser libraries that npm installed into ``api/static/vendor/<lib>-<version>/``.

Run after ``npm ci`` (the Makefile's setup step does both). Why a copy step at all: the app serves
every script itself (no CDN, CSP ``script-src 'self'``), the wheel ships ``api/static/vendor/``, and
``node_modules/`` holds thousands of files we do not want to serve. The folder name carries the
version (datasette's convention), so a browser never runs a stale cached copy after an upgrade.

Each folder gets the built files, a ``LICENSE`` (the library's own licence plus the licence text of
every package its bundle contains, since the npm package ships none of its own) and a
``VENDOR.json`` recording what was copied from where. Idempotent: files are rewritten only when
their bytes differ, and folders of other versions of the same library are removed.

    python tools/vendor_assets.py          # copy (or check nothing changed)
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
VENDOR = REPO / "api" / "static" / "vendor"
LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "License.txt", "license", "license.txt",
                 "LICENCE", "LICENCE.md")

MIT_TEXT = """Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


@dataclass(frozen=True)
class Library:
    """One npm package whose built files we serve."""

    package: str          # npm name, e.g. "@zazuko/yasgui"
    lib: str              # folder stem under api/static/vendor/
    files: tuple[str, ...]  # paths inside the package, copied flat into the folder


LIBRARIES = (
    # The full YASGUI bundle: Yasqe (CodeMirror SPARQL editor) + Yasr (results) + their
    # dependencies, exposed as window.Yasgui with Yasgui.Yasqe and Yasgui.Yasr.
    Library("@zazuko/yasgui", "yasgui", ("build/yasgui.min.js", "build/yasgui.min.css")),
    # Swagger UI for /docs (FastAPI's default page loads it from a CDN with an inline script).
    Library("swagger-ui-dist", "swagger-ui", ("swagger-ui-bundle.js", "swagger-ui.css")),
)


class SetupError(Exception):
    """The npm install this script copies from is missing or incomplete."""


def main() -> int:
    try:
        for library in LIBRARIES:
            target, changed = vendor(library)
            state = "updated" if changed else "up to date"
            sys.stdout.write(f"vendor: {target.relative_to(REPO)} {state}\n")
    except SetupError as exc:
        sys.stderr.write(f"vendor_assets: {exc}\n")
        return 1
    return 0


def vendor(library: Library, *, node_modules: Path = NODE_MODULES, vendor_root: Path = VENDOR
           ) -> tuple[Path, bool]:
    """Copy one library; return its folder and whether anything was written or removed."""
    package_dir = node_modules / library.package
    meta = _package_json(package_dir, library.package)
    version = str(meta["version"])
    target = vendor_root / f"{library.lib}-{version}"
    changed = _remove_other_versions(vendor_root, library.lib, keep=target)
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for relative in library.files:
        source = package_dir / relative
        if not source.is_file():
            raise SetupError(f"{source.relative_to(node_modules.parent)} is missing: the installed "
                             f"{library.package} {version} does not have the file we serve")
        changed |= _write(target / source.name, source.read_bytes())
        copied.append(source.name)
    changed |= _write(target / "LICENSE", license_text(library.package, node_modules).encode("utf-8"))
    record = {"package": library.package, "version": version, "license": meta.get("license"),
              "files": copied, "copied_by": "tools/vendor_assets.py"}
    changed |= _write(target / "VENDOR.json", (json.dumps(record, indent=2) + "\n").encode("utf-8"))
    return target, changed


def _package_json(package_dir: Path, name: str) -> dict[str, Any]:
    path = package_dir / "package.json"
    if not path.is_file():
        raise SetupError(f"{name} is not installed ({path} is missing): "
                         "run `npm ci --no-audit --no-fund` in the repository root first")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _remove_other_versions(vendor_root: Path, lib: str, *, keep: Path) -> bool:
    removed = False
    if vendor_root.is_dir():
        for folder in vendor_root.glob(f"{lib}-*"):
            if folder.is_dir() and folder != keep and folder.name[len(lib) + 1:][:1].isdigit():
                shutil.rmtree(folder)
                removed = True
    return removed


def _write(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def license_text(package: str, node_modules: Path = NODE_MODULES) -> str:
    """The package's licence and, below it, the licence of every package its bundle includes."""
    meta = _package_json(node_modules / package, package)
    parts = [_own_license(package, meta, node_modules / package)]
    parts.append("\n\n" + "=" * 78 + "\nThe bundled build above includes the following packages "
                 "(as installed from package-lock.json).\n" + "=" * 78)
    for name in sorted(_dependency_closure(package, node_modules) - {package}):
        dep_dir = node_modules / name
        dep_meta = _package_json(dep_dir, name)
        text = _license_file(dep_dir)
        header = f"\n\n--- {name} {dep_meta.get('version')} ({_license_id(dep_meta)}) ---\n"
        parts.append(header + (text if text is not None else "(the package ships no licence file)\n"))
    return "".join(parts)


def _own_license(package: str, meta: dict[str, Any], package_dir: Path) -> str:
    text = _license_file(package_dir)
    if text is not None:
        return f"{package} {meta['version']}\n\n{text}"
    if meta.get("license") != "MIT":
        raise SetupError(f"{package} ships no licence file and declares {meta.get('license')!r}; "
                         "add its licence text to tools/vendor_assets.py")
    holders = [str(meta.get("author", ""))] + [
        str(c.get("name", c)) if isinstance(c, dict) else str(c)
        for c in meta.get("contributors", []) or []
    ]
    return (f"{package} {meta['version']}: MIT License (as declared in its package.json; the npm "
            f"package ships no licence file)\n\nCopyright (c) {', '.join(h for h in holders if h)}\n\n"
            + MIT_TEXT)


def _license_id(meta: dict[str, Any]) -> str:
    value = meta.get("license")
    if isinstance(value, dict):
        value = value.get("type")
    return str(value) if value else "licence not declared"


def _license_file(package_dir: Path) -> str | None:
    for name in LICENSE_NAMES:
        path = package_dir / name
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace").rstrip() + "\n"
    return None


def _dependency_closure(package: str, node_modules: Path) -> set[str]:
    """Names of ``package`` and everything it depends on, transitively (hoisted layout)."""
    seen: set[str] = set()
    pending = [package]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        meta = _package_json(node_modules / name, name)
        deps = meta.get("dependencies") or {}
        pending.extend(d for d in deps if (node_modules / d).is_dir())
    return seen


if __name__ == "__main__":
    sys.exit(main())
