"""Candidate new entities: head-word typing, rules, acronyms, junk, and the statistical model."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from coopgraph.graph.ingest.model import IngestDocument, Mention
from coopgraph.graph.ingest.ner import CandidateFinder, defined_acronyms, head_types
from coopgraph.graph.ingest.text import sentences

ROOT = Path(__file__).resolve().parents[2]
MEMORANDUM_ARTICLE = ROOT / "data" / "documents" / "chongqing-daily-2019-12-customs-memorandum.txt"
OPENING_UP_ARTICLE = ROOT / "data" / "documents" / "ichongqing-2019-05-22-opening-up.txt"


def _doc(text: str, date: str | None = "2019-12") -> IngestDocument:
    return IngestDocument(text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), path="test", date=date)


def _find(finder: CandidateFinder, text: str, date: str | None = "2019-12") -> list[Mention]:
    mentions = finder.find(_doc(text, date), sentences(text))
    for m in mentions:  # every mention is exactly the text at its offsets, inside its sentence
        assert text[m.start:m.end] == m.text
        assert m.sentence[0] <= m.start < m.end <= m.sentence[1]
    return mentions


def _by_text(mentions: list[Mention]) -> dict[str, Mention]:
    return {m.text: m for m in mentions}


@pytest.fixture(scope="module")
def rules() -> CandidateFinder:
    return CandidateFinder(model=False)


@pytest.fixture(scope="module")
def with_model() -> CandidateFinder:
    return CandidateFinder(model=True)


@pytest.mark.parametrize(("name", "types"), [
    ("Chongqing Customs", ("CustomsDistrict",)),
    ("Sichuan Province", ("Province",)),
    ("Tianjin Municipality", ("Municipality",)),
    ("Western Land-Sea Corridor", ("Corridor",)),
    ("China (Guangxi) Pilot Free Trade Zone", ("FreeTradeZone",)),
    ("Liangjiang New Area", ("NewArea",)),
    ("Guoyuan Port", ("Port",)),
    ("Tuanjiecun Logistics Park", ("LogisticsCentre",)),
    ("Belt and Road Initiative", ("Initiative",)),
    ("Western Development Strategy", ("Strategy",)),
    ("2020 Framework Plan for Comprehensively Deepening the Reform of the Customs Services", ("FrameworkPlan",)),
    ("Customs Pilot Programme", ("PilotProgramme",)),
    ("ILSTC Interprovincial Joint Meeting", ("JointMeeting",)),
    ("Memorandum of Understanding between Chongqing Customs and Chengdu Customs", ("Memorandum",)),
    ("CPC Chongqing Municipal Committee", ("PartyCommittee",)),
    ("Liangjiang New Area Administrative Committee", ("AdministrativeCommittee",)),
    ("CCI Administrative Bureau", ("AdministrativeBureau",)),
    ("Chongqing Municipal People's Government", ("Government",)),
    ("General Administration of Customs of the People's Republic of China", ("CustomsAdministration",)),
    ("China-ASEAN Expo", ("Event",)),
    ("Smart China Summit", ("Meeting",)),
    ("Chongqing", ()),
])
def test_head_words_give_the_coop_class(name: str, types: tuple[str, ...]) -> None:
    assert head_types(name) == types


def test_names_in_a_sentence_are_typed_by_their_head_words(rules: CandidateFinder) -> None:
    text = ("Kunming Customs will support the Kunming Logistics Park and the Yunnan Pilot Free Trade Zone, "
            "said the Yunnan Provincial Commerce Department.")
    found = _by_text(_find(rules, text))
    assert found["Kunming Customs"].types == ("CustomsDistrict",)
    assert found["Kunming Logistics Park"].types == ("LogisticsCentre",)
    assert found["Yunnan Pilot Free Trade Zone"].types == ("FreeTradeZone",)
    assert found["Yunnan Provincial Commerce Department"].types == ("GovernmentBody",)
    assert all(m.source == "rule:name" for m in found.values())


def test_a_memorandum_is_named_by_its_parties_and_date(rules: CandidateFinder) -> None:
    text = ("On March 3, Nanning Customs and Kunming Customs signed a memorandum of cooperation in Nanning. "
            "The memorandum of cooperation covers five areas. "
            "In 2021, Nanning Customs and Guiyang Customs signed a memorandum of cooperation as well.")
    memoranda = [m for m in _find(rules, text) if m.source == "rule:agreement"]
    assert [m.text for m in memoranda] == ["memorandum of cooperation"] * 3
    assert all(m.types == ("Memorandum",) for m in memoranda)
    first, again, other = (m.label for m in memoranda)
    assert first == "Memorandum of cooperation between Nanning Customs and Kunming Customs (2019-03-03)"
    assert again == first                       # "the memorandum" is the one the article introduced
    assert other == "Memorandum of cooperation between Nanning Customs and Guiyang Customs (2021)"
    assert other != first                       # different parties: never the same name


def test_a_person_and_the_post_they_hold(rules: CandidateFinder) -> None:
    text = "Li Ming, the chief of Guiyang Customs, said the port would open. President Xi Jinping agreed."
    found = _by_text(_find(rules, text))
    assert found["Li Ming"].types == ("Person",) and found["Li Ming"].source == "rule:post-person"
    assert found["chief of Guiyang Customs"].types == ("Post",)
    # the post keeps its organisation as a mention of its own, inside it
    assert found["Guiyang Customs"].types == ("CustomsDistrict",)
    assert found["President"].types == ("Post",)
    assert found["Xi Jinping"].types == ("Person",)


def test_a_post_of_a_places_body_written_in_lower_case_keeps_the_body(rules: CandidateFinder) -> None:
    text = ("The deal was signed by Chen Wu, chairman of the Guangxi regional government, and Li Hong, "
            "secretary of the Sichuan provincial party committee, in Nanning. Wang Bo, mayor of Chongqing, "
            "spoke, as did Zhao Lei, director of the Nanning government office.")
    found = _by_text(_find(rules, text))
    assert found["chairman of the Guangxi regional government"].types == ("Post",)
    assert "chairman of the Guangxi" not in found                 # never cut at the place
    assert found["Guangxi regional government"].source == "rule:post-organisation"
    assert found["secretary of the Sichuan provincial party committee"].types == ("Post",)
    assert found["mayor of Chongqing"].types == ("Post",)          # a place alone stays a place
    assert found["director of the Nanning government office"].types == ("Post",)


def test_a_mechanism_whose_name_is_capitalised_is_one_name(rules: CandidateFinder) -> None:
    text = "Yunnan Province is a member of the Lancang-Mekong Cooperation mechanism, which promotes trade."
    found = _by_text(_find(rules, text))
    assert found["Lancang-Mekong Cooperation mechanism"].types == ("CooperationMechanism",)
    assert "Lancang-Mekong Cooperation" not in found


def test_a_title_of_a_place_then_its_holder_without_a_comma(rules: CandidateFinder) -> None:
    text = ("Mayor of Chengdu Wang Fengchao attended, as did Director of Chongqing Customs Li Ming. "
            "The port is in Qingbaijiang District.")
    found = _by_text(_find(rules, text))
    assert found["Mayor of Chengdu"].types == ("Post",) and found["Wang Fengchao"].types == ("Person",)
    assert found["Director of Chongqing Customs"].types == ("Post",) and found["Li Ming"].types == ("Person",)
    assert "Chengdu Wang Fengchao" not in found and "Chongqing Customs Li Ming" not in found
    assert found["Qingbaijiang District"].types == ("Region",)


def test_posts_and_people_of_the_seed_articles(rules: CandidateFinder) -> None:
    memorandum = _by_text(_find(rules, MEMORANDUM_ARTICLE.read_text(encoding="utf-8"), "2019-12"))
    assert memorandum["Shanwei"].types == ("Person",)
    assert memorandum["chief of Chongqing Customs"].types == ("Post",)
    opening = _by_text(_find(rules, OPENING_UP_ARTICLE.read_text(encoding="utf-8"), "2019-05-22"))
    assert opening["Shan Wei"].types == ("Person",)
    assert opening["Wang Zhijie"].types == ("Person",)
    assert opening["Executive Deputy Director of Liangjiang New Area Administrative Committee"].types == ("Post",)
    assert opening["Liangjiang New Area Administrative Committee"].types == ("AdministrativeCommittee",)
    assert opening["Han Baochang"].types == ("Person",)
    assert opening["Xinyi Li"].types == ("Person",)          # the byline
    assert "EDITOR" not in opening


def test_rules_for_mechanisms_programmes_meetings_and_visits_in_the_seed_articles(rules: CandidateFinder) -> None:
    memorandum = _by_text(_find(rules, MEMORANDUM_ARTICLE.read_text(encoding="utf-8"), "2019-12"))
    assert memorandum["system of joint meeting of principal officials"].types == ("JointMeeting",)
    assert memorandum["consultation mechanism of counterpart departments"].types == ("ConsultationMechanism",)
    assert memorandum["fourth plenary session of the 19th CPC central committee"].types == ("Meeting",)
    assert memorandum["Chengdu-Chongqing economic zone"].types == ("EconomicZone",)
    package = memorandum["cooperation agreement"]
    assert package.label is not None and package.label.endswith("(2019-07)")
    assert "Chengdu-Chongqing city agglomeration" in package.label
    opening = _by_text(_find(rules, OPENING_UP_ARTICLE.read_text(encoding="utf-8"), "2019-05-22"))
    assert opening["customs clearance cooperation mechanism"].types == ("CooperationMechanism",)
    assert opening["two-stage access pilot program"].types == ("PilotProgramme",)
    assert opening["President Xi Jinping's visit to Chongqing"].types == ("Visit",)
    assert opening["ILSTC Interprovincial Joint Meeting"].types == ("JointMeeting",)
    assert opening["Belt and Road Initiative"].types == ("Initiative",)
    mou = opening["MOU"]
    assert mou.types == ("Memorandum",) and mou.label == "Memorandum between China and Singapore (2018-11)"
    # a generic "international cooperative mechanism" is no name
    assert not any("international cooperative mechanism" in t for t in opening)


def test_acronyms_defined_in_the_text() -> None:
    text = OPENING_UP_ARTICLE.read_text(encoding="utf-8")
    acronyms = defined_acronyms(text)
    assert {a: m.text for a, m in acronyms.items()} == {
        "ILSTC": "New International Land-Sea Trade Corridor",
        "CFTZ": "China (Chongqing) Pilot Free Trade Zone",
        "CCI": "China-Singapore (Chongqing) Demonstration Initiative on Strategic Connectivity",
    }
    for mention in acronyms.values():
        assert text[mention.start:mention.end] == mention.text
    assert acronyms["ILSTC"].types == ("Corridor",)
    assert acronyms["CFTZ"].types == ("FreeTradeZone",)
    # letters that do not fit the words before them are no definition
    mixed = defined_acronyms("The Chongqing Customs (ABC) office and the Gansu Port (GP).")
    assert set(mixed) == {"GP"}
    assert (mixed["GP"].text, mixed["GP"].start, mixed["GP"].types) == ("Gansu Port", 43, ("Port",))


def test_later_bare_acronyms_are_acronym_mentions(rules: CandidateFinder) -> None:
    text = ("They serve the Western Trade Corridor (WTC) well. Later, the WTC grew. "
            "WTC trains run daily.")
    mentions = _find(rules, text)
    acronym = [m for m in mentions if m.source == "acronym"]
    assert [m.text for m in acronym] == ["WTC", "WTC"]
    assert all(m.types == ("Corridor",) for m in acronym)
    long_form = [m for m in mentions if m.source == "rule:acronym-definition"]
    assert [m.text for m in long_form] == ["Western Trade Corridor"]


@pytest.mark.parametrize("junk", ["EDITOR", "December 17", "2019", "21", "The", "Meanwhile", "the Bureau"])
def test_junk_is_not_a_candidate(rules: CandidateFinder, junk: str) -> None:
    text = ("By Zhang Wei, EDITOR\n\nMeanwhile, on December 17 in 2019, the Bureau listed 21 measures. "
            "The Chengdu Logistics Park opened.")
    found = _by_text(_find(rules, text))
    assert junk not in found
    assert "Chengdu Logistics Park" in found          # ... while a real name is kept


def test_mentions_never_start_with_the_nor_end_with_a_possessive_nor_cross_sentences(rules: CandidateFinder) -> None:
    text = "The Lanzhou Customs's plan works. The Xining New Area. Gansu Province leads."
    mentions = _find(rules, text)
    texts = [m.text for m in mentions]
    assert "Lanzhou Customs" in texts and "Xining New Area" in texts and "Gansu Province" in texts
    assert not any(t.lower().startswith("the ") or t.endswith("'s") for t in texts)


def test_without_the_model_spacy_is_never_imported() -> None:
    code = (
        "import sys, hashlib\n"
        "from coopgraph.graph.ingest.ner import CandidateFinder\n"
        "from coopgraph.graph.ingest.model import IngestDocument\n"
        "from coopgraph.graph.ingest.text import sentences\n"
        "text = 'Chongqing Customs and Chengdu Customs signed a memorandum of cooperation in Chongqing.'\n"
        "doc = IngestDocument(text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), path='-')\n"
        "found = CandidateFinder(model=False).find(doc, sentences(text))\n"
        "assert [m.text for m in found][:2] == ['Chongqing Customs', 'Chengdu Customs'], found\n"
        "assert 'spacy' not in sys.modules and 'thinc' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr


def test_the_model_finds_places_and_people_no_head_word_types(with_model: CandidateFinder) -> None:
    text = ("Officials from Guangxi and Yunnan met in Kunming on Monday. "
            "Zhou Hong welcomed the guests from Singapore.")
    found = _by_text(_find(with_model, text))
    for place in ("Guangxi", "Yunnan", "Kunming", "Singapore"):
        assert found[place].source == "ner" and found[place].types == ("Region",)
    assert found["Zhou Hong"].types == ("Person",)
    assert "Monday" not in found and "Officials" not in found


def test_the_model_on_a_seed_article(with_model: CandidateFinder) -> None:
    opening = _by_text(_find(with_model, OPENING_UP_ARTICLE.read_text(encoding="utf-8"), "2019-05-22"))
    for place in ("Guangxi", "Guizhou", "Gansu", "Qinghai", "Xinjiang", "Yunnan", "Ningxia", "Sichuan",
                  "Western China", "Singapore"):
        assert opening[place].types == ("Region",), place
    # rules still win where they know better than the model
    assert opening["Chongqing Multimodal Transport Center"].types == ("LogisticsCentre",)
    assert opening["Shan Wei"].source == "rule:post-person"
    assert "EDITOR" not in opening


def test_modes_of_transport_listed_as_routes(rules: CandidateFinder) -> None:
    text = ("Goods now move by river-sea intermodal transport, cross-border road transport and "
            "domestic railway transport. Multimodal transport grows.")
    found = _by_text(_find(rules, text))
    assert found["river-sea intermodal transport"].types == ("MultimodalRoute",)
    assert found["cross-border road transport"].types == ("RoadRoute",)
    assert found["domestic railway transport"].types == ("RailRoute",)
    assert "Multimodal transport" not in found  # a mode without a modifier is no route of its own


def test_bonded_places_in_lower_case(rules: CandidateFinder) -> None:
    text = "The zone will open bonded logistics centres, bonded wine exhibition and trading centres and bonded warehouses."
    found = _by_text(_find(rules, text))
    assert found["bonded logistics centres"].types == ("LogisticsCentre",)
    assert found["bonded wine exhibition and trading centres"].types == ("TradingCentre",)
    assert found["bonded warehouses"].types == ("BondedArea",)


def test_a_rivers_reach_is_a_region(rules: CandidateFinder) -> None:
    text = ("They will develop the upper reaches of the Yangtze river economic belt and the middle and lower "
            "Reaches of the Yellow River. The reaches of the plan are wide.")
    found = _by_text(_find(rules, text))
    assert found["upper reaches of the Yangtze river economic belt"].types == ("Region",)
    assert found["middle and lower Reaches of the Yellow River"].types == ("Region",)
    assert found["upper reaches of the Yangtze river economic belt"].source == "rule:reaches"
    assert not any(m.text.startswith("reaches") for m in _find(rules, text))


def test_a_shared_head_names_the_first_conjunct(rules: CandidateFinder) -> None:
    text = "They promote Vietnam-Laos and Thailand-Cambodia inter-customs cooperation and the Kashgar and Horgos free trade zones."
    found = _by_text(_find(rules, text))
    first = found["Vietnam-Laos"]
    assert (first.types, first.label) == (("BilateralCooperation",), "Vietnam-Laos inter-customs cooperation")
    assert found["Thailand-Cambodia inter-customs cooperation"].types == ("BilateralCooperation",)
    assert (found["Kashgar"].types, found["Kashgar"].label) == (("FreeTradeZone",), "Kashgar free trade zone")
    assert found["Horgos free trade zones"].label == "Horgos free trade zone"


def test_a_headlines_verb_is_no_shared_head(rules: CandidateFinder) -> None:
    found = _by_text(_find(rules, "Chengdu and Chongqing launch joint customs clearance platform"))
    assert not any("launch" in name for name in found)
    found = _by_text(_find(rules, "Trains run on the China-Laos and China-Vietnam cross-border railways."))
    assert found["China-Laos"].label == "China-Laos cross-border railway"


def test_and_inside_a_bodys_name_and_weekdays(rules: CandidateFinder) -> None:
    text = ("Zhou Min, deputy director of Guizhou Provincial Housing and Construction Department, said on "
            "Friday that the Hunan and Hubei teams met.")
    found = _by_text(_find(rules, text))
    assert "Guizhou Provincial Housing and Construction Department" in found
    assert "Friday" not in found
    assert "Hunan and Hubei" not in found  # "and" between names that no body head follows joins nothing


def test_an_agreements_topic_stops_at_its_date(rules: CandidateFinder) -> None:
    text = "Hekou Customs and Lao Cai Customs signed a trade agreement on rice exports on June 3, 2022."
    memo = next(m for m in _find(rules, text) if m.source == "rule:agreement")
    assert memo.label == ("Trade agreement on rice exports between Hekou Customs and Lao Cai Customs "
                          "(2022-06-03)")


def test_a_title_case_headline_gives_only_typed_names_without_the_model(rules: CandidateFinder) -> None:
    text = ("Green Growth to Take the Lead in Kunming Logistics Park\n\n"
            "Green Growth is a plan of Dali Prefecture.")
    found = _find(rules, text)
    in_headline = {m.text for m in found if m.end <= text.index("\n")}
    assert in_headline == {"Kunming Logistics Park"}
    assert "Green Growth" in {m.text for m in found if m.start > text.index("\n")}  # in a sentence it stays


def test_mentions_are_whole_mentions(rules: CandidateFinder) -> None:
    """_mentions builds a Mention without its __init__: every field is set, and it equals one built
    the usual way (a field added to Mention must be added there too)."""
    from dataclasses import fields

    text = "Chongqing and Singapore signed a memorandum of understanding on December 17, 2019."
    mentions = _find(rules, text)
    assert mentions
    for m in mentions:
        assert set(vars(m)) == {f.name for f in fields(Mention)}
        assert m == Mention(**vars(m)) and hash(m) == hash(Mention(**vars(m)))


def test_a_day_or_a_month_never_continues_a_name(rules: CandidateFinder) -> None:
    """News writes when between the subject and its verb: the name stops before it."""
    for when in ("on Thursday", "on Monday", "on March"):
        text = f"Chengdu Customs and Chongqing Customs {when} signed a framework agreement."
        names = {m.text for m in _find(rules, text)}
        assert "Chongqing Customs" in names and not any(when in name for name in names), names


def test_a_place_then_for_is_not_one_name_but_a_kind_then_for_is(rules: CandidateFinder) -> None:
    text = "A train left Chongqing for Qinzhou Port on Monday. The Institute for Strategic Studies and the Plan for Western Ports agree."
    names = {m.text for m in _find(rules, text)}
    assert "Qinzhou Port" in names and "Chongqing for Qinzhou Port" not in names
    assert {"Institute for Strategic Studies", "Plan for Western Ports"} <= names


def test_an_article_before_a_head_word_is_no_name(rules: CandidateFinder) -> None:
    names = {m.text for m in _find(rules, "A freight train carrying auto parts left. The Yuxinou freight train runs weekly.")}
    assert "freight train" not in names and "A freight train" not in names
    assert any("Yuxinou" in name for name in names)


@pytest.mark.parametrize(("text", "names"), [
    ("The Ministry of Industry and Information Technology issued a plan.",
     {"Ministry of Industry and Information Technology"}),
    ("Singapore's Ministry of Trade and Industry welcomed it.", {"Ministry of Trade and Industry"}),
    ("The Ministry of Housing and Urban-Rural Development and Chongqing Customs met.",
     {"Ministry of Housing and Urban-Rural Development", "Chongqing Customs"}),
    ("The Ministry of Commerce and Sichuan signed it.", {"Ministry of Commerce", "Sichuan"}),  # two names
    ("Chongqing Municipal People's Government agreed.", {"Chongqing Municipal People's Government"}),
    ("China's Western Development Strategy gained.", {"Western Development Strategy"}),
    ("The All-China Women's Federation agreed.", {"All-China Women's Federation"}),
    ("CHENGDU, Nov. 2 -- Chengdu Customs opened on Sept. 3.", {"Chengdu Customs"}),  # no month, no dateline
    ("Officials of Nanning Customs met Representatives of Kunming Customs.", {"Nanning Customs", "Kunming Customs"}),
])
def test_a_body_of_two_fields_is_one_name_and_whose_body_it_is_is_not_part_of_it(
        rules: CandidateFinder, text: str, names: set[str]) -> None:
    assert {m.text for m in _find(rules, text)} == names
