"""Writing accepted facts (graph/ingest/write.py): the default graph every reader queries, the
document's own named graph recording the same triples, its PROV-O provenance, idempotency by
content hash, removal (keeping what another source states), and writes that fail or are killed.

Extractions are made by hand here (the records of graph/ingest/model.py, offsets found in the
text), so these tests pin the writer, not the extraction stages. Every test writes a temp copy of
the seed store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS

from coopgraph.graph.errors import DataError, EntityNotFoundError, QuoteNotFoundError
from coopgraph.graph.ingest.documents import read_documents
from coopgraph.graph.ingest.model import Extraction, IngestDocument, LinkDecision, Mention, Relation
from coopgraph.graph.ingest.review import Accepted, ReviewQueue, auto_accepted
from coopgraph.graph.ingest.write import (
    document_graph_iri,
    document_iri,
    facts_graph,
    ingested,
    remove_document,
    write_accepted,
)
from coopgraph.graph.namespaces import DEFAULT_BASE
from coopgraph.graph.store.oxigraph import OxigraphStore, read_state

BASE = DEFAULT_BASE
ID = BASE + "id/"
MEMO = ID + "smart-clearance-memorandum"
PREFIXES = """PREFIX coop: <https://coopgraph.org/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
HEADER = "Title: Smart clearance for the corridor\nDate: 2020-06-18\nPublisher: Example Daily\n----\n"
TEXT = ("Chongqing Customs and Chengdu Customs signed the Smart Clearance Memorandum in June 2020.\n\n"
        "The Smart Clearance Memorandum supports the New International Land-Sea Trade Corridor.")


# -- extractions by hand ---------------------------------------------------------------------------------

def read_article(folder: Path, text: str = TEXT, name: str = "article.txt") -> IngestDocument:
    """The document as an ingest reads it (header block, normalised text, its SHA-256)."""
    path = folder / name
    path.write_text(HEADER + text, encoding="utf-8")
    (doc,) = read_documents([str(path)])
    return doc


def mention(doc: IngestDocument, text: str, nth: int = 1, *, iri: str, label: str, types: tuple[str, ...],
            new: bool = False, reason: str = "exact-alias", score: float = 100.0) -> LinkDecision:
    start = -1
    for _ in range(nth):
        start = doc.text.index(text, start + 1)
    left = doc.text.rfind("\n", 0, start) + 1
    right = doc.text.find("\n", start)
    sentence = (left, right if right >= 0 else len(doc.text))
    return LinkDecision(mention=Mention(text=text, start=start, end=start + len(text), sentence=sentence,
                                        source="label" if not new else "rule:agreement", types=types),
                        iri=iri, label=label, types=types, new=new, score=score, reason=reason,
                        auto=not new and reason in ("exact-alias", "acronym-defined-here"))


def relation(doc: IngestDocument, subject: LinkDecision, predicate: str, obj: LinkDecision | None, quote: str, *,
             value: str | None = None, modality: str = "done", date: str | None = None,
             date_inferred: bool = False, confidence: float = 0.9) -> Relation:
    start = doc.text.index(quote)
    return Relation(subject=subject, predicate=predicate, object=obj, quote=quote, start=start,
                    end=start + len(quote), modality=modality, confidence=confidence,  # type: ignore[arg-type]
                    value=value, date=date, date_inferred=date_inferred, rule="test")


def make_extraction(doc: IngestDocument, *, memo_new: bool = True) -> Extraction:
    """m0 Chongqing Customs, m1 Chengdu Customs, m2/m3 the memorandum (new unless ``memo_new`` is
    False: then another document introduced it), m4 the ILSTC; r0/r1 signatories, r2 supports,
    r3 the date of signature (a literal)."""
    cq = mention(doc, "Chongqing Customs", iri=ID + "chongqing-customs", label="Chongqing Customs",
                 types=("CustomsDistrict",))
    cd = mention(doc, "Chengdu Customs", iri=ID + "chengdu-customs", label="Chengdu Customs",
                 types=("CustomsDistrict",))
    memo_reason = "new" if memo_new else "exact-alias"
    memo = mention(doc, "Smart Clearance Memorandum", iri=MEMO, label="Smart Clearance Memorandum",
                   types=("Memorandum",), new=memo_new, reason=memo_reason, score=90.0 if memo_new else 100.0)
    memo2 = mention(doc, "Smart Clearance Memorandum", 2, iri=MEMO, label="Smart Clearance Memorandum",
                    types=("Memorandum",), new=memo_new, reason=memo_reason, score=90.0 if memo_new else 100.0)
    ilstc = mention(doc, "New International Land-Sea Trade Corridor", iri=ID + "ilstc",
                    label="New International Land-Sea Trade Corridor", types=("Corridor",))
    first = "Chongqing Customs and Chengdu Customs signed the Smart Clearance Memorandum in June 2020."
    second = "The Smart Clearance Memorandum supports the New International Land-Sea Trade Corridor."
    relations = [
        relation(doc, memo, "hasSignatory", cq, first, date="2020-06"),
        relation(doc, memo, "hasSignatory", cd, first, date="2020-06"),
        relation(doc, memo2, "supports", ilstc, second, modality="stated", confidence=0.85),
        relation(doc, memo, "signedOn", None, first, value="2020-06", date="2020-06"),
    ]
    return Extraction(document=doc, iri=document_iri(BASE, doc), mentions=[cq, cd, memo, memo2, ilstc],
                      relations=relations)


CURATED_MEMO = ID + "cq-cd-customs-memorandum"
CURATED_TEXT = "Chongqing Customs and Chengdu Customs signed a memorandum of cooperation in Chongqing."


def make_curated_extraction(doc: IngestDocument) -> Extraction:
    """A document stating a curated fact again: the customs memorandum has Chongqing Customs as a
    signatory (data/facts/customs-memorandum.yaml states it too)."""
    cq = mention(doc, "Chongqing Customs", iri=ID + "chongqing-customs", label="Chongqing Customs",
                 types=("CustomsDistrict",))
    memo = mention(doc, "memorandum of cooperation", iri=CURATED_MEMO,
                   label="Memorandum of cooperation between Chongqing Customs and Chengdu Customs",
                   types=("Memorandum",))
    quote = doc.text.split("\n")[0]
    return Extraction(document=doc, iri=document_iri(BASE, doc), mentions=[cq, memo],
                      relations=[relation(doc, memo, "hasSignatory", cq, quote)])


# -- fixtures and probes -----------------------------------------------------------------------------------

@pytest.fixture
def store_root(seed_build, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A writable copy of the seed store (the session's seed store stays read-only)."""
    root = tmp_path / "store"
    shutil.copytree(seed_build.store_root, root, symlinks=True)
    return root


def snapshot(root: Path) -> tuple[int, str]:
    """(quads, version): equal before and after means nothing was written."""
    with OxigraphStore(root) as store:
        stats = store.stats()
    return stats.quads, stats.version


def ask(root: Path, body: str) -> bool:
    with OxigraphStore(root) as store:
        return store.ask(PREFIXES + f"ASK {{ {body} }}")


def write(root: Path, extraction: Extraction, accepted: Accepted | None = None, **kw: object):  # type: ignore[no-untyped-def]
    with OxigraphStore(root) as store:
        return write_accepted(store, extraction, accepted or auto_accepted(extraction), base=BASE,
                              accepted_by="Test Analyst", **kw)  # type: ignore[arg-type]


# -- writing -------------------------------------------------------------------------------------------------

def test_accepted_facts_land_in_the_documents_graph_with_prov_o(store_root: Path, tmp_path: Path) -> None:
    doc = read_article(tmp_path)
    extraction = make_extraction(doc)
    summary = write(store_root, extraction)
    graph = document_graph_iri(BASE, doc.slug)
    assert (summary.document, summary.graph, summary.already) == (extraction.iri, graph, None)
    assert summary.relations == 4 and summary.new_entities == (MEMO,) and summary.dropped == ()
    assert graph == f"{BASE}graph/ingest/{doc.slug}" and extraction.iri == f"{ID}{doc.slug}"

    # The statement, plain, and its evidence with both types and every provenance field.
    assert ask(store_root, f"""GRAPH <{graph}> {{
        <{MEMO}> coop:hasSignatory <{ID}chongqing-customs>, <{ID}chengdu-customs> ;
                 coop:supports <{ID}ilstc> ; coop:signedOn "2020-06"^^xsd:gYearMonth .
        ?ev a coop:Evidence, coop:ExtractedEvidence ;
            rdf:subject <{MEMO}> ; rdf:predicate coop:hasSignatory ; rdf:object <{ID}chongqing-customs> ;
            coop:quote ?quote ; coop:startOffset 0 ; coop:endOffset ?end ;
            prov:wasDerivedFrom <{extraction.iri}> ; coop:modality "done" ;
            coop:confidence 0.900 ; coop:linkReason "new / exact-alias" ; coop:acceptedBy "Test Analyst" ;
            coop:statedDate "2020-06"^^xsd:gYearMonth ; coop:dateInferred false ;
            prov:wasGeneratedBy ?activity .
        ?activity a prov:Activity, coop:Ingest ; prov:endedAtTime ?when ; prov:used <{extraction.iri}> ;
                  prov:wasAssociatedWith ?agent .
        ?agent a prov:Agent ; rdfs:label "Test Analyst"@en .
        FILTER (DATATYPE(?when) = xsd:dateTime)
    }}""")
    assert ask(store_root, f"""GRAPH <{graph}> {{ ?ev rdf:predicate coop:supports ; coop:modality "stated" ;
        coop:confidence 0.850 }}""")
    # The document node, its text and hash, and every entity it mentions; the new entity is marked.
    assert ask(store_root, f"""GRAPH <{graph}> {{
        <{extraction.iri}> a coop:SourceDocument, coop:IngestedDocument ; schema:text ?text ;
            coop:sha256 "{doc.sha256}" ; schema:mentions <{MEMO}>, <{ID}ilstc>, <{ID}chongqing-customs> ;
            <http://purl.org/dc/terms/title> "Smart clearance for the corridor"@en ;
            <http://purl.org/dc/terms/date> "2020-06-18"^^xsd:date ;
            <http://purl.org/dc/terms/publisher> "Example Daily" .
        <{MEMO}> a coop:Memorandum, coop:Agreement ; rdfs:label "Smart Clearance Memorandum"@en ;
            coop:machineExtracted true .
        FILTER (STR(?text) = {json.dumps(doc.text)})
    }}""")
    # The facts join the default graph, which every reader queries; the named graph records exactly
    # the same triples.
    assert ask(store_root, f"""<{MEMO}> coop:hasSignatory <{ID}chongqing-customs> ; rdfs:label ?l .
        ?ev a coop:ExtractedEvidence ; rdf:subject <{MEMO}> ; prov:wasDerivedFrom <{extraction.iri}> .
        <{extraction.iri}> a coop:IngestedDocument""")
    assert not ask(store_root, f"GRAPH <{graph}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ ?s ?p ?o }}")
    with OxigraphStore(store_root) as store:
        in_graph = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert int(in_graph[0]["n"]) == summary.triples


def test_the_same_text_twice_adds_nothing(store_root: Path, tmp_path: Path) -> None:
    doc = read_article(tmp_path)
    with OxigraphStore(store_root) as store:
        assert ingested(store, doc.sha256) is None
    write(store_root, make_extraction(doc))
    after_first = snapshot(store_root)
    with OxigraphStore(store_root) as store:
        assert ingested(store, doc.sha256) == document_iri(BASE, doc)
    again = write(store_root, make_extraction(read_article(tmp_path, name="copy.txt")))
    assert again.already == document_iri(BASE, doc) and again.triples == 0
    assert snapshot(store_root) == after_first


def test_a_curated_documents_text_is_found_and_not_written_again(store_root: Path, tmp_path: Path) -> None:
    # The curated file read as an ingest reads it: the build hashes its text the same way
    # (graph.sources.text_sha256), though the file ends with a newline the ingest drops.
    curated = Path(__file__).resolve().parents[2] / "data" / "documents" / "ichongqing-2019-05-22-opening-up.txt"
    assert curated.read_text(encoding="utf-8").endswith("\n")
    (doc,) = read_documents([str(curated)])
    with OxigraphStore(store_root) as store:
        assert ingested(store, doc.sha256) == ID + "ichongqing-2019-05-22-opening-up"
        with pytest.raises(DataError, match="not a SHA-256"):
            ingested(store, "abc\" } ; DROP ALL ; #")
    before = snapshot(store_root)
    summary = write(store_root, Extraction(document=doc, iri=document_iri(BASE, doc)))
    assert summary.already == ID + "ichongqing-2019-05-22-opening-up"
    assert snapshot(store_root) == before


@pytest.mark.parametrize("kind", ["iri", "slug", "sha256", "prefix", "path"])
def test_remove_takes_out_exactly_what_the_document_brought(store_root: Path, tmp_path: Path, kind: str) -> None:
    before = snapshot(store_root)[0]
    doc = read_article(tmp_path)
    summary = write(store_root, make_extraction(doc))
    assert snapshot(store_root)[0] == before + 2 * summary.triples  # the default graph and the record
    ref = {"iri": document_iri(BASE, doc), "slug": doc.slug, "sha256": doc.sha256, "prefix": doc.sha256[:8],
           "path": str(tmp_path / "article.txt")}[kind]
    with OxigraphStore(store_root) as store:
        removed = remove_document(store, ref, base=BASE)
    assert (removed.document, removed.triples, removed.entities_gone) == (
        document_iri(BASE, doc), summary.triples, (MEMO,))
    assert snapshot(store_root)[0] == before
    assert not ask(store_root, f"GRAPH ?g {{ <{MEMO}> ?p ?o }}")
    assert not ask(store_root, f"{{ <{MEMO}> ?p ?o }} UNION {{ ?s ?p <{MEMO}> }} UNION "
                               f"{{ <{document_iri(BASE, doc)}> ?p ?o }}")
    # The curated statements about the entities it linked are still there.
    assert ask(store_root, f"<{ID}chongqing-customs> rdfs:label ?l")


def test_removing_one_document_leaves_an_entity_another_one_uses(store_root: Path, tmp_path: Path) -> None:
    before = snapshot(store_root)[0]
    first = read_article(tmp_path)
    write(store_root, make_extraction(first))
    # A second article names the memorandum the first one introduced: now an entity of the graph.
    second = read_article(tmp_path, TEXT + "\n\nOfficials welcomed the memorandum.", name="second.txt")
    write(store_root, make_extraction(second, memo_new=False))
    g2 = document_graph_iri(BASE, second.slug)
    assert ask(store_root, f"GRAPH <{g2}> {{ <{MEMO}> a coop:Memorandum ; rdfs:label ?l ; "
                           "coop:machineExtracted true }")
    with OxigraphStore(store_root) as store:
        removed = remove_document(store, first.slug, base=BASE)
        assert removed.entities_gone == ()
    # In the second document's graph and in the default graph, which every reader queries.
    assert ask(store_root, f"GRAPH ?g {{ <{MEMO}> a coop:Memorandum ; rdfs:label ?l ; coop:hasSignatory ?s }}")
    assert ask(store_root, f"<{MEMO}> a coop:Memorandum ; rdfs:label ?l ; coop:hasSignatory ?s ; "
                           "coop:machineExtracted true")
    assert not ask(store_root, f"<{document_iri(BASE, first)}> ?p ?o")
    with OxigraphStore(store_root) as store:
        assert remove_document(store, second.sha256, base=BASE).entities_gone == (MEMO,)
    assert snapshot(store_root)[0] == before
    assert not ask(store_root, f"<{MEMO}> ?p ?o")


def test_a_curated_fact_an_ingested_document_states_again_survives_its_removal(
        store_root: Path, tmp_path: Path) -> None:
    statement = f"<{CURATED_MEMO}> coop:hasSignatory <{ID}chongqing-customs>"
    assert ask(store_root, statement)
    before = snapshot(store_root)[0]
    doc = read_article(tmp_path, CURATED_TEXT)
    summary = write(store_root, make_curated_extraction(doc))
    assert summary.relations == 1
    # The statement was in the default graph already: one copy fewer there.
    assert snapshot(store_root)[0] == before + 2 * summary.triples - 1
    with OxigraphStore(store_root) as store:
        remove_document(store, doc.slug, base=BASE)
    assert ask(store_root, statement)
    assert snapshot(store_root)[0] == before


def test_remove_refuses_what_it_cannot_name(store_root: Path, tmp_path: Path) -> None:
    with OxigraphStore(store_root) as store:
        with pytest.raises(DataError, match="curated document"):
            remove_document(store, "ichongqing-2019-05-22-opening-up", base=BASE)
        with pytest.raises(DataError, match="not a document"):
            remove_document(store, "Not a document!", base=BASE)
        with pytest.raises(DataError, match="not an IRI"):
            remove_document(store, "https://x.org/a> } } ; DROP ALL ; #", base=BASE)
        with pytest.raises(DataError, match="curated document"):
            remove_document(store, ID + "ichongqing-2019-05-22-opening-up", base=BASE)
        with pytest.raises(EntityNotFoundError, match="no ingested document"):
            remove_document(store, "doc-0123456789abcdef", base=BASE)
        with pytest.raises(EntityNotFoundError, match="starts with"):
            remove_document(store, "00000000", base=BASE)


# -- the shapes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [HEADER, "Title: Smart clearance\nPublisher: Example Daily\n----\n", ""],
                         ids=["dated", "undated", "no-header"])
def test_the_seed_graph_with_a_written_document_conforms_to_the_shapes(tmp_path: Path, header: str) -> None:
    """An ingested document may name its publisher only by name (a literal, not a MediaOrganisation
    entity), and may have no date or title of its own (the first line stands in)."""
    from coopgraph.graph.build import build_graph
    from coopgraph.graph.validate import validate_graph

    data = Path(__file__).resolve().parents[2] / "data"
    seed = build_graph(facts_dir=data / "facts", documents_dir=data / "documents", base=BASE).graph
    path = tmp_path / "article.txt"
    path.write_text(header + TEXT, encoding="utf-8")
    (doc,) = read_documents([str(path)])
    extraction = make_extraction(doc)
    written = facts_graph(extraction, auto_accepted(extraction), base=BASE, accepted_by="Test Analyst",
                          when=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    report = validate_graph(seed + written)
    assert report.conforms, report.text
    # The curated documents still need a MediaOrganisation publisher and a date.
    curated = URIRef(ID + "ichongqing-2019-05-22-opening-up")
    seed.remove((curated, DCTERMS.date, None))
    seed.set((curated, DCTERMS.publisher, Literal("Someone")))
    messages = {v.message for v in validate_graph(seed).violations if v.focus == str(curated)}
    assert any("MediaOrganisation" in m for m in messages) and any("needs one `date`" in m for m in messages)


# -- refusals and failures: the store stays as it was ----------------------------------------------------------

def test_a_quote_not_at_its_offsets_is_refused_and_nothing_is_written(store_root: Path, tmp_path: Path) -> None:
    extraction = make_extraction(read_article(tmp_path))
    bad = extraction.relations[2]
    extraction.relations[2] = replace(bad, start=bad.start + 1, end=bad.end + 1)
    before = snapshot(store_root)
    with pytest.raises(QuoteNotFoundError, match="is not the text at"):
        write(store_root, extraction)
    assert snapshot(store_root) == before


@pytest.mark.parametrize("broken", ["predicate", "class", "date", "confidence"])
def test_other_bad_records_are_refused_before_writing(store_root: Path, tmp_path: Path, broken: str) -> None:
    extraction = make_extraction(read_article(tmp_path))
    r = extraction.relations[0]
    if broken == "predicate":
        extraction.relations[0] = replace(r, predicate="signedWithInk")
    elif broken == "class":
        memo = replace(r.subject, types=("Treaty",))
        extraction.mentions[2] = memo
        extraction.relations[0] = replace(r, subject=memo)
    elif broken == "date":
        extraction.relations[0] = replace(r, date="June 2020")
    else:
        extraction.relations[0] = replace(r, confidence=1.5)
    before = snapshot(store_root)
    with pytest.raises(DataError):
        write(store_root, extraction)
    assert snapshot(store_root) == before


# A writer in its own process, limited to writing files of at most 1 MB: RocksDB's write of the
# document's 2.6 MB text goes past that. With SIGXFSZ ignored (as Python starts) the write gets EFBIG
# and fails; with the signal's default action the process is killed in the middle of the write.
_WRITER = """
import resource, signal, sys
from coopgraph.graph.ingest.review import ReviewQueue, auto_accepted
from coopgraph.graph.ingest.write import write_accepted
from coopgraph.graph.store.oxigraph import OxigraphStore
folder, slug, root, mode = sys.argv[1:5]
extraction = ReviewQueue(folder).load(slug).extraction
signal.signal(signal.SIGXFSZ, signal.SIG_IGN if mode == "fail" else signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
with OxigraphStore(root) as store:
    write_accepted(store, extraction, auto_accepted(extraction), base=sys.argv[5], accepted_by="killed")
"""


@pytest.mark.parametrize("mode", ["fail", "kill"])
def test_a_write_that_fails_or_is_killed_leaves_the_store_as_it_was(store_root: Path, tmp_path: Path,
                                                                   mode: str) -> None:
    # 2.6 MB of hex words, which compress too little for RocksDB to fit them under the limit.
    padding = "\n\n" + " ".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(40_000))
    extraction = make_extraction(read_article(tmp_path, TEXT + padding))
    queue = ReviewQueue(tmp_path / "review")
    slug = queue.add(extraction)
    state, before = read_state(store_root), snapshot(store_root)
    process = subprocess.run([sys.executable, "-c", _WRITER, str(queue.folder), slug, str(store_root), mode, BASE],
                             capture_output=True, text=True, timeout=120)
    if mode == "fail":
        assert process.returncode == 1 and "StoreError" in process.stderr, process.stderr
        assert "left as it was" in process.stderr, process.stderr
    else:
        assert process.returncode == -signal.SIGXFSZ, process.stderr
    assert read_state(store_root) == state and snapshot(store_root) == before
    # The next write commits over whatever the failed one left behind.
    assert write(store_root, extraction).triples > 0
    assert snapshot(store_root)[0] > before[0]
    assert os.path.isdir(store_root / read_state(store_root).generation)  # type: ignore[union-attr]


# -- a remote store ----------------------------------------------------------------------------------------------

def test_write_and_remove_on_a_remote_store(seed_build, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same on an Oxigraph server through the SPARQL protocol: one Update request per write.
    The text holds characters str.splitlines() breaks at (U+2028, U+0085), which N-Triples leaves raw.
    A curated statement a removed document also stated stays (its curated evidence says so)."""
    from coopgraph.graph.store.remote import RemoteStore
    from tests.remote_engines import push_nquads, start_oxigraph

    engine = start_oxigraph(tmp_path / "engine")
    try:
        with OxigraphStore(seed_build.store_root) as seed:
            push_nquads(engine, seed.dump())
        store = RemoteStore(engine.query_url, update_url=engine.update_url)
        with store:
            store.touch()  # the version triple exists before, so the counts compare like for like
            before = store.stats().quads
            doc = read_article(tmp_path, TEXT + "\n\nA line\u2028separator and a next\x85line stay in the text.")
            summary = write_accepted(store, make_extraction(doc), auto_accepted(make_extraction(doc)), base=BASE,
                                     accepted_by="Remote Analyst")
            assert summary.relations == 4 and store.stats().quads == before + 2 * summary.triples
            assert ingested(store, doc.sha256) == document_iri(BASE, doc)
            rows = store.select(f"SELECT ?t WHERE {{ GRAPH ?g {{ <{document_iri(BASE, doc)}> "
                                "<https://schema.org/text> ?t } }")
            assert rows == [{"t": doc.text}]
            text = f"SELECT ?t WHERE {{ <{document_iri(BASE, doc)}> <https://schema.org/text> ?t }}"
            assert store.select(text) == [{"t": doc.text}]  # in the default graph too
            assert write_accepted(store, make_extraction(doc), Accepted(), base=BASE,
                                  accepted_by="x").already == document_iri(BASE, doc)
            removed = remove_document(store, doc.sha256[:12], base=BASE)
            assert removed.triples == summary.triples and store.stats().quads == before

            statement = PREFIXES + f"ASK {{ <{CURATED_MEMO}> coop:hasSignatory <{ID}chongqing-customs> }}"
            again = read_article(tmp_path, CURATED_TEXT, name="curated-again.txt")
            stated = make_curated_extraction(again)
            write_accepted(store, stated, auto_accepted(stated), base=BASE, accepted_by="Remote Analyst")
            remove_document(store, again.slug, base=BASE)
            assert store.ask(statement) and store.stats().quads == before
    finally:
        engine.stop()
