"""A throwaway compose stack: per-run override, `up --wait`, diagnosis, guaranteed teardown.

pytest-docker's default fixture runs `up` before its try/finally (a failed `up` leaks the
stack) and shows no logs. Here every way out -- pass, failure, wait timeout, Ctrl-C,
SIGTERM -- saves each service's log under the run's report directory and removes the
project's containers, networks and volumes, then checks that nothing is left.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tag import Tag

from harness import files, proc, safeload
from harness.docker import compose, healthpoll, owners
from harness.errors import HarnessError

OVERRIDE_FILE = "override.yml"
RUN_ENV_FILE = "run.env"
LOGS_DIR = "logs"
LOG_TAIL_LINES = 25
# Every service's log in one file, split into <service>.log and removed.
ALL_LOGS = ".all-services.log"
# Seconds compose gives each container to stop before SIGKILL, at teardown.
STOP_TIMEOUT = 10
# Bounds sized for a shared 2-core runner at load 8-10, where `compose down` of a dozen
# containers was seen to take minutes: generous, but finite, and followed by a forced
# removal by label when exceeded.
DOWN_TIMEOUT = 600
CONFIG_TIMEOUT = 120
# What `up` may take beyond its own --wait-timeout (creating networks, starting containers).
UP_GRACE = 300
BUILD_TIMEOUT = 1800
# Exit status of a command ended by SIGINT, as shells and compose report it.
INTERRUPTED = 130


class StackError(HarnessError):
    """The stack did not come up; the message names each failing service."""


def override_for(
    config: Mapping[str, Any], started: Collection[str] | None = None
) -> dict[str, Any]:
    """The per-run override of a resolved compose config (`compose config --format json`).

    Every published port becomes an ephemeral 127.0.0.1 port, so the run never collides
    with a dev stack or another run; nothing restarts, so a crash fails `up --wait` at
    once instead of looping; healthchecks poll fast until they first pass (healthpoll); a
    developer's per-service `.env` files are not read, so the run tests what is committed.
    started: the services a subset run starts; each leaves the networks where none of its
    peers runs (see `_unused_networks`).
    """
    declared = config.get("services", {})
    unused = _unused_networks(declared, started) if started is not None else {}
    services: dict[str, Any] = {}
    for name, spec in sorted(declared.items()):
        no_env_files = CommentedSeq()
        no_env_files.yaml_set_ctag(Tag(suffix="!reset"))
        # Quoted: a bare `no` is a boolean to YAML 1.1 readers.
        entry: dict[str, Any] = {
            "restart": DoubleQuotedScalarString("no"),
            "env_file": no_env_files,
        }
        targets = sorted({int(p["target"]) for p in spec.get("ports", [])})
        if targets:
            ports = CommentedSeq([f"127.0.0.1::{target}" for target in targets])
            # `!override` replaces the base file's list instead of appending to it.
            ports.yaml_set_ctag(Tag(suffix="!override"))
            entry["ports"] = ports
        if spec.get("healthcheck", {}).get("test"):
            entry["healthcheck"] = _healthcheck(spec["healthcheck"])
        left_out = unused.get(name, set())
        kept = {n: v for n, v in (spec.get("networks") or {}).items() if n not in left_out}
        # None left: compose would attach it to a default network instead; keep them all.
        if left_out and kept:
            networks = CommentedMap({n: v or {} for n, v in sorted(kept.items())})
            networks.yaml_set_ctag(Tag(suffix="!override"))
            entry["networks"] = networks
        services[name] = entry
    return {"services": services}


def _healthcheck(resolved: Mapping[str, Any]) -> dict[str, Any]:
    entry = healthpoll.throwaway(resolved)
    if "test" in entry:
        # `!override` replaces the base file's test instead of merging into it.
        test = CommentedSeq(entry["test"])
        test.yaml_set_ctag(Tag(suffix="!override"))
        entry["test"] = test
    return entry


def _unused_networks(declared: Mapping[str, Any], started: Collection[str]) -> dict[str, set[str]]:
    """Service -> the networks it joins whose other members are all services left out.

    Traefik joins every service's network to route to it: in a run that starts one service
    of twenty, creating (and at teardown removing) the nineteen others' networks was most of
    the time that grew with the registry. A network with no running peer connects nothing.
    """
    members: dict[str, set[str]] = {}
    for name, spec in declared.items():
        for network in spec.get("networks") or {}:
            members.setdefault(network, set()).add(name)
    running = set(started)
    unused: dict[str, set[str]] = {}
    for name in running:
        for network in declared.get(name, {}).get("networks") or {}:
            peers = members[network] - {name}
            if peers and not peers & running:
                unused.setdefault(name, set()).add(network)
    return unused


def write_yaml(data: Mapping[str, Any], path: Path) -> None:
    """Write data as YAML (ruamel keeps the `!override` tags)."""
    yaml = YAML()
    yaml.default_flow_style = False
    text = io.StringIO()
    yaml.dump(dict(data), text)
    files.write_text(path, text.getvalue(), "compose override")


class Stack:
    """One compose project brought up for a run and always torn down; see the module doc.

    isolated=False keeps the compose files' own host ports and restart policies (the plan's
    verification of the dev stack); build=True lets compose build the images itself;
    services= starts only those compose services (and what they depend on).
    """

    def __init__(
        self,
        root: Path,
        files: Sequence[Path],
        *,
        name: str,
        report_dir: Path,
        env_files: Sequence[Path] = (),
        run_env: Mapping[str, str] | None = None,
        profiles: Sequence[str] = (),
        wait_timeout: int = 240,
        isolated: bool = True,
        build: bool = False,
        services: Sequence[str] = (),
        run: proc.Runner = proc.run,
        say: Callable[[str], None] = print,
    ) -> None:
        self.root = root
        self.name = name
        self.report_dir = report_dir
        self.wait_timeout = wait_timeout
        self.isolated = isolated
        self.build = build
        self.services = tuple(services)
        self._config: dict[str, Any] = {}
        self.say = say
        self.timings: dict[str, float] = {}
        self._run = run
        self._run_env = dict(run_env or {})
        self._down = False
        self._logs_saved = False
        self._owned = False
        self._interruptible: contextlib.ExitStack | None = None
        run_env_file = report_dir / RUN_ENV_FILE
        self._base = compose.Project(
            root,
            name,
            tuple(files),
            (*env_files, run_env_file) if run_env else tuple(env_files),
            tuple(profiles),
            self._compose_runner,
        )
        self.project = self._base

    # --- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> Stack:
        """up(); if it fails, the stack is torn down before the error propagates."""
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.down()

    def up(self) -> None:
        """Claim the project, then converge it (`_converge`); StackError names what failed."""
        started = time.monotonic()
        self._check_inputs(self._base)
        # Until down(): SIGTERM (CI cancelling, nox giving up) unwinds like Ctrl-C.
        self._interruptible = contextlib.ExitStack()
        self._interruptible.enter_context(proc.sigterm_interrupts())
        owners.reap(self._run, self.say)
        self._claim()
        files.make_dir(self.report_dir, "report directory")
        if self._run_env:
            lines = [f"{key}={value}" for key, value in sorted(self._run_env.items())]
            files.write_text(self.report_dir / RUN_ENV_FILE, "\n".join(lines) + "\n", "run env")
        self._converge(started, "up")

    def layer(self, *extra: Path) -> None:
        """Add compose files to the running stack and `up` again: compose recreates what changed."""
        if not self._owned or self._down:
            raise HarnessError(f"stack {self.name}: not up, nothing to layer {extra[0].name} on")
        started = time.monotonic()
        layered = compose.Project(
            self.root,
            self.name,
            (*self._base.files, *extra),
            self._base.env_files,
            self._base.profiles,
            self._compose_runner,
        )
        # Before compose (or down) ever reads them.
        self._check_inputs(layered)
        # A recreated container loses its log: this phase's are kept apart from down()'s.
        before = self.report_dir / f"{LOGS_DIR}-before-{extra[0].name}"
        self._save_logs_or_say(lambda: self._write_logs(before))
        self._base = self.project = layered
        self._converge(started, "layer")

    def _converge(self, started: float, step: str) -> None:
        """Resolve the config, write the override, `up --wait`; StackError names what failed."""
        done = self._base("config", "--format", "json", timeout=CONFIG_TIMEOUT)
        if not done.ok:
            raise HarnessError(f"compose config: {done.last_error_line()}")
        self._config = json.loads(done.stdout)
        if self.isolated:
            override = self.report_dir / OVERRIDE_FILE
            subset = self.expected_services() if self.services else None
            write_yaml(override_for(self._config, subset), override)
            self.project = compose.Project(
                self.root,
                self.name,
                (*self._base.files, override),
                self._base.env_files,
                self._base.profiles,
                self._compose_runner,
            )
        self.say(f"stack {self.name}: up --wait (timeout {self.wait_timeout}s)")
        # Images come from `nox -s build` (its table, its tags) unless asked to build here.
        images = ("--build",) if self.build else ("--no-build", "--pull", "never")
        done = self.project(
            "up", "--detach", "--wait", "--wait-timeout", str(self.wait_timeout),
            *images, "--quiet-pull", "--remove-orphans", *self.services,
            timeout=self.wait_timeout + (BUILD_TIMEOUT if self.build else UP_GRACE),
        )  # fmt: skip
        self.timings[step] = time.monotonic() - started
        if done.returncode == INTERRUPTED:
            # compose got the Ctrl-C and we did not (SIGINT ignored here): still a Ctrl-C.
            raise KeyboardInterrupt(f"stack {self.name}: `compose up` was interrupted")
        if not done.ok:
            raise StackError(self._diagnose(done))

    def _check_inputs(self, project: compose.Project) -> None:
        """Compose and env files are small regular UTF-8 files, compose ones without alias bombs.

        `compose config` expands aliases as it reads, and reads an env file that is a
        symlink to /dev/zero forever: both are refused here, before compose sees them.
        """
        # A missing file is left to compose, whose own error names it.
        present = [p for p in project.files if p.exists() or p.is_symlink()]
        for path in present:
            where = _relative(path, self.root)
            safeload.check_yaml(safeload.read_text(path, "compose file", where=where), where)
        for path in project.env_files:
            # This run's own env file is written by up(), after this check.
            if path.parent != self.report_dir and (path.exists() or path.is_symlink()):
                safeload.read_text(path, "env file", where=_relative(path, self.root))

    def _restore_signals(self) -> None:
        if self._interruptible is not None:
            self._interruptible.close()
            self._interruptible = None

    def _claim(self) -> None:
        """Refuse a project that already has containers, networks or volumes; else own it.

        Teardown removes volumes: on a name someone else uses (the dev stack's `annadata`)
        it would delete their data.
        """
        left = self.leftovers()
        if any(left.values()):
            raise StackError(
                f"compose project {self.name!r} already exists ({_describe_left(left)}): a "
                "throwaway stack must have a project of its own; choose another name (or "
                f"remove that one with `docker compose -p {self.name} down --volumes`)"
            )
        owners.record(self.name)
        self._owned = True

    def down(self) -> None:
        """Save logs, remove containers, networks and volumes, and prove nothing is left."""
        if self._down:
            return
        self._down = True
        started = time.monotonic()
        # A second Ctrl-C must not abandon a half-removed stack.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if not self._owned:
                return
            self._save_logs_or_say(self.save_logs)
            done = self.project(
                "down", "--volumes", "--remove-orphans", "--timeout", str(STOP_TIMEOUT),
                timeout=DOWN_TIMEOUT, shielded=True,
            )  # fmt: skip
            left = self.leftovers()
            if any(left.values()):
                compose.remove(left, self._run)
                left = self.leftovers()
                if any(left.values()):
                    raise HarnessError(
                        f"stack {self.name}: {_describe_left(left)} survived `compose down` and "
                        f"forced removal: remove them by label {compose.PROJECT_LABEL}={self.name}"
                    )
                if done.ok:
                    raise HarnessError(
                        f"stack {self.name}: `compose down` left things behind; removed them by "
                        f"label {compose.PROJECT_LABEL}"
                    )
            # Everything is gone (down worked, or the forced removal did): the run is clean.
            owners.release(self.name)
        finally:
            signal.signal(signal.SIGINT, previous)
            self._restore_signals()
            # Gone already, or its directory never could be made (then it never existed).
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                (self.report_dir / RUN_ENV_FILE).unlink()
            self.timings["down"] = time.monotonic() - started

    def keep(self) -> str:
        """Leave the stack up; the text says how to reach it and how to remove it."""
        self._down = True
        # The user owns it now: no later run may reap it as orphaned.
        owners.release(self.name)
        self._restore_signals()
        lines = [f"stack {self.name} kept up (--keep):"]
        for container in self.project.containers():
            ports = ", ".join(
                f"127.0.0.1:{p['PublishedPort']}->{p['TargetPort']}"
                for p in container.get("Publishers") or []
                if p.get("PublishedPort")
            )
            lines.append(f"  {container['Service']:<32} {container['State']:<8} {ports}")
        lines.append(
            "  routed services answer on the traefik port above with a Host header, e.g. "
            "`curl -H 'Host: <service>.localhost' http://127.0.0.1:<port>/`"
        )
        lines.append("remove it with:")
        lines.append("  " + " ".join(self.project.argv("down", "--volumes", "--remove-orphans")))
        lines.append(
            f"then delete {_relative(self.report_dir, self.root)}/ (its {RUN_ENV_FILE} "
            "holds this run's database password)"
        )
        return "\n".join(lines)

    # --- what the tests ask ----------------------------------------------------------------

    def expected_services(self) -> list[str]:
        """The services `up` starts: every active one, or those asked for and their depends_on."""
        declared = self._config.get("services", {})
        if not declared:
            return self.project.services()
        if not self.services:
            return sorted(declared)
        wanted, queue = set(self.services), list(self.services)
        while queue:
            for dep in declared.get(queue.pop(), {}).get("depends_on", {}) or {}:
                if dep not in wanted:
                    wanted.add(dep)
                    queue.append(dep)
        return sorted(wanted)

    @property
    def run_env(self) -> dict[str, str]:
        """The variables this run sets on top of its env files."""
        return dict(self._run_env)

    def host_port(self, service: str, container_port: int) -> int:
        """The ephemeral 127.0.0.1 port of service:container_port."""
        port = self.project.host_port(service, container_port)
        if port is None:
            raise HarnessError(
                f"stack {self.name}: {service} publishes no port {container_port} "
                "(is it in an inactive profile?)"
            )
        return port

    def exec(self, service: str, *argv: str, timeout: float = 60) -> proc.Result:
        """Run argv in service's container (no TTY)."""
        return self.project("exec", "-T", service, *argv, timeout=timeout)

    def save_logs(self) -> Path:
        """Every service's log, with timestamps, under <report dir>/logs/<service>.log."""
        logs = self.report_dir / LOGS_DIR
        if not self._logs_saved:
            self._write_logs(logs)
            self._logs_saved = True
        return logs

    def _save_logs_or_say(self, save: Callable[[], object]) -> None:
        """Logs are a courtesy; removing or changing the stack is not: say why, and go on."""
        try:
            save()
        except HarnessError as exc:
            self.say(f"stack {self.name}: logs not saved: {exc}")

    def _write_logs(self, logs: Path) -> None:
        # One `compose logs` for every service, split here by its line prefixes: one call per
        # service was 2 s of a 14-service teardown, each a compose process of its own.
        containers = self.project.containers()
        combined = logs / ALL_LOGS
        files.make_dir(logs, "log directory")
        self.project("logs", "--no-color", "--timestamps", timeout=60, log=combined)
        try:
            # Line by line: a service that logged gigabytes is copied, never held in memory.
            with contextlib.ExitStack() as opened:
                try:
                    source: Iterable[str] = opened.enter_context(
                        combined.open(encoding="utf-8", errors="replace")
                    )
                except FileNotFoundError:
                    source = []  # a runner that wrote nothing
                sinks = {
                    service: opened.enter_context((logs / f"{service}.log").open("w"))
                    for service in sorted({str(c["Service"]) for c in containers})
                }
                for service, line in split_logs(source, containers, self.name):
                    for sink in [sinks[service]] if service else sinks.values():
                        sink.write(line)
            combined.unlink(missing_ok=True)
        except OSError as exc:
            raise HarnessError(f"stack {self.name}: cannot save logs in {logs}: {exc}") from exc

    def leftovers(self) -> dict[str, list[str]]:
        """Containers, networks and volumes still labelled with this project."""
        return compose.leftovers(self.name, self._run)

    # --- internals -----------------------------------------------------------------------

    def _compose_runner(self, argv: Sequence[str], **kwargs: Any) -> proc.Result:
        # Our run env must win over a developer's shell (compose prefers the shell's values).
        env = {k: v for k, v in os.environ.items() if k not in self._run_env}
        return self._run(argv, env=env, **kwargs)

    def _diagnose(self, done: proc.Result) -> str:
        """Print compose ps and each failing service's log tail; return the one-line headline."""
        containers = self.project.containers()
        failing = [c for c in containers if _failing(c)]
        report = [f"--- stack {self.name}: `up --wait` failed: {done.last_error_line()}"]
        report.append(f"{'service':<32} {'state':<10} {'health':<10} exit")
        for c in containers:
            report.append(
                f"{c['Service']:<32} {c['State']:<10} {c.get('Health') or '-':<10} "
                f"{c.get('ExitCode', '')}"
            )
        # Exited or unhealthy containers fail `up --wait` at once; otherwise it timed out.
        # ("created" containers wait on a failed dependency: effects, not causes.)
        hard = [
            c for c in failing
            if c.get("State") not in ("running", "created") or c.get("Health") == "unhealthy"
        ]  # fmt: skip
        named = hard or failing
        described = []
        for c in named:
            service = c["Service"]
            why = _why(c, self._state(c))
            described.append(f"{service} {why}")
            tail = self.project("logs", "--no-color", "--tail", str(LOG_TAIL_LINES), service)
            report.append(f"--- {service}: {why}; last {LOG_TAIL_LINES} log lines:")
            report.extend(f"    {line}" for line in tail.stdout.splitlines())
        logs = self.save_logs()
        self.say("\n".join(report))
        if not described:
            described = [f"compose said: {done.last_error_line()}"]
        reason = (
            "a service failed to start"
            if hard
            else f"not healthy within the {self.wait_timeout}s wait timeout"
        )
        return (
            f"stack {self.name}: {reason}: {'; '.join(described)} "
            f"({len(containers)} containers created); logs in {_relative(logs, self.root)}/"
        )

    def _state(self, container: dict[str, Any]) -> dict[str, Any]:
        """The container's `.State` from docker inspect ({} when it is gone)."""
        done = self._run(
            ["docker", "inspect", "--format", "{{json .State}}", container["ID"]], timeout=30
        )
        try:
            return (json.loads(done.stdout) if done.ok else None) or {}
        except json.JSONDecodeError:
            return {}


def split_logs(
    lines: Iterable[str], containers: Sequence[Mapping[str, Any]], project: str
) -> Iterator[tuple[str | None, str]]:
    """(service, line) for each line of `compose logs`; service None: the line is every one's.

    compose prefixes a line with its container's name, less the project's: `web-1  | ...`.
    A line with no known prefix (compose's own messages) goes with the line before it, or to
    every service when it comes first.
    """
    owner: dict[str, str] = {}
    for c in containers:
        if name := str(c.get("Name", "")):
            owner[name] = owner[name.removeprefix(f"{project}-")] = str(c["Service"])
    current: str | None = None
    for line in lines:
        head, sep, _ = line.partition(" | ")
        current = owner.get(head.rstrip(), current) if sep else current
        yield current, line


def _failing(container: dict[str, Any]) -> bool:
    return container.get("State") != "running" or container.get("Health") not in ("", "healthy")


def _why(container: dict[str, Any], state: dict[str, Any]) -> str:
    """A few words on why a container is not healthy, from compose ps and inspect."""
    if state.get("OOMKilled"):
        return "killed by the OOM killer: raise its memory limit (deploy.resources.limits)"
    status = container.get("State", "?")
    if status == "exited":
        return f"exited ({container.get('ExitCode')})"
    if status == "restarting":
        return f"restarting (last exit {state.get('ExitCode', '?')})"
    if status == "created":
        return "not started (waits for a dependency)"
    if status != "running":
        return str(status)
    health = container.get("Health") or "no health"
    probes = (state.get("Health") or {}).get("Log") or []
    output = " ".join(probes[-1].get("Output", "").split())[:200] if probes else ""
    return f"{health} (last check: {output})" if output else health


def _describe_left(left: dict[str, list[str]]) -> str:
    return ", ".join(f"{len(ids)} {what}" for what, ids in left.items() if ids)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
