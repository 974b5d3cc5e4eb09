"""Workload b's graph: the same vocabulary as generate.py, another shape, written independently.

    python bench/generate_b.py --triples 100000 --seed 42      # -> bench/data/shape-b-100k-s42.nt.gz
    python bench/generate_b.py --all                            # 10k, 100k and 1M

Why a second generator: a benchmark tuned on one synthetic graph can flatter the engine that was
tuned on it. This one shares generate.py's vocabulary (classes with materialised superclasses,
English + Chinese labels, skos:altLabel, reified coop:Evidence with offsets into schema:text) and
its output format (gzipped N-Triples, same seed and size -> same bytes, landmarks JSON beside the
file), but none of its random structure:

- **giant hubs**: four organisations take a fixed share of every relation drawn (10^4-10^5 edges
  each at 1M), instead of Zipf ranks over all organisations;
- **preferential attachment** for everyone else: a target is drawn uniformly or by copying the
  endpoint of an earlier edge, so degrees follow a power law with another exponent (about 2.4)
  and the big non-hub nodes emerge over time rather than by rank;
- **many small components**: villages with a few associations, their people and a local
  agreement, 2-20 nodes each, linked to nothing else (rdf:type aside);
- **long literals**: about one document in eight has a text of 1-20 KB (log-uniform), filler
  prose around its quotes, some of it with a rare phrase (the substring-search landmark);
- **deep coop:partOf chains**: nested sub-districts 20-60 levels deep below cities, where
  organisations are also located.

The landmarks (hubs, a mid-degree organisation, the deepest chain's leaf and top, the rare
phrase, an island organisation) are what workload b's queries in bench/run.py are written with.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The vocabulary, the escaping and the byte-stable gzip writer are shared on purpose (the same
# kinds of entities and relations); every random choice below is this module's own.
import generate as vocab  # noqa: E402  (bench/ is a folder of scripts, not a package)
from generate import COOP, DCT, ORG, PROV, RDF, RDFS, SDO, SKOS, XSD, lit  # noqa: E402

ID = vocab.BASE + "id/b/"
EV = vocab.BASE + "evidence/b/"
SIZES = vocab.SIZES
TYPE, LABEL, ALT = f"<{RDF}type>", f"<{RDFS}label>", f"<{SKOS}altLabel>"

# The four hubs and their share of the hub draws: all four land between 10^4 and 10^5 edges at 1M.
HUBS = (("General Administration of Customs", "海关总署", "CustomsDistrict", 0.30),
        ("Ministry of Commerce", "商务部", "Government", 0.26),
        ("Land-Sea Corridor Coordination Office", "陆海新通道协调办公室", "AdministrativeCommittee", 0.23),
        ("Inland Port Operators Association", "内陆港口运营商协会", "Association", 0.21))
HUB_SHARE = 0.42       # of every organisation drawn as a relation's target
UNIFORM_SHARE = 0.35   # of the rest, drawn uniformly; the others copy an earlier edge's endpoint
NEEDLE = "single-window declaration"   # rare phrase in the long texts' filler
LONG_TEXT_SHARE = 0.125

SOUNDS = ["ba", "dai", "fen", "gao", "jin", "kai", "lu", "mao", "pu", "qi", "rui", "sha", "tong", "wei",
          "xin", "ye", "zhen", "luo", "heng", "bo", "ran", "song", "tian", "yu"]
HANZI = "白代芬高金开鹿茂浦齐瑞沙通伟新叶珍洛恒波然松天宇"
FAMILY = [("Guo", "郭"), ("He", "何"), ("Ma", "马"), ("Luo", "罗"), ("Liang", "梁"), ("Song", "宋"),
          ("Zheng", "郑"), ("Xie", "谢"), ("Han", "韩"), ("Tang", "唐"), ("Feng", "冯"), ("Yu", "于")]
SUBJECTS = ["bonded logistics", "pre-arrival processing", "cold-chain inspection", "transit manifests",
            "rail container pooling", "origin certification", "port community systems", "AEO mutual recognition",
            "e-commerce returns", "dangerous goods screening", "frontier health checks", "river-sea shipping"]
FILLER = ["The parties reviewed progress on {s} and agreed to publish quarterly figures.",
          "Officials from {n} described the pilot as a model for {s} across the region.",
          "A working group on {s} will report to the joint committee before the next session.",
          "Traders in {n} said clearance times had fallen since the reform of {s}.",
          "The memorandum sets out procedures for {s}, data exchange and staff training.",
          "Further details on {s} were to be agreed in an annex at a later date."]


def node(local: str) -> str:
    return f"<{ID}{local}>"


class ShapeB:
    """Builds the graph in four phases: regions (with deep chains), hubs and a first population of
    organisations, then relation units and islands interleaved, then the documents' texts."""

    def __init__(self, seed: int, target: int) -> None:
        self.rng = random.Random(f"shape-b:{seed}")  # a string seed: independent of generate.py's streams
        self.target = target
        self.lines: list[str] = []
        self.next_id = 0
        self.regions: list[str] = []
        self.region_label: dict[str, str] = {}
        self.orgs: list[str] = []
        self.org_label: list[str] = []
        self.urn: list[int] = []          # one entry per edge endpoint drawn: preferential attachment
        self.picks: list[int] = []        # times each organisation was drawn (for the landmarks)
        self.docs: list[dict] = []        # {"node", "parts", "length", "mentions", "long"}
        self.chains: list[list[str]] = []
        self.islands: list[str] = []      # one organisation per island
        self.reserved = 0                 # triples the documents will still add at the end

    # -- writing -------------------------------------------------------------------------------
    def t(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .\n")

    def fresh(self, stem: str) -> str:
        self.next_id += 1
        return node(f"{stem}{self.next_id:06d}")

    def typed(self, n: str, kind: str) -> None:
        self.t(n, TYPE, f"<{COOP}{kind}>")
        for parent in vocab.SUPER.get(kind, ()):
            self.t(n, TYPE, f"<{COOP}{parent}>")
        for parent in vocab.EXTERNAL_SUPER.get(kind, ()):
            self.t(n, TYPE, f"<{parent}>")

    def named(self, n: str, kind: str, en: str, zh: str | None, alt: str | None = None) -> None:
        self.typed(n, kind)
        self.t(n, LABEL, lit(en, "en"))
        if zh:
            self.t(n, LABEL, lit(zh, "zh"))
        if alt:
            self.t(n, ALT, lit(alt, "en"))

    def word(self, k: int) -> tuple[str, str]:
        picks = [self.rng.randrange(len(SOUNDS)) for _ in range(k)]
        return "".join(SOUNDS[i] for i in picks).title(), "".join(HANZI[i] for i in picks)

    def day(self) -> str:
        # Skewed towards recent years (more cooperation lately), unlike generate.py's uniform dates.
        offset = int(self.rng.triangular(0, 18 * 365, 15 * 365))
        return (date(2007, 1, 1) + timedelta(days=offset)).isoformat()

    # -- phase 1: regions --------------------------------------------------------------------------
    def regions_and_chains(self) -> None:
        scale = max(1, self.target // 10_000)
        countries = [("China", "中国", "PRC"), ("Vietnam", "越南", None), ("Kazakhstan", "哈萨克斯坦", None),
                     ("Germany", "德国", None), ("Malaysia", "马来西亚", None)]
        for en, zh, alt in countries:
            n = self.fresh("country-")
            self.named(n, "Country", en, zh, alt)
            self.add_region(n, en)
        china = self.regions[0]
        provinces = []
        for _ in range(6 + scale // 4):
            en, zh = self.word(2)
            n = self.fresh("prov-")
            self.named(n, self.rng.choice(["Province", "Municipality"]), f"{en} Province", zh + "省")
            self.t(n, f"<{COOP}partOf>", china)
            self.add_region(n, f"{en} Province")
            provinces.append(n)
        cities = []
        for _ in range(8 + scale * 2):
            en, zh = self.word(2)
            n = self.fresh("city-")
            self.named(n, "City", f"{en} Prefecture", zh + "地区")
            self.t(n, f"<{COOP}partOf>", self.rng.choice(provinces))  # uniform: the hubs are not regions here
            self.add_region(n, f"{en} Prefecture")
            cities.append(n)
        # Deep chains: sub-district inside sub-district, 20-60 levels below a city.
        for c in range(max(2, self.target // 50_000)):
            parent = self.rng.choice(cities)
            en, zh = self.word(2)
            chain = []
            for level in range(1, self.rng.randint(20, 60) + 1):
                n = self.fresh("zone-")
                label = f"{en} Zone {c + 1} Level {level}"
                self.named(n, "NewArea", label, f"{zh}{level}级区")
                self.t(n, f"<{COOP}partOf>", parent)
                self.add_region(n, label)
                chain.append(n)
                parent = n
            self.chains.append(chain)
        # Region attractiveness: Pareto weights (a heavy tail with no fixed ranking by position).
        weights = [self.rng.paretovariate(1.3) for _ in self.regions]
        self.region_weights = list(self._cumulative(weights))

    @staticmethod
    def _cumulative(values: list[float]) -> list[float]:
        total, out = 0.0, []
        for value in values:
            total += value
            out.append(total)
        return out

    def add_region(self, n: str, label: str) -> None:
        self.regions.append(n)
        self.region_label[n] = label

    def region(self) -> str:
        return self.rng.choices(self.regions, cum_weights=self.region_weights)[0]

    # -- phase 2: hubs and organisations -------------------------------------------------------------
    def hubs(self) -> None:
        for en, zh, kind, _share in HUBS:
            n = self.fresh("hub-")
            self.named(n, kind, en, zh, en.split()[0] + " HQ")
            self.t(n, f"<{COOP}locatedIn>", self.regions[0])
            self.orgs.append(n)
            self.org_label.append(en)
            self.picks.append(0)
        self.hub_cum = list(self._cumulative([h[3] for h in HUBS]))

    def organisation(self) -> int:
        kind, suffix, zh_suffix = self.rng.choice([("CustomsDistrict", "Customs Office", "海关办事处"),
                                                   ("Government", "People's Government", "人民政府"),
                                                   ("AdministrativeCommittee", "Zone Committee", "管委会"),
                                                   ("Association", "Chamber of Commerce", "商会")])
        en, zh = self.word(self.rng.choice([2, 3]))
        place = self.region()
        label = f"{en} {suffix}"
        n = self.fresh("org-")
        self.named(n, kind, label, zh + zh_suffix, f"{en} {kind[:4].upper()}" if self.rng.random() < 0.3 else None)
        self.relation(n, label, "locatedIn", place, self.region_label[place], "is based in")
        self.orgs.append(n)
        self.org_label.append(label)
        self.picks.append(0)
        return len(self.orgs) - 1

    def org(self) -> int:
        """A relation's organisation: a hub, a uniform draw, or the endpoint of an earlier draw."""
        r = self.rng.random()
        if r < HUB_SHARE:
            index = self.rng.choices(range(len(HUBS)), cum_weights=self.hub_cum)[0]
        elif r < HUB_SHARE + (1 - HUB_SHARE) * UNIFORM_SHARE or not self.urn:
            index = self.rng.randrange(len(HUBS), len(self.orgs))
        else:
            index = self.urn[self.rng.randrange(len(self.urn))]
        if index >= len(HUBS):
            self.urn.append(index)
        self.picks[index] += 1
        return index

    # -- relations and their evidence ----------------------------------------------------------------
    def relation(self, s: str, s_label: str, p: str, o: str, o_label: str, verb: str) -> None:
        self.t(s, f"<{COOP}{p}>", o)
        if not self.docs or self.rng.random() > 0.3:
            return
        doc = self.docs[self.rng.randrange(len(self.docs))]
        quote = f"According to the report, {s_label} {verb} {o_label}."
        start = doc["length"]
        doc["parts"].append(quote + " ")
        doc["length"] += len(quote) + 1
        for mentioned in (s, o):
            if mentioned not in doc["mentions"]:
                doc["mentions"].add(mentioned)
                self.reserved += 1
        self.next_id += 1
        ev = f"<{EV}{self.next_id:08x}>"
        self.t(ev, TYPE, f"<{COOP}Evidence>")
        self.t(ev, f"<{RDF}subject>", s)
        self.t(ev, f"<{RDF}predicate>", f"<{COOP}{p}>")
        self.t(ev, f"<{RDF}object>", o)
        self.t(ev, f"<{COOP}quote>", lit(quote))
        self.t(ev, f"<{COOP}startOffset>", lit(str(start), datatype=XSD + "integer"))
        self.t(ev, f"<{COOP}endOffset>", lit(str(start + len(quote)), datatype=XSD + "integer"))
        self.t(ev, f"<{PROV}wasDerivedFrom>", doc["node"])

    def documents(self) -> None:
        publishers = []
        for outlet in ("Border Trade Herald", "Inland Port Weekly", "Customs Review"):
            n = self.fresh("outlet-")
            self.named(n, "MediaOrganisation", outlet, None)
            publishers.append(n)
        for i in range(max(8, self.target // 400)):
            n = self.fresh("doc-")
            title = f"{self.rng.choice(SUBJECTS).capitalize()}: bulletin {i + 1}"
            self.named(n, "SourceDocument", title, None)
            self.t(n, f"<{DCT}title>", lit(title, "en"))
            self.t(n, f"<{DCT}publisher>", self.rng.choice(publishers))
            self.t(n, f"<{DCT}date>", lit(self.day(), datatype=XSD + "date"))
            # The first document is always long, so every size has at least one long literal.
            long = i == 0 or self.rng.random() < LONG_TEXT_SHARE
            self.docs.append({"node": n, "parts": [], "length": 0, "mentions": set(), "long": long})
            self.reserved += 1  # its schema:text

    # -- units ------------------------------------------------------------------------------------------
    def agreement(self) -> None:
        kind = self.rng.choice(["Memorandum", "Memorandum", "Agreement"])
        subject = self.rng.choice(SUBJECTS)
        en, zh = self.word(2)
        label = f"{en} {kind} on {subject}"
        n = self.fresh("agr-")
        self.named(n, kind, label, f"{zh}{subject[:2]}协议" if kind == "Agreement" else f"{zh}合作备忘录")
        self.t(n, f"<{COOP}signedOn>", lit(self.day(), datatype=XSD + "date"))
        self.t(n, f"<{COOP}numberOfArticles>", lit(str(int(self.rng.lognormvariate(2.3, 0.6)) + 1),
                                                   datatype=XSD + "integer"))
        parties: list[int] = []
        for _ in range(200):  # bounded: hubs recur, so retry until enough distinct parties
            if len(parties) >= self.rng.randint(2, 8):
                break
            index = self.org()
            if index not in parties:
                parties.append(index)
        for index in parties:
            self.relation(n, label, "hasSignatory", self.orgs[index], self.org_label[index], "was signed by")
        place = self.region()
        self.relation(n, label, "signedAt", place, self.region_label[place], "was concluded in")
        self.agreements.append(n)

    def person(self) -> None:
        index = self.org()
        family = self.rng.choice(FAMILY)
        given = self.word(1)
        who, post = self.fresh("person-"), self.fresh("post-")
        self.named(who, "Person", f"{family[0]} {given[0]}", family[1] + given[1])
        role = self.rng.choice(["Head", "Deputy Head", "Counsellor", "Liaison Officer"])
        self.named(post, "Post", f"{role}, {self.org_label[index]}", None)
        self.t(post, f"<{ORG}postIn>", self.orgs[index])
        self.t(who, f"<{ORG}holds>", post)

    def mechanism(self) -> None:
        en, zh = self.word(2)
        kind = self.rng.choice(["JointMeeting", "ConsultationMechanism"])
        label = f"{en} {'Joint Meeting' if kind == 'JointMeeting' else 'Consultation Mechanism'}"
        n = self.fresh("mech-")
        self.named(n, kind, label, zh + "联席会议")
        members = sorted({self.org() for _ in range(int(self.rng.paretovariate(1.5)) + 2)})[:60]
        for index in members:
            self.relation(n, label, "hasMember", self.orgs[index], self.org_label[index], "counts among its members")
        self.t(n, f"<{COOP}numberOfMembers>", lit(str(len(members)), datatype=XSD + "integer"))
        if self.agreements:
            self.t(self.rng.choice(self.agreements), f"<{COOP}establishesMechanism>", n)

    def corridor(self) -> None:
        en, zh = self.word(2)
        n, seq = self.fresh("route-"), self.fresh("stops-")
        self.named(n, self.rng.choice(["RailRoute", "MultimodalRoute"]), f"{en} Freight Route", zh + "班列")
        self.t(n, f"<{SDO}itinerary>", seq)
        self.t(seq, TYPE, f"<{RDF}Seq>")
        for position in range(1, self.rng.randint(3, 9) + 1):
            stop = self.region()
            self.t(seq, f"<{RDF}_{position}>", stop)
            self.relation(n, f"{en} Freight Route", "connects", stop, self.region_label[stop], "runs through")

    def initiative(self) -> None:
        en, zh = self.word(2)
        n = self.fresh("init-")
        self.named(n, self.rng.choice(["Strategy", "PilotProgramme"]), f"{en} Opening-Up Plan", zh + "开放计划")
        for _ in range(self.rng.randint(1, 3)):
            place = self.region()
            self.relation(n, f"{en} Opening-Up Plan", "coversRegion", place, self.region_label[place], "covers")
        if self.agreements:
            self.t(self.rng.choice(self.agreements), f"<{COOP}implements>", n)

    def island(self) -> None:
        """A village, its associations, their people and maybe a local agreement: 2-20 nodes, and no
        edge to the rest of the graph (no evidence, no shared region or organisation)."""
        en, zh = self.word(2)
        village = self.fresh("village-")
        self.named(village, "City", f"{en} Village", zh + "村")
        members, nodes = [], 1
        for k in range(self.rng.randint(1, 5)):
            n = self.fresh("coop-")
            self.named(n, "Association", f"{en} Growers Cooperative {k + 1}", f"{zh}合作社{k + 1}")
            self.t(n, f"<{COOP}locatedIn>", village)
            members.append(n)
            nodes += 1
        if len(members) >= 2 and self.rng.random() < 0.6:
            a = self.fresh("agr-")
            self.named(a, "Agreement", f"{en} Village Joint Marketing Agreement", f"{zh}村联合营销协议")
            self.t(a, f"<{COOP}signedOn>", lit(self.day(), datatype=XSD + "date"))
            self.t(a, f"<{COOP}numberOfArticles>", lit(str(self.rng.randint(2, 9)), datatype=XSD + "integer"))
            for n in members:
                self.t(a, f"<{COOP}hasSignatory>", n)
            nodes += 1
        for n in members:
            for _ in range(self.rng.randint(0, 2)):
                if nodes + 2 > 20:
                    break
                family = self.rng.choice(FAMILY)
                who, post = self.fresh("person-"), self.fresh("post-")
                self.named(who, "Person", f"{family[0]} {self.word(1)[0]}", None)
                self.named(post, "Post", f"Secretary, {en} cooperative", None)
                self.t(post, f"<{ORG}postIn>", n)
                self.t(who, f"<{ORG}holds>", post)
                nodes += 2
        self.islands.append(members[0])

    # -- the run ------------------------------------------------------------------------------------
    def run(self) -> list[str]:
        self.agreements: list[str] = []
        self.regions_and_chains()
        self.documents()
        self.hubs()
        for _ in range(max(30, self.target // 200)):
            self.organisation()
        units = [self.agreement, self.person, self.organisation, self.mechanism, self.initiative,
                 self.corridor, self.island]
        cumulative = list(self._cumulative([0.40, 0.14, 0.10, 0.12, 0.06, 0.04, 0.14]))
        for _ in range(self.target):  # every unit writes triples: bounded well before this
            if len(self.lines) + self.reserved >= self.target:
                break
            self.rng.choices(units, cum_weights=cumulative)[0]()
        self.texts()
        return self.lines

    def texts(self) -> None:
        for doc in self.docs:
            text = "".join(doc["parts"])
            if doc["long"]:
                # Log-uniform 1-20 KB: most long texts are a few KB, a few approach 20.
                want = int(math.exp(self.rng.uniform(math.log(1024), math.log(20 * 1024))))
                filler = []
                while len(text) + sum(len(f) + 1 for f in filler) < want:
                    sentence = self.rng.choice(FILLER).format(s=self.rng.choice(SUBJECTS),
                                                              n=self.rng.choice(self.org_label))
                    if self.rng.random() < 0.03:
                        sentence = sentence[:-1] + f", including the {NEEDLE}."
                    filler.append(sentence)
                text += " ".join(filler)  # after the quotes: their offsets stay valid
            self.t(doc["node"], f"<{SDO}text>", lit(text))
            for mentioned in sorted(doc["mentions"]):
                self.t(doc["node"], f"<{SDO}mentions>", mentioned)

    def landmarks(self) -> dict[str, object]:
        """What workload b's queries are written with (same seed and size, same values)."""
        deepest = max(self.chains, key=len)
        ranked = sorted(range(len(HUBS), len(self.orgs)), key=lambda i: (-self.picks[i], i))
        mid = ranked[min(50, len(ranked) - 1)]
        return {"country": self.regions[0][1:-1],
                "hubs": [self.orgs[i][1:-1] for i in range(len(HUBS))],
                "hub_labels": [h[0] for h in HUBS], "hub_labels_zh": [h[1] for h in HUBS],
                "mid_org": self.orgs[mid][1:-1], "mid_org_label": self.org_label[mid],
                "chain_top": deepest[0][1:-1], "chain_leaf": deepest[-1][1:-1], "chain_depth": len(deepest),
                "needle": NEEDLE, "island_org": self.islands[0][1:-1] if self.islands else ""}


def generate(triples: int, seed: int = 42) -> tuple[list[str], dict[str, object]]:
    """The N-Triples lines of one shape-b graph of about ``triples`` triples, and its landmarks."""
    builder = ShapeB(seed, triples)
    lines = builder.run()
    return lines, builder.landmarks()


def data_path(label: str, seed: int = 42) -> Path:
    return vocab.DATA_DIR / f"shape-b-{label}-s{seed}.nt.gz"


def ensure(triples: int, seed: int = 42) -> Path:
    """The file for that size and seed, generated if missing."""
    path = data_path(vocab.size_label(triples), seed)
    if not path.exists():
        vocab.write(*generate(triples, seed), path)  # type: ignore[arg-type]
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10_000, help="approximate size (default 10000)")
    parser.add_argument("--all", action="store_true", help="generate 10k, 100k and 1M")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, help="output file (default bench/data/shape-b-SIZE-sSEED.nt.gz)")
    args = parser.parse_args(argv)
    for triples in (SIZES.values() if args.all else [args.triples]):
        started = time.perf_counter()
        lines, landmarks = generate(triples, args.seed)
        path = args.out or data_path(vocab.size_label(triples), args.seed)
        vocab.write(lines, landmarks, path)  # type: ignore[arg-type]
        sys.stderr.write(f"{path}: {len(lines)} triples in {time.perf_counter() - started:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
