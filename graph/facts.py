"""Curated fact files (``data/facts/*.yaml``) -> Entity and Statement records.

This module only reads and checks the shape of each record (keys, slugs, types of values);
cross-checks against the ontology, documents and quotes happen in ``graph/build.py``.
The format is documented in ``data/facts/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coopgraph.graph.errors import FactError
from coopgraph.graph.ids import is_slug
from coopgraph.graph.sources import parse_date_value
from coopgraph.graph.yamlfile import LINE_KEY, load_yaml

__all__ = ["Location", "Entity", "Statement", "FactBase", "load_facts", "MODALITIES", "IMPLIED"]

ENTITY_KEYS = {"id", "type", "label", "label_zh", "aliases", "comment"}
STATEMENT_KEYS = {
    "subject", "predicate", "object", "value", "datatype", "lang", "source", "quote", "modality",
    "occurrence", "note", "implied",
}
# How a quote states its fact: it happened, it is a plan / intention / something agreed for the
# future, or it is a description or claim. Required on every statement (no silent default), so
# the seed graph says which of its statements are plans.
MODALITIES = ("done", "planned", "stated")
# When the quote does not state the fact in so many words: "text" (the article implies it, e.g. "the
# customs agencies of the two cities" for where each customs sits) or "knowledge" (general knowledge
# the quote only names the ends of). Optional; a statement without it is stated by its quote. An
# implied statement needs a `note` saying what the text does say, so a reader can judge the step.
IMPLIED = ("text", "knowledge")


@dataclass(frozen=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Entity:
    id: str
    types: tuple[str, ...]
    label: str
    where: Location
    label_zh: str | None = None
    aliases: tuple[str, ...] = ()
    comment: str | None = None


@dataclass(frozen=True)
class Statement:
    subject: str
    predicate: str
    source: str
    quote: str
    where: Location
    modality: str = "stated"      # one of MODALITIES; load_facts requires it in every file
    object: str | None = None     # an entity id, or ...
    value: str | None = None      # ... the lexical form of a literal
    datatype: str | None = None   # a CURIE such as xsd:date, when given or implied by the YAML value
    lang: str | None = None
    occurrence: int = 1
    note: str | None = None
    implied: str | None = None    # one of IMPLIED, or None when the quote states the fact


@dataclass
class FactBase:
    entities: dict[str, Entity] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def load_facts(directory: Path) -> FactBase:
    """Read every ``*.yaml`` of ``directory`` in name order; the first problem raises FactError."""
    base = FactBase()
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise FactError("no *.yaml fact files found", file=directory)
    for path in paths:
        _load_file(path, base)
    return base


def _load_file(path: Path, base: FactBase) -> None:
    data = load_yaml(path)
    base.files.append(str(path))
    if data is None:
        return
    if not isinstance(data, dict):
        raise FactError("a fact file must be a mapping with 'entities' and/or 'statements'", file=path, line=1)
    unknown = sorted(set(data) - {"entities", "statements", LINE_KEY})
    if unknown:
        raise FactError(f"unknown top-level key {unknown[0]!r}", file=path, line=data[LINE_KEY])
    for raw in _records(data, "entities", path):
        entity = _entity(raw, path)
        previous = base.entities.get(entity.id)
        if previous is not None:
            raise FactError(f"duplicate entity id {entity.id!r} (first declared at {previous.where})",
                            file=path, line=entity.where.line)
        base.entities[entity.id] = entity
    for raw in _records(data, "statements", path):
        base.statements.append(_statement(raw, path))


def _records(data: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    records = data.get(key) or []
    if not isinstance(records, list):
        raise FactError(f"'{key}' must be a list", file=path, line=data[LINE_KEY])
    for record in records:
        if not isinstance(record, dict):
            raise FactError(f"each item of '{key}' must be a mapping", file=path, line=data[LINE_KEY])
    return records


def _text(raw: dict[str, Any], key: str, where: Location, *, required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise FactError(f"missing '{key}'", file=where.file, line=where.line)
        return None
    if not isinstance(value, str):
        raise FactError(f"'{key}' must be text, got {value!r}", file=where.file, line=where.line)
    return value


def _check_keys(raw: dict[str, Any], allowed: set[str], what: str, where: Location) -> None:
    unknown = sorted(set(raw) - allowed - {LINE_KEY})
    if unknown:
        raise FactError(f"unknown {what} key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})",
                        file=where.file, line=where.line)


def _entity(raw: dict[str, Any], path: Path) -> Entity:
    where = Location(str(path), raw[LINE_KEY])
    _check_keys(raw, ENTITY_KEYS, "entity", where)
    entity_id = _text(raw, "id", where)
    assert entity_id is not None
    if not is_slug(entity_id):
        raise FactError(f"entity id {entity_id!r} is not a slug (lower-case letters, digits, hyphens)",
                        file=path, line=where.line)
    types = raw.get("type")
    types = [types] if isinstance(types, str) else types
    if not types or not all(isinstance(t, str) and t for t in types):
        raise FactError(f"entity {entity_id!r} needs a 'type' (a class name or a list of them)",
                        file=path, line=where.line)
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise FactError(f"'aliases' of {entity_id!r} must be a list of text", file=path, line=where.line)
    label = _text(raw, "label", where)
    assert label is not None
    return Entity(
        id=entity_id,
        types=tuple(types),
        label=label,
        where=where,
        label_zh=_text(raw, "label_zh", where, required=False),
        aliases=tuple(dict.fromkeys(a for a in aliases if a != label)),
        comment=_text(raw, "comment", where, required=False),
    )


def _statement(raw: dict[str, Any], path: Path) -> Statement:
    where = Location(str(path), raw[LINE_KEY])
    _check_keys(raw, STATEMENT_KEYS, "statement", where)
    has_object, has_value = raw.get("object") is not None, raw.get("value") is not None
    if has_object == has_value:
        raise FactError("a statement needs exactly one of 'object' (an entity id) and 'value' (a literal)",
                        file=path, line=where.line)
    datatype = _text(raw, "datatype", where, required=False)
    value: str | None = None
    if has_value:
        value, implied = _literal(raw["value"], where)
        datatype = datatype or implied
    occurrence = raw.get("occurrence", 1)
    if not isinstance(occurrence, int) or occurrence < 1:
        raise FactError("'occurrence' must be a positive integer", file=path, line=where.line)
    subject, predicate = _text(raw, "subject", where), _text(raw, "predicate", where)
    source, quote = _text(raw, "source", where), _text(raw, "quote", where)
    assert subject and predicate and source and quote
    modality = raw.get("modality")
    if modality not in MODALITIES:
        problem = "missing 'modality'" if modality is None else f"unknown modality {modality!r}"
        raise FactError(f"{problem}: a statement's modality is one of {', '.join(MODALITIES)} (done: it "
                        "happened; planned: a plan or intention; stated: a description or claim)",
                        file=path, line=where.line)
    implied = raw.get("implied")
    if implied is not None and implied not in IMPLIED:
        raise FactError(f"unknown 'implied' {implied!r}: it is 'text' (the article implies the fact) or "
                        "'knowledge' (general knowledge, not in the text)", file=path, line=where.line)
    note = _text(raw, "note", where, required=False)
    if implied is not None and note is None:
        raise FactError("an implied statement needs a 'note' saying what the text does say",
                        file=path, line=where.line)
    return Statement(
        subject=subject,
        predicate=predicate,
        source=source,
        quote=quote,
        where=where,
        modality=modality,
        object=_text(raw, "object", where, required=False),
        value=value,
        datatype=datatype,
        lang=_text(raw, "lang", where, required=False),
        occurrence=occurrence,
        note=note,
        implied=implied,
    )


def _literal(value: object, where: Location) -> tuple[str, str | None]:
    """The lexical form of a YAML value and the datatype its YAML type implies."""
    if isinstance(value, bool):
        return ("true" if value else "false"), "xsd:boolean"
    if isinstance(value, int):
        return str(value), "xsd:integer"
    if isinstance(value, float):
        return repr(value), "xsd:decimal"
    if isinstance(value, str):
        return value, None
    lexical = parse_date_value(value)
    if lexical != str(value) or hasattr(value, "isoformat"):
        return lexical, "xsd:date"
    raise FactError(f"unsupported literal value {value!r}", file=where.file, line=where.line)
