"""``aqua.jsonl`` must stay the AIR the real Aqua compiler emits today for ``examples/aqua``: the
recorded vectors are only evidence about compiled Aqua while their scripts are that output. When an
example or the compiler pin changes, these tests fail until ``aqua_src.py`` is re-run through the
oracle (its docstring has the command), instead of the corpus silently testing yesterday's AIR.

They also hold the recorded AquaVM outcomes to what each function is meant to return, so a vector
whose services were chosen wrong cannot be recorded as a pass by mistake.
"""

from __future__ import annotations

import pathlib
from typing import Any

import base58
import pytest
from tests.conformance import aqua_src

from cloudless_runtime.air.conformance import peers, vectors

RECORDED = pathlib.Path(__file__).resolve().with_name("aqua.jsonl")


@pytest.fixture(scope="module")
def compiled() -> dict[tuple[str, str], str]:
    return aqua_src.compiled_functions()


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return {raw["name"]: raw for raw in vectors.read_vectors([str(RECORDED)])}


def test_every_example_function_has_exactly_one_recorded_vector(
    compiled: dict[tuple[str, str], str], recorded: dict[str, Any]
) -> None:
    expected = {f"{aqua_src.PREFIX}{file}_{func}" for file, func in compiled}
    assert set(recorded) == expected


@pytest.mark.parametrize("example", aqua_src.EXAMPLES_RUN, ids=lambda e: e.name)
def test_script_is_the_current_compiler_output(
    example: aqua_src.Example, compiled: dict[tuple[str, str], str], recorded: dict[str, Any]
) -> None:
    air = compiled[(example.file, example.func)]
    assert recorded[example.name]["script"] == aqua_src.script_for(air) == air


@pytest.mark.parametrize("example", aqua_src.EXAMPLES_RUN, ids=lambda e: e.name)
def test_vector_is_what_the_generator_builds_now(
    example: aqua_src.Example, compiled: dict[tuple[str, str], str], recorded: dict[str, Any]
) -> None:
    """Services and arguments too: changing them in ``aqua_src`` without re-recording is drift."""
    stored = {k: v for k, v in recorded[example.name].items() if k != "expect"}
    assert stored == aqua_src.vector(example, compiled[(example.file, example.func)])


@pytest.mark.parametrize("example", aqua_src.EXAMPLES_RUN, ids=lambda e: e.name)
def test_recorded_run_returned_the_intended_value(example: aqua_src.Example, recorded: dict[str, Any]) -> None:
    expect = recorded[example.name]["expect"]
    assert expect["errors"] == {}
    assert expect["truncated"] is None
    client_calls = expect["calls"]["client"]
    assert ["callbackSrv", "response", example.response] in client_calls
    assert not [c for c in client_calls if c[0] == "errorHandlingSrv"]


def test_relay_peer_id_is_the_oracles() -> None:
    """``op.string_to_b58``'s fixed answer is computed from this id; it must be what the call gets."""
    assert peers.keypair_for_name("relay").peer_id == aqua_src.RELAY_PEER_ID
    assert aqua_src.b58encode(aqua_src.RELAY_PEER_ID.encode()) == base58.b58encode(aqua_src.RELAY_PEER_ID).decode()
