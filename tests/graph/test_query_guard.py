"""graph.query_guard: static checks that run before any engine sees the text."""

from __future__ import annotations

import pytest

from coopgraph.graph.errors import QueryRejectedError
from coopgraph.graph.query_guard import QueryLimits, add_using_clauses, inspect_query

LIMITS = QueryLimits(max_bytes=10_000, max_nesting_depth=20, service_allowlist=frozenset({"allowed.example"}))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("SELECT * { ?s ?p ?o }", "SELECT"),
        ("PREFIX ex: <http://ex/> ask { ex:a ?p ?o }", "ASK"),
        ("BASE <http://b/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://ex/a>", "DESCRIBE"),
        ("INSERT DATA { <a:a> <a:b> <a:c> }", "UPDATE"),
        ("PREFIX select: <http://x/> DELETE WHERE { ?s select:p ?o }", "UPDATE"),
        ("# SELECT in a comment\nCLEAR ALL", "UPDATE"),
        ("", "UPDATE"),
    ],
)
def test_kind(text: str, kind: str) -> None:
    assert inspect_query(text, LIMITS).kind == kind


def test_from_and_from_named_are_reported() -> None:
    info = inspect_query(
        "PREFIX g: <http://g/> SELECT * FROM <file:///etc/passwd> FROM NAMED g:two { ?s ?p ?o }", LIMITS
    )
    assert info.from_graphs == ("file:///etc/passwd",)
    assert info.from_named_graphs == ("http://g/two",)
    assert info.has_dataset_clause


def test_oversize_is_413() -> None:
    with pytest.raises(QueryRejectedError) as err:
        inspect_query("ASK {}" + " " * 10_000, LIMITS)
    assert err.value.http_status == 413


@pytest.mark.parametrize("levels", [21, 550, 3000, 100_000])
@pytest.mark.parametrize(("open_", "close"), [("{", "}"), ("(", ")"), ("[", "]")])
def test_deep_nesting_is_refused(levels: int, open_: str, close: str) -> None:
    text = "SELECT * WHERE " + open_ * levels + close * levels
    with pytest.raises(QueryRejectedError, match="nests"):
        inspect_query(text, QueryLimits(max_bytes=1_000_000, max_nesting_depth=20))


def test_brackets_in_strings_iris_and_comments_do_not_count() -> None:
    text = (
        'SELECT * { ?s ?p "{{{{{{{{{{{{{{{{{{{{{{{{{{" . ?s ?p """(((((((((((((((((((((((((((""" .\n'
        "  # {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n"
        "  ?s <http://ex/((((((((((((((((((((((((((((> ?o FILTER(?o < 3 && ?o > 1) }"
    )
    assert inspect_query(text, LIMITS).max_depth == 2


def test_long_operator_chains_are_refused() -> None:
    text = "SELECT (" + "+".join(["1"] * 5000) + " AS ?x) {}"
    with pytest.raises(QueryRejectedError, match="chain"):
        inspect_query(text, QueryLimits(max_bytes=100_000))


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * { service silent <http://evil.example/> { ?s ?p ?o } }",
        "PREFIX e: <http://evil.example/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
        "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "BASE <http://evil.example/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE <http://allowed.example.evil.example/> { } }",
        "INSERT { <a:a> <a:b> ?o } WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }",
    ],
)
def test_service_off_the_allowlist_is_403(text: str) -> None:
    with pytest.raises(QueryRejectedError) as err:
        inspect_query(text, LIMITS)
    assert err.value.http_status == 403


def test_service_on_the_allowlist_passes() -> None:
    info = inspect_query("SELECT * { SERVICE <https://allowed.example/sparql> { ?s ?p ?o } }", LIMITS)
    assert info.service_iris == ("https://allowed.example/sparql",)


def test_service_word_inside_strings_is_ignored() -> None:
    inspect_query('SELECT * { ?s ?p "SERVICE <http://evil/>" } # SERVICE <http://evil/>', LIMITS)


@pytest.mark.parametrize("text", ["LOAD <http://127.0.0.1:9/data.ttl>", "CLEAR ALL ; load <file:///etc/passwd> INTO GRAPH <g:x>"])
def test_load_is_403(text: str) -> None:
    with pytest.raises(QueryRejectedError) as err:
        inspect_query(text, LIMITS)
    assert err.value.http_status == 403


def test_using_clauses_go_before_modify_where_only() -> None:
    text = "CLEAR ALL ; INSERT { GRAPH <g:o> { ?s a <c:C> } } WHERE { ?s a <c:D> } ; DELETE WHERE { ?s <p:p> ?o }"
    out = add_using_clauses(text, ["http://g/1"], ["http://g/2"])
    assert out.count("USING <http://g/1> USING NAMED <http://g/2> WHERE") == 1
    assert "DELETE WHERE" in out


def test_using_clauses_refuse_bad_iris() -> None:
    with pytest.raises(QueryRejectedError):
        add_using_clauses("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://g/> } ; DROP ALL ; #"], [])


def test_update_dataset_clause_detected() -> None:
    assert inspect_query("WITH <g:a> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", LIMITS).has_dataset_clause
    assert not inspect_query("INSERT DATA { <a:a> <a:b> <a:c> }", LIMITS).has_dataset_clause


@pytest.mark.parametrize(("text", "where", "found"), [
    ("SELEC * WHERE { ?s ?p ?o }", "1:1", "'SELEC'"),
    ("PREFIX ex: <http://example.org/>\n  ASKK { ?s ?p ?o }", "2:3", "'ASKK'"),
    ("{ ?s ?p ?o }", "1:1", "'{'"),
])
def test_a_text_that_is_neither_a_query_nor_an_update_is_a_syntax_error_where_it_goes_wrong(
        text: str, where: str, found: str) -> None:
    """Not "this is a SPARQL Update": the misspelt keyword, where it is."""
    from coopgraph.graph.errors import QuerySyntaxError

    with pytest.raises(QuerySyntaxError) as caught:
        inspect_query(text, QueryLimits())
    assert f"error at {where}" in str(caught.value) and found in str(caught.value)


@pytest.mark.parametrize("text", ["", "PREFIX ex: <http://example.org/>", "BASE <http://example.org/>"])
def test_a_prologue_alone_is_an_empty_update(text: str) -> None:
    assert inspect_query(text, QueryLimits()).kind == "UPDATE"
