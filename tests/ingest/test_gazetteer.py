"""The gazetteer: the graph's names as mentions in a text (tolerances, boundaries, longest match,
coordinated forms, generic labels), read from small rdflib graphs and from the seed store."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from coopgraph.graph.ingest.gazetteer import Gazetteer, KnownEntity
from coopgraph.graph.ingest.model import Mention
from coopgraph.graph.ingest.text import sentences
from coopgraph.graph.store.oxigraph import OxigraphStore

COOP = Namespace("https://coopgraph.org/ontology#")
ID = Namespace("https://example.org/id/")
DOCUMENTS = Path(__file__).resolve().parents[2] / "data" / "documents"


def entity(graph: Graph, slug: str, cls: str, label: str, *aliases: str, zh: str | None = None) -> URIRef:
    node = ID[slug]
    graph.add((node, RDF.type, COOP[cls]))
    graph.add((node, RDFS.label, Literal(label, lang="en")))
    if zh:
        graph.add((node, RDFS.label, Literal(zh, lang="zh")))
    for alias in aliases:
        graph.add((node, SKOS.altLabel, Literal(alias, lang="en")))
    return node


@pytest.fixture
def graph() -> Graph:
    g = Graph()
    entity(g, "chongqing", "Municipality", "Chongqing", zh="重庆")
    entity(g, "chengdu", "City", "Chengdu")
    entity(g, "sichuan", "Province", "Sichuan")
    entity(g, "yunnan", "Province", "Yunnan")
    cq = entity(g, "chongqing-customs", "CustomsDistrict", "Chongqing Customs", zh="重庆海关")
    cd = entity(g, "chengdu-customs", "CustomsDistrict", "Chengdu Customs")
    entity(g, "guangxi", "AutonomousRegion", "Guangxi")
    entity(g, "guangxi-zhuang", "AutonomousRegion", "Guangxi Zhuang Autonomous Region")
    entity(g, "ilstc", "Corridor", "New International Land-Sea Trade Corridor", "ILSTC")
    entity(g, "cci", "Initiative", "China-Singapore Connectivity Initiative", "CCI")
    entity(g, "western-china", "Region", "Western China", "west", "western region")
    entity(g, "president", "Post", "President of China", "President")
    entity(g, "equipment-industry", "Industry", "Equipment industry", "equipment")
    entity(g, "an-entity", "Region", "An")
    entity(g, "xi-jinping", "Person", "Xi Jinping", zh="习近平")
    memo = entity(g, "memo", "Memorandum", "Memorandum of cooperation between Chongqing Customs and Chengdu Customs",
                  "memorandum of cooperation")
    g.add((memo, COOP.hasSignatory, cq))
    g.add((cd, COOP.signatoryOf, memo))
    g.add((memo, COOP.signedOn, Literal("2019-12-17", datatype=XSD.date)))
    # two entities share one label: the linker must see both
    entity(g, "taiping-town-a", "Region", "Taiping Town")
    entity(g, "taiping-town-b", "Region", "Taiping Town")
    # not nameable: a document and an evidence node
    g.add((ID["doc-1"], RDF.type, COOP.SourceDocument))
    g.add((ID["doc-1"], RDFS.label, Literal("Chongqing Daily article")))
    g.add((URIRef("https://example.org/evidence/1"), RDF.type, COOP.Evidence))
    g.add((URIRef("https://example.org/evidence/1"), RDFS.label, Literal("Chengdu")))
    return g


@pytest.fixture
def gazetteer(graph: Graph) -> Gazetteer:
    return Gazetteer.from_graph(graph)


def found(gazetteer: Gazetteer, text: str) -> list[tuple[str, str]]:
    """(text of the mention, slug of the one entity its label names) for each mention."""
    out = []
    for mention in gazetteer.find(text, sentences(text)):
        assert text[mention.start:mention.end] == mention.text
        assert mention.source == "label"
        slugs = sorted(e.iri.rsplit("/", 1)[1] for e in gazetteer.lookup(mention.label or ""))
        out.append((mention.text, ",".join(slugs)))
    return out


# -- reading the graph ------------------------------------------------------------------------------


def test_entities_carry_labels_types_dates_and_parties(gazetteer: Gazetteer) -> None:
    memo = gazetteer.entities[str(ID.memo)]
    assert memo.label == "Memorandum of cooperation between Chongqing Customs and Chengdu Customs"
    assert "memorandum of cooperation" in memo.labels
    assert memo.types == ("Memorandum", "Agreement")  # most specific first, superclasses from the ontology
    assert memo.dates == ("2019-12-17",)
    assert memo.parties == (str(ID["chengdu-customs"]), str(ID["chongqing-customs"]))  # incl. signatoryOf
    customs = gazetteer.entities[str(ID["chongqing-customs"])]
    assert customs.labels[0] == "Chongqing Customs" and "重庆海关" in customs.labels
    assert customs.types[0] == "CustomsDistrict" and "GovernmentBody" in customs.types


def test_documents_and_evidence_are_not_nameable_but_their_slugs_are_taken(gazetteer: Gazetteer) -> None:
    assert str(ID["doc-1"]) not in gazetteer.entities
    assert not any("evidence" in iri for iri in gazetteer.entities)
    assert {"doc-1", "chongqing", "memo"} <= gazetteer.slugs
    assert found(gazetteer, "A Chongqing Daily article.") == [("Chongqing", "chongqing")]


def test_entities_of_named_graphs_are_read_too() -> None:
    dataset = Dataset()
    named = dataset.graph(URIRef("https://example.org/graph/ingest/doc-abc"))
    entity(named, "kunming-customs", "CustomsDistrict", "Kunming Customs")
    gazetteer = Gazetteer.from_graph(dataset)
    assert found(gazetteer, "Kunming Customs said so.") == [("Kunming Customs", "kunming-customs")]
    assert "kunming-customs" in gazetteer.slugs


# -- tolerances -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, mention", [
    ("CHONGQING CUSTOMS said", "CHONGQING CUSTOMS"),                          # case
    ("the new international land–sea trade corridor opens", "new international land–sea trade corridor"),  # dash
    ("the New International Land Sea Trade Corridor opens", "New International Land Sea Trade Corridor"),  # no dash
    ("the New International Land-Sea\nTrade  Corridor opens", "New International Land-Sea\nTrade  Corridor"),  # blanks
    ("The Chongqing Customs said", "Chongqing Customs"),                      # a leading "the" stays outside
    ("Chongqing Customs’ officers", "Chongqing Customs"),                     # curly quote after
    ("Chongqing Customs's officers", "Chongqing Customs"),                    # possessive
    ("Chongqing's port", "Chongqing"),
])
def test_tolerant_of_case_dashes_blanks_the_and_possessives(gazetteer: Gazetteer, text: str, mention: str) -> None:
    assert [m for m, _slug in found(gazetteer, text)][:1] == [mention]


def test_word_boundaries_for_latin_labels(gazetteer: Gazetteer) -> None:
    assert found(gazetteer, "Chongqinger and Chengduese food") == []
    assert found(gazetteer, "A Chongqing-based firm") == [("Chongqing", "chongqing")]
    assert found(gazetteer, "an analyst in Chengdu") == [("Chengdu", "chengdu")]  # "An" is too short


def test_chinese_labels_match_without_word_boundaries(gazetteer: Gazetteer) -> None:
    assert found(gazetteer, "习近平在重庆海关考察") == [("习近平", "xi-jinping"), ("重庆海关", "chongqing-customs")]
    assert found(gazetteer, "重庆是直辖市") == [("重庆", "chongqing")]


def test_longest_match_wins_and_matches_never_overlap(gazetteer: Gazetteer) -> None:
    assert found(gazetteer, "in Guangxi Zhuang Autonomous Region today") == [
        ("Guangxi Zhuang Autonomous Region", "guangxi-zhuang")]
    assert found(gazetteer, "Chongqing Customs and Chengdu Customs signed a memorandum of cooperation") == [
        ("Chongqing Customs", "chongqing-customs"), ("Chengdu Customs", "chengdu-customs"),
        ("memorandum of cooperation", "memo")]
    text = "the Memorandum of cooperation between Chongqing Customs and Chengdu Customs was signed"
    assert found(gazetteer, text) == [(text[4:text.index(" was")], "memo")]


def test_a_name_hyphened_to_another_name_is_part_of_a_longer_name(gazetteer: Gazetteer) -> None:
    assert found(gazetteer, "the Chongqing-Europe freight train") == []
    assert found(gazetteer, "the Sichuan-Chongqing railway") == []


def test_generic_and_short_labels_make_no_mention_on_their_own(gazetteer: Gazetteer) -> None:
    text = "The President went west to inspect equipment; an official of the customs spoke."
    assert found(gazetteer, text) == []
    assert gazetteer.kind("west") == "generic" and gazetteer.kind("President") == "generic"
    assert gazetteer.kind("equipment") == "generic" and gazetteer.kind("An") == "short"
    # their multi-word names still match
    assert found(gazetteer, "the President of China and the western region") == [
        ("President of China", "president"), ("western region", "western-china")]
    assert gazetteer.descriptive("western region") and not gazetteer.descriptive("Western China")


def test_a_label_of_common_words_is_descriptive_whatever_its_capitals() -> None:
    g = Graph()
    entity(g, "mou", "Memorandum", "China-Singapore MOU", "Memorandum of Understanding")
    entity(g, "meeting", "JointMeeting", "ILSTC Interprovincial Joint Meeting", "Joint Meeting")
    gazetteer = Gazetteer.from_graph(g)
    assert gazetteer.kind("Memorandum of Understanding") == gazetteer.kind("Joint Meeting") == "descriptive"
    assert gazetteer.kind("ILSTC Interprovincial Joint Meeting") == "name"


def test_acronyms_match_only_in_capitals(gazetteer: Gazetteer) -> None:
    assert found(gazetteer, "The ILSTC and the CCI grew.") == [("ILSTC", "ilstc"), ("CCI", "cci")]
    assert found(gazetteer, "cci ilstc") == []


def test_a_shared_label_names_every_entity_having_it(gazetteer: Gazetteer) -> None:
    assert found(gazetteer, "in Taiping Town") == [("Taiping Town", "taiping-town-a,taiping-town-b")]


# -- suffixes and coordinated forms -----------------------------------------------------------------------


def test_an_administrative_suffix_joins_the_mention_with_its_types(gazetteer: Gazetteer) -> None:
    text = "Sichuan Province and Sichuan City"
    mentions = gazetteer.find(text, sentences(text))
    assert [(m.text, m.label, m.types) for m in mentions] == [
        ("Sichuan Province", "sichuan", ("Province",)), ("Sichuan City", "sichuan", ("City", "Municipality"))]


@pytest.mark.parametrize("text, expected", [
    ("the Chongqing and Chengdu customs will cooperate",
     [("Chongqing", "chongqing-customs"), ("Chengdu customs", "chengdu-customs")]),
    ("Chongqing and Chengdu Customs signed",
     [("Chongqing", "chongqing-customs"), ("Chengdu Customs", "chengdu-customs")]),
    ("in the Sichuan and Yunnan provinces",
     [("Sichuan", "sichuan"), ("Yunnan provinces", "yunnan")]),
    ("the customs of Chongqing and Chengdu met",
     [("customs of Chongqing", "chongqing-customs"), ("Chengdu", "chengdu-customs")]),
    ("the provinces of Sichuan, Yunnan and Sichuan",
     [("provinces of Sichuan", "sichuan"), ("Yunnan", "yunnan"), ("Sichuan", "sichuan")]),
])
def test_coordinated_forms_resolve_to_every_conjunct(gazetteer: Gazetteer, text: str,
                                                    expected: list[tuple[str, str]]) -> None:
    assert found(gazetteer, text) == expected


def test_a_coordinated_form_needs_every_conjunct_to_name_something(gazetteer: Gazetteer) -> None:
    # "Kunming Customs" is not a label: no coordinated reading, the plain matches stand
    assert found(gazetteer, "Chongqing and Kunming Customs") == [("Chongqing", "chongqing")]
    assert found(gazetteer, "the customs of Chongqing and Kunming") == [("Chongqing", "chongqing")]
    # a municipality is not a province: "Chongqing ... provinces" is no coordinated form
    assert found(gazetteer, "Chongqing and Sichuan provinces") == [("Chongqing", "chongqing"),
                                                                    ("Sichuan", "sichuan")]


# -- look-ups --------------------------------------------------------------------------------------------


def test_lookup_and_fuzzy(gazetteer: Gazetteer) -> None:
    assert [e.iri for e in gazetteer.lookup("the  CHONGQING customs's")] == [str(ID["chongqing-customs"])]
    assert gazetteer.lookup("Kunming Customs") == []
    best, score = gazetteer.fuzzy("New International Land Sea Trade Corridors")[0]
    assert best.iri == str(ID.ilstc) and score >= 90
    assert gazetteer.fuzzy("Chongqing") == []  # one word: never fuzzy


def test_the_forms_the_press_writes_a_label_in() -> None:
    g = Graph()
    entity(g, "silk-sea", "Initiative", "Silk and Sea Initiative")
    entity(g, "northern-revival", "Strategy", "Northern Revitalization Strategy")
    entity(g, "harmony", "Policy", "Overall regional harmony concept")
    entity(g, "river-sea", "Corridor", "Southern River-Sea Freight Corridor")
    entity(g, "hub", "LogisticsCentre", "Mekong Logistics Centre")
    entity(g, "pilot-zone", "Zone", "Lancang Pilot Zone")
    small = Gazetteer.from_graph(g)
    text = ("The One Silk, One Sea plan and the Silk & Sea Initiative support the northern region's "
            "revitalization, the revitalization of the northern region, the overall regional harmony outlook, "
            "the Southern River and Sea Freight Corridor, the Mekong Logistics Center and two Lancang Pilot Zones.")
    assert found(small, text) == [
        ("One Silk, One Sea", "silk-sea"), ("Silk & Sea Initiative", "silk-sea"),
        ("northern region's revitalization", "northern-revival"),
        ("revitalization of the northern region", "northern-revival"),
        ("overall regional harmony outlook", "harmony"), ("Southern River and Sea Freight Corridor", "river-sea"),
        ("Mekong Logistics Center", "hub"), ("Lancang Pilot Zones", "pilot-zone")]
    # sure forms are aliases; near forms (a head swapped, a plural, a strategy's action) are for review
    assert not small.near_form("One Silk, One Sea") and not small.near_form("Mekong Logistics Center")
    assert small.near_form("Lancang Pilot Zones") and small.near_form("overall regional harmony outlook")
    assert small.near_form("revitalization of the northern region")
    # a variant never adds an entity to another entity's real label
    entity(g, "silk-and-sea", "Region", "Silk and Sea")
    again = Gazetteer.from_graph(g)
    assert [e.iri for e in again.lookup("Silk and Sea")] == [str(ID["silk-and-sea"])]


def test_an_empty_graph_finds_nothing() -> None:
    assert Gazetteer.from_graph(Graph()).find("Chongqing Customs", [(0, 17)]) == []


def test_a_known_entity_is_plain_data() -> None:
    known = KnownEntity(iri="x", label="X", labels=("X",), types=())
    assert known.dates == () and known.parties == ()


# -- the seed store ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_gazetteer(seed_store: OxigraphStore) -> Gazetteer:
    return Gazetteer.from_store(seed_store)


def test_seed_store_entities(seed_gazetteer: Gazetteer) -> None:
    entities = seed_gazetteer.entities
    memo = entities["https://coopgraph.org/id/cq-cd-customs-memorandum"]
    assert memo.dates == ("2019-12-17",)
    assert memo.parties == ("https://coopgraph.org/id/chengdu-customs", "https://coopgraph.org/id/chongqing-customs")
    assert entities["https://coopgraph.org/id/china-singapore-ilstc-mou"].dates == ("2018-11",)
    assert not any(("Evidence" in e.types or "SourceDocument" in e.types) for e in entities.values())
    assert "cq-cd-customs-memorandum" in seed_gazetteer.slugs


def test_seed_chinese_label(seed_gazetteer: Gazetteer) -> None:
    text = "2019年12月17日，重庆海关与成都海关签署合作备忘录。"
    assert [(m.text, m.label) for m in seed_gazetteer.find(text, sentences(text))] == [
        ("重庆海关", "重庆海关"), ("成都海关", "成都海关")]


def test_seed_article_mentions(seed_gazetteer: Gazetteer) -> None:
    text = (DOCUMENTS / "chongqing-daily-2019-12-customs-memorandum.txt").read_text()
    mentions: list[Mention] = seed_gazetteer.find(text, sentences(text))
    named = {(m.text, seed_gazetteer.lookup(m.label or "")[0].iri.rsplit("/", 1)[1]) for m in mentions}
    assert {("Chongqing Customs", "chongqing-customs"), ("Chengdu Customs", "chengdu-customs"),
            ("memorandum of cooperation", "cq-cd-customs-memorandum"),
            ("One Belt And One Road", "belt-and-road-initiative"),
            ("Chengdu-Chongqing city cluster", "chengdu-chongqing-city-cluster")} <= named
    # the longest match: the corridor is one mention, not "western region" inside it
    assert ("new land and sea corridor in the western region", "ilstc") in named
    assert all(text[m.start:m.end] == m.text for m in mentions)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:]))
