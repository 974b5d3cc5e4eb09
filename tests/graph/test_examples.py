"""graph/examples.py: the ``.rq`` header convention and binding parameter values (pure text work);
the shipped files themselves are run over HTTP in tests/api/test_query_page.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coopgraph.graph.errors import EntityNotFoundError
from coopgraph.graph.examples import ExampleFileError, bind, find_example, load_examples, parse_example

BASE = "https://coopgraph.org/"


RQ = """# title: Links of an entity
# description: Every link of one entity.
# param: entity = chongqing-customs
PREFIX id: <https://coopgraph.org/id/>
SELECT ?p ?o WHERE {
  VALUES ?entity { id:chongqing-customs }
  ?entity ?p ?o .   # a comment with SELECT in it
}
"""


def test_parse_example_reads_the_header() -> None:
    example = parse_example("07-links-of-an-entity.rq", RQ)
    assert (example.name, example.title) == ("links-of-an-entity", "Links of an entity")
    assert example.form == "SELECT"
    assert example.description == "Every link of one entity."
    params = [(p.name, p.default, p.kind) for p in example.params]
    assert params == [("entity", "chongqing-customs", "entity")]


def test_bind_replaces_the_values_clause() -> None:
    example = parse_example("07-links.rq", RQ)
    text = bind(example, {"entity": "chengdu-customs"}, base=BASE)
    assert "VALUES ?entity { <https://coopgraph.org/id/chengdu-customs> }" in text
    assert "chongqing-customs }" not in text
    assert bind(example, {}, base=BASE) == example.text


def test_bind_appends_values_when_the_query_has_no_clause() -> None:
    rq = "# title: T\n# description: D.\n# param: since = 2019-01-01 (date)\n" \
         "SELECT ?x WHERE { ?x ?p ?d FILTER(?d >= $since) }\n"
    text = bind(parse_example("01-t.rq", rq), {"since": "2020-02-03"}, base=BASE)
    assert text.rstrip().endswith('VALUES ?since { "2020-02-03"^^<http://www.w3.org/2001/XMLSchema#date> }')


def test_bind_refuses_values_that_do_not_fit() -> None:
    example = parse_example("07-links.rq", RQ)
    for bad in ("Chongqing Customs", "<http://evil>", "x } ?s ?p ?o {", ""):
        with pytest.raises(ValueError, match="not an entity id"):
            bind(example, {"entity": bad}, base=BASE)


def test_text_parameters_become_escaped_literals() -> None:
    rq = ("# title: T\n# description: D.\n# param: q = x (text)\n"
          "SELECT ?s WHERE { VALUES ?q { \"x\" } ?s ?p ?q }\n")
    text = bind(parse_example("01-t.rq", rq), {"q": 'a" } DROP ALL #'}, base=BASE)
    assert 'VALUES ?q { "a\\" } DROP ALL #" }' in text


@pytest.mark.parametrize(("file_name", "text", "problem"), [
    ("links.rq", RQ, "NN-name.rq"),
    ("01-x.rq", RQ.replace("# title: Links of an entity\n", ""), "no '# title"),
    ("01-x.rq", RQ.replace("# description: Every link of one entity.\n", ""), "no '# description"),
    ("01-x.rq", RQ.replace("entity = chongqing-customs", "entity chongqing-customs"), "NAME = DEFAULT"),
    ("01-x.rq", RQ.replace("entity = chongqing-customs", "other = chongqing-customs"), "not a variable"),
    ("01-x.rq", RQ.replace("entity = chongqing-customs", "entity = x (colour)"), "kind 'colour'"),
    ("01-x.rq", RQ.replace("entity = chongqing-customs", "entity = Not A Slug"), "default of 'entity'"),
])
def test_parse_example_names_what_is_wrong(file_name: str, text: str, problem: str) -> None:
    with pytest.raises(ExampleFileError, match=re.escape(problem)):
        parse_example(file_name, text)


def test_load_examples_reads_a_folder_in_file_order(tmp_path: Path) -> None:
    (tmp_path / "02-second.rq").write_text(RQ, encoding="utf-8")
    (tmp_path / "01-first.rq").write_text(RQ, encoding="utf-8")
    (tmp_path / "README.md").write_text("not a query", encoding="utf-8")
    examples = load_examples(tmp_path)
    assert [e.name for e in examples] == ["first", "second"]
    assert find_example(examples, "second").file == "02-second.rq"
    with pytest.raises(EntityNotFoundError, match="no example query 'third'"):
        find_example(examples, "third")


def test_load_examples_refuses_two_files_of_one_name(tmp_path: Path) -> None:
    (tmp_path / "01-same.rq").write_text(RQ, encoding="utf-8")
    (tmp_path / "02-same.rq").write_text(RQ, encoding="utf-8")
    with pytest.raises(ExampleFileError, match="two example files share the name same"):
        load_examples(tmp_path)
