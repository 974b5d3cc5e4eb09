"""graph.search.resolve_entity / graph.entities.find_entity: an id, an IRI or a name -> one slug, or an
error that lists the candidates (several entities bear the name) or the closest names (none does)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coopgraph.graph.entities import find_entity
from coopgraph.graph.errors import AmbiguousEntityError, EntityNotFoundError
from coopgraph.graph.search import LabelIndex, entity_ref, name_key, resolve_entity
from coopgraph.graph.store.oxigraph import OxigraphStore
from tests.graph.mini_store import BASE, ID, write_mini_store


@pytest.mark.parametrize("text", ["chengdu-customs", "id:chengdu-customs", ID + "chengdu-customs",
                                  f"<{ID}chengdu-customs>", "  chengdu-customs  "])
def test_an_id_in_any_spelling_resolves_first(index: LabelIndex, text: str) -> None:
    assert resolve_entity(index, text, base=BASE) == "chengdu-customs"


@pytest.mark.parametrize("text", ["Chengdu Customs", "chengdu customs", "CHENGDU-CUSTOMS", "ChengduCustoms",
                                  "the Chengdu Customs", "“Chengdu Customs”", "'Chengdu Customs'", "成都海关",
                                  "成都 海关"])
def test_a_label_resolves_whatever_its_case_spacing_dashes_quotes_or_the(index: LabelIndex, text: str) -> None:
    assert resolve_entity(index, text, base=BASE) == "chengdu-customs"


def test_an_alias_resolves(index: LabelIndex) -> None:
    assert resolve_entity(index, "Chongqing Customs District", base=BASE) == "chongqing-customs"


def test_a_close_miss_suggests_the_id(index: LabelIndex) -> None:
    for typed in ("Chengdu Custom", "chengdu-custom", "id:chengdu-custom"):
        with pytest.raises(EntityNotFoundError) as caught:
            resolve_entity(index, typed, base=BASE)
        assert caught.value.message == (f"no entity {typed!r}; did you mean chengdu-customs (Chengdu Customs)?")
    with pytest.raises(EntityNotFoundError, match=r"^no entity 'zzzzqqq'$"):
        resolve_entity(index, "zzzzqqq", base=BASE)


def test_a_name_two_entities_bear_lists_both(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = write_mini_store(tmp_path_factory.mktemp("twins") / "store", extra_label="Chengdu Customs")
    with OxigraphStore(root) as store:
        with pytest.raises(AmbiguousEntityError) as caught:
            find_entity(store, "chengdu customs", base=BASE)
        assert caught.value.candidates == ["chengdu-customs", "odd"]
        assert caught.value.message == ("'chengdu customs' names 2 entities: chengdu-customs (Chengdu Customs); "
                                        "odd (Chengdu Customs); give one of these ids")
        assert find_entity(store, "odd", base=BASE) == "odd"       # the id still picks one of them


@pytest.fixture(scope="module")
def unnamed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    """The mini store plus an entity with no label at all (loaded data need not name things)."""
    import pyoxigraph as ox

    root = write_mini_store(tmp_path_factory.mktemp("unnamed") / "store")
    triple = f"<{ID}nameless> <https://coopgraph.org/ontology#basedIn> <{ID}chongqing> .\n".encode()
    OxigraphStore.replace(root, lambda db: db.load(triple, format=ox.RdfFormat.N_TRIPLES), extend=True)
    with OxigraphStore(root) as store:
        yield store


def test_find_entity_takes_the_id_of_an_entity_without_a_name(unnamed: OxigraphStore) -> None:
    assert find_entity(unnamed, "nameless", base=BASE) == "nameless"
    assert find_entity(unnamed, "Chengdu Customs", base=BASE) == "chengdu-customs"
    with pytest.raises(EntityNotFoundError, match="did you mean chengdu-customs"):
        find_entity(unnamed, "chengdu-custom", base=BASE)


def test_entity_ref_and_name_key() -> None:
    assert entity_ref("https://elsewhere.org/id/x", base=BASE) is None
    assert entity_ref("Chengdu Customs", base=BASE) is None
    assert name_key("The  People's-Government") == "peoplesgovernment"
