"""Reading files a user hands the harness, refusing the hostile ones before any tool sees them.

Config files here are a few kilobytes. A file that is not a regular file (a symlink to
/dev/zero), megabytes long, not UTF-8, nested thousands of levels deep, or a YAML "billion
laughs" whose aliases expand a few lines into gigabytes (`docker compose config` grew to
23 GB on one) gets one line naming the file and what to do, never a traceback or a hang.
ruamel is imported where YAML is read: the file reads need the standard library alone (the
noxfile's selection reads through them).
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError

if TYPE_CHECKING:
    from ruamel.yaml.error import MarkedYAMLError

# Far above any real config (the compose file is ~20 kB and ~1,500 nodes once expanded).
MAX_BYTES = 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 100


def read_bytes(
    path: Path, what: str = "file", max_bytes: int = MAX_BYTES, where: str | None = None
) -> bytes:
    """path's bytes, if it is a regular file of at most max_bytes; errors say `where`."""
    shown = where or str(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise HarnessError(f"{shown}: cannot read the {what} ({exc.strerror})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise HarnessError(
            f"{shown}: the {what} is not a regular file (it resolves to {os.path.realpath(path)})"
            ": replace it with the file itself"
        )
    try:
        with path.open("rb") as source:
            data = source.read(max_bytes + 1)
    except OSError as exc:
        raise HarnessError(f"{shown}: cannot read the {what} ({exc.strerror})") from exc
    if len(data) > max_bytes:
        raise HarnessError(
            f"{shown}: the {what} is over {_size(max_bytes)}, far more than any such file here:"
            " is it the right file?"
        )
    return data


def read_text(
    path: Path, what: str = "file", max_bytes: int = MAX_BYTES, where: str | None = None
) -> str:
    """path's text, if it is a regular UTF-8 file of at most max_bytes; errors say `where`."""
    shown = where or str(path)
    data = read_bytes(path, what, max_bytes, where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise HarnessError(
            f"{shown}:{line}: the {what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start}): save it as UTF-8"
        ) from exc


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MB" if count >= 1024 * 1024 else f"{count // 1024} kB"


def check_yaml(text: str, where: str) -> bool:
    """Refuse YAML whose aliases expand past MAX_NODES or that nests past MAX_DEPTH.

    Counted on the parser's events, so nothing is expanded: an alias adds the size its
    anchor's node had when it was defined. libyaml's parser (ruamel.yaml.clib) counts them
    ten times faster; on any error the pure parser reads the text again, so a broken file
    gets the same message either way. True when a mapping gives a key twice: the safe
    loader lets that pass beside a merge key (`<<`), the round-trip loader refuses it.
    """
    from ruamel.yaml.error import YAMLError

    try:
        return _count_nodes(text, where, pure=False)
    except YAMLError:
        return _count_nodes(text, where, pure=True)


def _count_nodes(text: str, where: str, *, pure: bool) -> bool:
    """check_yaml with one parser; a C parser's YAMLError propagates (to be read again)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        MappingStartEvent,
        ScalarEvent,
    )

    sizes: dict[str, int] = {}
    # One frame per open collection: [anchor, nodes so far, a mapping's keys or None, whether
    # its next node is a key].
    frames: list[list[Any]] = [[None, 0, None, False]]
    total = 0
    repeated = False
    try:
        for event in YAML(typ="safe", pure=pure).parse(io.StringIO(text)):
            line = event.start_mark.line + 1 if event.start_mark else 1
            keys = frames[-1][2]
            if keys is not None and isinstance(
                event, AliasEvent | ScalarEvent | CollectionStartEvent
            ):
                if frames[-1][3] and isinstance(event, ScalarEvent):
                    repeated = repeated or event.value in keys
                    keys.add(event.value)
                frames[-1][3] = not frames[-1][3]
            if isinstance(event, AliasEvent):
                size = sizes.get(str(event.anchor), 1)
            elif isinstance(event, ScalarEvent):
                size = 1
                if event.anchor:
                    sizes[str(event.anchor)] = 1
            elif isinstance(event, CollectionStartEvent):
                if len(frames) > MAX_DEPTH:
                    raise HarnessError(
                        f"{where}:{line}: nested more than {MAX_DEPTH} levels deep: "
                        "flatten it (no config here needs that)"
                    )
                mapping = isinstance(event, MappingStartEvent)
                frames.append([event.anchor, 1, set() if mapping else None, mapping])
                continue
            elif isinstance(event, CollectionEndEvent):
                anchor, size, _, _ = frames.pop()
                if anchor:
                    sizes[str(anchor)] = size
            else:
                continue
            frames[-1][1] += size
            total += size if isinstance(event, AliasEvent | ScalarEvent) else 0
            if total > MAX_NODES or frames[-1][1] > MAX_NODES:
                raise HarnessError(
                    f"{where}:{line}: YAML aliases here expand to more than {MAX_NODES:,} "
                    "nodes (an alias bomb?): refused before any tool expands it; remove the "
                    "nested aliases"
                )
    except MarkedYAMLError as exc:
        if not pure:
            raise
        raise yaml_error(exc, where) from exc
    except YAMLError as exc:
        if not pure:
            raise
        raise HarnessError(f"{where}: not valid YAML: {exc}") from exc
    return repeated


def yaml_error(exc: MarkedYAMLError, where: str) -> HarnessError:
    """A ruamel error as one line: where:line: problem (context)."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
    context = " ".join(str(exc.context or "").split())
    detail = f"{problem} ({context})" if context and context != problem else problem
    return HarnessError(f"{where}:{line}: {detail}")


def load_yaml(path: Path, where: str | None = None, *, lines: bool = True) -> Any:
    """A YAML file's data, after the checks above.

    lines: round-trip data that knows each node's line (yamlpos); without, plain data from
    libyaml, several times faster, for a caller that looks lines up only on a finding.
    """
    where = where or str(path)
    return loads_yaml(read_text(path, "YAML file"), where, lines=lines)


def loads_yaml(text: str, where: str, *, lines: bool = True) -> Any:
    """load_yaml() of text already read (where names it in errors)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    # A repeated key: the round-trip loader's error, with its line, from either reader.
    if not check_yaml(text, where) and not lines:
        try:
            return YAML(typ="safe", pure=False).load(text)
        except YAMLError:
            pass  # the round-trip loader below gives the message every other read gives
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        raise yaml_error(exc, where) from exc
    except YAMLError as exc:
        raise HarnessError(f"{where}: not valid YAML: {exc}") from exc


def loads_json(text: str, where: str) -> Any:
    """JSON text as data; a duplicate key is an error (JSON would keep only the last)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen[key] = value
        return seen

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{where}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    except RecursionError as exc:
        raise HarnessError(
            f"{where}: nested too deeply to read: flatten it (no config here needs that)"
        ) from exc
    except _DuplicateKey as exc:
        raise HarnessError(
            f"{where}:{_duplicate_line(text, exc.key)}: duplicate key {exc.key!r}: JSON keeps "
            "only the last one; merge or rename the entries"
        ) from exc


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _duplicate_line(text: str, key: str) -> int:
    """The line of the second occurrence, from the YAML parser's marks (JSON is YAML)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        if exc.problem_mark is not None:
            return int(exc.problem_mark.line) + 1
    except YAMLError:
        pass
    return 1


def document(text: str) -> Any:
    """JSON or YAML text as round-trip data for line lookups; None when it does not parse."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="rt").load(text)
    except (YAMLError, RecursionError):
        return None
