"""Which blocks of a compose file, and which variables of an env template, a change touches.

Read as text, with the standard library (the noxfile uses it): top-level keys, and under
`services:` one block per service. YAML anchors (`&name`) and aliases (`*name`) are
followed between blocks, so a change to a shared `x-` block reaches every service that
merges it. Whole-line comments and blank lines are not changes. Text this reader cannot
follow (flow style at the top, tabs, several documents) returns None: select everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

SERVICES = "services"
SERVICE_PREFIX = "services."
# Lines before the first top-level key that are not comments (a `---` marker, say).
TOP = "(top)"
_KEY = re.compile(r"""^(?P<key>[A-Za-z0-9_.\-]+|"[^"]*"|'[^']*')\s*:(\s|$)""")
# An anchor or alias starts a value: after a colon, a dash, a bracket, a comma or a space.
_ANCHOR = re.compile(r"(?:^|[\s:\-\[,])&(?P<name>[^\s,\[\]{}]+)")
_ALIAS = re.compile(r"(?:^|[\s:\-\[,])\*(?P<name>[^\s,\[\]{}]+)")
_ASSIGN = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=(?P<value>.*)$")


def _significant(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def compose_blocks(text: str) -> dict[str, str] | None:
    """Block name -> its significant lines; services are `services.<name>`; None if unreadable."""
    blocks: dict[str, list[str]] = {}
    current, service_indent = TOP, None
    for line in text.splitlines():
        if not _significant(line):
            continue
        if "\t" in line[: len(line) - len(line.lstrip())]:
            return None
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            match = _KEY.match(line)
            if not match:
                return None
            current, service_indent = match["key"].strip("\"'"), None
            blocks.setdefault(current, []).append(line)
            continue
        if current == SERVICES or current.startswith(SERVICE_PREFIX):
            if service_indent is None:
                service_indent = indent
            if indent < service_indent:
                return None
            if indent == service_indent:
                match = _KEY.match(line[indent:])
                if not match:
                    return None
                current = SERVICE_PREFIX + match["key"].strip("\"'")
        blocks.setdefault(current, []).append(line)
    return {name: "\n".join(lines) for name, lines in blocks.items()}


def env_values(text: str) -> dict[str, str] | None:
    """Variable -> value of an env file; None when a significant line is not an assignment."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not _significant(line):
            continue
        match = _ASSIGN.match(line)
        if not match:
            return None
        values[match["name"]] = match["value"].strip()
    return values


def changed_keys(old: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str]:
    """Key -> "added", "removed" or "changed" between two mappings."""
    keys = sorted(old.keys() | new.keys())
    return {
        k: "added" if k not in old else "removed" if k not in new else "changed"
        for k in keys
        if old.get(k) != new.get(k)
    }


@dataclass(frozen=True)
class Reach:
    """Compose services a change reaches (service -> why), or `everything` with its reason."""

    services: dict[str, str]
    everything: str | None = None


def reach(blocks: Mapping[str, str], touched: Mapping[str, str]) -> Reach:
    """The services reached from touched blocks (block -> why), through anchors and aliases.

    A touched service block reaches its service; a touched `x-` block reaches the blocks
    that alias one of its anchors, and so on; any other touched top-level block (name,
    volumes, networks) could reach any service: everything.
    """
    defines = {
        name: set(m["name"] for m in _ANCHOR.finditer(text)) for name, text in blocks.items()
    }
    uses = {name: set(m["name"] for m in _ALIAS.finditer(text)) for name, text in blocks.items()}
    reached = dict(touched)
    queue = list(touched)
    while queue:
        block = queue.pop(0)
        anchors = defines.get(block, set())
        for other, aliases in uses.items():
            if other not in reached and aliases & anchors:
                reached[other] = f"merges {block}: {reached[block]}"
                queue.append(other)
    services: dict[str, str] = {}
    for block, why in reached.items():
        if block.startswith(SERVICE_PREFIX):
            services[block.removeprefix(SERVICE_PREFIX)] = why
        elif not block.startswith("x-"):
            return Reach({}, f"top-level `{block}` {why}")
    return Reach(services)


def blocks_reading(blocks: Mapping[str, str], variable: str) -> list[str]:
    """The blocks that interpolate ${variable} (or $variable)."""
    pattern = re.compile(r"\$\{?" + re.escape(variable) + r"(?![A-Za-z0-9_])")
    return [name for name, text in blocks.items() if pattern.search(text)]
