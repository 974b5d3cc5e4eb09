"""The notebooks are tested examples: each runs top to bottom on the seed graph and says what it should.

They run with nbclient on a kernel of *this* interpreter (a kernelspec written into a temp dir, so
neither a user-level ``python3`` kernelspec nor a missing one can change which Python runs them),
with ``notebooks/`` as the working directory, as a user opening them would have. Stored notebooks
must carry no outputs or execution counts: results belong to the run, not to git.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import httpx
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ("01-explore-linkages.ipynb", "02-sparql.ipynb", "03-build-and-embed-views.ipynb")
CELL_TIMEOUT_S = 120


def run_notebook(name: str, kernel_dir: Path) -> tuple[nbformat.NotebookNode, str]:
    """Execute a notebook and return it with the text of every output, in order."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient
    from traitlets import default

    spec_dir = kernel_dir / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "coopgraph tests", "language": "python",
    }))

    class ThisInterpreter(KernelManager):
        """Finds ``python3`` only in ``kernel_dir``; nbclient owns it, so it shuts the kernel down."""

        @default("kernel_spec_manager")
        def _only_our_spec(self) -> KernelSpecManager:
            return KernelSpecManager(kernel_dirs=[str(kernel_dir)])

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, kernel_name="python3", kernel_manager_class=ThisInterpreter, timeout=CELL_TIMEOUT_S,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb, "\n".join(_texts(nb))


def _texts(nb: nbformat.NotebookNode) -> list[str]:
    """Each output as text; a stream that the kernel flushed in several chunks is joined back first
    (on a busy machine one print loop can arrive as many stream outputs)."""
    texts = []
    for cell in nb.cells:
        previous_stream = None
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and previous_stream == output.name:
                texts[-1] += output.text
                continue
            previous_stream = output.name if output.output_type == "stream" else None
            if output.output_type == "stream":
                texts.append(f"[{output.name}] {output.text}")
            elif output.output_type == "error":
                texts.append(f"[error] {output.ename}: {output.evalue}")
            else:
                texts.extend(str(v) for v in output.get("data", {}).values())
    return texts


def _assert_clean_run(nb: nbformat.NotebookNode, text: str) -> None:
    """Every code cell ran, none errored, and nothing was written to stderr (warnings show there)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None, cell.source[:80]
    assert "[error]" not in text
    assert "[stderr]" not in text, text[text.index("[stderr]"):][:800]


def _assert_offline_view(text: str) -> None:
    """An inline view: an iframe whose document loads no script or stylesheet from another host."""
    found = re.search(r'<iframe srcdoc="([^"]+)"', text)
    assert found, "no inline view"
    document = html.unescape(found.group(1))
    assert "vis.Network" in document or "vis-network" in document
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=[\"']?https?://", document, re.IGNORECASE)


def _assert_server_gone(text: str) -> None:
    match = re.search(r"serving on (http://127\.0\.0\.1:\d+)", text)
    assert match, "the notebook did not report its server URL"
    assert "server stopped" in text
    with pytest.raises(httpx.TransportError):
        httpx.get(match.group(1) + "/healthz", timeout=2)


@pytest.mark.slow
def test_explore_linkages(tmp_path: Path) -> None:
    nb, text = run_notebook("01-explore-linkages.ipynb", tmp_path)
    _assert_clean_run(nb, text)
    assert re.search(r"\d+ triples: \d+ entities", text)
    # central entities, communities, structure
    assert re.search(r" 1 0\.\d{3}  0\.\d{3} \( ?\d+\)  \S", text)
    assert re.search(r"Community 1, .+ \(\d+\): ", text) and "Community 2, " in text
    assert re.search(r"[1-9]\d* articulation points, [1-9]\d* bridges", text)
    # the path to Singapore, every hop with its quote and document
    path = re.search(r"PATH: Chengdu Customs → (.+) → Singapore\n((?:  .+\n)+)", text)
    assert path, "no path from Chengdu Customs to Singapore printed"
    hops = [line for line in path.group(2).splitlines() if "-->" in line]
    quotes = [line for line in path.group(2).splitlines() if line.strip().startswith('"')]
    sources = [line for line in path.group(2).splitlines() if re.search(r", chars \d+-\d+\)$", line)]
    assert len(hops) == path.group(1).count(" → ") + 2
    assert len(quotes) >= len(hops) and len(sources) == len(quotes)
    assert "Liangjiang New Area: " in text and "neighbours" in text
    _assert_offline_view(text)
    assert "temporary store removed" in text


@pytest.mark.slow
def test_sparql(tmp_path: Path) -> None:
    nb, text = run_notebook("02-sparql.ipynb", tmp_path)
    _assert_clean_run(nb, text)
    counts = [int(n) for n in re.findall(r"\((\d+) rows\)", text)]
    assert len(counts) == 3 and all(counts), counts  # in-process, SPARQLWrapper, rdflib SPARQLStore
    assert "(9 rows)" in text  # the nine provincial regions of the customs clearance mechanism
    assert "language: en" in text
    assert "cooperates with:" in text and "comprehensive cooperation" in text and "Chongqing Daily" in text
    _assert_server_gone(text)


@pytest.mark.slow
def test_build_and_embed_views(tmp_path: Path) -> None:
    nb, text = run_notebook("03-build-and-embed-views.ipynb", tmp_path)
    _assert_clean_run(nb, text)
    assert "rejected: depth must be" in text
    _assert_offline_view(text)
    assert re.search(r"wrote chongqing-customs\.html: \d+ KiB, external assets: 0", text)
    assert re.search(r'<iframe src="http://127\.0\.0\.1:\d+/embed\?focus=chongqing-customs&amp;', text)
    assert "200 text/html" in text and "frame-ancestors *" in text
    _assert_server_gone(text)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_stored_without_outputs(path: Path) -> None:
    """Outputs hold machine paths, ports and 800 KB views; they never belong in git."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    nbformat.validate(nbformat.from_dict(raw))
    assert raw["metadata"]["kernelspec"]["name"] == "python3"
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: a cell has outputs"
            assert cell["execution_count"] is None, f"{path.name}: a cell has an execution count"


def test_every_notebook_is_tested_and_documented() -> None:
    stored = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert stored == sorted(NAMES)
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert name in readme
