"""Which kind each fact is: curated or machine-extracted evidence, and its modality, everywhere
evidence is read (entity pages, documents, the projection's paths, graph views, the JSON API).

The extracted fact is written by hand into a copy of the seed store, as ``coopgraph ingest``
would write it: an evidence node typed both coop:Evidence and coop:ExtractedEvidence, with its
confidence, who accepted it and the ingest activity that made it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.api.convert import evidence_of as evidence_quote
from coopgraph.api.schemas import EvidenceQuote
from coopgraph.graph.analysis import shortest_paths
from coopgraph.graph.documents import document_detail
from coopgraph.graph.entities import entity_detail
from coopgraph.graph.namespaces import DEFAULT_BASE
from coopgraph.graph.network import project
from coopgraph.graph.records import Evidence
from coopgraph.graph.store.oxigraph import OxigraphStore
from coopgraph.graph.views import ViewSpec, view_data
from tests.conftest import SeedBuild, app_settings, in_process_app

ID = DEFAULT_BASE + "id/"
DOC = "ichongqing-2019-05-22-opening-up"
QUOTE = "encouraging enterprises of Chongqing to set up logistics bases"
EXTRACTED_EV = DEFAULT_BASE + "evidence/extracted-test-1"
ACTIVITY = DEFAULT_BASE + "ingest/test-activity"
SUBJECT, OBJECT = "cci-administrative-bureau", "chongqing"
SUPPORTS = "https://coopgraph.org/ontology#supports"


def _extracted_fact(text: str) -> str:
    """Turtle for one accepted machine-extracted relation with its provenance."""
    start = text.index(QUOTE)
    return f"""
@prefix coop: <https://coopgraph.org/ontology#> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{ID}{SUBJECT}> coop:supports <{ID}{OBJECT}> .
<{EXTRACTED_EV}> a coop:Evidence, coop:ExtractedEvidence ;
    rdf:subject <{ID}{SUBJECT}> ; rdf:predicate coop:supports ; rdf:object <{ID}{OBJECT}> ;
    coop:quote "{QUOTE}" ; coop:startOffset {start} ; coop:endOffset {start + len(QUOTE)} ;
    prov:wasDerivedFrom <{ID}{DOC}> ; coop:modality "planned" ;
    coop:confidence "0.87"^^xsd:decimal ; coop:linkReason "exact-alias / exact-alias" ;
    coop:acceptedBy "analyst@example.org" ; prov:wasGeneratedBy <{ACTIVITY}> .
<{ACTIVITY}> a prov:Activity, coop:Ingest ; prov:endedAtTime "2026-12-03T12:00:00Z"^^xsd:dateTime ;
    prov:used <{ID}{DOC}> ; prov:wasAssociatedWith <{DEFAULT_BASE}agent/analyst> .
<{DEFAULT_BASE}agent/analyst> a prov:Agent ; rdfs:label "analyst@example.org" .
"""


@pytest.fixture(scope="module")
def extracted_root(seed_build: SeedBuild, seed_store: OxigraphStore,
                   tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed store plus one machine-extracted fact (a new store: the seed stays read-only)."""
    root = tmp_path_factory.mktemp("extracted") / "store"
    seed = seed_store.dump(ox.RdfFormat.N_QUADS)
    extra = _extracted_fact(seed_build.outcome.result.documents[DOC].text).encode()

    def fill(db: ox.Store) -> None:
        db.load(seed, format=ox.RdfFormat.N_QUADS)
        db.load(extra, format=ox.RdfFormat.TURTLE)

    OxigraphStore.replace(root, fill)
    return root


@pytest.fixture(scope="module")
def store(extracted_root: Path) -> Iterator[OxigraphStore]:
    with OxigraphStore(extracted_root) as opened:
        yield opened


def _assert_extracted(ev: Evidence | EvidenceQuote) -> None:
    assert ev.origin == "extracted" and ev.modality == "planned" and ev.quote == QUOTE
    assert ev.confidence == pytest.approx(0.87)
    assert ev.accepted_by == "analyst@example.org" and ev.extracted_at == "2026-12-03T12:00:00Z"


def _assert_curated(ev: Evidence | EvidenceQuote) -> None:
    assert ev.origin == "curated" and ev.modality in ("done", "planned", "stated")
    assert ev.confidence is None and ev.accepted_by is None and ev.extracted_at is None


def test_seed_evidence_is_all_curated_with_a_modality(seed_store: OxigraphStore) -> None:
    record = entity_detail(seed_store, base=DEFAULT_BASE, slug="chongqing-customs")
    evidence = [ev for st in record.statements for ev in st.evidence]
    assert evidence
    for ev in evidence:
        _assert_curated(ev)


def test_entity_page_says_which_facts_are_extracted_both_ways(store: OxigraphStore) -> None:
    out = entity_detail(store, base=DEFAULT_BASE, slug=SUBJECT)
    by_key = {(st.direction, st.predicate, st.other.slug if st.other else None): st for st in out.statements}
    (ev,) = by_key[("out", SUPPORTS, OBJECT)].evidence
    _assert_extracted(ev)
    for key, st in by_key.items():
        if key != ("out", SUPPORTS, OBJECT):
            for other in st.evidence:
                _assert_curated(other)
    incoming = entity_detail(store, base=DEFAULT_BASE, slug=OBJECT)
    (ev_in,) = next(st for st in incoming.statements
                    if st.direction == "in" and st.predicate == SUPPORTS and st.other
                    and st.other.slug == SUBJECT).evidence
    _assert_extracted(ev_in)


def test_document_page_marks_its_extracted_quote(store: OxigraphStore) -> None:
    doc = document_detail(store, base=DEFAULT_BASE, slug=DOC)
    kinds = {ev.iri: ev for ev, *_rest in doc.quotes}
    _assert_extracted(kinds[EXTRACTED_EV])
    assert sum(ev.origin == "extracted" for ev in kinds.values()) == 1


def test_path_evidence_and_view_edges_carry_the_kind(store: OxigraphStore) -> None:
    G = project(store, base=DEFAULT_BASE)
    (path, *_) = shortest_paths(G, ID + SUBJECT, ID + OBJECT)
    (hop,) = path.hops
    (ev,) = hop.evidence
    _assert_extracted(ev)
    assert G.graph["evidence"][EXTRACTED_EV]["origin"] == "extracted"
    assert ID + "ingest" not in {n.rsplit("/", 1)[0] for n in G.nodes}

    data = view_data(G, ViewSpec(focus=SUBJECT, depth=1))
    edges = {(e["from"], e["to"], e["predicate"]): e for e in data["edges"]}
    extracted = edges[(SUBJECT, OBJECT, SUPPORTS)]
    assert extracted["origin"] == "extracted" and extracted["machine_extracted"] is True
    assert extracted["dashes"] is True
    assert data["evidence"][EXTRACTED_EV]["origin"] == "extracted"
    assert data["evidence"][EXTRACTED_EV]["confidence"] == pytest.approx(0.87)
    curated = [e for key, e in edges.items() if key != (SUBJECT, OBJECT, SUPPORTS)]
    assert curated and all(e["origin"] == "curated" and not e["machine_extracted"] and "dashes" not in e
                           for e in curated)
    assert set(data["evidence"][EXTRACTED_EV]) == set(EvidenceQuote.model_fields)


def test_json_api_answers_say_which_kind_each_fact_is(extracted_root: Path) -> None:
    with in_process_app(app_settings(extracted_root)) as client:
        page = client.get(f"/api/entities/{SUBJECT}")
        assert page.status_code == 200, page.text
        quotes = {ev["iri"]: ev for st in page.json()["statements"] for ev in st["evidence"]}
        _assert_extracted(EvidenceQuote(**quotes[EXTRACTED_EV]))
        assert {ev["origin"] for iri, ev in quotes.items() if iri != EXTRACTED_EV} == {"curated"}
        paths = client.get("/api/paths", params={"source": SUBJECT, "target": OBJECT})
        assert paths.status_code == 200, paths.text
        hop = paths.json()["shortest"][0]["hops"][0]
        assert [ev["iri"] for ev in hop["evidence"]] == [EXTRACTED_EV]
        assert hop["evidence"][0] == quotes[EXTRACTED_EV]


def test_evidence_quote_is_the_record_as_json() -> None:
    ev = Evidence(iri="https://ex.org/evidence/1", quote="A met B", start=0, end=7, document=None,
                  origin="extracted", modality="done", confidence=0.5, accepted_by="pipeline",
                  extracted_at="2026-01-01T00:00:00Z")
    quote = evidence_quote(ev)
    assert (quote.origin, quote.modality, quote.confidence, quote.accepted_by, quote.extracted_at) == (
        "extracted", "done", 0.5, "pipeline", "2026-01-01T00:00:00Z")
    assert ev.machine_extracted and evidence_quote(Evidence("x", "q", 0, 1, None, modality="maybe")).modality is None
