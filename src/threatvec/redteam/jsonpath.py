"""A small JSONPath subset for picking reply text and tool calls out of agent responses.

Supported: ``$`` root, ``.key``, ``['key']`` / ``["key"]``, ``[n]`` (negative
counts from the end), ``[*]`` and ``.*`` wildcards. Anything else is a
``ValueError`` at parse time, so a bad stored path fails when it is saved.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["compile_path", "find_all", "find_first"]

_TOKEN = re.compile(
    r"""\.(?P<key>[A-Za-z_][A-Za-z0-9_-]*)
      | \.(?P<dotstar>\*)
      | \[(?P<index>-?\d+)\]
      | \[(?P<star>\*)\]
      | \[(?P<q>['"])(?P<qkey>(?:(?!(?P=q)).)*)(?P=q)\]""",
    re.X,
)

Step = tuple[str, Any]  # ("key", "name") | ("index", 0) | ("star", None)


def compile_path(path: str) -> tuple[Step, ...]:
    if not path.startswith("$"):
        raise ValueError(f"JSONPath must start with '$': {path!r}")
    steps: list[Step] = []
    pos = 1
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None:
            raise ValueError(f"unsupported JSONPath syntax at {pos} in {path!r}")
        if m.group("key") is not None:
            steps.append(("key", m.group("key")))
        elif m.group("qkey") is not None:
            steps.append(("key", m.group("qkey")))
        elif m.group("index") is not None:
            steps.append(("index", int(m.group("index"))))
        else:
            steps.append(("star", None))
        pos = m.end()
    return tuple(steps)


def find_all(data: Any, path: str) -> list[Any]:
    """Every value at ``path`` (wildcards fan out); missing keys simply match nothing."""
    current = [data]
    for kind, arg in compile_path(path):
        nxt: list[Any] = []
        for value in current:
            if (kind == "key" and isinstance(value, dict) and arg in value) or (
                kind == "index" and isinstance(value, list) and -len(value) <= arg < len(value)
            ):
                nxt.append(value[arg])
            elif kind == "star":
                if isinstance(value, list):
                    nxt.extend(value)
                elif isinstance(value, dict):
                    nxt.extend(value.values())
        current = nxt
    return current


def find_first(data: Any, path: str) -> Any:
    found = find_all(data, path)
    return found[0] if found else None
