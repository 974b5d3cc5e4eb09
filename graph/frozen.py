"""Read-only containers for what the projection and its measures hold by the hundred thousand.

A projection is read-only once built (views and exports copy what they change), so its parts can
be shared and compact:

- ``Relation``: an edge's data, a dict that refuses writes, so that one object can stand for all
  the edges of a predicate that carry nothing else;
- ``Record``: a read-only mapping over fixed ``__slots__`` (a subclass names them), about a
  quarter of the size of a dict of the same keys and equal to it.

Both pickle compactly: projections and measures cross from child processes to the server.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

__all__ = ["Record", "Relation"]

_READ_ONLY = "the projection is read-only: copy it (dict(data)) to change it"


class Relation(dict[str, Any]):
    """The data of one projected edge (``predicate``, ``predicate_label``, ``evidence``): a dict
    that refuses writes.

    Three in four relations have no evidence, so all of those of one predicate share one of these
    (at 1M triples, 145,000 dicts of 184 bytes fewer: 25 MiB of the server's projection). Being
    shared, it must not change: a write raises instead of reaching every edge of the predicate.

    >>> data = Relation(predicate="p", predicate_label="p", evidence=[])
    >>> data["predicate"], dict(data) == data
    ('p', True)
    >>> data["evidence"] = ["x"]
    Traceback (most recent call last):
    ...
    TypeError: the projection is read-only: copy it (dict(data)) to change it
    """

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(_READ_ONLY)

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> tuple[Any, ...]:  # as its items (dict's own protocol sets them one by one)
        return (type(self), (dict(self),))


class Record(Mapping[str, Any]):
    """A read-only mapping of the field names a subclass lists in ``__slots__`` (None when not given).

    >>> class Point(Record):
    ...     __slots__ = ("x", "y")
    >>> p = Point(x=1)
    >>> p["x"], p["y"], p == {"x": 1, "y": None}, list(p)
    (1, None, True, ['x', 'y'])
    >>> p["z"]
    Traceback (most recent call last):
    ...
    KeyError: 'z'
    """

    __slots__: tuple[str, ...] = ()
    _fields: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._fields = frozenset(cls.__slots__)

    def __init__(self, **fields: Any) -> None:
        unknown = fields.keys() - self._fields
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        for name in self.__slots__:
            object.__setattr__(self, name, fields.get(name))

    def __getitem__(self, name: str) -> Any:
        if name not in self._fields:
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__slots__)

    def __len__(self) -> int:
        return len(self.__slots__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError(_READ_ONLY)

    def __reduce__(self) -> tuple[Any, ...]:  # the class and the values in field order: no names
        return (_rebuild, (type(self), tuple(getattr(self, name) for name in self.__slots__)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"


def _rebuild(cls: type[Record], values: tuple[Any, ...]) -> Record:
    return cls(**dict(zip(cls.__slots__, values, strict=True)))
