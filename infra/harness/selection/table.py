"""The one small table: what the harness's own files (and docs, tests, CI) ask to run.

Service code, libraries, Dockerfile templates, stand-in recipes, data, compose and the
registry are not listed here: their rules derive from the registry (`affected.py`). A
pick is a gate session (the whole of it) or `session:target`; EVERYTHING selects all.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

EVERYTHING = "*"
# Whole-stack Docker sessions: what changes to the stack machinery must re-run.
_DOCKER = (
    "build:*", "smoke:*", "contract:*", "stack", "devstack", "security", "k8s", "scaffold",
    "adopt-corpus",
)  # fmt: skip
# What mirrors compose, the registry and its env: the chart's conformance test reads them, the
# cluster runs them, the attacks target them, and adopt writes its stack from them.
_STACK_FILES = ("chart", "k8s", "security", "devstack", "scaffold", "adopt-corpus")
_HARNESS = ("typecheck", "unit:harness")
# The files tests/harness/test_sessions_named.py reads for `nox -s <name>` (docs included).
SESSION_NAMES_TEST = "tests/harness/test_sessions_named.py"


@dataclass(frozen=True)
class Rule:
    """Paths matching `pattern` pick these sessions; `why` is what the reason line says.

    pattern: a directory (ending in /), a file, or a glob (fnmatch: `*` crosses /).
    final=False: the registry's rules apply as well (the path may belong to components).
    tests: narrows `unit:harness` to these test files (docs only need the docs check).
    """

    pattern: str
    picks: tuple[str, ...]
    why: str
    final: bool = True
    tests: tuple[str, ...] = ()

    def matches(self, path: str) -> bool:
        """Whether path falls under this rule."""
        if any(c in self.pattern for c in "*?["):
            return fnmatch.fnmatchcase(path, self.pattern)
        if self.pattern.endswith("/"):
            return path.startswith(self.pattern)
        return path == self.pattern


# First match wins: specific rows before the directories that hold them.
RULES: tuple[Rule, ...] = (
    # Docs: the session-name check reads the README and the services' READMEs.
    Rule("README.md", ("unit:harness",), "documentation (its `nox -s` names are checked)",
         tests=(SESSION_NAMES_TEST,)),
    Rule("services/*README.md", ("unit:harness",),
         "documentation (its `nox -s` names are checked)", tests=(SESSION_NAMES_TEST,)),
    Rule("*.md", (), "documentation: lint only"),
    # The selection decides what runs: when it changes, nothing may be left out.
    Rule("infra/harness/selection/", (EVERYTHING,), "the selection rules themselves"),
    # The chart's new-service test scaffolds; adopt writes with the scaffold's writers.
    Rule("infra/harness/scaffold/", (*_HARNESS, "scaffold", "chart", "adopt-corpus"),
         "scaffold code"),
    Rule("infra/harness/adopt/", (*_HARNESS, "adopt-corpus"), "audit and adopt code"),
    # publish pushes the chart (its test is in stack).
    Rule("infra/harness/k8s/", (*_HARNESS, "chart", "k8s", "stack"), "chart and cluster code"),
    Rule("infra/harness/lint/", (*_HARNESS, "lint-corpus", "hooks", "scaffold", "adopt-corpus"),
         "lint code"),
    # The drift check runs in every backend's unit session, and in the scaffold's runs.
    Rule("infra/harness/contract/", (*_HARNESS, "unit:*", "contract:*", "contract:checker",
                                     "scaffold", "adopt-corpus"), "contract code"),
    Rule("infra/harness/unit.py", (*_HARNESS, "unit:*", "scaffold"), "the unit runner"),
    Rule("infra/harness/bases/", (*_HARNESS, "standins", *_DOCKER), "stand-in build code"),
    Rule("infra/harness/docker/", (*_HARNESS, *_DOCKER), "image and stack code"),
    Rule("infra/harness/smoke.py", (*_HARNESS, "smoke:*", "contract:*", "devstack", "security",
                                    "scaffold", "adopt-corpus"),
         "the smoke runner (contract, devstack and security use its stack)"),
    Rule("infra/harness/publish.py", (*_HARNESS, "stack"), "publish code (its push test)"),
    Rule("infra/harness/sbom.py", (*_HARNESS, "stack"), "SBOM code (publish's push test)"),
    Rule("infra/harness/locks.py", _HARNESS, "the lock writer (`nox -s lock`)"),
    Rule("infra/harness/doctor.py", _HARNESS, "doctor code"),
    Rule("infra/harness/summary.py", _HARNESS, "the CI summary"),
    # registry, git, paths, processes, errors, the CLI: every session stands on them.
    Rule("infra/harness/", (EVERYTHING,), "harness core"),
    Rule("infra/schemas/", (EVERYTHING,), "the registry's schema"),
    Rule("noxfile.py", (EVERYTHING,), "the sessions themselves"),
    Rule("pyproject.toml", (EVERYTHING,), "every session's pins and tool settings"),
    Rule("infra/nox-requirements.txt", (EVERYTHING,), "nox itself"),
    Rule("infra/locks/", (EVERYTHING,), "every session's hash-locked installs"),
    # The chart: checked offline, run on the cluster, pushed by publish (its test in stack).
    Rule("infra/helm/", ("chart", "k8s", "stack"), "the Helm chart"),
    # Which files git, and so this selection, sees at all.
    Rule(".gitignore", (EVERYTHING,), "what git sees"),
    Rule(".dockerignore", ("build:*", "smoke:*", "contract:*", "devstack", "security", "k8s",
                           "scaffold", "adopt-corpus"),
         "every image's build context"),
    Rule("infra/scripts/", ("unit:harness", *_DOCKER), "engine provisioning"),
    Rule(".github/", ("unit:harness",), "CI workflows (actionlint; the session-name check)"),
    Rule(".pre-commit-config.yaml", ("unit:harness", "hooks"), "the pre-push hook"),
    Rule(".ci/", (), "the CI entry script: lint (shellcheck) only"),
    Rule(".hadolint.yaml", ("lint-corpus",), "linter settings"),
    Rule(".yamllint.yaml", ("lint-corpus",), "linter settings"),
    Rule("bench/", (), "benchmarks: not run by the gate, lint only"),
    Rule("scripts/", (), "data and model generators: not run by the gate, lint only"),
    # Tests: their own session.
    Rule("tests/harness/fixtures/lint/", ("lint-corpus",), "the lint corpus"),
    Rule("tests/harness/", ("unit:harness",), "harness unit tests"),
    Rule("tests/lint/", ("lint-corpus",), "the lint corpus"),
    Rule("tests/hooks/", ("hooks",), "the hook test"),
    Rule("tests/smoke/", ("smoke:*",), "the smoke suite"),
    Rule("tests/contract/", ("contract:checker",), "the contract checker's tests"),
    Rule("tests/stack/", ("stack",), "stack tests"),
    Rule("tests/publish/", ("stack",), "publish tests"),
    Rule("tests/standins/", ("standins",), "stand-in tests"),
    Rule("tests/devstack/", ("devstack",), "the dev stack check"),
    Rule("tests/scaffold/", ("scaffold",), "the scaffold test"),
    Rule("tests/chart/", ("chart",), "the chart's tests"),
    Rule("tests/k8s/", ("k8s",), "the cluster's tests"),
    Rule("tests/security/", ("security",), "the attack suite"),
    Rule("tests/adopt/", ("adopt-corpus",), "audit and adopt tests"),
    Rule("tests/adopt_corpus.py", ("adopt-corpus",), "the adopt corpus"),
    Rule("services/_template/", ("unit:template", "scaffold"), "the service template"),
    # A library's own tests reach no component; its code reaches every one that installs it.
    Rule("libs/*/tests/*", ("unit:libs",), "the library's own tests"),
    Rule("libs/", ("unit:libs", "unit:template"), "shared library", final=False),
    # Templates and recipes: the registry's rules find their components.
    Rule("infra/docker-templates/", ("scaffold", "k8s", "adopt-corpus"), "Dockerfile templates",
         final=False),
    Rule("infra/bases/", ("standins", "stack", "k8s", "adopt-corpus"), "stand-in recipes",
         final=False),
    # The scaffold edits all four; devstack runs the dev stack from them.
    Rule("docker-compose.yml", _STACK_FILES, "the compose file", final=False),
    Rule(".env.example", _STACK_FILES, "the env template", final=False),
    Rule("docker-compose.override.yml.sample", ("devstack", "scaffold"),
         "the hot-reload override"),
    Rule("services.json", ("scaffold", "chart", "k8s", "adopt-corpus"), "the registry",
         final=False),
)  # fmt: skip


def rule_for(path: str) -> Rule | None:
    """The first rule matching path, or None."""
    return next((rule for rule in RULES if rule.matches(path)), None)
