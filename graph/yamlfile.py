"""Read YAML keeping the line of every mapping, so errors can name ``file:line``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from coopgraph.graph.errors import FactError

__all__ = ["LINE_KEY", "load_yaml"]

# Each mapping read from a file carries its 1-based line under this key.
LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=True) for key, _ in node.value]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise FactError(
                f"duplicate key {sorted(map(str, duplicates))[0]!r} in one mapping",
                file=self.name,
                line=node.start_mark.line + 1,
            )
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; a syntax error becomes a FactError naming the file and line."""
    text = path.read_text(encoding="utf-8")
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise FactError(f"YAML syntax error: {exc.problem or exc}", file=path, line=line) from exc
    finally:
        loader.dispose()
