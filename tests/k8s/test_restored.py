"""After the cluster of test_cluster.py is gone, the machine is as it was before it started.

Runs after test_cluster.py (file order), whose cluster is torn down when that module ends.
"""

from __future__ import annotations

from harness import proc
from harness.k8s import cluster, hoststate


def test_the_machine_is_as_it_was(record):
    gone = record.get("cluster")
    assert gone is not None, "run with test_cluster.py: this checks the teardown of its cluster"
    assert gone.before is not None
    # Kernel settings, iptables, mounts under the kubelet's root, the paths it writes.
    assert hoststate.differences(gone.before, hoststate.take()) == []
    # Processes, the pods' containers, the pause image, the run directory.
    assert gone.leftovers() == []
    listed = proc.run(["docker", "ps", "--all", "--format", "{{.Names}}"], timeout=60)
    assert [n for n in listed.stdout.split() if n.startswith("k8s_")] == []
    if gone.built_pause:
        assert not proc.run(["docker", "image", "inspect", cluster.PAUSE_IMAGE], timeout=30).ok
    assert not gone.dir.exists()
    # The images the tests made (new tags, the data image, the broken image) are gone too.
    assert record["images"]
    left = [
        ref
        for ref in record["images"]
        if proc.run(["docker", "image", "inspect", ref], timeout=30).ok
    ]
    assert left == []
