"""Yes/no environment variables (ANNADATA_NO_REGISTRY, ANNADATA_NO_PROVISION), read one way.

A value that is neither yes nor no is an error naming the variable: a typo such as
`ANNADATA_NO_PROVISION=flase` must not quietly mean the opposite of what was meant.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from harness.errors import HarnessError

YES = ("1", "true", "yes", "on")
NO = ("0", "false", "no", "off")


def flag(name: str, env: Mapping[str, str] | None = None) -> bool | None:
    """True or False from $name; None when it is unset or empty."""
    raw = (os.environ if env is None else env).get(name, "")
    value = raw.strip().lower()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise HarnessError(
        f"{name}={raw!r}: use 1 (yes) or 0 (no), or unset it ({', '.join(YES + NO)} are read)"
    )
