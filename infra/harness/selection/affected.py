"""From a change (files that differ from a base commit) to the components it reaches.

Each component keeps the chain that reached it, e.g. `services/msp_mitra/backend/app.py →
msp_mitra.backend (owns it) → msp_mitra.frontend (depends on it)`. Rules, in order: the
table (`table.RULES`); then the registry: owned paths, what each Dockerfile copies, the
Dockerfile templates, the stand-in recipes images build on, mounts, the blocks of
docker-compose.yml, .env.example and services.json; then reversed depends_on. A path no
rule knows selects everything: never skip on a guess.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness import git, paths, registry
from harness.bases import standins
from harness.docker import compose, dockerfiles
from harness.errors import HarnessError
from harness.selection import blocks, table

COMPOSE_FILE = compose.COMPOSE_FILE
ENV_TEMPLATE = compose.ENV_TEMPLATE
# `--affected pushed`: the range pre-commit's pre-push hook is checking.
PUSHED = "pushed"
PUSH_RANGE = ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF")
ARROW = " → "


@dataclass(frozen=True)
class Change:
    """What was compared: base commit, head commit (None: the work tree), and the paths."""

    base: str | None
    head: str | None
    described: str
    paths: tuple[str, ...]
    # Set when there is nothing sound to compare with: everything is selected.
    everything: str | None = None


@dataclass
class Selection:
    """Components a change reaches (ref -> its chain) and table picks (session -> target -> why).

    `everything` is set (with its reason) when the change reaches everything.
    """

    change: Change
    components: dict[str, str] = field(default_factory=dict)
    picks: dict[str, dict[str, str]] = field(default_factory=dict)
    # Unit targets narrowed to some test files (docs: the docs check), and those that some
    # change needs whole (which wins).
    tests: dict[str, set[str]] = field(default_factory=dict)
    whole: set[str] = field(default_factory=set)
    # What each changed path led to, for the report.
    paths: dict[str, list[str]] = field(default_factory=dict)
    everything: str | None = None

    def pick(self, session: str, target: str, why: str) -> None:
        """Record that session (target, or "*" for all of it) must run, and why."""
        self.picks.setdefault(session, {}).setdefault(target, why)


# --- comparing -------------------------------------------------------------------------------


def change(root: Path, ref: str | None) -> Change:
    """The files that differ from the merge-base with ref (default: with main) to the work tree.

    `A..B` compares two commits; PUSHED takes the range pre-commit's pre-push hook checks.
    """
    if ref == PUSHED:
        start, end = (os.environ.get(name, "") for name in PUSH_RANGE)
        if not start or not end:
            why = "pre-commit named no pushed range (a whole history, or outside the hook)"
            return Change(None, None, "a pushed range", (), why)
        ref = f"{start}..{end}"
    if ref and ".." in ref:
        start, _, end = ref.replace("...", "..").partition("..")
        head = git.resolve(root, end or "HEAD")
        base = _merge_base(root, git.resolve(root, start or "HEAD"), head, ref)
        described = f"{base[:12]}..{head[:12]} ({ref})"
    elif ref:
        base = _merge_base(root, git.resolve(root, ref), "HEAD", ref)
        head, described = None, f"{base[:12]} (merge-base of HEAD with {ref}) to the work tree"
    else:
        found = git.default_base(root)
        if found is None:
            main = git.MAIN_BRANCH
            why = f"no origin/{main} or {main} to compare with: name one with --affected REF"
            return Change(None, None, "(no base)", (), why)
        base, head = found, None
        described = f"{base[:12]} (merge-base with {git.MAIN_BRANCH}) to the work tree"
    return Change(base, head, described, tuple(git.changed_files(root, base, head)))


def _merge_base(root: Path, commit: str, head: str, ref: str) -> str:
    base = git.merge_base(root, commit, head)
    if base is None:
        raise HarnessError(
            f"--affected {ref}: it shares no history with {head}: name a commit of this branch's "
            "history (e.g. origin/main)"
        )
    return base


def _text_at(root: Path, commit: str | None, path: str) -> str | None:
    """path's text at commit, or in the work tree when commit is None; None if absent."""
    if commit is not None:
        return git.show(root, commit, path)
    try:
        return (root / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# --- the registry's rules -------------------------------------------------------------------


def under(path: str, prefix: str) -> bool:
    """Whether path is prefix or inside it ("." is the whole tree)."""
    prefix = prefix.strip("/")
    return prefix in ("", ".") or path == prefix or path.startswith(prefix + "/")


def owned_paths(comp: registry.Component) -> list[str]:
    """The paths a component owns: its directory, and its build context, Dockerfile,
    requirements and run directory when the registry names them (foreign layouts)."""
    owned = [comp.directory]
    for name in ("context", "dockerfile", "requirements", "workdir"):
        value = getattr(comp, name, None)
        if isinstance(value, str) and value not in ("", "."):
            owned.append(value)
    return owned


def dockerfile_of(comp: registry.Component) -> str:
    """The component's Dockerfile, relative to the root."""
    named = getattr(comp, "dockerfile", None)
    return named if isinstance(named, str) and named else f"{comp.directory}/Dockerfile"


_ARG = re.compile(r"^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?\s*$", re.IGNORECASE)
_COPY = re.compile(r"^(?:COPY|ADD)\s+(.*)$", re.IGNORECASE)
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def _instructions(text: str) -> list[str]:
    """Dockerfile instructions, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    return [
        ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]


def image_args(text: str) -> set[str]:
    """The `ARG <X>_IMAGE` a Dockerfile declares: the base images it builds on."""
    found = (_ARG.match(line) for line in _instructions(text))
    return {m.group(1) for m in found if m and m.group(1).endswith("_IMAGE")}


def copied_sources(text: str, context: str = ".") -> list[str]:
    """Paths (from the root) a Dockerfile's COPY and ADD take from its build context.

    ARG defaults are substituted; a source still holding a variable, or not a plain path,
    is the whole context (a guess would leave things out).
    """
    defaults: dict[str, str] = {}
    sources: list[str] = []
    for line in _instructions(text):
        arg = _ARG.match(line)
        if arg and arg.group(2) is not None:
            defaults.setdefault(arg.group(1), arg.group(2).strip("\"'"))
        copy = _COPY.match(line)
        if not copy:
            continue
        rest = copy.group(1).strip()
        try:
            words = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
        except (ValueError, json.JSONDecodeError):
            sources.append(context)
            continue
        if any(w.startswith("--from") for w in words):
            continue  # from another stage or image, not the context
        names = [w for w in words if not w.startswith("--")][:-1]
        for name in names:
            value = _VAR.sub(lambda m: defaults.get(m.group(1), m.group(0)), name)
            plain = "$" not in value and not any(c in value for c in "*?[")
            sources.append(_join(context, value) if plain else context)
    return sources


def _join(context: str, rel: str) -> str:
    parts = [p for p in f"{context}/{rel}".split("/") if p not in ("", ".")]
    return "/".join(parts) or "."


class _Rules:
    """The registry-derived rules, prepared once per selection."""

    def __init__(self, root: Path, reg: registry.Registry, base_reg: registry.Registry | None):
        self.root = root
        self.reg = reg
        self.base_reg = base_reg
        self.refs = {c.ref: c for c in reg.components()}
        texts = {c.ref: _text_at(root, None, dockerfile_of(c)) or "" for c in reg.components()}
        self.copies = {
            ref: copied_sources(text, getattr(self.refs[ref], "context", ".") or ".")
            for ref, text in texts.items()
        }
        self.bases = {ref: image_args(text) for ref, text in texts.items()}

    def templates(self) -> dict[str, list[registry.Component]]:
        """Dockerfile template -> the components whose Dockerfile is rendered from it."""
        found: dict[str, list[registry.Component]] = {}
        for comp in self.reg.components():
            template = dockerfiles.TEMPLATES.get(comp.kind)
            if template:
                found.setdefault(template, []).append(comp)
        return found


# --- computing ------------------------------------------------------------------------------


def compute(root: Path, reg: registry.Registry, change_: Change) -> Selection:
    """The selection for change_ on this registry."""
    sel = Selection(change_)
    if change_.everything:
        sel.everything = change_.everything
        return sel
    base_reg = _registry_at(root, change_.base)
    rules = _Rules(root, reg, base_reg)
    for path in change_.paths:
        _select(sel, rules, path)
        if sel.everything:
            return sel
    _dependents(sel, reg)
    return sel


def _registry_at(root: Path, commit: str | None) -> registry.Registry | None:
    text = git.show(root, commit, paths.REGISTRY_FILE) if commit else None
    try:
        return registry.parse(root / paths.REGISTRY_FILE, text) if text else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _select(sel: Selection, rules: _Rules, path: str) -> None:
    rule = table.rule_for(path)
    reasons = sel.paths.setdefault(path, [])
    if rule is not None:
        if table.EVERYTHING in rule.picks:
            sel.everything = f"{path}{ARROW}{rule.why}"
            return
        for pick in rule.picks:
            session, _, target = pick.partition(":")
            sel.pick(session, target or "*", f"{path}{ARROW}{rule.why}")
            if session == "unit" and rule.tests:
                sel.tests.setdefault(target, set()).update(rule.tests)
            elif session == "unit":
                sel.whole.add(target)
        shown = ", ".join(rule.picks) or "lint only"
        reasons.append(f"{path}{ARROW}{rule.why} ({shown})")
        if rule.final:
            return
    found = _registry_hits(sel, rules, path)
    if sel.everything:
        return
    if not found and rule is None:
        sel.everything = f"{path}: no rule knows this path, so it may reach anything"


def _hit(sel: Selection, path: str, steps: Sequence[tuple[str, str]]) -> None:
    """A component reached from path through steps [(name, why), ...]; the last is the ref."""
    chain = ARROW.join([path, *(f"{name} ({why})" for name, why in steps)])
    ref = steps[-1][0]
    sel.components.setdefault(ref, chain)
    sel.paths.setdefault(path, []).append(chain)


def _registry_hits(sel: Selection, rules: _Rules, path: str) -> bool:
    """Apply every registry rule to path; whether any matched."""
    before = (len(sel.paths.get(path, [])), sel.everything)
    reg = rules.reg
    for comp in reg.components():
        if any(under(path, owned) for owned in owned_paths(comp)):
            _hit(sel, path, [(comp.ref, "owns it")])
        elif any(under(path, src) for src in rules.copies[comp.ref]):
            why = "installs it" if path.startswith("libs/") else "its image copies it"
            _hit(sel, path, [(comp.ref, why)])
        if any(under(path, mount) for mount in comp.mounts):
            _hit(sel, path, [(comp.ref, "mounts it")])
    if rules.base_reg is not None and not sel.paths.get(path):
        # A path that moved (a renamed directory): who owned it at the base.
        for comp in rules.base_reg.components():
            if not any(under(path, owned) for owned in owned_paths(comp)):
                continue
            if comp.ref in rules.refs:
                _hit(sel, path, [(comp.ref, "owned it at the base")])
            else:
                sel.paths.setdefault(path, []).append(
                    f"{path}{ARROW}{comp.ref} (owned it; no longer in {paths.REGISTRY_FILE})"
                )
    for comp in rules.templates().get(path, []):
        _hit(sel, path, [(comp.ref, "its Dockerfile is rendered from it")])
    if path.startswith(paths.BASES_DIR + "/"):
        _standin_hits(sel, rules, path)
    if path == COMPOSE_FILE:
        _compose_hits(sel, rules, path)
    elif path == ENV_TEMPLATE:
        _env_hits(sel, rules, path)
    elif path == paths.REGISTRY_FILE:
        _registry_file_hits(sel, rules, path)
    return (len(sel.paths.get(path, [])), sel.everything) != before


def _standin_hits(sel: Selection, rules: _Rules, path: str) -> None:
    try:
        known = standins.load(rules.root)
    except HarnessError as exc:
        sel.everything = f"{path}: the stand-in manifest does not load ({exc})"
        return
    if path == paths.BASES_MANIFEST:
        hit = set(known)
    else:
        hit = {
            n for n, s in known.items() if under(path, str(s.recipe_dir.relative_to(rules.root)))
        }
    # What builds on a changed stand-in changes with it.
    grew = True
    while grew:
        more = {n for n, s in known.items() if n not in hit and set(s.needs) & hit}
        hit |= more
        grew = bool(more)
    for name in sorted(hit):
        variable = known[name].provides
        step = (f"the {name} stand-in", f"{variable}")
        for comp in rules.reg.components():
            if variable in rules.bases[comp.ref]:
                _hit(sel, path, [step, (comp.ref, "builds on it")])
        for infra in rules.reg.infrastructure.values():
            if infra.image_variable == variable:
                _infra_hit(sel, rules.reg, path, [step], infra.name, "runs on it")
        sel.paths.setdefault(path, []).append(f"{path}{ARROW}the {name} stand-in (standins)")


def _infra_hit(
    sel: Selection, reg: registry.Registry, path: str, steps: list[tuple[str, str]], name: str,
    why: str,
) -> None:  # fmt: skip
    """Infrastructure reached: the components that depend on it (all when none names it)."""
    users = [c for c in reg.components() if name in c.depends_on]
    if users:
        for comp in users:
            _hit(sel, path, [*steps, (name, why), (comp.ref, "depends on it")])
    else:
        for comp in reg.components():
            _hit(
                sel,
                path,
                [
                    *steps,
                    (name, why),
                    (comp.ref, "no component names it in depends_on: any may use it"),
                ],
            )


def _compose_name_hit(sel: Selection, rules: _Rules, path: str, service: str, why: str) -> None:
    """A compose service reached: its component, or the components of infrastructure."""
    regs = [rules.reg, *([rules.base_reg] if rules.base_reg else [])]
    comp = next((c for r in regs for c in r.components() if c.compose_name == service), None)
    if comp is not None:
        if comp.ref in rules.refs:
            _hit(sel, path, [(comp.ref, f"its compose block {why}")])
        else:
            sel.paths.setdefault(path, []).append(f"{path}{ARROW}{comp.ref} (removed)")
    elif service in rules.reg.infrastructure:
        _infra_hit(sel, rules.reg, path, [], service, f"its compose block {why}")
    else:
        sel.everything = (
            f"{path}: compose service {service!r} is not in {paths.REGISTRY_FILE}, so it may "
            "reach anything"
        )


def _compose_reach(
    sel: Selection, rules: _Rules, path: str, touched: Mapping[str, str],
    versions: Iterable[Mapping[str, str]],
) -> None:  # fmt: skip
    infrastructure = set(rules.reg.infrastructure)
    for version in versions:
        reached = blocks.reach(version, touched, infrastructure)
        if reached.everything:
            sel.everything = f"{path}: {reached.everything}"
            return
        for service, why in sorted(reached.services.items()):
            _compose_name_hit(sel, rules, path, service, why)
            if sel.everything:
                return


def _compose_versions(
    sel: Selection, rules: _Rules, path: str
) -> tuple[dict[str, str], dict[str, str]] | None:
    old_text = _text_at(rules.root, sel.change.base, COMPOSE_FILE) or ""
    new_text = _text_at(rules.root, sel.change.head, COMPOSE_FILE) or ""
    old, new = blocks.compose_blocks(old_text), blocks.compose_blocks(new_text)
    if old is None or new is None:
        sel.everything = f"{path}: {COMPOSE_FILE} is not laid out in blocks this rule can read"
        return None
    return old, new


def _compose_hits(sel: Selection, rules: _Rules, path: str) -> None:
    versions = _compose_versions(sel, rules, path)
    if versions is None:
        return
    touched = blocks.changed_keys(*versions)
    if not touched:
        sel.paths.setdefault(path, []).append(f"{path}{ARROW}comments only")
    touched = blocks.moved_networks(*versions, touched, set(rules.reg.infrastructure))
    _compose_reach(sel, rules, path, touched, versions)


def _env_hits(sel: Selection, rules: _Rules, path: str) -> None:
    old = blocks.env_values(_text_at(rules.root, sel.change.base, path) or "")
    new = blocks.env_values(_text_at(rules.root, sel.change.head, path) or "")
    versions = _compose_versions(sel, rules, path)
    if old is None or new is None:
        sel.everything = f"{path}: a line is neither a comment nor VAR=value"
        return
    if versions is None:
        return
    touched: dict[str, str] = {}
    for variable, what in blocks.changed_keys(old, new).items():
        readers = {b for version in versions for b in blocks.blocks_reading(version, variable)}
        if not readers:
            sel.paths.setdefault(path, []).append(
                f"{path}{ARROW}{variable} ({what}; compose reads it nowhere)"
            )
        for block in sorted(readers):
            touched.setdefault(block, f"reads {variable} ({what} in {path})")
    _compose_reach(sel, rules, path, touched, versions)


def _registry_file_hits(sel: Selection, rules: _Rules, path: str) -> None:
    old_text = _text_at(rules.root, sel.change.base, path) or "{}"
    new_text = _text_at(rules.root, sel.change.head, path) or "{}"
    try:
        old, new = json.loads(old_text), json.loads(new_text)
        sections = ("services", "infrastructure")
        if {k: v for k, v in old.items() if k not in sections} != {
            k: v for k, v in new.items() if k not in sections
        }:
            sel.everything = f"{path}: a top-level entry other than services changed"
            return
        services = blocks.changed_keys(_dumped(old, "services"), _dumped(new, "services"))
        infra = blocks.changed_keys(_dumped(old, "infrastructure"), _dumped(new, "infrastructure"))
    except (ValueError, AttributeError, TypeError):
        sel.everything = f"{path}: not readable as the registry here or at the base"
        return
    for service, what in services.items():
        comps = rules.reg.services.get(service, ())
        for comp in comps:
            _hit(sel, path, [(comp.ref, f"its entry {what}")])
        if not comps:
            sel.paths.setdefault(path, []).append(f"{path}{ARROW}{service} ({what})")
    for name, what in infra.items():
        _infra_hit(sel, rules.reg, path, [], name, f"its entry {what}")


def _dumped(data: Mapping[str, object], section: str) -> dict[str, str]:
    entries = data.get(section) or {}
    if not isinstance(entries, dict):
        raise TypeError(section)
    return {name: json.dumps(entry, sort_keys=True) for name, entry in entries.items()}


def _dependents(sel: Selection, reg: registry.Registry) -> None:
    """Reversed depends_on: a component that depends on a selected one is re-checked too."""
    queue = list(sel.components)
    while queue:
        ref = queue.pop(0)
        for comp in reg.components():
            if ref in comp.depends_on and comp.ref not in sel.components:
                chain = f"{sel.components[ref]}{ARROW}{comp.ref} (depends on it)"
                sel.components[comp.ref] = chain
                sel.paths.setdefault(chain.split(ARROW, 1)[0], []).append(chain)
                queue.append(comp.ref)
