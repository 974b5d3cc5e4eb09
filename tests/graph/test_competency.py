"""Competency questions: what the seed graph must answer, as SPARQL over the built store.

Each question is a module-level query constant (the comment above it says what it answers) with the
exact answer set the two seed articles support. The queries are read from the example files
``api/queries/NN-name.rq`` that the query page ships (one copy of each query); ``EXAMPLES`` states
each file's title, description and parameters, and a test checks the file's header says exactly that.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

REPO = Path(__file__).resolve().parents[2]
QUERIES_DIR = REPO / "api" / "queries"
ID = "https://coopgraph.org/id/"
CUSTOMS_DOC = "chongqing-daily-2019-12-customs-memorandum"
OPENING_UP_DOC = "ichongqing-2019-05-22-opening-up"


def read_example(file: str) -> tuple[list[str], str]:
    """An example file split into its header comment lines and the query that follows them."""
    lines = (QUERIES_DIR / file).read_text(encoding="utf-8").split("\n")
    count = next(i for i, line in enumerate(lines) if not line.startswith("# "))
    return lines[:count], "\n".join(lines[count:])


def example_query(file: str) -> str:
    """The SPARQL of ``api/queries/{file}``, without its header comments."""
    return read_example(file)[1]

# -- the questions --------------------------------------------------------------------------------

# The agreements an organisation or state signed, other signatories, date (default: Chongqing Customs).
AGREEMENTS_SIGNED_BY = example_query("01-agreements-signed-by.rq")

# Who signed an agreement, and when (default: the Chongqing Customs - Chengdu Customs memorandum).
AGREEMENT_SIGNATORIES = example_query("02-agreement-signatories.rq")

# How many articles of cooperation an agreement has, and where it was signed.
AGREEMENT_ARTICLE_COUNT = example_query("03-agreement-article-count.rq")

# The areas of cooperation of an agreement: the fields it covers and the articles it lists.
AGREEMENT_AREAS = example_query("04-agreement-areas.rq")

# The cooperation mechanisms an agreement or organisation establishes, with their members.
ESTABLISHED_MECHANISMS = example_query("05-established-mechanisms.rq")

# The members of a cooperation mechanism and their kind of region (default: customs clearance).
MECHANISM_MEMBERS = example_query("06-mechanism-members.rq")

# What a corridor connects (default: the New International Land-Sea Trade Corridor).
CORRIDOR_CONNECTS = example_query("07-corridor-connects.rq")

# Every post each named person holds, and the organisation (or state) the post is in.
PEOPLE_AND_POSTS = example_query("08-people-and-posts.rq")

# The zones and platforms a new area builds or hosts (default: Liangjiang New Area).
AREA_ZONES_AND_PLATFORMS = example_query("09-area-zones-and-platforms.rq")

# The pillar industries of a region or zone (default: Liangjiang New Area).
PILLAR_INDUSTRIES = example_query("10-pillar-industries.rq")

# Every industry of a region or zone, pillar or not, and the industries of its clusters.
ALL_INDUSTRIES = example_query("11-all-industries.rq")

# Inter-customs and other bilateral cooperations: their members, and who promotes or supports them.
BILATERAL_COOPERATIONS = example_query("12-bilateral-cooperations.rq")

# The evidence for a fact: the quote, its document and offsets (default: who signed the memorandum).
EVIDENCE_FOR_SIGNING = example_query("13-evidence-for-signing.rq")

# The source documents that mention an entity (default: Singapore), with publisher and date.
DOCUMENTS_MENTIONING = example_query("14-documents-mentioning.rq")

# Every agreement, when it was signed and by how many parties.
AGREEMENTS_OVERVIEW = example_query("15-agreements-overview.rq")

# What an agreement implements: instructions, meetings, other agreements (default: the memorandum).
AGREEMENT_IMPLEMENTS = example_query("16-agreement-implements.rq")

# Who supports or promotes a corridor, initiative or strategy (default: the ILSTC).
SUPPORTERS = example_query("17-supporters.rq")

# What an organisation does: what it implements, promotes, supports and builds (default: Chongqing Customs).
ORGANISATION_ACTIONS = example_query("18-organisation-actions.rq")

# The cooperation mechanisms of an initiative or corridor, and who leads or set them up.
INITIATIVE_MECHANISMS = example_query("19-initiative-mechanisms.rq")

# The routes that link two initiatives, and their kind (default: Silk Road Economic Belt, Maritime Silk Road).
ROUTES_LINKING = example_query("20-routes-linking.rq")

# Who visited a place, and the instructions given during the visit (default: Chongqing).
VISITS_AND_INSTRUCTIONS = example_query("21-visits-and-instructions.rq")

# Everything located in a region, directly or through a smaller region (default: Chongqing).
LOCATED_IN = example_query("22-located-in.rq")

# Find entities by any of their names: English label, Chinese label or alias (default: "ILSTC").
FIND_BY_NAME = example_query("23-find-by-name.rq")

# Customs districts: where each is based and which region it has jurisdiction over.
CUSTOMS_DISTRICTS = example_query("24-customs-districts.rq")

# Who an organisation cooperates with (either direction; default: the CCI Administrative Bureau).
COOPERATION_PARTNERS = example_query("25-cooperation-partners.rq")

# Policies and pilot programmes: what they are based on and what they apply to.
POLICIES_AND_PILOTS = example_query("26-policies-and-pilots.rq")

# The areas of cooperation and articles of an agreement that concern a given thing (default: the ILSTC).
WHAT_CONCERNS = example_query("27-what-concerns.rq")


class Example(NamedTuple):
    file: str
    title: str
    description: str
    params: tuple[str, ...]  # '# param:' lines, e.g. "agreement = cq-cd-customs-memorandum"
    query: str


EXAMPLES: tuple[Example, ...] = (
    Example("01-agreements-signed-by.rq", "Agreements an organisation signed",
            "Every agreement an organisation or state signed, its other signatories and the date of signing.",
            ("entity = chongqing-customs",), AGREEMENTS_SIGNED_BY),
    Example("02-agreement-signatories.rq", "Who signed an agreement, and when",
            "The signatories of an agreement and the date it was signed.",
            ("agreement = cq-cd-customs-memorandum",), AGREEMENT_SIGNATORIES),
    Example("03-agreement-article-count.rq", "How many articles an agreement has",
            "The number of articles of cooperation of an agreement and the place where it was signed.",
            ("agreement = cq-cd-customs-memorandum",), AGREEMENT_ARTICLE_COUNT),
    Example("04-agreement-areas.rq", "Areas of cooperation of an agreement",
            "The fields an agreement covers and the articles of cooperation it lists.",
            ("agreement = cq-cd-customs-memorandum",), AGREEMENT_AREAS),
    Example("05-established-mechanisms.rq", "Mechanisms an agreement sets up",
            "The cooperation mechanisms that an agreement or organisation establishes, with their members.",
            ("founder = cq-cd-customs-memorandum",), ESTABLISHED_MECHANISMS),
    Example("06-mechanism-members.rq", "Members of a cooperation mechanism",
            "The members of a cooperation mechanism and what kind of region each is.",
            ("mechanism = western-customs-clearance-cooperation-mechanism",), MECHANISM_MEMBERS),
    Example("07-corridor-connects.rq", "What a corridor connects",
            "The initiatives, economic belts and regions that a corridor or route connects.",
            ("corridor = ilstc",), CORRIDOR_CONNECTS),
    Example("08-people-and-posts.rq", "People and the posts they hold",
            "Every post each named person holds and the organisation or state the post is in.",
            (), PEOPLE_AND_POSTS),
    Example("09-area-zones-and-platforms.rq", "Zones and platforms of a new area",
            "The zones, ports, centres and parks that a new area builds or hosts.",
            ("area = liangjiang-new-area",), AREA_ZONES_AND_PLATFORMS),
    Example("10-pillar-industries.rq", "Pillar industries of an area",
            "The pillar industries of a region or zone.",
            ("area = liangjiang-new-area",), PILLAR_INDUSTRIES),
    Example("11-all-industries.rq", "Industries of an area",
            "Every industry of a region or zone, pillar or not, including the industries of its clusters.",
            ("area = liangjiang-new-area",), ALL_INDUSTRIES),
    Example("12-bilateral-cooperations.rq", "Inter-customs and other bilateral cooperations",
            "Each bilateral cooperation with its members and the organisations that promote or support it.",
            (), BILATERAL_COOPERATIONS),
    Example("13-evidence-for-signing.rq", "Evidence that an agreement was signed",
            "The quotes, documents and character offsets that state who signed an agreement.",
            ("agreement = cq-cd-customs-memorandum",), EVIDENCE_FOR_SIGNING),
    Example("14-documents-mentioning.rq", "Documents that mention an entity",
            "The source documents that state a fact about an entity, with publisher and date.",
            ("entity = singapore",), DOCUMENTS_MENTIONING),
    Example("15-agreements-overview.rq", "Agreements, dates and signatories",
            "Every agreement, when it was signed and how many parties signed it.",
            (), AGREEMENTS_OVERVIEW),
    Example("16-agreement-implements.rq", "What an agreement implements",
            "The instructions, meetings and agreements that an agreement implements, and who issued them.",
            ("agreement = cq-cd-customs-memorandum",), AGREEMENT_IMPLEMENTS),
    Example("17-supporters.rq", "Who supports a corridor or initiative",
            "The actors and agreements that support or promote a corridor, initiative or strategy.",
            ("target = ilstc",), SUPPORTERS),
    Example("18-organisation-actions.rq", "What an organisation does",
            "What an organisation implements, promotes, supports and builds.",
            ("actor = chongqing-customs",), ORGANISATION_ACTIONS),
    Example("19-initiative-mechanisms.rq", "Mechanisms of initiatives and corridors",
            "The cooperation mechanisms of each initiative or corridor, their size and who leads them.",
            (), INITIATIVE_MECHANISMS),
    Example("20-routes-linking.rq", "Routes that link two initiatives",
            "The routes that connect two initiatives, with their mode of transport.",
            ("first = silk-road-economic-belt", "second = maritime-silk-road"), ROUTES_LINKING),
    Example("21-visits-and-instructions.rq", "Visits to a place and instructions given",
            "Who visited a place and the instructions given during the visit.",
            ("place = chongqing",), VISITS_AND_INSTRUCTIONS),
    Example("22-located-in.rq", "What lies in a region",
            "Everything located in a region, directly or through a smaller region.",
            ("region = chongqing",), LOCATED_IN),
    Example("23-find-by-name.rq", "Find an entity by any of its names",
            "The entities whose English label, Chinese label or alias is the given name, ignoring case.",
            ("name = ILSTC (text)",), FIND_BY_NAME),
    Example("24-customs-districts.rq", "Customs districts and their jurisdictions",
            "Each customs district, the city it is based in and the region it has jurisdiction over.",
            (), CUSTOMS_DISTRICTS),
    Example("25-cooperation-partners.rq", "Who an organisation cooperates with",
            "The organisations, states and groupings an organisation cooperates with.",
            ("organisation = cci-administrative-bureau",), COOPERATION_PARTNERS),
    Example("26-policies-and-pilots.rq", "Pilot programmes, their basis and scope",
            "Each pilot programme, the plan it is carried out under and what it is applied to.",
            (), POLICIES_AND_PILOTS),
    Example("27-what-concerns.rq", "Agreement clauses about a topic",
            "The areas and articles of agreements that concern an initiative, corridor or region.",
            ("topic = yangtze-river-economic-belt",), WHAT_CONCERNS),
)


# -- helpers --------------------------------------------------------------------------------------

def slug(value: str) -> str:
    """An entity IRI -> its slug; anything else unchanged."""
    return value[len(ID):] if value.startswith(ID) else value


def rows(store, query: str, *columns: str) -> set[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """The answer as a set of tuples of the given columns (IRIs shortened to slugs, unbound -> '')."""
    return {tuple(slug(row.get(c, "")) for c in columns) for row in store.select(query)}


def with_value(query: str, variable: str, term: str) -> str:
    """The query with the ``VALUES ?variable { ... }`` clause holding another term."""
    new, count = re.subn(rf"VALUES \?{variable} \{{[^}}]*\}}", f"VALUES ?{variable} {{ {term} }}", query)
    assert count == 1, variable
    return new


def document_text(doc_id: str) -> str:
    return (REPO / "data" / "documents" / f"{doc_id}.txt").read_text(encoding="utf-8")


# -- the example files ----------------------------------------------------------------------------

def render_example(example: Example) -> str:
    """The .rq file of an example: its header comments, then the query."""
    header = [f"# title: {example.title}", f"# description: {example.description}"]
    header += [f"# param: {param}" for param in example.params]
    return "\n".join(header) + "\n" + example.query


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.file)
def test_example_file_matches_the_competency_query(example: Example) -> None:
    """The file is the question's header (title, description, params) followed by its query."""
    path = QUERIES_DIR / example.file
    assert path.exists(), f"missing {path}"
    assert path.read_text(encoding="utf-8") == render_example(example)
    assert example.query.startswith("PREFIX ") and "\n# " not in example.query


def test_example_files_are_numbered_uniquely() -> None:
    numbers = [e.file.split("-", 1)[0] for e in EXAMPLES]
    assert len(numbers) == len(set(numbers))
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.file)
def test_every_example_has_answers(seed_store, example: Example) -> None:  # type: ignore[no-untyped-def]
    assert seed_store.select(example.query)


# -- the answers ----------------------------------------------------------------------------------

def test_agreements_chongqing_customs_signed(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, AGREEMENTS_SIGNED_BY, "agreement", "other", "date") == {
        ("cq-cd-customs-memorandum", "chengdu-customs", "2019-12-17"),
    }


def test_agreements_singapore_signed(seed_store) -> None:  # type: ignore[no-untyped-def]
    query = with_value(AGREEMENTS_SIGNED_BY, "entity", "id:singapore")
    assert rows(seed_store, query, "agreement", "other", "date") == {
        ("china-singapore-ilstc-mou", "china", "2018-11"),
    }


def test_who_signed_the_customs_memorandum_and_when(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, AGREEMENT_SIGNATORIES, "signatory", "date") == {
        ("chengdu-customs", "2019-12-17"),
        ("chongqing-customs", "2019-12-17"),
    }


def test_who_signed_the_package_agreement_and_when(seed_store) -> None:  # type: ignore[no-untyped-def]
    query = with_value(AGREEMENT_SIGNATORIES, "agreement", "id:chengdu-chongqing-package-agreement")
    assert rows(seed_store, query, "signatory", "date") == {
        ("cpc-chongqing-municipal-committee", "2019-07"),
        ("chongqing-municipal-government", "2019-07"),
        ("cpc-chengdu-municipal-committee", "2019-07"),
        ("chengdu-municipal-government", "2019-07"),
    }


def test_how_many_articles_the_memorandum_has(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, AGREEMENT_ARTICLE_COUNT, "articles", "place") == {("21", "chongqing")}


def test_areas_of_cooperation_of_the_memorandum(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, AGREEMENT_AREAS, "kind", "area") == {
        ("area", "cq-cd-memo-area-western-development"),
        ("area", "cq-cd-memo-area-chengdu-chongqing-opening-up"),
        ("area", "cq-cd-memo-area-national-security"),
        ("area", "cq-cd-memo-area-business-reform"),
        ("area", "cq-cd-memo-area-party-building"),
        ("article", "cq-cd-memo-article-ilstc"),
        ("article", "cq-cd-memo-article-china-europe-freight-train"),
        ("article", "cq-cd-memo-article-upper-yangtze"),
        ("article", "cq-cd-memo-article-special-supervision-areas"),
        ("article", "cq-cd-memo-article-port-opening"),
        ("article", "cq-cd-memo-article-foreign-trade-industries"),
        ("article", "cq-cd-memo-article-epidemic-prevention"),
        ("article", "cq-cd-memo-article-border-security"),
        ("article", "cq-cd-memo-article-anti-smuggling"),
    }


def test_mechanisms_the_memorandum_establishes(seed_store) -> None:  # type: ignore[no-untyped-def]
    mechanisms = {
        "cq-cd-customs-principal-officials-joint-meeting",
        "cq-cd-customs-leadership-coordination-meeting",
        "cq-cd-customs-counterpart-consultation",
    }
    assert rows(seed_store, ESTABLISHED_MECHANISMS, "mechanism", "member") == {
        (mechanism, member) for mechanism in mechanisms for member in ("chongqing-customs", "chengdu-customs")
    }


def test_mechanisms_the_cci_bureau_establishes(seed_store) -> None:  # type: ignore[no-untyped-def]
    query = with_value(ESTABLISHED_MECHANISMS, "founder", "id:cci-administrative-bureau")
    assert rows(seed_store, query, "mechanism") == {("one-plus-three-plus-one-mechanism",)}


def test_members_of_the_customs_clearance_cooperation_mechanism(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, MECHANISM_MEMBERS, "member", "kind") == {
        ("chongqing", "https://coopgraph.org/ontology#Municipality"),
        ("guangxi", "https://coopgraph.org/ontology#AutonomousRegion"),
        ("guizhou", "https://coopgraph.org/ontology#Province"),
        ("gansu", "https://coopgraph.org/ontology#Province"),
        ("qinghai", "https://coopgraph.org/ontology#Province"),
        ("xinjiang", "https://coopgraph.org/ontology#AutonomousRegion"),
        ("yunnan", "https://coopgraph.org/ontology#Province"),
        ("ningxia", "https://coopgraph.org/ontology#AutonomousRegion"),
        ("sichuan", "https://coopgraph.org/ontology#Province"),
    }


def test_what_the_ilstc_connects(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, CORRIDOR_CONNECTS, "connected") == {
        ("belt-and-road-initiative",),
        ("yangtze-river-economic-belt",),
    }


def test_posts_each_person_holds(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, PEOPLE_AND_POSTS, "person", "post", "organisation") == {
        ("xi-jinping", "post-cpc-general-secretary", "cpc-central-committee"),
        ("xi-jinping", "post-prc-president", "china"),
        ("shan-wei", "post-chongqing-customs-director", "chongqing-customs"),
        ("wang-zhijie", "post-liangjiang-executive-deputy-director", "liangjiang-administrative-committee"),
        ("han-baochang", "post-cci-bureau-director", "cci-administrative-bureau"),
        ("xinyi-li", "post-ichongqing-editor", "ichongqing"),
    }


def test_shan_wei_is_one_person_under_both_spellings(seed_store) -> None:  # type: ignore[no-untyped-def]
    for name in ("Shan Wei", "Shanwei"):
        query = with_value(FIND_BY_NAME, "name", f'"{name}"')
        assert rows(seed_store, query, "entity") == {("shan-wei",)}


def test_zones_and_platforms_of_liangjiang_new_area(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, AREA_ZONES_AND_PLATFORMS, "place") == {
        ("cftz",),
        ("cci-core-zone",),
        ("liangjiang-bonded-port-areas",),
        ("liangjiang-bonded-commodity-trading-centres",),
        ("guoyuan-port",),
        ("yuelai-international-convention-center",),
        ("jiangbeizui-financial-center",),
        ("digital-economy-industrial-park",),
        ("lijia-smart-eco-city",),
        ("liangjiang-collaborative-innovation-zone",),
    }


def test_pillar_industries_of_liangjiang_new_area(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, PILLAR_INDUSTRIES, "industry") == {
        ("automobile-industry",),
        ("electronics-industry",),
        ("equipment-industry",),
        ("biomedicine-industry",),
    }


def test_all_industries_of_liangjiang_new_area(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, ALL_INDUSTRIES, "industry") == {
        ("automobile-industry",),
        ("electronics-industry",),
        ("equipment-industry",),
        ("biomedicine-industry",),
        ("liangjiang-2-plus-2-pillar-clusters",),
        ("manufacturing-industry",),
        ("modern-service-industry",),
    }


def test_inter_customs_cooperations(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, BILATERAL_COOPERATIONS, "cooperation", "member", "backer", "role") == {
        (cooperation, member, backer, role)
        for cooperation, partner in (("china-singapore-inter-customs-cooperation", "singapore"),
                                     ("china-poland-inter-customs-cooperation", "poland"))
        for member in ("china", partner)
        for backer, role in (("chongqing-customs", "promotes"), ("gacc", "supports"))
    }


def test_evidence_quote_for_the_memorandum_signing(seed_store) -> None:  # type: ignore[no-untyped-def]
    answer = seed_store.select(EVIDENCE_FOR_SIGNING)
    quote = "Chongqing Customs and Chengdu Customs officially signed a memorandum of cooperation"
    assert {(slug(r["signatory"]), r["quote"], slug(r["document"])) for r in answer} == {
        ("chongqing-customs", quote, CUSTOMS_DOC),
        ("chengdu-customs", quote, CUSTOMS_DOC),
    }
    text = document_text(CUSTOMS_DOC)
    for row in answer:
        assert text[int(row["start"]):int(row["end"])] == row["quote"]


def test_documents_that_mention_singapore(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, DOCUMENTS_MENTIONING, "document", "publisher", "date") == {
        (OPENING_UP_DOC, "ichongqing", "2019-05-22"),
    }


def test_documents_that_mention_chongqing_customs(seed_store) -> None:  # type: ignore[no-untyped-def]
    query = with_value(DOCUMENTS_MENTIONING, "entity", "id:chongqing-customs")
    assert rows(seed_store, query, "document", "publisher", "date") == {
        (CUSTOMS_DOC, "chongqing-daily", "2019-12"),
        (OPENING_UP_DOC, "ichongqing", "2019-05-22"),
    }


def test_agreements_their_dates_and_number_of_signatories(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, AGREEMENTS_OVERVIEW, "agreement", "date", "signatories") == {
        ("china-singapore-ilstc-mou", "2018-11", "2"),
        ("chengdu-chongqing-package-agreement", "2019-07", "4"),
        ("cq-cd-customs-memorandum", "2019-12-17", "2"),
    }


def test_what_the_memorandum_implements(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, AGREEMENT_IMPLEMENTS, "implemented", "issuer") == {
        ("xi-instruction-chengdu-chongqing-integration", "xi-jinping"),
        ("fourth-plenary-session-19th-cpc-cc", "cpc-central-committee"),
        ("chengdu-chongqing-package-agreement", ""),
    }


def test_who_supports_the_ilstc(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, SUPPORTERS, "supporter", "how") == {
        ("cq-cd-customs-memorandum", "supports"),
        ("chongqing-customs", "supports"),
        ("china-singapore-ilstc-mou", "supports"),
        ("cci-administrative-bureau", "supports"),
    }


def test_who_supports_or_promotes_the_western_development_strategy(seed_store) -> None:  # type: ignore[no-untyped-def]
    query = with_value(SUPPORTERS, "target", "id:western-development-strategy")
    assert rows(seed_store, query, "supporter", "how") == {
        ("chongqing-customs", "supports"),
        ("liangjiang-new-area", "promotes"),
    }


def test_what_chongqing_customs_does(seed_store) -> None:  # type: ignore[no-untyped-def]
    coop = "https://coopgraph.org/ontology#"
    expected = {
        "implements": {"framework-plan-2020-customs-reform", "two-stage-access-pilot",
                       "overall-national-security-concept", "western-customs-clearance-cooperation-mechanism",
                       "customs-railway-clearance"},
        "promotes": {"supply-side-structural-reform", "china-singapore-inter-customs-cooperation",
                     "china-poland-inter-customs-cooperation"},
        "supports": {"manufacturing-industry", "western-development-strategy", "belt-and-road-initiative",
                     "yangtze-river-economic-belt", "ilstc"},
        "builds": {"intelligent-customs", "single-window", "cmtc-customs-supervision-workplace"},
    }
    assert rows(seed_store, ORGANISATION_ACTIONS, "action", "object") == {
        (coop + action, target) for action, targets in expected.items() for target in targets
    }


def test_mechanisms_of_the_ilstc_and_the_cci(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, INITIATIVE_MECHANISMS, "owner", "mechanism", "numberOfMembers", "leader") == {
        ("cci", "cci-three-level-cooperative-mechanism", "", ""),
        ("ilstc", "ilstc-cooperative-mechanism", "9", ""),
        ("ilstc", "ilstc-interprovincial-joint-meeting", "9", "cci-administrative-bureau"),
        ("cci-administrative-bureau", "one-plus-three-plus-one-mechanism", "", ""),
    }


def test_the_three_kinds_of_logistics(seed_store) -> None:  # type: ignore[no-untyped-def]
    coop = "https://coopgraph.org/ontology#"
    assert rows(seed_store, ROUTES_LINKING, "route", "kind") == {
        ("rail-sea-intermodal-transport", coop + "MultimodalRoute"),
        ("cross-border-road-transport", coop + "RoadRoute"),
        ("international-railway-transport", coop + "RailRoute"),
    }


def test_xi_jinpings_visit_to_chongqing(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, VISITS_AND_INSTRUCTIONS, "visit", "visitor", "instruction") == {
        ("xi-visit-chongqing-2019", "xi-jinping", "xi-instruction-chongqing-opening-up"),
    }


def test_what_lies_in_chongqing(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, LOCATED_IN, "place") == {
        ("liangjiang-new-area",),
        ("cftz",),
        ("yuelai-international-convention-center",),
        ("chongqing-multimodal-transport-center",),
        ("digital-economy-industrial-park",),
        ("lijia-smart-eco-city",),
        ("liangjiang-collaborative-innovation-zone",),
    }


@pytest.mark.parametrize(("name", "entity"), [
    ("ILSTC", "ilstc"),
    ("new land and sea corridor in the western region", "ilstc"),
    ("西部陆海新通道", "ilstc"),
    ("One Belt And One Road", "belt-and-road-initiative"),
    ("Chengdu-Chongqing urban agglomeration", "chengdu-chongqing-city-cluster"),
    ("Chengdu-Chongqing city agglomeration", "chengdu-chongqing-city-cluster"),
    ("Chengdu-Chongqing economic zone", "chengdu-chongqing-economic-zone"),
    ("Chongqing Customs District P.R.CHINA", "chongqing-customs"),
    ("overall national security outlook", "overall-national-security-concept"),
    ("CFTZ", "cftz"),
    ("两江新区", "liangjiang-new-area"),
])
def test_find_an_entity_by_any_name(seed_store, name: str, entity: str) -> None:  # type: ignore[no-untyped-def]
    query = with_value(FIND_BY_NAME, "name", f'"{name}"')
    assert rows(seed_store, query, "entity") == {(entity,)}


def test_customs_districts_and_their_jurisdictions(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, CUSTOMS_DISTRICTS, "customs", "seat", "jurisdiction") == {
        ("chongqing-customs", "chongqing", "chongqing"),
        ("chengdu-customs", "chengdu", "sichuan"),
    }


def test_who_the_cci_bureau_cooperates_with(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, COOPERATION_PARTNERS, "partner") == {("singapore",), ("asean",)}


def test_chongqing_customs_cooperates_with_chengdu_customs(seed_store) -> None:  # type: ignore[no-untyped-def]
    query = with_value(COOPERATION_PARTNERS, "organisation", "id:chengdu-customs")
    assert rows(seed_store, query, "partner") == {("chongqing-customs",)}


def test_pilot_programmes(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, POLICIES_AND_PILOTS, "programme", "basedOn", "appliesTo") == {
        ("two-stage-access-pilot", "framework-plan-2020-customs-reform", ""),
        ("customs-railway-clearance", "", "ilstc"),
    }


def test_clauses_about_the_yangtze_river_economic_belt(seed_store) -> None:  # type: ignore[no-untyped-def]
    assert rows(seed_store, WHAT_CONCERNS, "agreement", "area") == {
        ("cq-cd-customs-memorandum", "cq-cd-memo-article-upper-yangtze"),
    }


# -- the graph uses only declared terms -----------------------------------------------------------

ALWAYS_ALLOWED = (str(RDF), )  # rdf:type and the reification terms rdf:subject/predicate/object


def test_every_predicate_in_the_seed_graph_is_declared(seed_store) -> None:  # type: ignore[no-untyped-def]
    ontology = Graph().parse(REPO / "ontology" / "coop.ttl")
    declared = {str(p) for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
                for p in ontology.subjects(RDF.type, kind)}
    used = {row["p"] for row in seed_store.select("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")}
    undeclared = {p for p in used - declared if not p.startswith(ALWAYS_ALLOWED)}
    assert not undeclared


def test_every_class_in_the_seed_graph_is_declared_or_a_declared_superclass(seed_store) -> None:  # type: ignore[no-untyped-def]
    ontology = Graph().parse(REPO / "ontology" / "coop.ttl")
    known = {str(c) for c in ontology.subjects(RDF.type, OWL.Class)}
    known |= {str(c) for c in ontology.objects(None, RDFS.subClassOf)}
    used = {row["c"] for row in seed_store.select("SELECT DISTINCT ?c WHERE { ?s a ?c }")}
    assert used <= known
