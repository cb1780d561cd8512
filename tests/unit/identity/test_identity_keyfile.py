"""Key files: made once with mode 0600, loaded again as the same identity, never overwritten; and
`cloudless keys` / `cloudless run --key-file` over them."""

from __future__ import annotations

import pathlib
import stat

import orjson
import pytest
from click.testing import CliRunner

from cloudless_runtime import cli, identity
from cloudless_runtime.identity import keyfile


def test_a_made_key_loads_back_as_the_same_identity(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "secrets" / "peer.key"
    made = keyfile.make(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keyfile.load(path).peer_id == made.peer_id
    with pytest.raises(FileExistsError):
        keyfile.make(path)
    assert keyfile.load(path, create=True).peer_id == made.peer_id


def test_load_with_create_makes_the_file_once(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "peer.key"
    first = keyfile.load(path, create=True)
    assert keyfile.load(path, create=True).peer_id == first.peer_id


@pytest.mark.parametrize("content", ["", "zz", "00" * 31, "00" * 33])
def test_a_bad_key_file_names_the_file(tmp_path: pathlib.Path, content: str) -> None:
    path = tmp_path / "peer.key"
    path.write_text(content)
    with pytest.raises(keyfile.BadKeyFile, match=r"peer\.key"):
        keyfile.load(path)


def test_a_missing_key_file_is_a_bad_key_file(tmp_path: pathlib.Path) -> None:
    with pytest.raises(keyfile.BadKeyFile, match="cannot read"):
        keyfile.load(tmp_path / "absent.key")


def test_keys_make_then_show(tmp_path: pathlib.Path) -> None:
    path = str(tmp_path / "client.key")
    runner = CliRunner()
    made = runner.invoke(cli.main, ["keys", "make", path])
    assert made.exit_code == 0, made.output
    peer_id = made.output.strip()
    assert peer_id.startswith("12D3KooW")
    assert runner.invoke(cli.main, ["keys", "show", path]).output.strip() == peer_id
    shown = orjson.loads(runner.invoke(cli.main, ["keys", "show", path, "--json"]).output)
    assert shown == {"peer_id": peer_id, "public_key": identity.public_key_from_peer_id(peer_id).hex()}
    again = runner.invoke(cli.main, ["keys", "make", path])
    assert again.exit_code == 1 and "never overwritten" in again.output


def test_keys_show_of_a_bad_file_is_a_clear_error(tmp_path: pathlib.Path) -> None:
    (tmp_path / "bad.key").write_text("not hex")
    shown = CliRunner().invoke(cli.main, ["keys", "show", str(tmp_path / "bad.key")])
    assert shown.exit_code == 1 and "32-byte Ed25519 seed" in shown.output


def test_run_makes_the_key_file_on_first_use(tmp_path: pathlib.Path) -> None:
    """The key is made (and announced) before the relay is contacted, so an unreachable relay shows it too."""
    script = tmp_path / "local.air"
    script.write_text('(call %init_peer_id% ("callbackSrv" "response") ["hi"])')
    path = tmp_path / "client.key"
    args = ["run", str(script), "--relay", "127.0.0.1:1", "--key-file", str(path)]
    first = CliRunner().invoke(cli.main, args)
    assert first.exit_code == 1 and "relay 127.0.0.1:1" in first.output
    peer_id = keyfile.load(path).peer_id
    assert f"made a new identity in {path}: {peer_id}" in first.output
    second = CliRunner().invoke(cli.main, args)
    assert second.exit_code == 1 and "made a new identity" not in second.output
    assert keyfile.load(path).peer_id == peer_id
