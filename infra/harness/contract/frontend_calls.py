"""Frontend ↔ backend: each frontend's `/api/` calls, found statically, against its backend's spec.

nginx forwards `/api/` unchanged to the backend a frontend `depends_on` (services.json), so
a call's path is the backend's path. Sources (JS, JSX, TS, TSX and Vue under the frontend's
directory, minus node_modules, dist and hidden directories) are parsed with tree-sitter's
grammars. A call is any call or `new` whose URL argument, or `url:` option, evaluates to a
string starting with `/api/`: a string, a template literal (each `${...}` stands for
unknown text within one path segment), a `+` chain, or a `const` of those in the same file.
Its method is the callee's name (`axios.post`, `api.delete`), else the options' `method:`,
else GET for an HTTP client (`fetch`, `axios`, ...) or, for a wrapper defined in the same
file (`getJson(path)`), the method of the call it passes its first parameter to; anything
else is checked by path alone, as is any other `/api/` string. A URL built at run time some
other way (a variable from elsewhere, a function's result) is not seen: the backend's live
checks still stand behind it.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import git, registry, safeload, yamlpos
from harness.contract.openapi_diff import METHODS, SPEC_FILE
from harness.errors import HarnessError

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

API_PREFIX = "/api/"
# The grammar each kind of source is parsed with ("vue": HTML first, then its <script>s).
GRAMMARS = {
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".vue": "vue",
}  # fmt: skip
SKIPPED_DIRS = frozenset({"node_modules", "dist"})
# Stands for the text of one `${...}` (or a non-literal `+` operand) in a URL.
HOLE = "\x00"
# `const` chains resolved per URL: deeper than any real prefix chain, short of a cycle.
MAX_DEPTH = 8
# Callee names that are the method (`axios.post`, `ky.delete`); `trace` is no client's.
HTTP_METHODS = frozenset(METHODS) - {"trace"}
# HTTP clients whose call without a method sends a GET (`fetch(url)`, `axios.request({url})`).
CLIENTS = frozenset({"fetch", "Request", "axios", "ky", "$fetch", "ofetch"})
# What a `const` may hold that is a function, for wrappers like `const getJson = async (p) =>`.
FUNCTIONS = frozenset({"arrow_function", "function_expression", "function"})


@dataclass(frozen=True)
class Call:
    """One `/api/` call in a frontend source: where, which method (None: unknown), which path."""

    file: str
    line: int
    method: str | None
    url: str

    @property
    def path(self) -> str:
        """The URL's path: no query, no fragment, no trailing slash."""
        path = re.split(r"[?#]", self.url, maxsplit=1)[0]
        return path.rstrip("/") or "/"

    def shown(self) -> str:
        """`GET /api/v1/msp/{…}/changes`, as the problem lines print it."""
        return f"{(self.method or 'any').upper()} {self.path.replace(HOLE, '{…}')}"


@dataclass
class Scan:
    """A frontend's calls, and the sources that could not be read."""

    calls: list[Call] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


# --- finding the calls ---------------------------------------------------------------------


def scan(root: Path, directory: str) -> Scan:
    """Every `/api/` call in the sources under root/directory, in file and line order."""
    found = Scan()
    for rel in _sources(root, directory):
        try:
            text = safeload.read_text(root / rel, "frontend source", where=rel)
        except HarnessError as exc:
            found.unreadable.append(f"{exc} (the contract check reads every source)")
            continue
        found.calls.extend(calls_in(rel, text))
    return found


def _sources(root: Path, directory: str) -> Iterator[str]:
    base = root / directory
    for current, dirs, files in os.walk(base):
        # Pruned in place: os.walk then never descends into them (nor into symlinks).
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if Path(name).suffix in GRAMMARS:
                yield str((Path(current) / name).relative_to(root))


def calls_in(rel: str, text: str) -> list[Call]:
    """The `/api/` calls in one source file's text (rel names it in the results)."""
    grammar = GRAMMARS[Path(rel).suffix]
    if grammar != "vue":
        return _Finder(rel, 0).run(_parser(grammar).parse(text.encode("utf-8")).root_node)
    found: list[Call] = []
    for script, lang in _vue_scripts(text):
        grammar = {"ts": "typescript", "tsx": "tsx"}.get(lang, "javascript")
        tree = _parser(grammar).parse(_text(script).encode("utf-8"))
        found.extend(_Finder(rel, script.start_point[0]).run(tree.root_node))
    return found


@functools.cache
def _parser(grammar: str) -> Parser:
    # Imported here: only the contract command parses frontends, and only its venv (and the
    # harness's tests and type check) install the grammars (pyproject's `js` group).
    import tree_sitter_html
    import tree_sitter_javascript
    import tree_sitter_typescript
    from tree_sitter import Language, Parser

    language = {
        "javascript": tree_sitter_javascript.language,
        "typescript": tree_sitter_typescript.language_typescript,
        "tsx": tree_sitter_typescript.language_tsx,
        "vue": tree_sitter_html.language,
    }[grammar]()
    return Parser(Language(language))


def _vue_scripts(text: str) -> Iterator[tuple[Node, str]]:
    """Each <script> block's text node of a Vue single-file component, with its `lang`."""
    tree = _parser("vue").parse(text.encode("utf-8"))
    for element in tree.root_node.children:
        if element.type != "script_element":
            continue
        lang = "js"
        start = element.child(0)
        for attribute in start.named_children if start is not None else ():
            parts = attribute.named_children if attribute.type == "attribute" else []
            if len(parts) == 2 and _text(parts[0]) == "lang":
                lang = _text(parts[1]).strip("\"'")
        for raw in element.named_children:
            if raw.type == "raw_text":
                yield raw, lang


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


class _Finder:
    """Walks one parsed source: its `const` URLs first, then its calls and loose strings."""

    def __init__(self, rel: str, line_offset: int) -> None:
        self.rel = rel
        self.offset = line_offset
        self.consts: dict[str, Node] = {}
        self.functions: dict[str, Node] = {}
        self.used: set[int] = set()  # ids of string nodes a call's URL was built from

    def run(self, root: Node) -> list[Call]:
        nodes = list(_walk(root))
        names: dict[str, int] = {}
        for node in nodes:
            if node.type == "identifier":
                names[_text(node)] = names.get(_text(node), 0) + 1
            if node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if name is not None and value is not None and name.type == "identifier":
                    self.consts[_text(name)] = value
                    if value.type in FUNCTIONS:
                        self.functions[_text(name)] = value
            if node.type == "function_declaration":
                name = node.child_by_field_name("name")
                if name is not None:
                    self.functions[_text(name)] = node
        found = [c for node in nodes if node.type in ("call_expression", "new_expression")
                 for c in self._call(node)]  # fmt: skip
        # Strings no call was built from: checked by path alone (the method is not known).
        loose: dict[int, Node] = {}
        for node in nodes:
            if node.type in ("string", "template_string") and node.id not in self.used:
                top = _whole_sum(node)
                if not self._names_a_const_used_elsewhere(top, names) and not _is_key(top):
                    loose[top.id] = top
        for node in loose.values():
            url = self._value(node, 0, track=False)
            if url is not None and url.startswith(API_PREFIX):
                found.append(Call(self.rel, self._line(node), None, url))
        return sorted(found, key=lambda c: (c.line, c.url))

    def _names_a_const_used_elsewhere(self, node: Node, names: Mapping[str, int]) -> bool:
        """`const API = "/api/v1"` read elsewhere: its readers are the calls (or strings)."""
        parent = node.parent
        if parent is None or parent.type != "variable_declarator":
            return False
        name = parent.child_by_field_name("name")
        return name is not None and names.get(_text(name), 0) > 1

    def _line(self, node: Node) -> int:
        return node.start_point[0] + 1 + self.offset

    def _call(self, call: Node) -> Iterator[Call]:
        positional = _arguments(call)
        if not positional:
            return
        first, options = positional[0], positional[1] if len(positional) > 1 else None
        if first.type == "object":
            url_node, options = _property(first, "url"), first
        else:
            url_node = first
        url = self._value(url_node, 0, track=True) if url_node is not None else None
        if url is None or not url.startswith(API_PREFIX):
            return
        yield Call(self.rel, self._line(call), self._method(_callee(call), options), url)

    def _method(self, callee: Node | None, options: Node | None, depth: int = 0) -> str | None:
        """The call's method: `axios.post` → post; `{method: "PUT"}` → put; else its default."""
        if callee is not None and callee.type == "member_expression":
            name = callee.child_by_field_name("property")
            if name is not None and _text(name).lower() in HTTP_METHODS:
                return _text(name).lower()
        stated = _property(options, "method") if options and options.type == "object" else None
        if stated is not None:
            method = self._value(stated, 0, track=False)
            return method.lower() if method and HOLE not in method else None
        client = _root_name(callee)
        if client in CLIENTS:
            # No method named: GET, unless the options come from elsewhere.
            return "get" if options is None or options.type == "object" else None
        return self._wrapped_method(client, depth) if client else None

    def _wrapped_method(self, name: str, depth: int) -> str | None:
        """A wrapper in this file (`getJson(path)` calling `fetch(path)`): its inner call's."""
        function = self.functions.get(name)
        if function is None or depth >= MAX_DEPTH:
            return None  # a function from elsewhere: what it sends is not known here
        parameter = _first_parameter(function)
        methods = set()
        for inner in _walk(function.child_by_field_name("body") or function):
            if inner.type not in ("call_expression", "new_expression"):
                continue
            args = _arguments(inner)
            if args and args[0].type == "identifier" and _text(args[0]) == parameter:
                callee = _callee(inner)
                methods.add(self._method(callee, args[1] if len(args) > 1 else None, depth + 1))
        return methods.pop() if len(methods) == 1 else None

    def _value(self, node: Node, depth: int, track: bool) -> str | None:
        """The string node evaluates to (HOLE for each unknown part); None when not a string."""
        if depth > MAX_DEPTH:
            return None
        kind = node.type
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self._value(node.named_children[0], depth + 1, track)
        if kind in ("string", "template_string"):
            if track:
                self.used.add(node.id)
            parts = []
            for child in node.named_children:
                if child.type == "string_fragment":
                    parts.append(_text(child))
                elif child.type == "escape_sequence":
                    parts.append(_text(child)[1:] if len(_text(child)) == 2 else _text(child))
                elif child.type == "template_substitution":
                    subs = child.named_children
                    known = self._value(subs[0], depth + 1, track) if subs else None
                    parts.append(known if known is not None else HOLE)
            return "".join(parts)
        if (
            kind == "binary_expression"
            and _text(node.child_by_field_name("operator") or node) == "+"
        ):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                return None
            head = self._value(left, depth + 1, track)
            if head is None:
                return None
            tail = self._value(right, depth + 1, track)
            return head + (tail if tail is not None else HOLE)
        if kind == "identifier" and _text(node) in self.consts:
            return self._value(self.consts[_text(node)], depth + 1, track)
        return None


def _whole_sum(node: Node) -> Node:
    """The `+` chain a string starts (`"/api/v1/msp/" + slug`), else the string itself."""
    while (
        node.parent is not None
        and node.parent.type == "binary_expression"
        and node.parent.child_by_field_name("left") == node
        and _text(node.parent.child_by_field_name("operator") or node.parent) == "+"
    ):
        node = node.parent
    return node


def _is_key(node: Node) -> bool:
    """An object key (`proxy: {"/api/": ...}` in a dev-server config), not a URL called."""
    parent = node.parent
    return (
        parent is not None and parent.type == "pair" and parent.child_by_field_name("key") == node
    )


def _arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type != "comment"] if args else []


def _callee(call: Node) -> Node | None:
    callee = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    # TypeScript's grammar reads `await http.get<T>(url)` as a call of `await http.get`.
    while callee is not None and callee.type == "await_expression" and callee.named_child_count:
        callee = callee.named_children[0]
    return callee


def _root_name(callee: Node | None) -> str | None:
    """`fetch` → fetch; `axios.request` → axios; `this.http.get` → None (not a plain name)."""
    while callee is not None and callee.type == "member_expression":
        callee = callee.child_by_field_name("object")
    return _text(callee) if callee is not None and callee.type == "identifier" else None


def _first_parameter(function: Node) -> str | None:
    """The name of a function's first parameter (`path`, `path = "/"`, `path: string`)."""
    parameters = function.child_by_field_name("parameters") or function.child_by_field_name(
        "parameter"
    )
    if parameters is None:
        return None
    first = (
        parameters
        if parameters.type == "identifier"
        else next(iter(parameters.named_children), None)
    )
    while first is not None and first.type != "identifier":
        first = first.child_by_field_name("pattern") or first.child_by_field_name("left")
    return _text(first) if first is not None else None


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _property(obj: Node, key: str) -> Node | None:
    """The value of obj's `key: value` pair (None when it has none)."""
    for pair in obj.named_children:
        name = pair.child_by_field_name("key") if pair.type == "pair" else None
        if name is not None and _text(name).strip("\"'") == key:
            return pair.child_by_field_name("value")
    return None


# --- checking them -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """A backend spec's data, named as the problem lines name it.

    Plain data answers whether an operation exists; the lines come from a round-trip read,
    made only for a finding (several times slower, and most checks find nothing).
    """

    where: str
    text: str
    document: Any

    @functools.cached_property
    def operations(self) -> dict[str, list[str]]:
        """path -> its methods."""
        paths = self.document.get("paths") if isinstance(self.document, Mapping) else None
        return {
            str(path): [m for m in (item if isinstance(item, Mapping) else ()) if m in METHODS]
            for path, item in (paths.items() if isinstance(paths, Mapping) else ())
        }

    @functools.cached_property
    def _located(self) -> Any:
        return safeload.document(self.text)

    def line(self, path: str, methods: Sequence[str]) -> int:
        """The first line of path's methods in the file."""
        return min(yamlpos.line_at(self._located, ["paths", path, m]) for m in methods)


def problems(root: Path, reg: registry.Registry, base: str | None) -> dict[str, list[str]]:
    """backend service -> one line per frontend call its spec lacks (or the branch removed)."""
    found: dict[str, list[str]] = {}
    backends = {c.ref: c for c in reg.components("backend")}
    for frontend in reg.components("frontend"):
        targets = [backends[ref] for ref in frontend.depends_on if ref in backends]
        if not targets:
            continue  # no backend behind its /api/: nothing to hold its calls to
        lines = check_frontend(root, frontend.directory, [t.directory for t in targets], base)
        found.setdefault(targets[0].service, []).extend(lines)
    return found


def check_frontend(
    root: Path, directory: str, backend_dirs: Sequence[str], base: str | None
) -> list[str]:
    """One line (frontend file:line, spec file:line, what to do) per call no backend answers."""
    found = scan(root, directory)
    lines = list(found.unreadable)
    if not found.calls:
        return lines
    specs = [_current(root, d) for d in backend_dirs]
    olds = [_at_base(root, d, base) for d in backend_dirs] if base else []
    for call in found.calls:
        if any(_match(spec, call) for spec in specs):
            continue
        at = f"{call.file}:{call.line}: {call.shown()}"
        was = next((hit for old in olds if old and (hit := _answers(old, call))), None)
        if was is not None:
            lines.append(
                f"{at}: removed on this branch (it is at {was}, the spec now lacks it): restore "
                "the operation, or change the frontend in the same branch"
            )
            continue
        near = next((hit for spec in specs if (hit := _same_path(spec, call))), None)
        if near is not None:
            lines.append(f"{at}: {near} (call a method the backend has, or add the route)")
        else:
            where = " or ".join(s.where for s in specs)
            lines.append(
                f"{at}: no such operation in {where} (fix the URL, or add the route to the "
                "backend and `nox -s contract -- --update`)"
            )
    return lines


def _current(root: Path, backend_dir: str) -> _Spec:
    rel = f"{backend_dir}/{SPEC_FILE}"
    try:
        text = safeload.read_text(root / rel, "YAML file")
        document = safeload.loads_yaml(text, rel, lines=False)
    except HarnessError:
        # The drift and lint checks report an unreadable or missing spec.
        text, document = "", None
    return _Spec(rel, text, document)


def _at_base(root: Path, backend_dir: str, base: str) -> _Spec | None:
    rel = f"{backend_dir}/{SPEC_FILE}"
    text = git.show(root, base, rel)
    if text is None:
        return None
    try:
        document = safeload.loads_yaml(text, rel, lines=False)
    except HarnessError:
        return None
    return _Spec(f"{rel}@{base[:12]}", text, document)


def _match(spec: _Spec, call: Call) -> tuple[str, list[str]] | None:
    """(path, the methods that answer call) in spec, or None."""
    for path, methods in spec.operations.items():
        if not _path_matches(path, call.path):
            continue
        if call.method is None and methods:
            return path, methods
        if call.method in methods:
            return path, [call.method]
    return None


def _answers(spec: _Spec, call: Call) -> str | None:
    """`spec:line` of the operation answering call, or None."""
    found = _match(spec, call)
    return None if found is None else f"{spec.where}:{spec.line(*found)}"


def _same_path(spec: _Spec, call: Call) -> str | None:
    """For a method mismatch: `the spec has ... only as GET, POST (spec:line)`."""
    for path, methods in spec.operations.items():
        if methods and _path_matches(path, call.path):
            allowed = ", ".join(m.upper() for m in methods)
            return f"{spec.where}:{spec.line(path, methods)} has {path} only as {allowed}"
    return None


def _path_matches(template: str, path: str) -> bool:
    """Whether an OpenAPI path template (`/a/{id}`) matches a call's path (HOLEs: unknown text)."""
    want, got = template.rstrip("/").split("/"), path.split("/")
    return len(want) == len(got) and all(_segment(w, g) for w, g in zip(want, got, strict=True))


def _segment(template: str, segment: str) -> bool:
    if "{" in template:
        if HOLE in segment:
            return True  # a run-time value where the spec takes a parameter
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
        return re.fullmatch(pattern, segment) is not None
    if HOLE in segment:
        pattern = ".*".join(re.escape(part) for part in segment.split(HOLE))
        return re.fullmatch(pattern, template) is not None
    return template == segment
