"""The curated data (data/facts/*.yaml, data/documents/*) read on its own, with plain yaml.safe_load.

These checks repeat the build's rules on purpose: they name the offending record directly, and
they guard the data even when the build code changes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
FACTS = REPO / "data" / "facts"
DOCUMENTS = REPO / "data" / "documents"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DOCUMENT_KEYS = {"id", "title", "publisher", "source_site", "date", "language", "raw_file", "attribution"}
ENTITY_KEYS = {"id", "type", "label", "label_zh", "aliases", "comment"}
STATEMENT_KEYS = {"subject", "predicate", "object", "value", "datatype", "lang", "source", "quote",
                  "modality", "occurrence", "note", "implied"}
MODALITIES = {"done", "planned", "stated"}
CJK = re.compile(r"[\u3400-\u9fff]")
# Page furniture that must not survive in a clean document text.
BOILERPLATE = ("Position:", "Host:", "Source:", "QR code", "ICP", "MUST READ", "Cookie", "cookies",
               "Copyright", "Privacy", "About Us")


def load(path: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@cache
def documents() -> dict[str, dict]:  # type: ignore[type-arg]
    return {path.stem: load(path) for path in sorted(DOCUMENTS.glob("*.yaml"))}


@cache
def texts() -> dict[str, str]:
    return {doc_id: (DOCUMENTS / f"{doc_id}.txt").read_text(encoding="utf-8") for doc_id in documents()}


@cache
def entities() -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    return [(path.name, e) for path in sorted(FACTS.glob("*.yaml")) for e in load(path).get("entities") or []]


@cache
def statements() -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    return [(path.name, s) for path in sorted(FACTS.glob("*.yaml"))
            for s in load(path).get("statements") or []]


@cache
def entity_ids() -> set[str]:
    return {e["id"] for _, e in entities()}


def statement_id(item: tuple[str, dict]) -> str:  # type: ignore[type-arg]
    file, s = item
    return f"{file}:{s['subject']}-{s['predicate']}-{s.get('object', s.get('value'))}"


# -- documents ------------------------------------------------------------------------------------

def test_there_are_documents_and_each_has_its_text() -> None:
    assert len(documents()) >= 2
    for doc_id in documents():
        assert (DOCUMENTS / f"{doc_id}.txt").exists(), doc_id


@pytest.mark.parametrize("doc_id", sorted(documents()))
def test_document_metadata(doc_id: str) -> None:
    meta = documents()[doc_id]
    missing = DOCUMENT_KEYS - set(meta)
    assert not missing, f"{doc_id}.yaml lacks {sorted(missing)}"
    assert meta["id"] == doc_id and SLUG.match(doc_id)
    assert meta["language"] == "en"
    assert meta["publisher"] in entity_ids(), f"publisher {meta['publisher']!r} is not an entity"
    if meta.get("author") is not None:
        assert meta["author"] in entity_ids(), f"author {meta['author']!r} is not an entity"
    date = meta["date"]
    if isinstance(date, dt.date):
        date = date.isoformat()
    assert re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", str(date)), date
    if len(str(date)) < 10:
        assert meta.get("date_note"), f"{doc_id}: a partial date needs a date_note saying why"
    assert (DOCUMENTS / meta["raw_file"]).exists(), meta["raw_file"]


@pytest.mark.parametrize("doc_id", sorted(documents()))
def test_document_text_is_the_clean_article_body(doc_id: str) -> None:
    text = texts()[doc_id]
    meta = documents()[doc_id]
    assert text.startswith(meta["title"]), "the first line is the title"
    # The page's credit lines may close the text (who wrote it, who hosts and runs the page): they are
    # the evidence of the page's publishers. Nothing else of the page may stay.
    body, _, credits = text.partition("\n\nSource: ")
    for line in filter(None, credits.split("\n")):
        assert line.startswith(("Chongqing Daily", "Host: ")), f"{doc_id}.txt: not a credit line: {line[:60]!r}"
    for furniture in BOILERPLATE:
        assert furniture not in body, f"{doc_id}.txt still has page furniture: {furniture!r}"
    raw = (DOCUMENTS / meta["raw_file"]).read_text(encoding="utf-8")
    for paragraph in text.split("\n"):
        assert paragraph in raw, f"{doc_id}.txt: a line is not verbatim from the raw page: {paragraph[:60]!r}"


# -- entities -------------------------------------------------------------------------------------

def test_entity_ids_are_unique_slugs() -> None:
    counts = Counter(e["id"] for _, e in entities())
    assert not [i for i, n in counts.items() if n > 1], "duplicate ids"
    for file, entity in entities():
        assert SLUG.match(entity["id"]), f"{file}: {entity['id']!r} is not a slug"
    assert not set(counts) & set(documents()), "an entity id equals a document id"


@pytest.mark.parametrize("item", entities(), ids=lambda item: item[1]["id"])
def test_entity_record(item: tuple[str, dict]) -> None:  # type: ignore[type-arg]
    file, entity = item
    assert set(entity) <= ENTITY_KEYS, f"{file}: unknown keys {set(entity) - ENTITY_KEYS}"
    assert entity.get("type"), f"{file}: {entity['id']} has no type"
    label = entity.get("label")
    assert isinstance(label, str) and label.strip(), f"{entity['id']}: no label"
    assert not CJK.search(label), f"{entity['id']}: the label must be English; use label_zh"
    if "label_zh" in entity:
        assert CJK.search(entity["label_zh"]), f"{entity['id']}: label_zh is not Chinese"
    aliases = entity.get("aliases") or []
    assert all(isinstance(a, str) and a.strip() for a in aliases)
    assert len(aliases) == len(set(aliases)), f"{entity['id']}: repeated alias"
    assert label not in aliases, f"{entity['id']}: the label is repeated as an alias"


def test_names_do_not_point_at_two_entities() -> None:
    """An alias or label is one entity's name: a shared name would make entity linking ambiguous."""
    owners: dict[str, set[str]] = {}
    for _, entity in entities():
        for name in [entity["label"], *(entity.get("aliases") or [])]:
            owners.setdefault(name.casefold(), set()).add(entity["id"])
    shared = {name: ids for name, ids in owners.items() if len(ids) > 1}
    assert not shared


# -- statements -----------------------------------------------------------------------------------

@pytest.mark.parametrize("item", statements(), ids=statement_id)
def test_statement_record(item: tuple[str, dict]) -> None:  # type: ignore[type-arg]
    file, statement = item
    assert set(statement) <= STATEMENT_KEYS, f"{file}: unknown keys {set(statement) - STATEMENT_KEYS}"
    assert ("object" in statement) != ("value" in statement), "exactly one of object and value"
    assert statement.get("modality") in MODALITIES, f"{file}: modality must be one of {sorted(MODALITIES)}"
    ids = entity_ids()
    assert statement["subject"] in ids, f"{file}: unknown subject {statement['subject']!r}"
    if "object" in statement:
        assert statement["object"] in ids, f"{file}: unknown object {statement['object']!r}"
    assert statement["source"] in documents(), f"{file}: unknown source {statement['source']!r}"


@pytest.mark.parametrize("item", statements(), ids=statement_id)
def test_quote_is_an_exact_substring_of_its_document(item: tuple[str, dict]) -> None:  # type: ignore[type-arg]
    file, statement = item
    quote, text = statement["quote"], texts()[statement["source"]]
    assert isinstance(quote, str) and quote == quote.strip() and quote
    occurrence = statement.get("occurrence", 1)
    assert text.count(quote) >= occurrence, f"{file}: quote not in {statement['source']}: {quote!r}"


def test_quotes_are_short() -> None:
    """A quote is the clause that states the fact, not a paragraph."""
    for file, statement in statements():
        assert len(statement["quote"]) <= 220, f"{file}: quote too long: {statement['quote'][:60]!r}"


def test_no_statement_is_repeated() -> None:
    keys = Counter((s["subject"], s["predicate"], str(s.get("object", s.get("value"))), s["source"],
                    s["quote"]) for _, s in statements())
    assert not [k for k, n in keys.items() if n > 1]


def test_literal_values_are_well_formed() -> None:
    for file, statement in statements():
        if "value" not in statement:
            continue
        value, datatype = statement["value"], statement.get("datatype")
        if datatype == "xsd:gYearMonth":
            assert re.match(r"^\d{4}-\d{2}$", str(value)), f"{file}: {value!r}"
        elif datatype == "xsd:gYear":
            assert re.match(r"^\d{4}$", str(value)), f"{file}: {value!r}"
        elif datatype is None:
            assert isinstance(value, (int, dt.date)), f"{file}: give a datatype for {value!r}"


def test_every_entity_is_used_by_a_statement_or_a_document() -> None:
    used = {s["subject"] for _, s in statements()} | {s["object"] for _, s in statements() if "object" in s}
    used |= {meta["publisher"] for meta in documents().values()}
    used |= {meta["author"] for meta in documents().values() if meta.get("author")}
    assert entity_ids() <= used, sorted(entity_ids() - used)


def test_both_documents_are_sources_of_facts() -> None:
    per_document = Counter(s["source"] for _, s in statements())
    for doc_id in documents():
        assert per_document[doc_id] >= 50, f"{doc_id}: only {per_document[doc_id]} statements"


# --- issue 12, item 15: a quote states its fact, or the statement says it only implies it ----------

def _names(entity_id: str) -> list[str]:
    entity = next(e for _, e in entities() if e["id"] == entity_id)
    return [entity["label"], *(entity.get("aliases") or [])]


def _fold(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2013", "-")


@pytest.mark.parametrize("item", [i for i in statements() if "implied" in i[1]], ids=statement_id)
def test_an_implied_statement_says_how_and_what_the_text_says(item: tuple[str, dict]) -> None:  # type: ignore[type-arg]
    file, statement = item
    assert statement["implied"] in ("text", "knowledge"), f"{file}: implied is 'text' or 'knowledge'"
    assert len(statement.get("note") or "") >= 40, f"{file}: an implied statement explains itself in a note"


@pytest.mark.parametrize("item", [i for i in statements() if "object" in i[1]], ids=statement_id)
def test_a_relation_names_its_ends_or_explains_them(item: tuple[str, dict]) -> None:  # type: ignore[type-arg]
    """Either the quote names both ends (a label or an alias), or the statement carries a note (an
    anaphor such as "they" or "the two sides" resolved) or is marked implied, or it is one of the
    statements whose quote is a clause of the one sentence that names the other end (an agreement's
    articles and areas: "the two sides agreed on 21 articles of cooperation, including ...")."""
    file, st = item
    quote = _fold(st["quote"])
    named = [any(_fold(n) in quote for n in _names(st[end])) for end in ("subject", "object")]
    clause_of_a_listing = st["subject"] == "cq-cd-customs-memorandum" or st["subject"].startswith("cq-cd-memo-")
    pronoun = re.search(r"\b(they|it|we|he|the two sides|the bureau|the bureua|the administration bureau)\b", quote)
    assert all(named) or "note" in st or "implied" in st or clause_of_a_listing or (named[1] and pronoun), (
        f"{file}: the quote {st['quote']!r} names neither end's name nor a pronoun for it; add a note or "
        "`implied`")


def test_the_examples_of_the_issue_are_marked_implied() -> None:
    """Issue 12, item 15: "based in -> Chongqing" quoting "the customs agencies of the two cities", and
    "has jurisdiction over Chengdu" quoting "the parties and government of the two cities"."""
    by_key = {(s["subject"], s["predicate"], s.get("object")): s for _, s in statements()}
    for key in (("chongqing-customs", "basedIn", "chongqing"), ("chengdu-customs", "basedIn", "chengdu"),
                ("cpc-chengdu-municipal-committee", "hasJurisdiction", "chengdu"),
                ("chengdu-chongqing-package-agreement", "hasSignatory", "cpc-chengdu-municipal-committee")):
        assert by_key[key].get("implied") == "text", key
    assert by_key[("post-prc-president", "org:postIn", "china")].get("implied") == "knowledge"


# --- issue 12, item 16: the named things the articles state ---------------------------------------

ITEM_16 = {
    # id: (type, a name the text uses, [(subject, predicate, object, a words of the quote)])
    "customs-special-supervision-areas": ("BondedArea", "customs special supervision areas", [
        ("cq-cd-memo-article-special-supervision-areas", "concerns", "customs-special-supervision-areas",
         "customs special supervision areas"),
        ("cq-cd-customs-memorandum", "promotes", "customs-special-supervision-areas", "customs special supervision areas")]),
    "upper-yangtze-river-economic-belt": ("Region", "upper reaches of the Yangtze river economic belt", [
        ("upper-yangtze-river-economic-belt", "locatedIn", "yangtze-river-economic-belt", "upper reaches"),
        ("cq-cd-memo-article-upper-yangtze", "concerns", "upper-yangtze-river-economic-belt", "upper reaches")]),
    "reform-and-opening-up": ("Policy", "reform and opening-up", [
        ("xi-instruction-chongqing-opening-up", "concerns", "reform-and-opening-up", "reform and opening-up"),
        ("chongqing", "promotes", "reform-and-opening-up", "reform and opening-up")]),
    "cpc": ("PoliticalParty", "CPC", [("cpc-central-committee", "partOf", "cpc", "19th CPC central committee")]),
    "xi-visit-chongqing-2019": ("Visit", "President Xi Jinping's visit to Chongqing", [
        ("xi-visit-chongqing-2019", "visitor", "xi-jinping", "President Xi Jinping's visit to Chongqing")]),
    "cq-foreign-trade-commission": ("GovernmentBody", "Chongqing Foreign Trade and Economic Relations Commerce", [
        ("cq-foreign-trade-commission", "cooperatesWith", "cq-investment-promotion-association", "Host: ")]),
    "cq-investment-promotion-association": ("Association", "Chongqing Investment Promotion Association", [
        ("cq-investment-promotion-association", "basedIn", "chongqing", "Undertaker: ")]),
}


@pytest.mark.parametrize("entity_id", sorted(ITEM_16))
def test_the_named_things_of_item_16_are_there_with_quotes_and_links(entity_id: str) -> None:
    kind, name, links = ITEM_16[entity_id]
    entity = next(e for _, e in entities() if e["id"] == entity_id)
    assert entity["type"] == kind
    assert name in _names(entity_id), f"{entity_id}: {name!r} is its label or an alias"
    assert any(name in text for text in texts().values()), f"{name!r} is a form the articles use"
    found = {(s["subject"], s["predicate"], s.get("object")): s["quote"] for _, s in statements()}
    for subject, predicate, obj, words in links:
        assert words in found[(subject, predicate, obj)], (subject, predicate, obj)


def test_the_communist_party_has_its_chinese_name() -> None:
    assert next(e for _, e in entities() if e["id"] == "cpc")["label_zh"] == "中国共产党"
