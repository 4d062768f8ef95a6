"""Regenerates <backend_dir>/openapi.yaml from the app's OpenAPI schema.

Usage: python scripts/export_openapi.py services/<name>/backend [--check]
With --check it writes nothing and exits 1 if the committed file is out of date.
"""

import argparse
import importlib
import os
import sys
from pathlib import Path

import yaml


def render(backend_dir: Path) -> str:
    """Import backend_dir/app.py and dump app.openapi() as YAML."""
    # Environment-independent output: settings that could leak into the schema are neutral.
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(backend_dir.resolve()))
    module = importlib.import_module("app")
    return yaml.safe_dump(module.app.openapi(), sort_keys=False, allow_unicode=True)


def main() -> int:
    """Write or check openapi.yaml."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backend_dir", type=Path)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args()
    target = args.backend_dir / "openapi.yaml"
    text = render(args.backend_dir)
    if args.check:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            print(f"{target} is stale: run python scripts/export_openapi.py {args.backend_dir}")
            return 1
        print(f"{target} is up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
