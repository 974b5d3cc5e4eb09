"""tools/readme_screenshot.py, the maker of the README's docs/explorer.png, run as its next user would.

It serves a built store on 127.0.0.1, photographs the explorer in Chromium with the details of
Chongqing Customs open, and writes a valid PNG of the viewport's size, small enough for a README.
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, SeedBuild, chromium_path

pytestmark = pytest.mark.browser
TOOL = REPO / "tools" / "readme_screenshot.py"


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's chunks, each CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, rest = [], data[8:]
    while rest:
        length, kind = struct.unpack(">I4s", rest[:8])
        body, crc = rest[8:8 + length], struct.unpack(">I", rest[8 + length:12 + length])[0]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        found.append((kind, body))
        rest = rest[12 + length:]
    assert found[0][0] == b"IHDR" and found[-1][0] == b"IEND"
    return found


def pixels(data: bytes) -> bytes:
    return zlib.decompress(b"".join(body for kind, body in chunks(data) if kind == b"IDAT"))


def test_the_tool_makes_the_readme_picture(seed_build: SeedBuild, tmp_path: Path) -> None:
    if chromium_path() is None:
        pytest.skip("no Chromium at /usr/bin/chromium")
    out = tmp_path / "explorer.png"
    done = subprocess.run([sys.executable, str(TOOL), "--store", str(seed_build.store_root), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr  # a console error on the page fails it too
    data = out.read_bytes()
    width, height = struct.unpack(">II", chunks(data)[0][1][:8])
    assert (width, height) == (1280, 760)
    assert len(data) < 400 * 1024
    shutil.copyfile(out, Path(REPO / "tests" / "artifacts" / "readme-explorer.png"))


def test_recompressing_keeps_every_pixel(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("readme_screenshot", TOOL)
    assert spec is not None and spec.loader is not None
    tool: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    # A PNG as Chromium writes one: fast compression, the image data split over several chunks.
    width, height = 64, 40
    raw = b"".join(b"\x00" + bytes((x * 4 + y) % 256 for x in range(width * 3)) for y in range(height))
    packed = zlib.compress(raw, 1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", packed[:100]) + chunk(b"IDAT", packed[100:]) + chunk(b"IEND", b""))
    path = tmp_path / "shot.png"
    path.write_bytes(png)
    tool.recompress(path)
    again = path.read_bytes()
    assert pixels(again) == raw and len(again) <= len(png)
    assert [k for k, _ in chunks(again)] == [b"IHDR", b"IDAT", b"IEND"]
