"""Synthetic coopgraph data: deterministic, seeded, in the shape of graph/build.py's output.

    python bench/generate.py --triples 100000 --seed 42        # -> bench/data/synthetic-100k.nt.gz
    python bench/generate.py --all                              # 10k, 100k and 1M

Why synthetic: the seed graph is a few thousand triples; users load every customs district,
corridor and agreement of a region. To measure at 1M triples we need data with the same shape
(types with materialised superclasses, English + Chinese labels, reified evidence with offsets into
document texts) and the same kind of skew (a few hubs such as Chongqing or the customs
administration touch a large share of the relations), so that the query mix meets realistic
fan-outs. Same seed and size -> the same bytes (the gzip header carries no timestamp or name).

The output is N-Triples, one statement per line, in generation order. The generator stops at the
first complete "unit" (an agreement with its signatories and evidence, a person with a post, ...)
that reaches the requested size, so sizes are approximate (within 1% above the target).
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import io
import itertools
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

BASE = "https://coopgraph.org/"
ID = BASE + "id/"
EV = BASE + "evidence/"
COOP = "https://coopgraph.org/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
SDO = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"

DATA_DIR = Path(__file__).resolve().parent / "data"
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}

# Class -> the superclasses build.py materialises (kept short: the shape, not the whole ontology).
SUPER: dict[str, tuple[str, ...]] = {
    "Country": ("Region",),
    "Province": ("ProvinceLevelDivision", "Region"),
    "Municipality": ("ProvinceLevelDivision", "Region"),
    "City": ("Region",),
    "NewArea": ("EconomicZone", "Zone", "Region"),
    "CustomsDistrict": ("CustomsAdministration", "GovernmentBody"),
    "Government": ("GovernmentBody",),
    "AdministrativeCommittee": ("GovernmentBody",),
    "Association": (),
    "MediaOrganisation": (),
    "Memorandum": ("Agreement",),
    "Agreement": (),
    "RailRoute": ("Corridor",),
    "MultimodalRoute": ("Corridor",),
    "Strategy": ("Initiative",),
    "PilotProgramme": ("Initiative",),
    "JointMeeting": ("CooperationMechanism",),
    "ConsultationMechanism": ("CooperationMechanism",),
    "Person": (),
    "Post": (),
    "SourceDocument": (),
    "Evidence": (),
}
EXTERNAL_SUPER = {"Post": (ORG + "Post",), "CustomsDistrict": (ORG + "Organization",),
                  "Government": (ORG + "Organization",), "Person": (FOAF + "Person",)}

# Syllables for readable, reproducible names (pinyin-ish) and their Chinese characters.
SYLLABLES = [("chong", "重"), ("qing", "庆"), ("cheng", "成"), ("du", "都"), ("gui", "贵"), ("yang", "阳"),
             ("kun", "昆"), ("ming", "明"), ("nan", "南"), ("ning", "宁"), ("lan", "兰"), ("zhou", "州"),
             ("xi", "西"), ("an", "安"), ("yin", "银"), ("chuan", "川"), ("hai", "海"), ("jiang", "江"),
             ("shan", "山"), ("he", "河"), ("hu", "湖"), ("lin", "林"), ("bei", "北"), ("dong", "东"),
             ("tai", "泰"), ("hua", "华"), ("long", "龙"), ("feng", "凤"), ("yun", "云"), ("ping", "平")]
SURNAMES = [("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
            ("Huang", "黄"), ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"), ("Xu", "徐"), ("Sun", "孙")]
TOPICS = ["customs clearance", "inspection and quarantine", "logistics", "cross-border e-commerce",
          "rail freight", "port services", "trade facilitation", "information sharing", "talent exchange",
          "tariff policy", "bonded warehousing", "sea-rail transport", "risk management", "joint enforcement"]


def iri(local: str) -> str:
    return f"<{local}>"


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r"))
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


class Zipf:
    """Draw an index in [0, n) with P(i) ~ 1/(i+1)^s: a few big hubs and a long tail."""

    def __init__(self, n: int, s: float, rng: random.Random) -> None:
        self.rng = rng
        self.cumulative = list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(n)))

    def draw(self) -> int:
        return bisect.bisect_left(self.cumulative, self.rng.random() * self.cumulative[-1])


@dataclass
class Writer:
    """Collects N-Triples lines and counts them."""

    lines: list[str] = field(default_factory=list)

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .\n")

    def __len__(self) -> int:
        return len(self.lines)


@dataclass
class Doc:
    """A source document under construction: its sentences become schema:text; quotes point into it."""

    node: str
    parts: list[str] = field(default_factory=list)
    length: int = 0
    mentions: set[str] = field(default_factory=set)

    def quote(self, sentence: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(sentence + " ")
        self.length += len(sentence) + 1
        return start, start + len(sentence)


class Generator:
    """One synthetic graph; ``run(target)`` emits units until ``target`` triples are written."""

    def __init__(self, seed: int, target: int) -> None:
        self.rng = random.Random(seed)
        self.out = Writer()
        self.target = target
        self.serial = itertools.count(1)
        self.regions: list[tuple[str, str]] = []       # (node, English label)
        self.orgs: list[tuple[str, str]] = []
        self.agreements: list[str] = []
        self.docs: list[Doc] = []
        self.evidence_rate = 0.35
        self.pending = 0  # triples that finish_documents will write (text + mentions)

    # -- small helpers ---------------------------------------------------------------------------
    def name(self, syllables: int = 2) -> tuple[str, str]:
        picks = [self.rng.choice(SYLLABLES) for _ in range(syllables)]
        return "".join(p[0] for p in picks).capitalize(), "".join(p[1] for p in picks)

    def entity(self, kind: str, slug_hint: str, label_en: str, label_zh: str | None,
               alt: str | None = None) -> str:
        node = iri(f"{ID}{slug_hint}-{next(self.serial)}")
        add = self.out.add
        add(node, iri(RDF + "type"), iri(COOP + kind))
        for parent in SUPER.get(kind, ()):
            add(node, iri(RDF + "type"), iri(COOP + parent))
        for parent in EXTERNAL_SUPER.get(kind, ()):
            add(node, iri(RDF + "type"), iri(parent))
        add(node, iri(RDFS + "label"), lit(label_en, "en"))
        if label_zh:
            add(node, iri(RDFS + "label"), lit(label_zh, "zh"))
        if alt:
            add(node, iri(SKOS + "altLabel"), lit(alt, "en"))
        return node

    def relate(self, s: str, s_label: str, p: str, o: str, o_label: str, verb: str) -> None:
        """A plain triple, and (for a share of them) its reified evidence quoted from a document."""
        self.out.add(s, iri(COOP + p), o)
        if not self.docs or self.rng.random() >= self.evidence_rate:
            return
        doc = self.docs[self.rng.randrange(len(self.docs))]
        sentence = f"{s_label} {verb} {o_label} on {self.rng.choice(TOPICS)}."
        start, end = doc.quote(sentence)
        before = len(doc.mentions)
        doc.mentions.update((s, o))
        self.pending += len(doc.mentions) - before
        ev = iri(f"{EV}{next(self.serial):012x}")
        add = self.out.add
        add(ev, iri(RDF + "type"), iri(COOP + "Evidence"))
        add(ev, iri(RDF + "subject"), s)
        add(ev, iri(RDF + "predicate"), iri(COOP + p))
        add(ev, iri(RDF + "object"), o)
        add(ev, iri(COOP + "quote"), lit(sentence))
        add(ev, iri(COOP + "startOffset"), lit(str(start), datatype=XSD + "integer"))
        add(ev, iri(COOP + "endOffset"), lit(str(end), datatype=XSD + "integer"))
        add(ev, iri(PROV + "wasDerivedFrom"), doc.node)

    def some_date(self) -> str:
        return (date(2010, 1, 1) + timedelta(days=self.rng.randrange(15 * 365))).isoformat()

    # -- the skeleton: regions, media, documents -----------------------------------------------
    def skeleton(self) -> None:
        scale = max(1, self.target // 1000)
        china = self.entity("Country", "china", "China", "中国", "People's Republic of China")
        self.regions.append((china, "China"))
        for label, zh in (("Singapore", "新加坡"), ("Poland", "波兰"), ("Laos", "老挝")):
            self.regions.append((self.entity("Country", label.lower(), label, zh), label))
        hubs = [("Chongqing", "重庆", "Municipality"), ("Sichuan", "四川", "Province"),
                ("Guizhou", "贵州", "Province"), ("Yunnan", "云南", "Province"), ("Guangxi", "广西", "Province")]
        provinces = []
        for label, zh, kind in hubs:
            node = self.entity(kind, label.lower(), label, zh)
            self.out.add(node, iri(COOP + "partOf"), china)
            provinces.append((node, label))
        for _ in range(max(3, min(30, scale // 3))):
            label, zh = self.name()
            node = self.entity("Province", label.lower(), label, zh + "省")
            self.out.add(node, iri(COOP + "partOf"), china)
            provinces.append((node, label))
        self.regions.extend(provinces)
        # Cities and districts under provinces (skewed: hubs get many), three levels deep.
        pick_province = Zipf(len(provinces), 1.1, self.rng)
        cities = []
        for _ in range(max(10, scale * 3)):
            parent, parent_label = provinces[pick_province.draw()]
            label, zh = self.name()
            node = self.entity("City", label.lower(), f"{label} City", zh + "市")
            self.out.add(node, iri(COOP + "partOf"), parent)
            cities.append((node, f"{label} City"))
        pick_city = Zipf(len(cities), 1.0, self.rng)
        for _ in range(max(10, scale * 3)):
            parent, _parent_label = cities[pick_city.draw()]
            label, zh = self.name(3)
            node = self.entity("NewArea", label.lower(), f"{label} New Area", zh + "新区")
            self.out.add(node, iri(COOP + "partOf"), parent)
            self.regions.append((node, f"{label} New Area"))
        self.regions.extend(cities)
        self.pick_region = Zipf(len(self.regions), 1.05, self.rng)
        # Media and their documents (the texts are filled as quotes are drawn from them).
        media = [self.entity("MediaOrganisation", "media", f"{self.name()[0]} Daily", None) for _ in range(5)]
        for index in range(max(3, scale // 2)):
            label = f"{self.rng.choice(TOPICS).capitalize()} report {index + 1}"
            node = self.entity("SourceDocument", "doc", label, None)
            self.out.add(node, iri(DCT + "title"), lit(label, "en"))
            self.out.add(node, iri(DCT + "publisher"), self.rng.choice(media))
            self.out.add(node, iri(DCT + "date"), lit(self.some_date(), datatype=XSD + "date"))
            self.docs.append(Doc(node=node))

    # -- units, each a few dozen triples ----------------------------------------------------------
    def organisation(self) -> None:
        kind = self.rng.choice(["CustomsDistrict", "Government", "AdministrativeCommittee", "Association"])
        region, region_label = self.regions[self.pick_region.draw()]
        suffix = {"CustomsDistrict": ("Customs", "海关"), "Government": ("Government", "政府"),
                  "AdministrativeCommittee": ("Administrative Committee", "管委会"),
                  "Association": ("Trade Association", "协会")}[kind]
        label = f"{region_label} {suffix[0]} {len(self.orgs) + 1}"
        node = self.entity(kind, kind.lower(), label, self.name()[1] + suffix[1])
        self.relate(node, label, "locatedIn", region, region_label, "is located in")
        self.orgs.append((node, label))

    def person(self) -> None:
        org, org_label = self.orgs[self.pick_org.draw()]
        surname = self.rng.choice(SURNAMES)
        given = self.name()
        person = self.entity("Person", "person", f"{surname[0]} {given[0]}", surname[1] + given[1])
        title = self.rng.choice(["Director", "Deputy Director", "Secretary", "Chairman"])
        post = self.entity("Post", "post", f"{title} of {org_label}", None)
        self.out.add(post, iri(ORG + "postIn"), org)
        self.out.add(person, iri(ORG + "holds"), post)

    def agreement(self) -> None:
        kind = "Memorandum" if self.rng.random() < 0.6 else "Agreement"
        topic = self.rng.choice(TOPICS)
        label = f"{kind} on {topic} {len(self.agreements) + 1}"
        node = self.entity(kind, "agreement", label, "关于" + self.name()[1] + "的合作备忘录")
        self.out.add(node, iri(COOP + "signedOn"), lit(self.some_date(), datatype=XSD + "date"))
        self.out.add(node, iri(COOP + "numberOfArticles"),
                     lit(str(self.rng.randint(3, 40)), datatype=XSD + "integer"))
        signatories = {self.pick_org.draw() for _ in range(self.rng.randint(2, 6))}
        for _ in range(50):  # hubs are drawn often; make sure of two distinct parties (bounded)
            if len(signatories) >= 2:
                break
            signatories.add(self.rng.randrange(len(self.orgs)))
        for index in sorted(signatories):
            org, org_label = self.orgs[index]
            self.relate(node, label, "hasSignatory", org, org_label, "was signed by")
        region, region_label = self.regions[self.pick_region.draw()]
        self.relate(node, label, "signedAt", region, region_label, "was signed in")
        self.agreements.append(node)

    def corridor(self) -> None:
        label, zh = self.name()
        node = self.entity(self.rng.choice(["RailRoute", "MultimodalRoute"]), "corridor",
                           f"{label} Corridor", zh + "通道")
        stops = [self.regions[self.pick_region.draw()] for _ in range(self.rng.randint(4, 12))]
        sequence = iri(f"{ID}corridor-stops-{next(self.serial)}")
        self.out.add(node, iri(SDO + "itinerary"), sequence)
        self.out.add(sequence, iri(RDF + "type"), iri(RDF + "Seq"))
        for position, (region, region_label) in enumerate(stops, start=1):
            self.relate(node, f"{label} Corridor", "connects", region, region_label, "connects")
            self.out.add(sequence, iri(f"{RDF}_{position}"), region)

    def initiative(self) -> None:
        label, zh = self.name()
        node = self.entity(self.rng.choice(["Strategy", "PilotProgramme"]), "initiative",
                           f"{label} Initiative", zh + "倡议")
        for _ in range(self.rng.randint(1, 4)):
            region, region_label = self.regions[self.pick_region.draw()]
            self.relate(node, f"{label} Initiative", "coversRegion", region, region_label, "covers")
        if self.agreements:
            agreement = self.agreements[self.rng.randrange(len(self.agreements))]
            self.out.add(agreement, iri(COOP + "implements"), node)

    def mechanism(self) -> None:
        label, zh = self.name()
        kind = self.rng.choice(["JointMeeting", "ConsultationMechanism"])
        node = self.entity(kind, "mechanism", f"{label} {kind.replace('Mechanism', ' Mechanism')}", zh + "机制")
        members = {self.pick_org.draw() for _ in range(self.rng.randint(3, 15))}
        for index in sorted(members):
            org, org_label = self.orgs[index]
            self.relate(node, label, "hasMember", org, org_label, "includes")
        self.out.add(node, iri(COOP + "numberOfMembers"), lit(str(len(members)), datatype=XSD + "integer"))
        if self.agreements:
            agreement = self.agreements[self.rng.randrange(len(self.agreements))]
            self.out.add(agreement, iri(COOP + "establishesMechanism"), node)

    # -- the whole run ---------------------------------------------------------------------------
    def run(self) -> list[str]:
        self.skeleton()
        for _ in range(max(20, self.target // 120)):
            self.organisation()
        self.pick_org = Zipf(len(self.orgs), 1.1, self.rng)
        units: list[tuple[Callable[[], None], float]] = [
            (self.agreement, 0.40), (self.person, 0.25), (self.organisation, 0.15),
            (self.mechanism, 0.08), (self.initiative, 0.08), (self.corridor, 0.04)]
        kinds, weights = zip(*units, strict=True)
        self.pending = len(self.docs)  # one schema:text each
        guard = self.target  # every unit writes at least one triple, so this bounds the loop
        while len(self.out) + self.pending < self.target and guard > 0:
            guard -= 1
            self.rng.choices(kinds, weights)[0]()
        self.finish_documents()
        return self.out.lines

    def landmarks(self) -> dict[str, str]:
        """IRIs and labels the benchmark's query mix is parameterised with (same seed, same values)."""
        hub_org, hub_org_label = self.orgs[0]
        mid_org, mid_org_label = self.orgs[min(7, len(self.orgs) - 1)]
        return {"hub_region": self.regions[4][0][1:-1], "hub_region_label": self.regions[4][1],
                "country": self.regions[0][0][1:-1], "hub_org": hub_org[1:-1], "hub_org_label": hub_org_label,
                "mid_org": mid_org[1:-1], "mid_org_label": mid_org_label,
                "leaf_region": self.regions[-1][0][1:-1]}

    def finish_documents(self) -> None:
        for doc in self.docs:
            self.out.add(doc.node, iri(SDO + "text"), lit("".join(doc.parts)))
            for entity in sorted(doc.mentions):
                self.out.add(doc.node, iri(SDO + "mentions"), entity)


def generate(triples: int, seed: int = 42) -> tuple[list[str], dict[str, str]]:
    """The N-Triples lines of one synthetic graph of about ``triples`` triples, and its landmarks."""
    generator = Generator(seed, triples)
    lines = generator.run()
    return lines, generator.landmarks()


def write(lines: list[str], landmarks: dict[str, str], path: Path) -> None:
    """Gzip with a fixed header (no name, mtime 0) so the same lines give the same bytes.

    The landmarks go beside the data, in ``NAME.json``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    landmarks_path(path).write_text(json.dumps(landmarks, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="",
                                                compresslevel=6) as gz:
        buffer = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
        buffer.writelines(lines)
        buffer.flush()
        buffer.detach()
    tmp.replace(path)


def landmarks_path(data: Path) -> Path:
    return data.with_name(data.name.removesuffix(".nt.gz") + ".json")


def data_path(label: str, seed: int = 42) -> Path:
    return DATA_DIR / f"synthetic-{label}-s{seed}.nt.gz"


def size_label(triples: int) -> str:
    for label, size in SIZES.items():
        if size == triples:
            return label
    return str(triples)


def ensure(triples: int, seed: int = 42) -> Path:
    """The file for that size and seed, generated if missing."""
    path = data_path(size_label(triples), seed)
    if not path.exists():
        write(*generate(triples, seed), path)
    return path


def iter_sizes(args: argparse.Namespace) -> Iterator[int]:
    if args.all:
        yield from SIZES.values()
    else:
        yield args.triples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10_000, help="approximate size (default 10000)")
    parser.add_argument("--all", action="store_true", help="generate 10k, 100k and 1M")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, help="output file (default bench/data/synthetic-SIZE-sSEED.nt.gz)")
    args = parser.parse_args(argv)
    for triples in iter_sizes(args):
        started = time.perf_counter()
        lines, landmarks = generate(triples, args.seed)
        path = args.out or data_path(size_label(triples), args.seed)
        write(lines, landmarks, path)
        sys.stderr.write(f"{path}: {len(lines)} triples in {time.perf_counter() - started:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
