"""`cloudless run FILE.aqua --func NAME --arg name=json`: the function's value as one JSON line; its
error, a bad argument or a relay that is not the expected peer as a clear message with exit status
1. The relay's peer id comes from the relay itself; `--relay-id` and `--address-book` check it."""

from __future__ import annotations

import orjson
from click.testing import CliRunner
from tests.aqua.conftest import EXAMPLES
from tests.peerset_processes import peerset

from cloudless_runtime.cli import main


def _invoke(peers: peerset.PeerSet, *args: str) -> tuple[int, str, str]:
    relay = peers.peers[0]
    result = CliRunner().invoke(main, ["run", *args, "--relay", relay.address, "--timeout", "60"])
    return result.exit_code, result.stdout, result.stderr


def test_a_function_prints_its_value(peers: peerset.PeerSet) -> None:
    relay = peers.peers[0]
    code, out, _ = _invoke(
        peers, str(EXAMPLES / "arithmetic.aqua"), "--func", "calc", "--arg", "a=6", "--arg", "b=3",
        "--relay-id", relay.peer_id,
    )  # fmt: skip
    assert code == 0 and orjson.loads(out) == [9, 3, 18, 2, True, False, 52]


def test_the_relay_tells_its_own_id(peers: peerset.PeerSet) -> None:
    code, out, _ = _invoke(peers, str(EXAMPLES / "hello.aqua"), "--func", "hello", "--arg", 'name="relay"')
    assert code == 0 and orjson.loads(out) == ["Hello, relay", peers.peers[0].peer_id]


def test_a_wrong_relay_id_fails_clearly(peers: peerset.PeerSet) -> None:
    relay, other = peers.peers[0], peers.peers[1]
    code, out, err = _invoke(
        peers, str(EXAMPLES / "hello.aqua"), "--func", "hello", "--arg", 'name="x"', "--relay-id", other.peer_id
    )
    assert code == 1 and out == ""
    assert f"is peer {relay.peer_id}, not the expected {other.peer_id}" in err


def test_an_air_script_gets_relay_from_the_relay(peers: peerset.PeerSet) -> None:
    """examples/air/greet.air asks getDataSrv for `relay`; nobody passes it."""
    worker = peers.peers[1]
    code, out, err = _invoke(
        peers,
        str(EXAMPLES.parent / "air" / "greet.air"),
        "--data", f'peer="{worker.peer_id}"',
        "--data", f'service_id="{worker.greeting}"',
        "--data", 'name="air"',
    )  # fmt: skip
    assert (code, orjson.loads(out) if code == 0 else err) == (0, "Hi, air")


def test_the_relay_id_can_come_from_the_address_book(peers: peerset.PeerSet) -> None:
    code, out, _ = _invoke(
        peers,
        str(EXAMPLES / "hello.aqua"),
        "--func",
        "hello",
        "--arg",
        'name="book"',
        "--address-book",
        str(peers.book),
    )
    assert code == 0 and orjson.loads(out) == ["Hello, book", peers.peers[0].peer_id]


def test_the_functions_error_exits_non_zero(peers: peerset.PeerSet) -> None:
    relay = peers.peers[0]
    code, out, err = _invoke(
        peers, str(EXAMPLES / "arithmetic.aqua"), "--func", "calc", "--arg", "a=1", "--arg", "b=0",
        "--relay-id", relay.peer_id,
    )  # fmt: skip
    assert code == 1 and out == ""
    assert "the function failed on peer" in err and "i64 div overflow" in err


def test_bad_usage_is_explained(peers: peerset.PeerSet) -> None:
    hello = str(EXAMPLES / "hello.aqua")
    relay = peers.peers[0].peer_id
    code, _, err = _invoke(peers, hello, "--func", "hello", "--arg", 'name="x"', "--address-book", hello)
    assert code == 1 and f"address book {hello}:" in err
    code, _, err = _invoke(peers, hello, "--func", "nope", "--relay-id", relay)
    assert code == 1 and "exports no function 'nope' (exported: hello)" in err
    code, _, err = _invoke(peers, hello, "--func", "hello", "--relay-id", relay)
    assert code == 1 and "missing --arg name=JSON (string)" in err
    code, _, err = _invoke(peers, hello, "--relay-id", relay)
    assert code == 2 and "--func" in err
