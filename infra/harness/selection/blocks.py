"""Which blocks of a compose file, and which variables of an env template, a change touches.

Read as text, with the standard library (the noxfile uses it): top-level keys, and under
`services:` and `networks:` one block per entry. YAML anchors (`&name`) and aliases
(`*name`) are followed between blocks, so a change to a shared `x-` block reaches every
service that merges it; a network's change reaches the services that join it. Whole-line
comments and blank lines are not changes. Text this reader cannot follow (flow style at
the top, tabs, several documents) returns None: select everything.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

SERVICES = "services"
SERVICE_PREFIX = "services."
NETWORK_PREFIX = "networks."
# Top-level keys read as one block per entry: `<key>.<entry>`.
SPLIT = (SERVICES, "networks")
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
    section = current = TOP
    entry_indent: int | None = None
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
            section = current = match["key"].strip("\"'")
            entry_indent = None
            blocks.setdefault(current, []).append(line)
            continue
        if section in SPLIT:
            if entry_indent is None:
                entry_indent = indent
            if indent < entry_indent:
                return None
            if indent == entry_indent:
                match = _KEY.match(line[indent:])
                if not match:
                    return None
                key = match["key"].strip("\"'")
                current = f"{section}.{key}"
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


def reach(
    blocks: Mapping[str, str], touched: Mapping[str, str], infrastructure: Collection[str] = ()
) -> Reach:
    """The services reached from touched blocks (block -> why), through anchors and aliases.

    A touched service block reaches its service; a touched `x-` block reaches the blocks
    that alias one of its anchors, and so on; a touched network reaches the services that
    join it (see `joining`); any other touched top-level block (name, volumes) could reach
    any service: everything. infrastructure: the compose names of the registry's.
    """
    defines = {
        name: set(m["name"] for m in _ANCHOR.finditer(text)) for name, text in blocks.items()
    }
    uses = {name: set(m["name"] for m in _ALIAS.finditer(text)) for name, text in blocks.items()}
    reached: dict[str, str] = {}
    for block, why in touched.items():
        if not block.startswith(NETWORK_PREFIX):
            reached.setdefault(block, why)
            continue
        network = block.removeprefix(NETWORK_PREFIX)
        if network == "default":
            # Every service without a `networks:` key joins it, which text cannot list.
            return Reach({}, f"the default network {why}")
        for user in joining(blocks, network, infrastructure):
            reached.setdefault(user, f"joins network {network} ({why})")
    queue = list(reached)
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


def joining(blocks: Mapping[str, str], network: str, infrastructure: Collection[str]) -> list[str]:
    """The service and `x-` blocks that name network: the components' alone when any do.

    Named anywhere in the block, not only under its `networks:`: a name too many only
    selects more. Infrastructure on a network serves the components on it, which are
    checked; a network only infrastructure joins (Traefik's socket proxy) reaches it.
    """
    word = re.compile(r"(?<![\w.-])" + re.escape(network) + r"(?![\w.-])")
    users = [
        name for name, text in blocks.items()
        if name.startswith((SERVICE_PREFIX, "x-")) and word.search(text)
    ]  # fmt: skip
    components = [u for u in users if u.removeprefix(SERVICE_PREFIX) not in infrastructure]
    return components or users


def moved_networks(
    old: Mapping[str, str], new: Mapping[str, str], touched: Mapping[str, str],
    infrastructure: Collection[str],
) -> dict[str, str]:  # fmt: skip
    """touched, with infrastructure that only joined or left networks standing for those.

    Traefik joins each new service's network: that reaches the components on it, not every
    component Traefik routes to.
    """
    refined: dict[str, str] = {}
    for block, why in touched.items():
        service = block.removeprefix(SERVICE_PREFIX)
        moved = (
            _network_only(old[block], new[block])
            if block.startswith(SERVICE_PREFIX) and service in infrastructure and why == "changed"
            else None
        )  # fmt: skip
        if not moved:
            refined.setdefault(block, why)
        for network in moved or ():
            refined.setdefault(NETWORK_PREFIX + network, f"{service} joined or left it")
    return refined


def _network_only(old: str, new: str) -> list[str] | None:
    """The networks a service block joins or leaves, when nothing else in it changed."""
    before, after = _memberships(old), _memberships(new)
    if before is None or after is None or before[1] != after[1]:
        return None
    return sorted(changed_keys(before[0], after[0])) or None


def _memberships(block: str) -> tuple[dict[str, str], list[str]] | None:
    """(network -> its entry's lines, the block's other lines); None without `networks:`."""
    lines = block.splitlines()
    if len(lines) < 2:
        return None
    key_indent = _indent(lines[1])
    found: dict[str, str] | None = None
    rest: list[str] = []
    inside, entry_indent, entry = False, 0, ""
    for line in lines:
        indent = _indent(line)
        if found is not None and inside and indent > key_indent:
            entry_indent = entry_indent or indent
            if indent == entry_indent:
                item = line.strip().removeprefix("- ").strip()
                match = _KEY.match(item)
                entry = (match["key"] if match else item).strip("\"'")
            found[entry] = found.get(entry, "") + line.strip() + "\n"
            continue
        inside = False
        if indent == key_indent and line[indent:].startswith("networks:"):
            flow = line[indent:].removeprefix("networks:").strip()
            if flow.startswith("[") and flow.endswith("]"):
                found = {n.strip(): n.strip() for n in flow[1:-1].split(",") if n.strip()}
            elif flow:
                return None
            else:
                found, inside, entry_indent = {}, True, 0
            continue
        rest.append(line)
    return None if found is None else (found, rest)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def blocks_reading(blocks: Mapping[str, str], variable: str) -> list[str]:
    """The blocks that interpolate ${variable} (or $variable)."""
    pattern = re.compile(r"\$\{?" + re.escape(variable) + r"(?![A-Za-z0-9_])")
    return [name for name, text in blocks.items() if pattern.search(text)]
