"""services.json: the real registry is valid; each bad-input fixture fails on its own line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness import registry
from harness.errors import HarnessError

FIXTURES = Path(__file__).parent / "fixtures" / "registry"

# fixture -> (line, text the one-line error must contain)
BAD = {
    "unknown_key": (29, "services.msp_mitra.components.backend: unknown key 'prot'"),
    "unknown_kind": (60, "services.worker.components: unknown key 'consumer'"),
    "duplicate_port": (49, "backend.port: port 8001 is already used by msp_mitra.backend"),
    "infra_port_clash": (83, "dashboard: port 8000 is already used by protein_engineering.backend"),
    "missing_directory": (47, "directory 'services/yeild_api/backend' does not exist"),
    "invalid_name": (43, "invalid name 'Yield-API': use snake_case"),
    "unknown_dependency": (32, "depends_on: unknown dependency 'postgress'"),
    "self_dependency": (39, "msp_mitra.frontend depends on itself"),
    "duplicate_key": (57, "duplicate key 'msp_mitra'"),
    "invalid_json": (14, "invalid JSON"),
    "missing_field": (46, "services.yield_api.components.backend: 'port' is missing"),
    "port_type": (10, "backend.port: '8000' is not of type 'integer'"),
}


def test_real_registry_is_valid(registry_root: Path):
    reg = registry.load(registry_root)
    assert [c.ref for c in reg.components()] == [
        "protein_engineering.backend",
        "protein_engineering.frontend",
        "msp_mitra.backend",
        "msp_mitra.frontend",
        "yield_api.backend",
        "worker.worker",
        "soil_health.backend",
        "weather_alerts.backend",
        "crop_calendar.backend",
        "crop_calendar.frontend",
    ]
    assert set(reg.infrastructure) == {"postgres", "redis", "socket_proxy", "traefik"}


def test_query_by_kind_and_ref(registry_root: Path):
    reg = registry.load(registry_root)
    assert [c.port for c in reg.components("backend")] == [8000, 8001, 8002, 8003, 8004, 8005]
    assert reg.component("yield_api.backend").mounts == (
        "data/processed",
        "src/models/saved_models",
    )
    assert reg.host_ports()["traefik.web"] == 80
    with pytest.raises(HarnessError, match=r"no component 'nope\.backend'"):
        reg.component("nope.backend")


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_registry_fails_with_one_line_naming_entry_and_field(registry_root: Path, name: str):
    line, expected = BAD[name]
    shutil.copy(FIXTURES / f"{name}.json", registry_root / "services.json")
    with pytest.raises(HarnessError) as caught:
        registry.load(registry_root)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"services.json:{line}:"), message
    assert expected in message


def test_every_fixture_is_checked():
    assert {p.stem for p in FIXTURES.glob("*.json")} == set(BAD)


def test_missing_registry_file_names_the_path(tmp_path: Path):
    with pytest.raises(HarnessError, match="cannot read the service registry"):
        registry.load(tmp_path)


def test_profiles_select_components(registry_root: Path):
    reg = registry.load(registry_root)
    assert reg.profiles() == ["ml"]
    every = {c.ref for c in reg.active()}
    default = {c.ref for c in reg.active(["default"])}
    assert every - default == {"worker.worker"}
    assert {c.ref for c in reg.active(["ml"])} == every
    with pytest.raises(HarnessError, match=r"no profile 'gpu' \(known: default, ml\)"):
        reg.active(["gpu"])


def test_route_hosts_are_hyphenated_and_only_for_served_components(registry_root: Path):
    reg = registry.load(registry_root)
    assert reg.component("msp_mitra.backend").route_host == "msp-mitra.api.localhost"
    assert reg.component("msp_mitra.frontend").route_host == "msp-mitra.localhost"
    assert reg.component("worker.worker").route_host is None


def _write(root: Path, text: str | bytes) -> None:
    target = root / "services.json"
    target.unlink()
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text)


def _error(root: Path) -> str:
    with pytest.raises(HarnessError) as caught:
        registry.load(root)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


def test_a_name_with_a_trailing_newline_is_refused(registry_root: Path):
    # Python's `$` matches before a final newline; JSON Schema's (ECMA-262) does not.
    text = (registry_root / "services.json").read_text()
    _write(registry_root, text.replace('"soil_health": {', '"soil_health\\n": {'))
    assert "invalid name 'soil_health\\n'" in _error(registry_root)
    schema = registry.schema(registry_root)
    assert not registry.validator(schema["$defs"]["name"]).is_valid("soil_health\n")
    assert registry.validator(schema["$defs"]["name"]).is_valid("soil_health")


def test_a_pattern_failure_names_the_field_and_pattern_not_an_unknown_key(registry_root: Path):
    text = (registry_root / "services.json").read_text()
    _write(registry_root, text.replace('"services/soil_health/backend"', '"Soil Health/backend"'))
    message = _error(registry_root)
    line = next(
        n for n, ln in enumerate(text.splitlines(), 1) if "services/soil_health/backend" in ln
    )
    assert message.startswith(f"services.json:{line}: "), message
    assert (
        "services.soil_health.components.backend.directory: 'Soil Health/backend' is not a path "
        "inside the repository: write it relative to the root"
    ) in message
    assert "unknown key" not in message


def test_a_duplicate_key_inside_an_entry_is_reported_at_its_own_line(registry_root: Path):
    text = (registry_root / "services.json").read_text()
    marker = '"port": 8003,'
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if marker in ln)
    _write(registry_root, text.replace(marker, f'{marker}\n          "port": 8013,'))
    assert _error(registry_root).startswith(f"services.json:{line + 1}: duplicate key 'port'")


def test_bytes_that_are_not_utf8_are_named_with_their_line(registry_root: Path):
    _write(registry_root, b'{\n  "services": {\n    "caf\xe9": {}\n  }\n}\n')
    message = _error(registry_root)
    assert message.startswith("services.json:3: the service registry is not UTF-8 text")
    assert "byte 0xe9" in message


def test_json_nested_thousands_deep_is_refused_without_a_traceback(registry_root: Path):
    _write(registry_root, "[" * 100_000 + "]" * 100_000)
    assert "nested too deeply to read" in _error(registry_root)


def test_a_registry_that_is_a_device_or_huge_is_refused(registry_root: Path):
    target = registry_root / "services.json"
    target.unlink()
    target.symlink_to("/dev/zero")
    assert "is not a regular file (it resolves to /dev/zero)" in _error(registry_root)
    target.unlink()
    target.write_text(" " * (2 * 1024 * 1024))
    assert "is over 1 MB" in _error(registry_root)


# --- foreign layouts (adopted repositories) --------------------------------------------------


def _foreign(root: Path, **fields: object) -> None:
    """The real registry plus one component described where an adopted tree keeps it."""
    data = json.loads((root / "services.json").read_text())
    spec: dict[str, object] = {
        "directory": "src/api",
        "entrypoint": "src.api.app:app",
        "port": 8010,
        "health": "/status",
        "openapi": "/api/v1/openapi.json",
        "workdir": ".",
        "requirements": "requirements.txt",
    }
    spec.update(fields)
    data["services"]["plan_api"] = {"description": "adopted", "components": {"backend": spec}}
    (root / "src/api").mkdir(parents=True, exist_ok=True)
    (root / "requirements.txt").write_text("fastapi\n")
    _write(root, json.dumps(data, indent=2))


def test_a_component_anywhere_below_the_root_with_its_own_layout(registry_root: Path):
    _foreign(
        registry_root, mounts=["src/models/saved_models", "requirements.txt"],
        dockerfile="infra/dockerfiles/plan_api-backend.Dockerfile", docs="/api/v1/docs",
    )  # fmt: skip
    comp = registry.load(registry_root).component("plan_api.backend")
    assert comp.directory == "src/api"
    assert comp.foreign
    assert comp.run_directory == "."
    assert comp.context == "."
    assert comp.dockerfile_path == "infra/dockerfiles/plan_api-backend.Dockerfile"
    assert comp.mount_target("src/models/saved_models") == "/app/src/models/saved_models"
    assert comp.docs == "/api/v1/docs"
    # Our own layout keeps its defaults.
    ours = registry.load(registry_root).component("msp_mitra.backend")
    assert not ours.foreign
    assert ours.dockerfile_path == "services/msp_mitra/backend/Dockerfile"
    assert ours.mount_target("data/processed") == "/app/data/processed"


def test_a_mount_inside_the_run_directory_keeps_its_place_beside_the_code(registry_root: Path):
    (registry_root / "protein/backend/data").mkdir(parents=True)
    (registry_root / "protein/backend/requirements.txt").write_text("fastapi\n")
    _foreign(
        registry_root, directory="protein/backend", workdir="protein/backend",
        entrypoint="app:app", requirements="protein/backend/requirements.txt",
        mounts=["protein/backend/data"],
    )  # fmt: skip
    comp = registry.load(registry_root).component("plan_api.backend")
    assert comp.mount_target("protein/backend/data") == "/app/data"


FOREIGN_BAD = {
    "parent": ({"directory": "../elsewhere"}, "directory: '../elsewhere' is not a path inside"),
    "absolute": ({"directory": "/srv/api"}, "directory: '/srv/api' is not a path inside"),
    "dot_part": ({"requirements": "./requirements.txt"}, "requirements: './requirements.txt'"),
    "missing_mount": (
        {"mounts": ["data/raw"]},
        "mounts: mounts 'data/raw' does not exist: fix the path",
    ),
    "mount_escape": ({"mounts": ["../x"]}, "mounts.0: '../x' is not a path inside"),
    "missing_requirements": (
        {"requirements": "reqs.txt"},
        "requirements: requirements 'reqs.txt' does not exist",
    ),
    "requirements_is_dir": ({"requirements": "src"}, "requirements 'src' is not a file"),
    "outside_context": (
        {"context": "src/api"},
        "requirements: 'requirements.txt' is outside the build context 'src/api'",
    ),
    "unknown_field": ({"contxt": "."}, "unknown key 'contxt' (allowed: context, depends_on,"),
}


@pytest.mark.parametrize("case", sorted(FOREIGN_BAD))
def test_foreign_paths_are_refused_with_the_real_problem(registry_root: Path, case: str):
    fields, expected = FOREIGN_BAD[case]
    _foreign(registry_root, **fields)
    message = _error(registry_root)
    assert expected in message, message
    assert "unknown key '?'" not in message


def test_a_symlink_out_of_the_tree_is_refused(registry_root: Path, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (registry_root / "src/api").symlink_to(outside, target_is_directory=True)
    _foreign(registry_root)
    assert "directory: 'src/api' leads outside the repository (a symlink)" in _error(registry_root)


def test_a_symlink_loop_is_refused_not_followed(registry_root: Path):
    (registry_root / "loop").symlink_to(registry_root / "loop")
    _foreign(registry_root, mounts=["loop"])
    assert "mounts: 'loop' leads outside the repository" in _error(registry_root)


def test_frontends_are_static_or_server(registry_root: Path):
    data = json.loads((registry_root / "services.json").read_text())
    front = data["services"]["msp_mitra"]["components"]["frontend"]
    front["serve"] = "server"
    _write(registry_root, json.dumps(data, indent=2))
    assert registry.load(registry_root).component("msp_mitra.frontend").serve == "server"
    assert registry.load(registry_root).component("crop_calendar.frontend").serve == "static"
    front["serve"] = "ssr"
    _write(registry_root, json.dumps(data, indent=2))
    assert "frontend.serve: 'ssr' is not one of ['static', 'server']" in _error(registry_root)


def test_our_layout_cannot_move_its_build_context(registry_root: Path):
    data = json.loads((registry_root / "services.json").read_text())
    data["services"]["soil_health"]["components"]["backend"]["context"] = (
        "services/soil_health/backend"
    )
    _write(registry_root, json.dumps(data, indent=2))
    assert "builds from the root (its Dockerfile copies libs/): remove `context`" in _error(
        registry_root
    )
