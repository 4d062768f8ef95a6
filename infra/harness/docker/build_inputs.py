"""What an image build reads, as one key: a build whose key is unchanged need not run.

The key covers the build's argv, the bytes of every file in its context and the local ids of
its base images. The context is walked as the docker CLI sends it, by its .dockerignore
rules (moby's patternmatcher): a directory is left out only where docker leaves it out, and
every file in the rest counts, even one a file pattern would drop. So the walk sees at least
what docker sends: a file it missed could change the image without changing the key; one
too many only costs a cached rebuild.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The label a component image carries its key in.
KEY_LABEL = "org.annadata.build-input"
_CHUNK = 1 << 20
# ARG NAME=default (before the first FROM: the values a FROM line may use).
_ARG = re.compile(r"^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?\s*$", re.IGNORECASE)
_FROM = re.compile(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", re.IGNORECASE)
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class _Pattern:
    """One .dockerignore line; regex None: a syntax this module does not translate."""

    text: str
    negation: bool
    regex: re.Pattern[str] | None

    def matches(self, rel: str) -> bool:
        """rel or one of its parent directories matches (moby's MatchesOrParentMatches).

        An untranslated pattern matches nothing when it excludes and everything when it
        re-includes: either way the walk keeps more than docker sends, never less.
        """
        if self.regex is None:
            return self.negation
        parts = rel.split("/")
        return any(self.regex.match("/".join(parts[:n])) for n in range(len(parts), 0, -1))


def _translate(text: str) -> re.Pattern[str] | None:
    """moby's pattern to regex: * within a path element, ** across them, ? one character."""
    if "[" in text or "\\" in text:
        return None
    out, i = "^", 0
    while i < len(text):
        if text.startswith("**", i):
            i += 2
            if text.startswith("/", i):
                i += 1
            out += ".*" if i >= len(text) else "(.*/)?"
            continue
        char = text[i]
        out += "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char)
        i += 1
    return re.compile(out + "$")


def _patterns(context: Path) -> list[_Pattern]:
    path = context / ".dockerignore"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    # The CLI always sends .dockerignore (and the Dockerfile, which key() reads whole).
    lines.append("!.dockerignore")
    found = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negation = line.startswith("!")
        text = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        if text not in ("", "."):
            found.append(_Pattern(text, negation, _translate(text)))
    return found


def _left_out(rel: str, patterns: Sequence[_Pattern]) -> bool:
    """A directory docker does not walk into: excluded, and no re-include names a path in it."""
    excluded = False
    for pattern in patterns:
        if pattern.negation == excluded and pattern.matches(rel):
            excluded = not pattern.negation
    if not excluded:
        return False
    inside = rel + "/"
    return not any(p.negation and (p.text + "/").startswith(inside) for p in patterns)


def context_entries(context: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(path relative to context, entry) for everything the walk reads, in a fixed order."""
    patterns = _patterns(context)

    def walk(directory: str, prefix: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        for entry in entries:
            rel = prefix + entry.name
            if not entry.is_dir(follow_symlinks=False):
                yield rel, entry
            elif not _left_out(rel, patterns):
                yield rel, entry
                yield from walk(entry.path, rel + "/")

    return walk(str(context), "")


def context_digest(context: Path) -> str | None:
    """sha256 of every path, mode and file's bytes docker may send from context.

    None when part of it cannot be read: the build then runs, and docker names the file.
    """
    digest = hashlib.sha256()
    try:
        for rel, entry in context_entries(context):
            mode = entry.stat(follow_symlinks=False).st_mode
            digest.update(f"{mode:o} {rel}\0".encode())
            if entry.is_symlink():
                digest.update(os.readlink(entry.path).encode() + b"\0")
            elif entry.is_file(follow_symlinks=False):
                with open(entry.path, "rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
    except (OSError, UnicodeDecodeError):
        return None
    return digest.hexdigest()


def base_images(dockerfile_text: str, build_args: Mapping[str, str]) -> list[str] | None:
    """The images a Dockerfile's stages start FROM, with build args filled in.

    None when a FROM line names a variable with no value: the base is not known here.
    """
    defaults: dict[str, str] = {}
    stages: set[str] = set()
    bases: list[str] = []
    seen_from = False
    for raw in dockerfile_text.splitlines():
        line = raw.strip()
        arg = _ARG.match(line)
        if arg and not seen_from:
            defaults[arg.group(1)] = arg.group(2) or ""
            continue
        if not re.match(r"FROM\b", line, re.IGNORECASE):
            continue
        found = _FROM.match(line)
        if not found or line.endswith("\\"):
            return None  # a FROM this reading does not follow: its base is unknown
        seen_from = True
        image = _fill(found.group(1), {**defaults, **build_args})
        if image is None:
            return None
        if image.lower() not in stages and image.lower() != "scratch" and image not in bases:
            bases.append(image)
        if found.group(2):
            stages.add(found.group(2).lower())
    return bases


def _fill(text: str, values: Mapping[str, str]) -> str | None:
    """text with $NAME and ${NAME} replaced from values; None when one has no value."""
    names = [m.group(1) or m.group(2) for m in _VARIABLE.finditer(text)]
    if not all(values.get(name) for name in names):
        return None
    return _VARIABLE.sub(lambda m: values[m.group(1) or m.group(2)], text)


def build_args(argv: Sequence[str]) -> dict[str, str]:
    """The --build-arg NAME=value pairs of a `docker build` argv."""
    pairs = [argv[i + 1] for i, item in enumerate(argv[:-1]) if item == "--build-arg"]
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


def key(
    root: Path,
    argv: Sequence[str],
    dockerfile_text: str,
    context: str,
    base_id: Callable[[str], str | None],
) -> str | None:
    """The key of a `docker build` argv: None when a base image is absent or unknown.

    root: paths under it count by their place in the repository, so two checkouts of the
    same tree share their images; context: context_digest() of the build's context.
    """
    bases = base_images(dockerfile_text, build_args(argv))
    if bases is None:
        return None
    ids = [base_id(image) for image in bases]
    if None in ids:
        return None
    digest = hashlib.sha256()
    top = str(root).rstrip("/")
    for item in [*argv, dockerfile_text, context, *bases, *map(str, ids)]:
        relative = "." if item == top else item.removeprefix(top + "/")
        digest.update(relative.encode() + b"\0")
    return digest.hexdigest()
