"""JSON as the repository writes it: two-space indents, short lists and maps on one line.

Written by hand because json.dumps has no such mode; services.json is kept in this form
(a unit test checks), so a tool that rewrites it changes only what it means to change.
"""

from __future__ import annotations

import json
from typing import Any

WIDTH = 100


def dumps(value: Any, width: int = WIDTH) -> str:
    """value as indented JSON text, ending in a newline."""
    return _dump(value, 0, 0, width) + "\n"


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _dump(value: Any, indent: int, used: int, width: int) -> str:
    """value at this indent; used is the width already taken on its first line (the key)."""
    if _scalar(value) or not value:
        return json.dumps(value, ensure_ascii=False)
    items = value.items() if isinstance(value, dict) else enumerate(value)
    if all(_scalar(v) for _, v in items):
        inline = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        if indent + used + len(inline) + 1 <= width:
            return inline
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            head = f"{json.dumps(key, ensure_ascii=False)}: "
            lines.append(pad + head + _dump(item, indent + 2, len(head), width))
        open_, close = "{", "}"
    else:
        lines = [pad + _dump(item, indent + 2, 0, width) for item in value]
        open_, close = "[", "]"
    return open_ + "\n" + ",\n".join(lines) + "\n" + " " * indent + close
