"""Line numbers of nodes in a ruamel round-trip YAML document, so findings can say file:line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def key_line(mapping: Any, key: Any) -> int:
    """1-based line of a mapping's key (1 when unknown)."""
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def item_line(sequence: Any, index: int) -> int:
    """1-based line of a sequence's item (an alias item gives its anchor's line; 1 if unknown)."""
    try:
        return int(sequence.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1


def line_at(document: Any, path: Sequence[str | int]) -> int:
    """1-based line of the node at path (its deepest existing parent's, if the path ends early)."""
    node, line = document, 1
    for key in path:
        try:
            lc = node.lc
            line = (lc.key(key) if isinstance(key, str) else lc.item(key))[0] + 1
            node = node[key]
        except (AttributeError, KeyError, IndexError, TypeError):
            break
    return line
