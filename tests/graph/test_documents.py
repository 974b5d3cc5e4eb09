"""graph/documents.py on the mini store: the list, one document's text and quotes, its RDF."""

from __future__ import annotations

import pytest
import rdflib

from coopgraph.graph.documents import document_detail, document_rdf, list_documents
from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.graph.mini_store import BASE, COOP, TEXT


def test_documents_list_and_detail(mini: OxigraphStore) -> None:
    [doc] = list_documents(mini, base=BASE)
    assert doc.title == "Customs sign a memorandum" and doc.publisher.slug == "daily"  # type: ignore[union-attr]
    assert doc.date == "2019-12" and doc.evidence_count == 4 and doc.attribution == "Text by Chongqing Daily."
    detail = document_detail(mini, base=BASE, slug="doc")
    assert detail.text == TEXT
    assert [(ev.start, ev.end) for ev, *_ in detail.quotes] == sorted((ev.start, ev.end) for ev, *_ in detail.quotes)
    for ev, subject, _p, _label, _obj in detail.quotes:
        assert TEXT[ev.start:ev.end] == ev.quote and subject.slug
    with pytest.raises(EntityNotFoundError):
        document_detail(mini, base=BASE, slug="memo")       # an entity, not a document
    g = rdflib.Graph()
    g.parse(data=document_rdf(mini, base=BASE, slug="doc"), format="nt")
    assert len(set(g.subjects(rdflib.RDF.type, rdflib.URIRef(COOP + "Evidence")))) == 4
