"""The label index: every entity's names, listed by label and type, and searched by name.

``LabelIndex.build`` reads every rdfs:label and skos:altLabel once per store version (one scan of
labels and types); listing and search then run in memory, ranked
exact > prefix > token > substring > fuzzy. ``graph.remote_search`` builds a small one per query
on a remote store. ``resolve_entity`` turns what a user typed for one entity (its id, IRI, or a
name) into its slug, or says which entities it could be.

    >>> normalise("  Land-Sea  Corridor! ")
    'land sea corridor'
"""

from __future__ import annotations

import bisect
import builtins
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from coopgraph.graph.errors import AmbiguousEntityError, EntityNotFoundError
from coopgraph.graph.ids import entity_iri, is_slug, slug_of
from coopgraph.graph.namespaces import expand_curie
from coopgraph.graph.ontology import load_ontology
from coopgraph.graph.read_queries import PREFIXES, Selectable, local_name, most_specific

__all__ = ["IndexedEntity", "LabelIndex", "SearchHit", "entity_ref", "name_key", "normalise", "resolve_class",
           "resolve_entity"]

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    """Key for matching: NFKC, case-folded, punctuation to single spaces."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def name_key(text: str) -> str:
    """Key for naming one entity exactly: ``normalise`` without a leading "the" and without spaces,
    so case, spacing, dashes and quotes do not matter.

    >>> name_key("the Chengdu-Customs"), name_key("“Belt and Road”"), name_key("成都 海关")
    ('chengducustoms', 'beltandroad', '成都海关')
    """
    return _key_of_normalised(normalise(text))


def _key_of_normalised(key: str) -> str:
    return (key[4:] if key.startswith("the ") else key).replace(" ", "")


def _trigrams(key: str) -> set[str]:
    padded = f" {key} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class IndexedEntity:
    iri: str
    slug: str
    label: str
    label_zh: str | None
    type: str | None                 # most specific class, local name
    types: frozenset[str]            # every rdf:type IRI
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    entity: IndexedEntity
    score: float                     # 0..1, higher is better
    matched: str                     # the name that matched (label, Chinese label or alias)
    match: str                       # exact | prefix | token | substring | fuzzy


# score bands: every hit of a better kind outranks every hit of a worse kind
_BANDS = {"exact": 0.86, "prefix": 0.7, "token": 0.55, "substring": 0.4, "fuzzy": 0.2}


class LabelIndex:
    """Every rdfs:label and skos:altLabel (all languages) of the entities under ``base``.

    Built once per store version (one scan of labels and types), then searched in memory:
    exact keys by dict, prefixes by bisect over sorted keys, tokens by an inverted index, substrings
    and typos by a trigram index.
    """

    def __init__(self, entities: dict[str, IndexedEntity], names: list[tuple[str, str, str]]) -> None:
        self.entities = entities
        self._names = names                          # (key, iri, original text)
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._tokens: dict[str, set[int]] = defaultdict(set)
        self._trigrams: dict[str, set[int]] = defaultdict(set)
        self._by_name: dict[str, set[str]] = defaultdict(set)  # name_key -> entity IRIs
        for i, (key, iri, _text) in enumerate(names):
            self._exact[key].append(i)
            self._by_name[_key_of_normalised(key)].add(iri)
            for token in key.split():
                self._tokens[token].add(i)
            for gram in _trigrams(key):
                self._trigrams[gram].add(i)
        self._sorted_keys = sorted((key, i) for i, (key, _, _) in enumerate(names))
        self._sorted_tokens = sorted(self._tokens)
        self._ordered = sorted(entities.values(), key=lambda e: (e.label.casefold(), e.slug))

    @classmethod
    def build(cls, store: Selectable, *, base: str) -> LabelIndex:
        rows = store.select(PREFIXES + """SELECT ?s ?l ?lang ?kind WHERE {
            { ?s rdfs:label ?l BIND("label" AS ?kind) } UNION { ?s skos:altLabel ?l BIND("alt" AS ?kind) }
            FILTER(isIRI(?s)) BIND(LANG(?l) AS ?lang) }""")
        type_rows = store.select("SELECT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s)) }")
        types: dict[str, set[str]] = defaultdict(set)
        for row in type_rows:
            types[row["s"]].add(row["t"])
        return cls.from_rows(rows, types, base=base)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]], types: Mapping[str, set[str]], *, base: str
                  ) -> LabelIndex:
        """The index of name rows (``?s ?l ?lang ?kind``, kind ``label`` or ``alt``) and each
        subject's types; subjects outside ``{base}id/`` are left out."""
        ontology = load_ontology()
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        aliases: dict[str, list[str]] = defaultdict(list)
        names: list[tuple[str, str, str]] = []
        for row in rows:
            iri = row["s"]
            if slug_of(base, iri) is None:
                continue
            if row["kind"] == "label":
                labels[iri].setdefault(row.get("lang", ""), row["l"])
            else:
                aliases[iri].append(row["l"])
            key = normalise(row["l"])
            if key:
                names.append((key, iri, row["l"]))
        entities = {}
        for iri in set(labels) | set(aliases):
            slug = slug_of(base, iri)
            assert slug is not None
            langs = labels.get(iri, {})
            specific = most_specific(ontology, types.get(iri, set()))
            entities[iri] = IndexedEntity(
                iri=iri, slug=slug, label=langs.get("en") or langs.get("") or next(iter(langs.values()), slug),
                label_zh=langs.get("zh"), type=local_name(specific[0]) if specific else None,
                types=frozenset(types.get(iri, set())), aliases=tuple(sorted(aliases.get(iri, []))))
        return cls(entities, sorted(names))

    def __len__(self) -> int:
        return len(self.entities)

    def list(self, *, types: Iterable[str] = (), offset: int = 0, limit: int = 50) -> tuple[int, list[IndexedEntity]]:
        """Entities sorted by label, optionally of some classes (IRIs); returns (total, page)."""
        wanted = set(types)
        matching = [e for e in self._ordered if not wanted or e.types & wanted]
        return len(matching), matching[offset:offset + limit]

    def named(self, name: str) -> builtins.list[IndexedEntity]:
        """The entities with a label or alias equal to ``name`` up to ``name_key``, by slug."""
        found = (self.entities.get(iri) for iri in self._by_name.get(name_key(name), ()))
        return sorted((e for e in found if e is not None), key=lambda e: e.slug)

    def type_counts(self) -> Counter[str]:
        return Counter(e.type for e in self.entities.values() if e.type)

    # ``builtins.list``: inside this class ``list`` names the method above.
    def search(self, query: str, *, types: Iterable[str] = (), limit: int = 10) -> builtins.list[SearchHit]:
        """Ranked hits, best first; at most one hit per entity (its best-matching name)."""
        q = normalise(query)
        if not q:
            return []
        wanted = set(types)
        best: dict[str, tuple[float, int, str]] = {}

        def offer(i: int, kind: str, quality: float) -> None:
            key, iri, _text = self._names[i]
            entity = self.entities.get(iri)
            if entity is None or (wanted and not entity.types & wanted):
                return
            score = _BANDS[kind] + min(max(quality, 0.0), 1.0) * 0.14
            if score > best.get(iri, (-1.0, 0, ""))[0]:
                best[iri] = (score, i, kind)

        for i in self._exact.get(q, ()):
            offer(i, "exact", 1.0)
        start = bisect.bisect_left(self._sorted_keys, (q, -1))
        for key, i in self._sorted_keys[start:start + 2000]:
            if not key.startswith(q):
                break
            offer(i, "prefix", len(q) / len(key))
        q_tokens = q.split()
        candidate_sets = []
        for token in q_tokens:
            pos = bisect.bisect_left(self._sorted_tokens, token)
            matched: set[int] = set()
            for label_token in self._sorted_tokens[pos:pos + 500]:
                if not label_token.startswith(token):
                    break
                matched |= self._tokens[label_token]
            candidate_sets.append(matched)
        if candidate_sets:
            for i in set.intersection(*candidate_sets):
                label_tokens = self._names[i][0].split()
                whole = sum(1 for t in q_tokens if t in label_tokens) / len(q_tokens)
                offer(i, "token", 0.5 * whole + 0.5 * len(q_tokens) / len(label_tokens))
        q_grams = _trigrams(q)
        inner = {g for g in q_grams if " " not in g[1:-1] and not (g.startswith(" ") or g.endswith(" "))}
        if len(q) < 3:
            substring_candidates: Iterable[int] = range(len(self._names))
        elif inner:
            substring_candidates = set.intersection(*(self._trigrams.get(g, set()) for g in inner))
        else:
            substring_candidates = ()
        for i in substring_candidates:
            key = self._names[i][0]
            if q in key:
                offer(i, "substring", len(q) / len(key))
        overlap: Counter[int] = Counter()
        for gram in q_grams:
            postings = self._trigrams.get(gram, ())
            if len(postings) < 20000:
                overlap.update(postings)
        for i, shared in overlap.most_common(300):
            dice = 2 * shared / (len(q_grams) + len(_trigrams(self._names[i][0])))
            if dice >= 0.45:
                offer(i, "fuzzy", dice)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], self.entities[kv[0]].label.casefold()))
        return [SearchHit(entity=self.entities[iri], score=round(score, 4), matched=self._names[i][2], match=kind)
                for iri, (score, i, kind) in ranked[:limit]]


def resolve_class(name: str) -> str | None:
    """``CustomsDistrict`` / ``coop:CustomsDistrict`` / a full IRI -> the class IRI, if declared."""
    ontology = load_ontology()
    iri = name if name.startswith(("http://", "https://")) else expand_curie(name)
    return iri if iri in ontology.classes else None


def entity_ref(text: str, *, base: str) -> str | None:
    """The slug ``text`` spells as an id: a slug, an ``id:`` CURIE, or an IRI under ``{base}id/``
    (bare or in ``<>``); None for anything else (a name, or somebody else's IRI).

    >>> [entity_ref(t, base="https://ex.org/") for t in ("chengdu-customs", "id:chengdu-customs",
    ...  "<https://ex.org/id/chengdu-customs>", "Chengdu Customs")]
    ['chengdu-customs', 'chengdu-customs', 'chengdu-customs', None]
    """
    ref = text.strip()
    if ref.startswith("<") and ref.endswith(">"):
        ref = ref[1:-1].strip()
    if ref.startswith("id:"):
        ref = ref[3:]
    elif ref.startswith(("http://", "https://")):
        ref = slug_of(base, ref) or ""
    return ref if is_slug(ref) else None


def resolve_entity(index: LabelIndex, text: str, *, base: str,
                   exists: Callable[[str], bool] | None = None) -> str:
    """The slug of the one entity ``text`` stands for, trying in order:

    1. an id (``entity_ref``) of an entity of ``index`` (or one ``exists(slug)`` confirms: an
       entity without a name);
    2. a label or alias equal to ``text`` up to case, spacing, dashes, quotes and a leading "the"
       (English, Chinese or any language the data names it in).

    Raises AmbiguousEntityError when several entities bear that name (listing them), and
    EntityNotFoundError when none does, suggesting the closest names of ``index``.
    """
    slug = entity_ref(text, base=base)
    if slug is not None and (entity_iri(base, slug) in index.entities or (exists is not None and exists(slug))):
        return slug
    named = index.named(text)
    if len(named) == 1:
        return named[0].slug
    if named:
        raise AmbiguousEntityError(f"{text.strip()!r} names {len(named)} entities: "
                                   f"{'; '.join(_described(e) for e in named)}; give one of these ids",
                                   candidates=[e.slug for e in named])
    # An id-shaped typo ("chengdu-custom", "id:chengdu-custom") is searched as the words it holds.
    hits = index.search(slug.replace("-", " ") if slug is not None else text, limit=3)
    hits = [h for h in hits if h.match == hits[0].match]  # the best kind of match only: a short list
    hint = f"; did you mean {' or '.join(_described(h.entity) for h in hits)}?" if hits else ""
    raise EntityNotFoundError(f"no entity {text.strip()!r}{hint}")


def _described(entity: IndexedEntity) -> str:
    return f"{entity.slug} ({entity.label})"
