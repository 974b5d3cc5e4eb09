"""Hostile RDF files: each is refused with file:line and a clear reason, and the store stays as it was.

The generators are plain functions so a fault probe can write the full-size files too
(``billion_laughs(9)`` is the 962-byte file that took 77 s and 9.2 GB before the bounds).
"""

from __future__ import annotations

import errno
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.api.cli import app
from coopgraph.graph.errors import FactError, StoreError, disk_full
from coopgraph.graph.load import load_files
from coopgraph.graph.rdf_limits import LimitExceeded, LoadLimits, guarded
from coopgraph.graph.store.oxigraph import OxigraphStore

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"'
GOOD = '<http://example.org/s> <http://example.org/p> "kept" .\n'


def billion_laughs(levels: int = 9) -> str:
    """Nested internal entities: 10**levels copies of "lol" from a file of under 1 kB."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">'
                                          for i in range(1, levels + 1)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(entities) + "\n]>\n"
            f'<rdf:RDF {RDF}><rdf:Description rdf:about="http://example.org/a"><ex:p>&lol{levels};</ex:p>'
            "</rdf:Description></rdf:RDF>\n")


def quadratic_entity(size: int = 50_000, references: int = 50_000) -> str:
    """One big entity referenced many times (no nesting, so no per-entity bound catches it)."""
    body = "".join(f"<ex:p{i}>&big;</ex:p{i}>" for i in range(references))
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY big "{"x" * size}">]>\n'
            f'<rdf:RDF {RDF}><rdf:Description rdf:about="http://example.org/a">{body}</rdf:Description></rdf:RDF>\n')


def hidden_laughs(levels: int = 9) -> str:
    """The declarations inside a DTD comment: the parser splits the DTD on "<" and still expands them."""
    text = billion_laughs(levels)
    return text.replace("<!ENTITY lol0", "<!-- <!ENTITY lol0", 1).replace("\n]>", " -->\n]>", 1)


def deep_xml(depth: int) -> str:
    """Node and property elements alternating ``depth`` times."""
    return (f'<?xml version="1.0"?>\n<rdf:RDF {RDF}>' + "<rdf:Description><ex:p>" * depth
            + '<rdf:Description rdf:about="http://example.org/leaf"/>' + "</ex:p></rdf:Description>" * depth
            + "</rdf:RDF>\n")


def fake_closes_xml(depth: int) -> str:
    """Deep nesting with "</" hidden in comments and attribute values, to fool a naive counter."""
    step = '<rdf:Description ex:q="a</x></x>"><!-- </a></a> --><ex:p>'
    return (f'<?xml version="1.0"?>\n<rdf:RDF {RDF}>' + step * depth + "<ex:leaf/>"
            + "</ex:p></rdf:Description>" * depth + "</rdf:RDF>\n")


def deep_jsonld(depth: int) -> str:
    """Objects nested ``depth`` deep (pyoxigraph 0.5.13 crashes with SIGSEGV near 4,000)."""
    return ('{"@id": "http://example.org/a", ' + '"http://example.org/p": {' * depth
            + '"@id": "http://example.org/z"' + "}" * depth + "}")


def long_literal_nt(size: int) -> str:
    return f'<http://example.org/a> <http://example.org/p> "{"x" * size}" .\n'


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    good = tmp_path / "good.nt"
    good.write_text(GOOD)
    load_files(root, [good])
    return root


def snapshot(root: Path) -> tuple[int, str]:
    with OxigraphStore(root) as db:
        return len(db.db), db.version()


TINY = LoadLimits(max_depth=50, entity_expansion_free_bytes=10_000, max_entity_amplification=10,
                  max_term_bytes=1 << 20)


@pytest.mark.parametrize(("name", "text", "reason"), [
    ("laughs.rdf", billion_laughs(5), "XML entities expand to more than"),
    ("hidden.rdf", hidden_laughs(5), "XML entities expand to more than"),
    ("quadratic.rdf", quadratic_entity(2_000, 2_000), "XML entities expand to more than"),
    ("deep.rdf", deep_xml(60), "nested more than 50 deep"),
    ("tricked.rdf", fake_closes_xml(60), "nested more than 50 deep"),
    ("deep.jsonld", deep_jsonld(60), "nested more than 50 deep"),
    ("long.jsonld", '{"@id": "http://example.org/a", "http://example.org/p": "' + "x" * (2 << 20) + '"}',
     "a JSON string is longer than"),
    # tags are measured when they outlast a 1 MiB chunk: a bound below that is not exact for them
    ("longtag.rdf", f'<?xml version="1.0"?>\n<rdf:RDF {RDF}><rdf:Description ex:q="{"x" * (3 << 20)}"/></rdf:RDF>',
     "a tag, comment or CDATA section is longer than 1 MiB"),
])
def test_hostile_file_is_refused_and_the_store_is_unchanged(store: Path, tmp_path: Path, name: str, text: str,
                                                           reason: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    before = snapshot(store)
    with pytest.raises(FactError) as caught:
        load_files(store, [path], limits=TINY)
    assert reason in caught.value.message
    assert caught.value.message.startswith(f"{path}:")  # file:line
    assert caught.value.line is not None
    assert snapshot(store) == before


@pytest.mark.parametrize(("name", "text"), [
    ("ok.rdf", deep_xml(20)),  # 40 elements deep plus rdf:RDF: within 50
    ("ok.jsonld", deep_jsonld(40)),
    ("entities.rdf", f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY ex "http://example.org/">]>\n'
                     f'<rdf:RDF {RDF}>' + "".join(f'<rdf:Description rdf:about="&ex;s{i}"><ex:p rdf:resource="&ex;o"/>'
                                                    "</rdf:Description>" for i in range(300)) + "</rdf:RDF>"),
    ("braces.jsonld", '{"@id": "http://example.org/a", "http://example.org/p": "{{{{[[[[' * 1 + '"}'),
])
def test_ordinary_files_pass_the_same_tiny_bounds(store: Path, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = load_files(store, [path], limits=TINY)
    assert result.quads_added > 0


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_xml_checks_do_not_depend_on_where_chunks_are_cut(chunk: int) -> None:
    """Feeding the tricked file a few bytes at a time must find the same depth as all at once."""
    data = fake_closes_xml(60).encode()
    guard = guarded(io.BytesIO(data), ox.RdfFormat.RDF_XML, TINY)
    with pytest.raises(LimitExceeded, match="nested more than 50"):
        while guard.read(chunk):
            pass
    ok = guarded(io.BytesIO(deep_xml(20).encode()), ox.RdfFormat.RDF_XML, TINY)
    while ok.read(chunk):
        pass


def test_full_size_billion_laughs_through_the_cli(store: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """The 962-byte file of the probe, with the default bounds: refused at once, store as it was."""
    path = tmp_path / "laughs.rdf"
    path.write_text(billion_laughs(9))
    assert len(path.read_bytes()) < 1_000
    before = snapshot(store)
    result = cli.invoke(app, ["load", str(path), "--store", str(store)])
    assert result.exit_code == 3, result.output
    assert f"{path}:1: XML entities expand" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert snapshot(store) == before
    with OxigraphStore(store) as db:
        assert db.ask('ASK { <http://example.org/s> <http://example.org/p> "kept" }')


def test_a_literal_past_the_parser_buffer_is_a_clear_error(store: Path, tmp_path: Path) -> None:
    """The text parsers stop at 16 MiB per term with a bare MemoryError; it becomes file:line."""
    path = tmp_path / "long.nt"
    path.write_text(GOOD * 3 + long_literal_nt(17 << 20))
    before = snapshot(store)
    with pytest.raises(FactError, match="longer than 16 MiB") as caught:
        load_files(store, [path])
    assert caught.value.line == 4
    assert snapshot(store) == before


def test_time_bound(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "any.nt"
    path.write_text(GOOD)
    with pytest.raises(FactError, match="time bound"):
        load_files(store, [path], limits=LoadLimits(max_seconds=0))


def test_disk_full_is_a_store_error_naming_the_place(tmp_path: Path) -> None:
    error = disk_full(OSError(errno.ENOSPC, "No space left on device"), tmp_path / "store" / "gen-x")
    assert isinstance(error, StoreError)
    assert str(error).startswith(f"the disk is full at {tmp_path / 'store' / 'gen-x'}: ")
    assert "bytes free; the store was left as it was" in str(error)
    # pyoxigraph wraps RocksDB's message in an OSError without errno
    assert disk_full(OSError("IO error: No space left on device: While appending to file"), tmp_path) is not None
    assert disk_full(OSError(errno.EACCES, "Permission denied"), tmp_path) is None
