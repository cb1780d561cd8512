"""Per-cluster pod networks: picked once, kept, distinct between clusters on one machine, freed when wiped.

Each test uses its own registry folder (the machine-wide one belongs to the clusters running now).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudless_localcluster import podnets
from cloudless_localcluster.agent import network
from cloudless_localcluster.cli import cluster
from cloudless_localcluster.state import StateDir


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return tmp_path / "registry"


def _state(tmp_path: Path, name: str) -> StateDir:
    state = StateDir(tmp_path / name)
    state.create()
    return state


def test_two_clusters_pick_different_networks_and_keep_them(tmp_path: Path, registry: Path) -> None:
    first, second = _state(tmp_path, "a"), _state(tmp_path, "b")
    picked_first = podnets.ensure(first, 2, registry)
    picked_second = podnets.ensure(second, 2, registry)
    assert len(set(picked_first)) == 2 and len(set(picked_second)) == 2
    assert not set(picked_first) & set(picked_second)
    assert podnets.ensure(first, 2, registry) == picked_first
    assert podnets.ensure(first, 1, registry) == picked_first  # fewer nodes now: the octets stay recorded
    assert json.loads(first.podnets_file.read_text()) == {"octets": picked_first}
    grown = podnets.ensure(second, 3, registry)
    assert grown[:2] == picked_second and grown[2] not in picked_first
    assert (registry / f"127.{picked_first[0]}").read_text().strip() == str(first.root.resolve())


def test_a_wiped_cluster_frees_its_networks_without_any_cleanup(tmp_path: Path, registry: Path) -> None:
    gone, kept, big = _state(tmp_path, "gone"), _state(tmp_path, "kept"), _state(tmp_path, "big")
    podnets.ensure(gone, 1, registry)
    (held,) = podnets.ensure(kept, 1, registry)
    gone.wipe()  # its claim file stays behind, stale
    everything = podnets.ensure(big, len(network.OCTETS) - 1, registry)
    assert sorted(everything) == [octet for octet in network.OCTETS if octet != held]
    with pytest.raises(podnets.NoFreePodNetwork, match="down --reset"):
        podnets.ensure(_state(tmp_path, "one-too-many"), 1, registry)


def test_release_drops_only_that_clusters_claims(tmp_path: Path, registry: Path) -> None:
    leaving, staying = _state(tmp_path, "leaving"), _state(tmp_path, "staying")
    left = podnets.ensure(leaving, 2, registry)
    stays = podnets.ensure(staying, 1, registry)
    podnets.release(leaving, registry)
    assert sorted(path.name for path in registry.glob("127.*")) == [f"127.{octet}" for octet in stays]
    assert not set(left) & set(stays)


def test_a_network_another_cluster_claimed_meanwhile_is_replaced_in_place(tmp_path: Path, registry: Path) -> None:
    """E.g. /tmp was cleared by a reboot and a new cluster came up first: the old one moves, the new keeps its own."""
    old, new = _state(tmp_path, "old"), _state(tmp_path, "new")
    recorded = podnets.ensure(old, 2, registry)
    for claim in registry.glob("127.*"):
        claim.unlink()
    new.podnets_file.write_text(json.dumps({"octets": [recorded[1]]}))
    assert podnets.ensure(new, 1, registry) == [recorded[1]]
    moved = podnets.ensure(old, 2, registry)
    assert moved[0] == recorded[0]
    assert moved[1] != recorded[1]


def test_clusters_picking_at_the_same_time_never_share(tmp_path: Path, registry: Path) -> None:
    """Real processes racing for the registry lock, as concurrent `cluster up`s do."""
    script = (
        "import sys; from pathlib import Path; from cloudless_localcluster import podnets;"
        " from cloudless_localcluster.state import StateDir;"
        " print(*podnets.ensure(StateDir(Path(sys.argv[1])), 3, Path(sys.argv[2])))"
    )
    states = [_state(tmp_path, f"racer-{index}") for index in range(6)]
    racers = [
        subprocess.Popen([sys.executable, "-c", script, str(s.root), str(registry)], stdout=subprocess.PIPE, text=True)
        for s in states
    ]
    picks = [[int(octet) for octet in racer.communicate(timeout=60)[0].split()] for racer in racers]
    assert all(len(pick) == 3 for pick in picks)
    flat = [octet for pick in picks for octet in pick]
    assert len(set(flat)) == len(flat) == 18
    assert [podnets.load(s) for s in states] == picks


def test_a_pod_cidr_is_the_slash16_of_its_octet() -> None:
    assert network.pod_cidr(37) == "127.37.0.0/16"
    for outside in (0, 255):
        with pytest.raises(ValueError, match="second octet"):
            network.pod_cidr(outside)


def test_down_reset_wipes_the_state_and_releases_its_networks(
    tmp_path: Path, registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(podnets.REGISTRY_ENV, str(registry))
    state = _state(tmp_path, "cluster")
    (octet,) = podnets.ensure(state, 1)
    assert (registry / f"127.{octet}").exists()
    result = CliRunner().invoke(cluster, ["down", "--reset", f"--state={state.root}"])
    assert result.exit_code == 0, result.output
    assert "wiped" in result.output
    assert not state.root.exists()
    assert not list(registry.glob("127.*"))
