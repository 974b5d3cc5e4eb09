r"""The example queries: ``.rq`` files with a header (title, description, ``# param:`` lines), as
``api/queries/README.md`` describes, and binding a user's parameter values into their text.

Pure text work, no store: ``load_examples(folder)`` reads and checks the files, ``bind`` turns each
value into one validated RDF term (ValueError when it does not fit) and writes it into the query's
``VALUES`` clause, so a value can never add SPARQL of its own.

    >>> example = parse_example("01-links.rq", "# title: Links\n# description: Every link.\n"
    ...                         "# param: entity = chongqing-customs\n"
    ...                         "SELECT ?p ?o WHERE { VALUES ?entity { <x> } ?entity ?p ?o }\n")
    >>> example.name, example.form, [p.kind for p in example.params]
    ('links', 'SELECT', ['entity'])
    >>> print(bind(example, {"entity": "chengdu-customs"}, base="https://coopgraph.org/").splitlines()[-1])
    SELECT ?p ?o WHERE { VALUES ?entity { <https://coopgraph.org/id/chengdu-customs> } ?entity ?p ?o }
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib.resources.abc import Traversable

from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.ids import entity_iri, is_slug
from coopgraph.graph.namespaces import PREFIXES

__all__ = ["PARAM_KINDS", "Example", "ExampleFileError", "Param", "bind", "find_example", "load_examples",
           "parse_example", "rdf_term"]

PARAM_KINDS = ("entity", "date", "year", "integer", "text")
NAME_RE = re.compile(r"^\d{2,}-(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)$")
HEADER_RE = re.compile(r"^#\s*(?P<key>title|description|param)\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
PARAM_RE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<default>.*?)"
                      r"(?:\s*\((?P<kind>[a-z]+)\))?$")
FORM_RE = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)


class ExampleFileError(ValueError):
    """An ``.rq`` file breaks the convention of api/queries/README.md.

    Not one of ``graph.errors``: the files ship with coopgraph, so a broken one is a bug in the
    release, an internal error (HTTP 500, logged with its traceback), not an answer for a client."""


@dataclass(frozen=True)
class Param:
    """A ``# param: NAME = DEFAULT (KIND)`` line: a variable of the query a user may set."""

    name: str
    default: str
    kind: str = "entity"


@dataclass(frozen=True)
class Example:
    """One example file: its name (the file name without ``NN-`` and ``.rq``), header and text."""

    name: str
    file: str
    title: str
    description: str
    text: str
    form: str
    params: tuple[Param, ...] = field(default=())

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_example(file_name: str, text: str) -> Example:
    """One ``NN-name.rq`` file -> Example; raises ExampleFileError naming the file and the problem."""
    stem = file_name.removesuffix(".rq")
    match = NAME_RE.match(stem)
    if match is None:
        raise ExampleFileError(f"{file_name}: the file name must be NN-name.rq (lower-case words and -)")
    header: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break  # the header ends at the first line of SPARQL
        found = HEADER_RE.match(stripped)
        if found is None:
            continue
        key, value = found["key"].lower(), found["value"]
        if key == "param":
            params.append(_parse_param(file_name, value))
        else:
            header[key] = value
    for key in ("title", "description"):
        if not header.get(key):
            raise ExampleFileError(f"{file_name}: the header has no '# {key}: ...' line")
    body = _strip_comments(text)
    form = FORM_RE.search(_without_prologue(body))
    if form is None:
        raise ExampleFileError(f"{file_name}: no SELECT, CONSTRUCT, ASK or DESCRIBE found")
    for param in params:
        if not re.search(rf"[?$]{re.escape(param.name)}\b", body):
            raise ExampleFileError(f"{file_name}: parameter {param.name!r} is not a variable of the query")
    return Example(name=match["name"], file=file_name, title=header["title"],
                   description=header["description"], text=text if text.endswith("\n") else text + "\n",
                   form=form[1].upper(), params=tuple(params))


def _parse_param(file_name: str, value: str) -> Param:
    match = PARAM_RE.match(value)
    if match is None or not match["default"]:
        raise ExampleFileError(f"{file_name}: '# param: {value}' must read 'NAME = DEFAULT' or "
                               "'NAME = DEFAULT (KIND)'")
    kind = match["kind"] or "entity"
    if kind not in PARAM_KINDS:
        raise ExampleFileError(f"{file_name}: parameter kind {kind!r} is not one of {', '.join(PARAM_KINDS)}")
    param = Param(name=match["name"], default=match["default"], kind=kind)
    try:
        rdf_term(param, param.default, base="https://example.org/")
    except ValueError as exc:
        raise ExampleFileError(f"{file_name}: default of {param.name!r}: {exc}") from exc
    return param


def _strip_comments(text: str) -> str:
    """The query without ``#`` comments (outside IRIs and strings, which our files do not mix)."""
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


def _without_prologue(body: str) -> str:
    return re.sub(r"(?is)\b(PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)", " ", body)


def load_examples(folder: Traversable) -> tuple[Example, ...]:
    """Every ``.rq`` file of ``folder`` as an Example, ordered by file name; ExampleFileError names
    the first file that breaks the convention, or two files that share a name."""
    examples = [parse_example(entry.name, entry.read_text(encoding="utf-8"))
                for entry in sorted(folder.iterdir(), key=lambda e: e.name)
                if entry.name.endswith(".rq") and entry.is_file()]
    names = [e.name for e in examples]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ExampleFileError(f"two example files share the name {', '.join(duplicates)}")
    return tuple(examples)


def find_example(examples: Iterable[Example], name: str) -> Example:
    """The example called ``name``; EntityNotFoundError when there is none."""
    for example in examples:
        if example.name == name:
            return example
    raise EntityNotFoundError(f"no example query {name!r}")


# -- binding parameter values ---------------------------------------------------------------------
def rdf_term(param: Param, value: str, *, base: str) -> str:
    """The SPARQL term for one parameter value; ValueError (an HTTP 400) when the value does not fit."""
    value = value.strip()
    if param.kind == "entity":
        if not is_slug(value):
            raise ValueError(f"{param.name}: {value!r} is not an entity id "
                             "(lower-case letters, digits and -, as in /id/chongqing-customs)")
        return f"<{entity_iri(base, value)}>"
    if param.kind == "date":
        try:
            return f'"{date.fromisoformat(value).isoformat()}"^^<{PREFIXES["xsd"]}date>'
        except ValueError:
            raise ValueError(f"{param.name}: {value!r} is not a date (YYYY-MM-DD)") from None
    if param.kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise ValueError(f"{param.name}: {value!r} is not a year (four digits)")
        return f'"{value}"^^<{PREFIXES["xsd"]}gYear>'
    if param.kind == "integer":
        if not re.fullmatch(r"-?\d{1,18}", value):
            raise ValueError(f"{param.name}: {value!r} is not an integer")
        return str(int(value))
    return json.dumps(value, ensure_ascii=False)  # text: a JSON string is a valid SPARQL string literal


def bind(example: Example, values: dict[str, str], *, base: str) -> str:
    """The example's text with each given parameter bound to its value (defaults stay as written)."""
    text = example.text
    for param in example.params:
        if param.name not in values:
            continue
        text = _bind_one(text, param.name, rdf_term(param, values[param.name], base=base))
    return text


def _bind_one(text: str, name: str, term: str) -> str:
    """Put ``term`` in the ``VALUES ?name { ... }`` clause, or add a trailing one."""
    clause = re.compile(rf"(VALUES\s+[?$]{re.escape(name)}\s*\{{)[^{{}}]*(\}})", re.IGNORECASE)

    def fill(match: re.Match[str]) -> str:
        return f"{match[1]} {term} {match[2]}"

    text, replaced = clause.subn(fill, text, count=1)
    if not replaced:
        text = text.rstrip("\n") + f"\nVALUES ?{name} {{ {term} }}\n"
    return text
