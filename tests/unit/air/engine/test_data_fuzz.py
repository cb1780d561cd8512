"""Mutations of real particle data: whatever a peer receives, the engine answers with an Outcome.

The data is produced by running a script that touches every kind of state (par, fold over a
stream with lore, ap, canon, calls of every kind), then mutated structurally by hypothesis.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.air.engine.peers import ok, peer_id, run

from cloudless_runtime.air.data import codec

SCRIPT = """
(seq
  (seq
    (call %init_peer_id% ("data" "list") [] list)
    (fold list item
      (par
        (seq (call "{a}" ("work" "do") [item] $results) (ap item $seen))
        (next item))))
  (seq
    (fold $results r (seq (ap r $copied) (next r)) (null))
    (seq (canon "{a}" $copied #copied) (call %init_peer_id% ("cb" "done") [#copied]))))
"""


def _real_data() -> tuple[str, bytes, bytes]:
    script = SCRIPT.format(a=peer_id("a"))
    client = run(script, "client")
    client = run(script, "client", prev=client.data, results={1: ok("[1, 2, 3]")})
    at_a = run(script, "a", data=client.data)
    at_a = run(script, "a", prev=at_a.data, results={i: ok(str(i * 10)) for i in at_a.call_requests})
    assert at_a.ret_code == 0
    return script, client.data, at_a.data


SCRIPT_TEXT, CLIENT_DATA, A_DATA = _real_data()
BODY = orjson.loads(A_DATA[4:])

_scalars = st.none() | st.booleans() | st.integers(-3, 40) | st.sampled_from(["", "x", "c", "p", "s", "r"])


def _mutate(value: Any, path: list[int], replacement: Any) -> Any:
    """Replaces the node found by walking `path` (indexes modulo the children count)."""
    if not path or not isinstance(value, (list, dict)) or not value:
        return replacement
    if isinstance(value, list):
        index = path[0] % len(value)
        copy = list(value)
        copy[index] = _mutate(value[index], path[1:], replacement)
        return copy
    keys = sorted(value)
    key = keys[path[0] % len(keys)]
    return {**value, key: _mutate(value[key], path[1:], replacement)}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=6), _scalars | st.lists(_scalars, max_size=4))
def test_mutated_data_is_answered_with_an_outcome(path: list[int], replacement: Any) -> None:
    mutated = codec.MAGIC + orjson.dumps(_mutate(BODY, path, replacement))
    outcome = run(SCRIPT_TEXT, "client", prev=CLIENT_DATA, data=mutated)
    assert isinstance(outcome.ret_code, int)
    if outcome.ret_code < 10000 and outcome.ret_code != 0:
        assert outcome.data == CLIENT_DATA


def test_unmutated_data_runs() -> None:
    outcome = run(SCRIPT_TEXT, "client", prev=CLIENT_DATA, data=A_DATA)
    assert outcome.ret_code == 0
    assert [r.arguments for r in outcome.call_requests.values()] == [[[10, 20, 30]]]
