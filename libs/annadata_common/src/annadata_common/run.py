"""`python -m annadata_common.run`: call the function APP_ENTRYPOINT names (module:function).

Worker images use it as their exec-form CMD, so one Dockerfile template serves every kind.
"""

from __future__ import annotations

import importlib
import os
import sys


def main() -> int:
    """Import and call $APP_ENTRYPOINT; its return value is the exit status."""
    target = os.environ.get("APP_ENTRYPOINT", "")
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        print(f"APP_ENTRYPOINT={target!r}: expected module:function", file=sys.stderr)
        return 2
    function = getattr(importlib.import_module(module_name), attribute)
    result = function()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
