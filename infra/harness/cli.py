"""`python -m harness <command>`: what the nox sessions call."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from harness import docker, paths, proc, reports
from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.selection import plan

# Each command imports what it uses: the whole harness (jsonschema, httpx, ruamel) costs a
# third of a second per `python -m harness`, which a one-line error should not wait for.

AFFECTED_HELP = (
    "only what a change reaches: compared with the merge-base of REF (A..B: two commits; "
    "`pushed`: pre-commit's pushed range); default ANNADATA_AFFECTED_BASE, else main"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a HarnessError becomes one line on stderr and exit status 2."""
    args, extra = _parser().parse_known_args(argv)
    if extra and getattr(args, "func", None) not in (_smoke, _security):
        _parser().error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    # Ctrl-C raises KeyboardInterrupt again (`python -m harness` exits quietly until here).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # SIGTERM (CI cancelling a job, nox's timeout) unwinds like Ctrl-C: every cleanup
        # in a `finally` runs, a half-written scaffold is rolled back, stacks come down.
        with proc.sigterm_interrupts():
            return int(args.func(args))
    except HarnessError as exc:
        if isinstance(exc.__context__, HarnessError):
            # Raised during cleanup of an earlier failure: that one is the cause.
            print(f"error: {exc.__context__}", file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # The harness's own writes say which file and why; anything the filesystem refuses
        # elsewhere (a report directory that is a file, a full disk) is still one line.
        where = f"{exc.filename}: " if exc.filename else ""
        print(
            f"error: {where}{exc.strerror or exc}: check that path (and that its directory is "
            "writable, with free space), then run again",
            file=sys.stderr,
        )
        return 2


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (the usage is one `--help` away)."""

    def error(self, message: str) -> NoReturn:
        """Print `error: <command>: <message>` and exit 2, as every other refusal does."""
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1 second")
    return value


def _nonempty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty value: give one, or leave the option out")
    return text


def _path(text: str) -> Path:
    return Path(_nonempty(text))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m harness", description=__doc__)
    parser.add_argument("--root", type=_path, help="repository root (default: found from cwd)")
    sub = parser.add_subparsers(required=True, metavar="command")

    cmd = sub.add_parser("doctor", help="check this machine can run the stack")
    cmd.add_argument("--no-provision", action="store_true", help="never install Docker")
    cmd.set_defaults(func=_doctor)

    cmd = sub.add_parser("bases", help="build the no-registry stand-in images")
    cmd.add_argument("names", nargs="*", help="only these stand-ins (and what they build on)")
    cmd.add_argument("--force", action="store_true", help="rebuild even when current")
    cmd.add_argument("--no-provision", action="store_true", help="never install Docker")
    cmd.set_defaults(func=_bases)

    cmd = sub.add_parser("build", help="build the service images (no-registry mode handled)")
    cmd.add_argument("names", nargs="*", help="services or service.kind (default: all)")
    _affected_option(cmd)
    cmd.add_argument(
        "--cache-from", metavar="R",
        help="registry/namespace to pull build layers from (missing ones are built)",
    )  # fmt: skip
    cmd.add_argument("--cache-to", metavar="R", help="registry/namespace to push layers to")
    cmd.add_argument("--no-provision", action="store_true", help="never install Docker")
    cmd.set_defaults(func=_build)

    cmd = sub.add_parser(
        "affected", help="what a change reaches: components and sessions, with the reasons"
    )
    cmd.add_argument("--base", metavar="REF", help=AFFECTED_HELP.split(": ", 1)[1])
    cmd.add_argument(
        "--all", action="store_true", help="everything: the full gate (main, the nightly run)"
    )
    cmd.add_argument("--format", choices=("text", "json", "github"), default="text")
    cmd.add_argument(
        "--output", type=Path, metavar="FILE",
        help="append to FILE (e.g. $GITHUB_OUTPUT) instead of printing",
    )  # fmt: skip
    cmd.set_defaults(func=_affected)

    cmd = sub.add_parser(
        "smoke",
        help="build, bring up a throwaway stack, run tests/smoke, tear down",
        description="Unknown arguments go to pytest (e.g. -k health, -x).",
    )
    cmd.add_argument(
        "--profile", action="append", dest="profiles", metavar="P",
        help="compose profile to add to the default stack (repeatable); "
        "`default` alone means none; without it: every profile",
    )  # fmt: skip
    cmd.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    cmd.add_argument(
        "--wait-timeout", type=_positive_int, default=docker.DEFAULT_WAIT_TIMEOUT,
        metavar="SECONDS", help="how long `up --wait` may take (default: %(default)s)",
    )  # fmt: skip
    _affected_option(cmd)
    cmd.add_argument("--no-provision", action="store_true", help="never install Docker")
    cmd.set_defaults(func=_smoke)

    cmd = sub.add_parser(
        "security",
        help="build, bring up a throwaway stack, run the attacks of tests/security, tear down",
        description="Unknown arguments go to pytest (e.g. -k redis, -x).",
    )
    cmd.add_argument(
        "--wait-timeout", type=int, default=docker.DEFAULT_WAIT_TIMEOUT, metavar="SECONDS",
        help="how long `up --wait` may take (default: %(default)s)",
    )  # fmt: skip
    cmd.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    _affected_option(cmd)
    cmd.add_argument("--no-provision", action="store_true", help="never install Docker")
    cmd.set_defaults(func=_security)

    cmd = sub.add_parser("lock", help="lock every Python requirement with hashes (uv)")
    cmd.add_argument("--upgrade", action="store_true", help="take the newest versions allowed")
    cmd.set_defaults(func=_lock)

    cmd = sub.add_parser("contract", help="OpenAPI contracts: drift, breaking changes, live")
    cmd.add_argument("--update", action="store_true", help="rewrite openapi.yaml from the apps")
    cmd.add_argument(
        "--base", type=_nonempty, help="git ref to compare against (default: merge-base with main)"
    )
    cmd.add_argument("--thorough", action="store_true", help="10x the examples per operation")
    cmd.add_argument("--offline", action="store_true", help="skip the live schemathesis run")
    cmd.add_argument("--keep", action="store_true", help="leave the live stack up afterwards")
    _affected_option(cmd)
    cmd.add_argument("--no-provision", action="store_true", help="never install Docker")
    cmd.set_defaults(func=_contract)

    cmd = sub.add_parser("lint", help="linters and stack policy: path:line: RULE message")
    cmd.add_argument("--format", choices=reports.LINT_FORMATS, default="text")
    cmd.add_argument("--output", type=_path, help="write the report here instead of stdout")
    cmd.set_defaults(func=_lint)

    cmd = sub.add_parser("publish", help="tag and push every image (sha, branch, version, latest)")
    cmd.add_argument(
        "--registry", required=True, metavar="R",
        help="registry and namespace, e.g. ghcr.io/<owner> or 127.0.0.1:5000",
    )  # fmt: skip
    cmd.add_argument("--dry-run", action="store_true", help="print the plan, push nothing")
    cmd.add_argument("--allow-dirty", action="store_true", help="publish a dirty work tree")
    cmd.add_argument("--no-provision", action="store_true", help="never install Docker")
    cmd.set_defaults(func=_publish)

    cmd = sub.add_parser("summary", help="the gate's Markdown summary from reports/")
    cmd.add_argument(
        "--output", type=_path, metavar="FILE",
        help="append to FILE (e.g. $GITHUB_STEP_SUMMARY) instead of printing",
    )  # fmt: skip
    cmd.set_defaults(func=_summary)

    cmd = sub.add_parser("dockerfiles", help="check (or --write) service Dockerfiles")
    cmd.add_argument("--write", action="store_true", help="rewrite them from their templates")
    cmd.set_defaults(func=_dockerfiles)

    cmd = sub.add_parser("new-service", help="scaffold a service from services/_template")
    cmd.add_argument("name", help="snake_case service name, e.g. pest_alerts")
    cmd.add_argument("--frontend", action="store_true", help="add a Vite frontend as well")
    cmd.add_argument("--profile", metavar="P", help="compose profile (default: the default stack)")
    cmd.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    cmd.set_defaults(func=_new_service)

    cmd = sub.add_parser("chart", help="lint, render, validate and policy-check the Helm chart")
    cmd.set_defaults(func=_chart)

    cmd = sub.add_parser("k8s", help="install the chart into a local cluster and verify it")
    cmd.add_argument("--build-only", action="store_true", help="only build the cluster binaries")
    cmd.add_argument("--clean", action="store_true", help="remove what a crashed run left")
    cmd.set_defaults(func=_k8s)

    cmd = sub.add_parser("audit", help="inventory a repository the harness did not write")
    cmd.add_argument("path", type=Path, help="the repository's root (read only)")
    cmd.add_argument("--format", choices=reports.AUDIT_FORMATS, default="md")
    cmd.add_argument("--output", type=Path, metavar="FILE", help="write the report here")
    cmd.add_argument(
        "--no-probe", action="store_true",
        help="parse only: no throwaway venv (openapi from settings stays unresolved)",
    )  # fmt: skip
    cmd.set_defaults(func=_audit)

    cmd = sub.add_parser("adopt", help="make a repository a harness repository, code unmoved")
    cmd.add_argument("path", type=Path, help="the repository's root (a clean git work tree)")
    cmd.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    cmd.set_defaults(func=_adopt)

    cmd = sub.add_parser("registry", help="validate services.json and list its components")
    cmd.set_defaults(func=_registry)
    return parser


def _affected_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--affected", nargs="?", const="", metavar="REF", help=AFFECTED_HELP)


def _request(args: argparse.Namespace) -> plan.Request | None:
    """--affected [REF] as a request (ANNADATA_AFFECTED_BASE asks for one too)."""
    from harness.selection import plan

    value = args.affected
    return plan.request([] if value is None else [plan.FLAG, *([value] if value else [])])[0]


def _root(args: argparse.Namespace) -> Path:
    return paths.checked_root(args.root, "--root") if args.root else paths.repo_root()


def _doctor(args: argparse.Namespace) -> int:
    from harness import doctor

    rows = doctor.check(_root(args), allow_provision=not args.no_provision)
    print(doctor.render(rows))
    return 1 if doctor.failed(rows) else 0


def _bases(args: argparse.Namespace) -> int:
    from harness.bases import standin_build, standins
    from harness.docker import engine

    root = _root(args)
    started = time.monotonic()
    # The manifest and the names first: a typo must not wait for (or provision) an engine.
    standins.check(root, args.names)
    engine.ensure(root=root, allow_provision=not args.no_provision)
    outcomes = standin_build.build(root, only=args.names, force=args.force)
    width = max(len(o.tag) for o in outcomes)
    print(f"{'image'.ljust(width)}  {'action':<10}  {'seconds':>7}  {'size MB':>7}")
    for o in outcomes:
        size = f"{o.size_mb:7.0f}" if o.size_mb is not None else f"{'-':>7}"
        print(f"{o.tag.ljust(width)}  {o.action:<10}  {o.seconds:7.1f}  {size}")
    print(
        f"bases: {sum(o.action == 'built' for o in outcomes)} built, "
        f"{sum(o.action != 'built' for o in outcomes)} up to date in "
        f"{time.monotonic() - started:.1f}s; image variables in {paths.NO_REGISTRY_ENV_FILE}"
    )
    return 0


def _build(args: argparse.Namespace) -> int:
    from harness import registry
    from harness.docker import images
    from harness.docker.prepare import prepare
    from harness.selection import plan

    root = _root(args)
    reg = registry.load(root)
    comps = reg.select(args.names)
    affected = _request(args)
    if affected is not None:
        decided = plan.decide(plan.select(root, affected, reg), reg, "build")
        print(decided.line)
        if not decided.run:
            return 0
        if decided.targets is not None:
            comps = [c for c in comps if c.ref in decided.targets]
    cache = None
    if args.cache_from or args.cache_to:
        cache = images.LayerCache(args.cache_from, args.cache_to)
    prepare(root, reg, comps, allow_provision=not args.no_provision, cache=cache)
    return 0


def _affected(args: argparse.Namespace) -> int:
    from harness import registry
    from harness.selection import affected, plan

    root = _root(args)
    reg = registry.load(root)
    if args.all:
        change = affected.Change(None, None, "(none: --all)", (), "--all: the full gate")
        sel = affected.compute(root, reg, change)
    else:
        ref = args.base or os.environ.get(plan.ENV) or None
        sel = plan.select(root, plan.Request(ref, "--base"), reg)
    text = plan.report(sel, reg, args.format)
    if args.output:
        with args.output.open("a", encoding="utf-8") as sink:
            sink.write(text + "\n")
    else:
        print(text)
    return 0


def _smoke(args: argparse.Namespace) -> int:
    from harness import smoke

    return smoke.run(
        _root(args),
        profiles=args.profiles,
        keep=args.keep,
        wait_timeout=args.wait_timeout,
        pytest_args=args.extra,
        affected=_request(args),
        allow_provision=not args.no_provision,
    )


def _security(args: argparse.Namespace) -> int:
    from harness import smoke

    # Every profile: the attacks include the worker's queue.
    return smoke.run(
        _root(args),
        profiles=None,
        keep=args.keep,
        wait_timeout=args.wait_timeout,
        pytest_args=args.extra,
        affected=_request(args),
        allow_provision=not args.no_provision,
        suite=smoke.SECURITY_SUITE,
    )


def _lock(args: argparse.Namespace) -> int:
    from harness import locks

    return locks.run(_root(args), upgrade=args.upgrade)


def _contract(args: argparse.Namespace) -> int:
    from harness.contract import check as contract

    return contract.run(
        _root(args),
        update=args.update,
        base=args.base,
        thorough=args.thorough,
        offline=args.offline,
        keep=args.keep,
        affected=_request(args),
        allow_provision=not args.no_provision,
    )


def _lint(args: argparse.Namespace) -> int:
    from harness import files, lint

    root = _root(args)
    started = time.monotonic()
    found = lint.collect(root)
    report = lint.render(found, args.format)
    if args.output:
        files.write_text(args.output, report + "\n", "lint report")
        print(lint.render(found, "text"))
    else:
        print(report)
    print(f"lint: {time.monotonic() - started:.1f}s", file=sys.stderr)
    return 1 if lint.failed(found) else 0


def _publish(args: argparse.Namespace) -> int:
    from harness import publish

    return publish.run(
        _root(args),
        registry_prefix=args.registry,
        dry_run=args.dry_run,
        allow_dirty=args.allow_dirty,
        allow_provision=not args.no_provision,
    )


def _summary(args: argparse.Namespace) -> int:
    from harness import files, summary

    text = summary.markdown(_root(args))
    if args.output:
        files.append_text(args.output, text, "summary")
    else:
        print(text)
    return 0


def _dockerfiles(args: argparse.Namespace) -> int:
    from harness import registry
    from harness.docker import dockerfiles

    root = _root(args)
    reg = registry.load(root)
    if args.write:
        for path in dockerfiles.write_all(root, reg):
            print(f"wrote {path}")
        return 0
    drift = dockerfiles.drifted(root, reg)
    for path in drift:
        line = dockerfiles.first_drifted_line(root, reg, path)
        print(
            f"{path}:{line}: differs from its template; only first-block ARG defaults may "
            "differ: run `python -m harness dockerfiles --write`"
        )
    return 1 if drift else 0


def _new_service(args: argparse.Namespace) -> int:
    from harness.scaffold import new_service as scaffold

    return scaffold.run(
        _root(args), args.name, frontend=args.frontend, profile=args.profile,
        dry_run=args.dry_run,
    )  # fmt: skip


def _audit(args: argparse.Namespace) -> int:
    from harness.adopt import audit, report

    found = audit.run_audit(
        args.path, use_probe=not args.no_probe, say=lambda line: print(line, file=sys.stderr)
    )
    text = report.render(found, args.format)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"audit: report in {args.output}", file=sys.stderr)
    else:
        print(text)
    if found.empty:
        print(f"audit: {found.root}: no services found (no ASGI app, no Node frontend)",
              file=sys.stderr)  # fmt: skip
    return 0


def _adopt(args: argparse.Namespace) -> int:
    from harness.adopt import writer

    return writer.run(args.path, dry_run=args.dry_run)


def _registry(args: argparse.Namespace) -> int:
    from harness import registry

    reg = registry.load(_root(args))
    for comp in reg.components():
        port = comp.port if comp.port is not None else "-"
        deps = ",".join(comp.depends_on) or "-"
        print(f"{comp.ref:<32} {comp.directory:<42} port {port!s:<5} depends on {deps}")
    print(f"{reg.path.name}: {len(reg.components())} components valid")
    return 0


def _chart(args: argparse.Namespace) -> int:
    from harness.k8s import chart

    return chart.run(_root(args))


def _k8s(args: argparse.Namespace) -> int:
    from harness.k8s import session

    if args.clean:
        return session.clean()
    return session.run(_root(args), build_only=args.build_only)
