"""Line numbers for paths inside a JSON document, so errors can say file:line."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence


def line_of(text: str, path: Sequence[str | int]) -> int:
    """Best line (1-based) for the key path in JSON text; the deepest key found wins.

    Written by hand because the stdlib parser keeps no positions and a position-keeping
    parser is a heavy dependency for one error message: keys are searched in document
    order, each after the previous one, which is exact for the objects of services.json.
    """
    offset = 0
    for part in path:
        if isinstance(part, int):
            continue
        match = _key(part).search(text, offset)
        if match is None:
            break
        offset = match.start()
    return text.count("\n", 0, offset) + 1


def last_line_of_key(text: str, key: str) -> int:
    """Line (1-based) of the key's last occurrence, e.g. the second of a duplicated key."""
    matches = list(_key(key).finditer(text))
    return text.count("\n", 0, matches[-1].start()) + 1 if matches else 1


def _key(name: str) -> re.Pattern[str]:
    return re.compile(re.escape(json.dumps(name)) + r"\s*:")
