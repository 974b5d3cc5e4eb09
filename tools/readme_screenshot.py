"""Regenerate the README's picture of the explorer, ``docs/explorer.png``.

Serves the built store (``coopgraph build`` first) on 127.0.0.1 at a free port, opens the explorer
in headless Chromium at 1280x760 centred on Chongqing Customs (colour by community, size by
PageRank), waits for the layout to settle, clicks Chongqing Customs so the details show the
sentences that state its relations (the README's caption: "click any node or edge for the sentence
that states it"), and saves the page. The PNG is then made smaller without changing a pixel (its
image data compressed again at zlib's highest level); with ``pngquant`` installed, a 256-colour
version is kept when it is much smaller still (a screenshot of flat colours loses nothing visible).

    .venv/bin/coopgraph build && .venv/bin/python tools/readme_screenshot.py
    .venv/bin/python tools/readme_screenshot.py --out /tmp/explorer.png --no-click
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VIEW = "/?focus=chongqing-customs&depth=1&colour=community&size=pagerank"
CLICKED = "chongqing-customs"
VIEWPORT = {"width": 1280, "height": 760}
SETTLE_MS = 2500  # after the first draw: the short stabilization and the fit are over by then
DRAWN = "() => window.coopgraphView && window.coopgraphView.firstDrawMs !== null"
CHROMIUM = "/usr/bin/chromium"
FIT_BESIDE_PANEL = """() => {
    // The nodes' bounding box, fitted (with a margin for labels) into the canvas beside the panel.
    const net = window.coopgraphView.network, canvas = net.body.container.getBoundingClientRect();
    const panel = document.getElementById('xp-panel').getBoundingClientRect();
    const at = Object.values(net.getPositions()), xs = at.map(p => p.x), ys = at.map(p => p.y);
    const box = { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) };
    const free = canvas.width - panel.width, margin = 90;
    const scale = Math.min((free - 2 * margin) / (box.x1 - box.x0), (canvas.height - margin) / (box.y1 - box.y0));
    const onLeft = panel.left <= canvas.left + 1, middle = (box.x0 + box.x1) / 2;
    const shift = (panel.width / 2) / scale;  // the free part's centre, from the canvas's
    net.moveTo({ position: { x: middle + (onLeft ? -shift : shift), y: (box.y0 + box.y1) / 2 }, scale: scale,
                 animation: false }); }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(store: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The real app on the store, on 127.0.0.1; returns once /healthz answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")}
    env.update({"COOPGRAPH_STORE": str(store), "COOPGRAPH_PORT": str(port)})
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "coopgraph.api.app:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not answer within 60 s:\n{log.read_text(errors='replace')}")


def shoot(url: str, out: Path, click: bool) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + VIEW)
            page.wait_for_function(DRAWN, timeout=30_000)
            page.wait_for_timeout(SETTLE_MS)
            if click:
                # The focus's details open with the page; a click on the node is what a reader does.
                point = page.evaluate("""(id) => {
                    const net = window.coopgraphView.network, r = net.body.container.getBoundingClientRect();
                    const p = net.canvasToDOM(net.getPositions([id])[id]); return [r.left + p.x, r.top + p.y]; }""",
                                      CLICKED)
                page.mouse.click(*point)
                page.locator("#xp-panel").wait_for(state="visible")
                # The panel lies over the graph's right side: pan and zoom out (as a reader would)
                # so the graph fits the part of the canvas beside it.
                page.evaluate(FIT_BESIDE_PANEL)
                page.add_style_tag(content="div.vis-tooltip { display: none !important; }")  # the hover's
                page.wait_for_timeout(400)
            page.screenshot(path=str(out))
        finally:
            browser.close()
    if errors:
        raise SystemExit("console errors on the page:\n" + "\n".join(errors))


def recompress(path: Path) -> None:
    """Rewrite the PNG's image data at zlib level 9: the same pixels, fewer bytes."""
    data = path.read_bytes()
    signature, rest = data[:8], data[8:]
    chunks: list[tuple[bytes, bytes]] = []
    idat = b""
    while rest:
        length, kind = struct.unpack(">I4s", rest[:8])
        body, rest = rest[8:8 + length], rest[12 + length:]
        if kind == b"IDAT":
            idat += body
            if not chunks or chunks[-1][0] != b"IDAT":
                chunks.append((b"IDAT", b""))
        else:
            chunks.append((kind, body))
    packed = zlib.compress(zlib.decompress(idat), 9)
    out = bytearray(signature)
    for kind, body in chunks:
        body = packed if kind == b"IDAT" else body
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    if len(out) < len(data):
        path.write_bytes(bytes(out))


def quantise(path: Path) -> None:
    """With pngquant on the PATH: 256 colours, kept only when it saves a quarter or more."""
    tool = shutil.which("pngquant")
    if tool is None:
        return
    smaller = path.with_suffix(".q.png")
    done = subprocess.run([tool, "--quality=80-100", "--speed=1", "--strip", "--force", "--output", str(smaller), str(path)],
                          check=False)
    if done.returncode == 0 and smaller.stat().st_size < 0.75 * path.stat().st_size:
        smaller.replace(path)
    smaller.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=REPO / "var" / "store", help="the built store (coopgraph build)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "explorer.png")
    parser.add_argument("--no-click", dest="click", action="store_false", help="no details panel in the picture")
    args = parser.parse_args()
    if not args.store.is_dir():
        raise SystemExit(f"no store at {args.store}: run `coopgraph build` first")
    with tempfile.TemporaryDirectory() as tmp:
        process, url = serve(args.store, Path(tmp) / "server.log")
        try:
            shot = Path(tmp) / "explorer.png"
            shoot(url, shot, args.click)
        finally:
            process.terminate()
            process.wait(timeout=10)
        recompress(shot)
        quantise(shot)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, args.out)
    print(f"{args.out}: {args.out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
