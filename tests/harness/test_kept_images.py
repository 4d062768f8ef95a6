"""The layer cache the nested suites keep: one :test-cache image per name, never more."""

from __future__ import annotations

import fnmatch

import pytest

from harness import proc
from tests import kept_images


class FakeImages:
    """`docker image ls/tag/rm` over a tag -> id table; an id with no tag left is deleted."""

    def __init__(self, tags: dict[str, str]):
        self.tags = dict(tags)
        self.deleted: list[str] = []

    def __call__(self, argv, **options) -> proc.Result:
        argv = list(argv)
        if argv[:3] == ["docker", "image", "ls"]:
            listed = [ref for ref in self.tags if fnmatch.fnmatch(ref, argv[-1] + ":*")]
            rows = [f"{ref.replace(':', ' ')} {self.tags[ref]}" for ref in listed]
            return proc.Result(tuple(argv), 0, "\n".join(rows) + "\n", "")
        if argv[:2] == ["docker", "tag"]:
            self.tags[argv[3]] = self.tags[argv[2]]
        elif argv[:3] == ["docker", "image", "rm"]:
            for ref in argv[3:]:
                image = self.tags.pop(ref, ref)
                if image not in self.tags.values():
                    self.deleted.append(image)
        else:
            raise AssertionError(f"unexpected call {argv}")
        return proc.Result(tuple(argv), 0, "", "")


def test_the_first_run_keeps_its_build_under_the_cache_tag_alone():
    pest, seed = "annadata/pest_alerts-backend", "annadata/seed_catalog-frontend"
    docker = FakeImages({f"{pest}:abc": "A", f"{pest}:dev": "A", f"{seed}:abc": "F",
                         f"{seed}:dev": "F", "annadata/soil_health-backend:dev": "S"})  # fmt: skip
    with kept_images.kept(["annadata/pest_alerts-*", "annadata/seed_catalog-*"], run=docker):
        pass
    assert docker.tags == {f"{pest}:test-cache": "A", f"{seed}:test-cache": "F",
                           "annadata/soil_health-backend:dev": "S"}  # fmt: skip
    assert docker.deleted == []


def test_a_new_build_replaces_the_cache_and_the_old_image_goes():
    docker = FakeImages({"annadata/x-backend:test-cache": "OLD", "annadata/x-backend:def": "NEW",
                         "annadata/x-backend:dev": "NEW"})  # fmt: skip
    with kept_images.kept(["annadata/x-backend"], run=docker):
        pass
    assert docker.tags == {"annadata/x-backend:test-cache": "NEW"}
    assert docker.deleted == ["OLD"]


def test_a_failed_run_keeps_the_cache_and_drops_its_own_tags():
    docker = FakeImages({"annadata/x-backend:test-cache": "OLD", "annadata/x-backend:def": "HALF"})
    with pytest.raises(RuntimeError), kept_images.kept(["annadata/x-backend"], run=docker):
        raise RuntimeError("the nested smoke failed")
    assert docker.tags == {"annadata/x-backend:test-cache": "OLD"}
    assert docker.deleted == ["HALF"]
