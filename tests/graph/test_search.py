"""graph/search.py: the label index of the mini store, its ranking, filters and pages."""

from __future__ import annotations

from coopgraph.graph.search import LabelIndex, normalise
from tests.graph.mini_store import COOP


def test_search_ranks_exact_then_prefix_then_token_then_substring_then_fuzzy(index: LabelIndex) -> None:
    hits = index.search("Chongqing")
    assert hits[0].entity.slug == "chongqing" and hits[0].match == "exact" and hits[0].score == 1.0
    assert {(h.entity.slug, h.match) for h in hits[1:3]} == {("chongqing-customs", "prefix"), ("daily", "prefix")}
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    assert index.search("customs chengdu")[0].entity.slug == "chengdu-customs"          # every word, any order
    assert index.search("customs chengdu")[0].match == "token"
    assert index.search("chongqnig")[0].entity.slug == "chongqing"                       # a typo
    assert index.search("chongqnig")[0].match == "fuzzy"
    assert index.search("ustoms dis")[0].match == "substring"


def test_search_matches_aliases_and_chinese(index: LabelIndex) -> None:
    alias = index.search("Chongqing Customs District")[0]
    assert alias.entity.slug == "chongqing-customs" and alias.matched == "Chongqing Customs District"
    assert alias.match == "exact"
    assert index.search("重庆")[0].entity.slug == "chongqing"
    assert {h.entity.slug for h in index.search("海关")} == {"chongqing-customs", "chengdu-customs"}
    assert index.search("海关")[0].match == "substring"
    assert {h.entity.slug for h in index.search("重庆", limit=10)} >= {"chongqing", "chongqing-customs", "daily"}


def test_search_filters_by_type_and_limits(index: LabelIndex) -> None:
    region = COOP + "Region"
    assert {h.entity.slug for h in index.search("ch", types=[region], limit=20)} == {"chongqing", "chengdu"}
    assert len(index.search("c", limit=2)) == 2
    assert index.search("   ") == [] and index.search("zzzzqqq") == []


def test_list_pages_by_label_and_type(index: LabelIndex) -> None:
    total, first = index.list(offset=0, limit=3)
    assert total == len(index) == 8
    assert [e.label for e in first] == sorted((e.label for e in index.entities.values()), key=str.casefold)[:3]
    total, regions = index.list(types=[COOP + "Region"])
    assert total == 2 and {e.slug for e in regions} == {"chongqing", "chengdu"}
    assert index.list(offset=100)[1] == []


def test_normalise_folds_case_width_and_punctuation() -> None:
    assert normalise("  Land-Sea  Corridor! ") == "land sea corridor"
    assert normalise("ＡＢＣ（重庆）") == "abc 重庆"
