"""Stand-in manifest and recipe hashing: what changes a hash, and what does not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.bases import standins
from harness.errors import HarnessError

from .conftest import REPO


@pytest.fixture
def bases_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real manifest and recipes, with a CA bundle of our own."""
    shutil.copytree(REPO / "infra/bases", tmp_path / "infra/bases")
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    monkeypatch.setenv("ANNADATA_CA_BUNDLE", str(bundle))
    return tmp_path


def test_real_manifest_lists_every_image_the_stack_uses(bases_root: Path):
    items = standins.load(bases_root)
    assert {s.provides for s in items.values()} == {
        "DEBIAN_IMAGE",
        "PYTHON_IMAGE",
        "NODE_IMAGE",
        "NGINX_IMAGE",
        "POSTGRES_IMAGE",
        "REDIS_IMAGE",
        "TRAEFIK_IMAGE",
        "SOCKET_PROXY_IMAGE",
        "REGISTRY_IMAGE",
    }
    assert all(s.tag.startswith("annadata-local/") for s in items.values())


def test_build_order_puts_bases_first(bases_root: Path):
    order = list(standins.load(bases_root))
    assert order[0] == "debian"
    assert order.index("python") < order.index("traefik")
    assert standins.load(bases_root)["traefik"].needs == ("python", "debian")


def test_hash_is_stable(bases_root: Path):
    items = standins.load(bases_root)
    assert standins.recipe_hashes(items) == standins.recipe_hashes(standins.load(bases_root))


def _rehash(root: Path) -> dict[str, str]:
    return standins.recipe_hashes(standins.load(root))


def test_changing_a_recipe_file_changes_it_and_what_builds_on_it_only(bases_root: Path):
    before = _rehash(bases_root)
    with (bases_root / "infra/bases/python/Dockerfile").open("a") as handle:
        handle.write("# a change\n")
    after = _rehash(bases_root)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"python", "node", "traefik"}


def test_changing_the_rootfs_table_changes_everything(bases_root: Path):
    manifest = bases_root / "infra/bases/stand-ins.toml"
    before = _rehash(bases_root)
    manifest.write_text(manifest.read_text().replace('variant = "minbase"', 'variant = "buildd"'))
    after = _rehash(bases_root)
    assert all(before[name] != after[name] for name in before)


def test_executable_bit_is_part_of_the_recipe(bases_root: Path):
    before = _rehash(bases_root)
    (bases_root / "infra/bases/redis/docker-entrypoint.sh").chmod(0o644)
    after = _rehash(bases_root)
    assert before["redis"] != after["redis"]
    assert before["postgres"] == after["postgres"]


def test_ca_bundle_counts_only_for_stand_ins_that_copy_it(bases_root: Path):
    before = _rehash(bases_root)
    (bases_root / "ca.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n"
    )
    after = _rehash(bases_root)
    assert {name for name in before if before[name] != after[name]} == {"python", "node", "traefik"}


def test_untracked_unrelated_file_does_not_change_hashes(bases_root: Path):
    before = _rehash(bases_root)
    (bases_root / "infra/README-notes.txt").write_text("not a recipe")
    assert _rehash(bases_root) == before


def test_arg_without_a_provider_is_named(bases_root: Path):
    dockerfile = bases_root / "infra/bases/redis/Dockerfile"
    dockerfile.write_text("ARG MYSTERY_IMAGE=x\n" + dockerfile.read_text())
    with pytest.raises(
        HarnessError, match=r"^infra/bases/redis/Dockerfile:1: ARG MYSTERY_IMAGE is provided by no"
    ):
        standins.load(bases_root)


def test_cycle_is_refused(bases_root: Path):
    dockerfile = bases_root / "infra/bases/python/Dockerfile"
    dockerfile.write_text("ARG TRAEFIK_IMAGE=x\n" + dockerfile.read_text())
    with pytest.raises(HarnessError, match="builds on itself"):
        standins.load(bases_root)


def test_unknown_manifest_key_is_named(bases_root: Path):
    manifest = bases_root / "infra/bases/stand-ins.toml"
    manifest.write_text(manifest.read_text().replace("host_ca = true", "host_cert = true", 1))
    with pytest.raises(HarnessError, match=r"\[python\]: unknown key 'host_cert'"):
        standins.load(bases_root)


def test_missing_ca_bundle_says_which_variable_to_set(
    bases_root: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ANNADATA_CA_BUNDLE", str(bases_root / "nope.pem"))
    with pytest.raises(HarnessError, match="set ANNADATA_CA_BUNDLE"):
        _rehash(bases_root)


MANIFEST = "infra/bases/stand-ins.toml"
ROOTFS = (
    '[debian.rootfs]\nsuite = "bookworm"\nvariant = "minbase"\n'
    'mirror = "http://deb.debian.org/debian"\ninclude = ["ca-certificates"]\n'
)


def _edited(root: Path, find: str, replace: str) -> None:
    manifest = root / MANIFEST
    text = manifest.read_text()
    assert text.count(find) == 1
    manifest.write_text(text.replace(find, replace))


@pytest.mark.parametrize(
    ("find", "replace", "expected"),
    [
        ('tag = "annadata-local/debian:bookworm"', "tag = 3",
         "stand-ins.toml:15: [debian] tag: 3 is not of type 'string'"),
        (ROOTFS, 'rootfs = "x"\n', "stand-ins.toml:19: [debian] rootfs: 'x' is not of type"),
        ('variant = "minbase"\n', "", "stand-ins.toml:19: [debian.rootfs]: 'variant' is missing"),
        ('include = ["ca-certificates"]', 'include = ["ca-certificates", 3]',
         "stand-ins.toml:23: [debian] rootfs.include[1]: 3 is not of type 'string'"),
        ("host_ca = true\n\n[node]", 'host_ca = "no"\n\n[node]',
         "stand-ins.toml:29: [python] host_ca: 'no' is not of type 'boolean'"),
        ('tag = "annadata-local/node:22"', 'tag = "annadata-local/node:22\\n"',
         "stand-ins.toml:32: [node] tag: 'annadata-local/node:22\\n' does not match"),
        ('provides = "NODE_IMAGE"', 'provides = "PYTHON_IMAGE"',
         "stand-ins.toml:33: [node] provides: variable 'PYTHON_IMAGE' is also [python]'s"),
        ("[nginx]", '["../nginx"]',
         "stand-ins.toml:37: [../nginx]: name '../nginx': use lowercase letters"),
        ("[nginx]", "[nginx\n", "stand-ins.toml:37: not valid TOML: "),
        ("[debian]\n", "stray = 1\n[debian]\n", "stand-ins.toml:14: [stray]: 1 is not of type"),
        ("[nginx]", "[mystery]\n" + 'tag = "a:b"\nprovides = "M_IMAGE"\nstands_in_for = "m"\n'
         "[nginx]", "stand-ins.toml:37: [mystery] has no recipe at infra/bases/mystery/Dockerfile"),
    ],
)  # fmt: skip
def test_a_bad_manifest_is_one_line_naming_its_line(
    bases_root: Path, find: str, replace: str, expected: str
):
    # Before: tag = 3 and unknown tables passed, rootfs = "x" or host_ca = "no" failed
    # later (AttributeError) or silently meant yes; nothing named a line.
    _edited(bases_root, find, replace)
    with pytest.raises(HarnessError) as refused:
        standins.load(bases_root)
    assert str(refused.value).startswith(f"infra/bases/{expected}"), refused.value
    assert "\n" not in str(refused.value).replace("\\n", "")


def test_a_manifest_that_is_not_utf8_or_not_a_file_is_named(bases_root: Path):
    manifest = bases_root / MANIFEST
    manifest.write_bytes(manifest.read_bytes() + b"# caf\xe9\n")
    with pytest.raises(HarnessError, match=r"^infra/bases/stand-ins.toml:\d+: .* not UTF-8"):
        standins.load(bases_root)
    manifest.unlink()
    manifest.symlink_to("/dev/zero")  # before: read forever
    with pytest.raises(HarnessError, match="not a regular file"):
        standins.load(bases_root)


def test_a_cycle_names_the_arg_line_that_closes_it(bases_root: Path):
    dockerfile = bases_root / "infra/bases/python/Dockerfile"
    dockerfile.write_text("ARG TRAEFIK_IMAGE=x\n" + dockerfile.read_text())
    with pytest.raises(HarnessError) as refused:
        standins.load(bases_root)
    assert str(refused.value).startswith(
        "infra/bases/traefik/Dockerfile:4: ARG PYTHON_IMAGE: stand-in 'python' builds on itself "
        "(a cycle: python -> traefik -> python)"
    )


def test_a_ca_bundle_that_is_not_a_file_is_refused_not_read_forever(
    bases_root: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ANNADATA_CA_BUNDLE", "/dev/zero")
    with pytest.raises(HarnessError, match=r"not a regular file.*set ANNADATA_CA_BUNDLE"):
        _rehash(bases_root)


def test_an_empty_ca_bundle_variable_means_the_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANNADATA_CA_BUNDLE", "")
    assert standins.ca_bundle() == Path(standins.DEFAULT_CA_BUNDLE)


def test_unknown_names_are_refused_before_anything_else(bases_root: Path):
    with pytest.raises(HarnessError, match=r"no stand-in named 'unknown' \(known: debian, "):
        standins.check(bases_root, ["python", "unknown"])
    assert next(iter(standins.check(bases_root, ["python"]))) == "debian"
