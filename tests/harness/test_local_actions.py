"""The lint's check of a workflow's local actions, on odd but possible files."""

from __future__ import annotations

from pathlib import Path

from harness.lint import local_actions

WORKFLOW = ".github/workflows/w.yml"


def _repo(tmp_path: Path, action: str, steps: str) -> Path:
    (tmp_path / ".github/actions/a").mkdir(parents=True)
    (tmp_path / ".github/actions/a/action.yml").write_text(action)
    (tmp_path / ".github/workflows").mkdir()
    (tmp_path / WORKFLOW).write_text(f"on: push\njobs:\n  j:\n    steps:\n{steps}")
    return tmp_path


def _found(root: Path) -> list[str]:
    return [f.text() for f in local_actions.check(root, [WORKFLOW])]


def test_a_number_as_an_input_name_is_named(tmp_path: Path) -> None:
    action = "inputs:\n  1: {description: one}\nruns: {using: composite, steps: []}\n"
    steps = "      - uses: ./.github/actions/a\n        with: {2: x}\n"
    assert _found(_repo(tmp_path, action, steps)) == [
        f"{WORKFLOW}:6: local-action-input ./.github/actions/a takes no input 2 (it takes: 1) "
        "(fix the name, or declare it in .github/actions/a/action.yml)"
    ]


def test_an_action_file_that_is_not_yaml_is_named_at_the_step(tmp_path: Path) -> None:
    steps = "      - run: echo\n      - uses: ./.github/actions/a\n"
    found = _found(_repo(tmp_path, "inputs: [\n", steps))
    assert len(found) == 1
    assert found[0].startswith(
        f"{WORKFLOW}:6: local-action-unreadable .github/actions/a/action.yml:"
    )


def test_odd_shapes_are_left_to_actionlint(tmp_path: Path) -> None:
    # No inputs at all, `with` not a mapping, steps not a list: nothing this check can say.
    action = "runs: {using: composite, steps: []}\n"
    steps = "      - uses: ./.github/actions/a\n        with: [x]\n      - uses: actions/x@v1\n"
    root = _repo(tmp_path, action, steps)
    assert _found(root) == []
    (root / WORKFLOW).write_text("on: push\njobs:\n  j:\n    steps: {uses: ./nowhere}\n")
    assert _found(root) == []
    (root / WORKFLOW).write_text("- a list\n")
    assert _found(root) == []
