"""Source of the AIR conformance corpus (``corpus.jsonl``), checked against the real AquaVM.

Prints one vector per line as JSON (without ``"expect"``), in the vector format of the avm-oracle
(``../shared/avm-oracle/README.md``): ``name``, ``script``, ``peers``, ``init_peer``, ``services`` and
optional bounds. Vectors are grouped by topic and every name starts with its topic prefix.

Regenerate the recorded corpus (the real AquaVM fills in ``"expect"``) from the repository root with::

  python tests/conformance/corpus_src.py | node ORACLE/oracle.mjs --record - > tests/conformance/corpus.jsonl

where ORACLE is a working copy of the avm-oracle with ``npm ci`` done (e.g. ``.cache/avm-oracle`` after
``make oracle``). Then review the recorded outcomes: they are what AquaVM did, not what was intended,
and check with ``node ORACLE/oracle.mjs --check tests/conformance/corpus.jsonl``.

Conventions: peers are ``client`` (the init peer unless stated), ``peer_a``, ``peer_b``, ``peer_c``...,
``relay``; service and data strings never equal a peer name unless a vector means a peer id (the
oracle substitutes every quoted literal equal to a peer name, in scripts and service results).
"""

from __future__ import annotations

import json
import sys
import textwrap
from typing import Any

Json = Any
Behavior = dict[str, Json]
Services = dict[str, dict[str, Behavior]]

TOPICS = (
    "call",
    "seq",
    "par",
    "xor",
    "error",
    "fail",
    "match",
    "ap",
    "canon",
    "map",
    "fold",
    "next",
    "new",
    "lambda",
    "join",
    "special",
    "net",
    "parse",
    "validate",
    "aqua",
)

PEERS2 = ("client", "peer_a")
PEERS3 = ("client", "peer_a", "peer_b")
PEERS4 = ("client", "peer_a", "peer_b", "peer_c")

# Service behaviors (see the oracle README, "Behaviors").
NULL: Behavior = {"result": None}
ECHO: Behavior = {"echo": True}
FIRST: Behavior = {"echo_first": True}
# Every vector's init peer reports through "callback.*"; the args of these calls are the observation.
CB: dict[str, Behavior] = {"callback.*": NULL}


def res(value: Json) -> Behavior:
    """A call that succeeds with ``value``."""
    return {"result": value}


def err(message: str, ret_code: int | None = None) -> Behavior:
    """A call that fails with ``ret_code`` (default 1) and ``message``."""
    body: dict[str, Json] = {"message": message}
    if ret_code is not None:
        body["ret_code"] = ret_code
    return {"error": body}


def seqb(*behaviors: Behavior) -> Behavior:
    """The n-th call gets the n-th behavior; the last one repeats."""
    return {"seq": list(behaviors)}


VECTORS: list[dict[str, Json]] = []


def add(
    name: str,
    script: str,
    services: Services,
    peers: tuple[str, ...] = PEERS3,
    init: str = "client",
    **extra: Json,
) -> None:
    """Registers one vector; the script is dedented and stripped."""
    if name.split("_", 1)[0] not in TOPICS:
        raise ValueError(f"{name}: unknown topic prefix")
    if any(v["name"] == name for v in VECTORS):
        raise ValueError(f"{name}: duplicate name")
    vector: dict[str, Json] = {
        "name": name,
        "peers": list(peers),
        "init_peer": init,
        "script": textwrap.dedent(script).strip(),
        "services": services,
    }
    vector.update(extra)
    VECTORS.append(vector)


# ================================================================================================ call

# A local call with a scalar output; its value feeds a second local call.
add(
    "call_local_scalar_output",
    """
    (seq
     (call %init_peer_id% ("kv" "get") ["k"] v)
     (call %init_peer_id% ("callback" "done") [v]))
    """,
    {"client": {"kv.get": res({"x": 1, "y": [True, None]}), **CB}},
)

# Two local calls append to a stream; a canon freezes it in call order.
add(
    "call_local_stream_output",
    """
    (seq
     (seq
      (call %init_peer_id% ("gen" "a") [] $s)
      (call %init_peer_id% ("gen" "b") [] $s))
     (seq
      (canon %init_peer_id% $s #s)
      (call %init_peer_id% ("callback" "done") [#s])))
    """,
    {"client": {"gen.a": res("first"), "gen.b": res("second"), **CB}},
)

# A call without an output: the result is dropped, execution continues.
add(
    "call_no_output",
    """
    (seq
     (call %init_peer_id% ("log" "info") ["hello" 1])
     (call %init_peer_id% ("callback" "done") []))
    """,
    {"client": {"log.info": res("ignored"), **CB}},
)

# A remote call: the particle hops to peer_a and back to the init peer for the callback.
add(
    "call_remote_scalar_back_to_init",
    """
    (seq
     (call "peer_a" ("kv" "get") ["k"] v)
     (call %init_peer_id% ("callback" "done") [v]))
    """,
    {"peer_a": {"kv.get": res("value-a")}, "client": CB},
)

# A remote call with nothing after it: one hop, peer_a's data goes nowhere.
add(
    "call_remote_no_output_dead_end",
    """
    (call "peer_a" ("log" "info") ["fire and forget"])
    """,
    {"peer_a": {"log.info": NULL}},
)

# A literal peer id equal to the init peer's id is a local call: no hop.
add(
    "call_literal_init_peer_is_local",
    """
    (seq
     (call "client" ("kv" "get") [] v)
     (call "client" ("callback" "done") [v]))
    """,
    {"client": {"kv.get": res(5), **CB}},
)

# An uncaught service failure (ret_code 42) on peer_a: error 10000 there, nothing forwarded.
add(
    "call_service_error_uncaught_ret_code_42",
    """
    (seq
     (call "peer_a" ("svc" "boom") ["x"] r)
     (call %init_peer_id% ("callback" "done") [r]))
    """,
    {"peer_a": {"svc.boom": err("it broke", 42)}, "client": CB},
)

# A call to a service nobody provides fails like a missing js-client handler (uncaught: 10000).
add(
    "call_missing_service_uncaught",
    """
    (call %init_peer_id% ("nope" "nothing") [1 "two"] r)
    """,
    {},
)

# A service failure caught by xor: message embeds the ret_code and the result JSON text.
add(
    "call_service_error_caught_message",
    """
    (xor
     (call "peer_a" ("svc" "boom") [] r)
     (call %init_peer_id% ("callback" "err") [%last_error%.$.message %last_error%.$.error_code]))
    """,
    {"peer_a": {"svc.boom": err("bad input", 7)}, "client": CB},
)

# The target peer comes from a scalar (a service hands out peer_b's id).
add(
    "call_peer_from_variable",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "target") [] target)
     (seq
      (call target ("svc" "work") [target] r)
      (call %init_peer_id% ("callback" "done") [r])))
    """,
    {"client": {"getDataSrv.target": res("peer_b"), **CB}, "peer_b": {"svc.work": ECHO}},
)

# The target peers come from lenses on a config object.
add(
    "call_peer_from_lens",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "cfg") [] cfg)
     (seq
      (seq
       (call cfg.$.nodes.[0] ("svc" "work") [1] r1)
       (call cfg.$.main ("svc" "work") [r1] r2))
      (call %init_peer_id% ("callback" "done") [r1 r2])))
    """,
    {
        "client": {"getDataSrv.cfg": res({"nodes": ["peer_a", "peer_b"], "main": "peer_b"}), **CB},
        "*": {"svc.work": FIRST},
    },
)

# Service id and function name both come from lenses.
add(
    "call_service_and_function_from_lens",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "cfg") [] cfg)
     (seq
      (call "peer_a" (cfg.$.sid cfg.$.fn) ["k"] r)
      (call %init_peer_id% ("callback" "done") [r])))
    """,
    {"client": {"getDataSrv.cfg": res({"sid": "kv", "fn": "get"}), **CB}, "peer_a": {"kv.get": ECHO}},
)

# A number as peer id: catchable 10011, caught by xor.
add(
    "call_triplet_number_peer_10011",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "cfg") [] cfg)
     (xor
      (call cfg.$.peer ("svc" "f") [] r)
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"client": {"getDataSrv.cfg": res({"peer": 42}), **CB}},
)

# A number as service id: 10011, caught by xor.
add(
    "call_triplet_number_service_10011",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "sid") [] sid)
     (xor
      (call "peer_a" (sid "f") [] r)
      (call %init_peer_id% ("callback" "err") [:error:])))
    """,
    {"client": {"getDataSrv.sid": res(7), **CB}},
)

# An object as function name, uncaught: the init peer's run ends with ret_code 10011.
add(
    "call_triplet_object_function_uncaught_10011",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "fn") [] fn)
     (call %init_peer_id% ("svc" fn) [] r))
    """,
    {"client": {"getDataSrv.fn": res({"name": "f"})}},
)

# Literal arguments equal to peer names are peer ids; the outcome maps them back to names.
add(
    "call_args_contain_peer_names",
    """
    (seq
     (call "peer_a" ("registry" "add") ["peer_b" "client" "not_a_peer"] r)
     (call %init_peer_id% ("callback" "done") [r]))
    """,
    {"peer_a": {"registry.add": ECHO}, "client": CB},
)

# Every literal kind as an argument: numbers (int, negative, float), bools, [], specials.
add(
    "call_args_literal_kinds",
    """
    (call %init_peer_id% ("callback" "args")
     [1 -7 1.25 true false "s p a c e" "" [] %init_peer_id% %timestamp% %ttl%])
    """,
    {"client": CB},
)

# Peer names nested inside a service result become ids (and names again in the outcome).
add(
    "call_result_with_nested_peer_names",
    """
    (seq
     (call "peer_a" ("dir" "list") [] d)
     (call %init_peer_id% ("callback" "done") [d d.$.who.[1].p]))
    """,
    {"peer_a": {"dir.list": res({"who": ["peer_a", {"p": "peer_b"}]})}, "client": CB},
)

# A lens error in a remote call's arguments fails on the sender: peer_a is never contacted.
add(
    "call_arg_lens_error_fails_on_sender",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "obj") [] obj)
     (xor
      (call "peer_a" ("svc" "f") [obj.$.missing] r)
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code])))
    """,
    {"client": {"getDataSrv.obj": res({"present": 1}), **CB}, "peer_a": {"svc.f": ECHO}},
)

# Two remote peers write into one stream in sequence; peer_b canonicalizes it.
add(
    "call_stream_output_two_remote_peers",
    """
    (seq
     (seq
      (call "peer_a" ("node" "name") [] $s)
      (call "peer_b" ("node" "name") [] $s))
     (seq
      (canon "peer_b" $s #s)
      (call %init_peer_id% ("callback" "done") [#s])))
    """,
    {"peer_a": {"node.name": res("from-a")}, "peer_b": {"node.name": res("from-b")}, "client": CB},
)

# A seq behavior: the same service gives 1, then fails, then 3 (each caught failure reported).
add(
    "call_seq_behavior_three_calls",
    """
    (seq
     (seq
      (call %init_peer_id% ("flaky" "get") [] $r)
      (xor
       (call %init_peer_id% ("flaky" "get") [] $r)
       (call %init_peer_id% ("callback" "err") [%last_error%.$.message])))
     (seq
      (call %init_peer_id% ("flaky" "get") [] $r)
      (seq
       (canon %init_peer_id% $r #r)
       (call %init_peer_id% ("callback" "done") [#r]))))
    """,
    {"client": {"flaky.get": seqb(res(1), err("second fails"), res(3)), **CB}},
)

# A service id equal to a peer name is a peer id; the oracle looks the call up as "peer_b.ping".
add(
    "call_service_id_is_peer_name",
    """
    (seq
     (call "peer_a" ("peer_b" "ping") [] r)
     (call %init_peer_id% ("callback" "done") [r]))
    """,
    {"peer_a": {"peer_b.ping": res("pong")}, "client": CB},
)

# echo with no arguments gives []; echo_first with none fails (caught).
add(
    "call_echo_empty_args",
    """
    (seq
     (call %init_peer_id% ("e" "all") [] a)
     (xor
      (call %init_peer_id% ("e" "first") [] b)
      (call %init_peer_id% ("callback" "done") [a %last_error%.$.message])))
    """,
    {"client": {"e.all": ECHO, "e.first": FIRST, **CB}},
)

# A call writing a scalar that is already set: uncatchable 20007, even under xor.
add(
    "call_output_scalar_written_twice_20007",
    """
    (seq
     (call %init_peer_id% ("svc" "a") [] v)
     (xor
      (call %init_peer_id% ("svc" "b") [] v)
      (call %init_peer_id% ("callback" "caught") [])))
    """,
    {"client": {"svc.a": res(1), "svc.b": res(2), **CB}},
)

# ================================================================================================ seq

# A chain over three peers: client -> peer_a -> peer_b -> client.
add(
    "seq_chain_three_peers",
    """
    (seq
     (seq
      (call "peer_a" ("step" "one") ["start"] x)
      (call "peer_b" ("step" "two") [x] y))
     (call %init_peer_id% ("callback" "done") [x y]))
    """,
    {"*": {"step.*": ECHO}, "client": CB},
)

# The right side of a seq never runs when the left never completes.
add(
    "seq_left_never_blocks_right",
    """
    (seq
     (never)
     (call %init_peer_id% ("callback" "unreachable") []))
    """,
    {"client": CB},
)

# Four local calls in a left-deep seq: one call per AquaVM run, in order.
add(
    "seq_left_deep_local_calls",
    """
    (seq
     (seq
      (seq
       (call %init_peer_id% ("step" "a") [1] a)
       (call %init_peer_id% ("step" "b") [a] b))
      (call %init_peer_id% ("step" "c") [b] c))
     (call %init_peer_id% ("callback" "done") [a b c]))
    """,
    {"client": {"step.*": ECHO, **CB}},
)

# null is complete: seq runs straight through nested nulls.
add(
    "seq_nested_nulls",
    """
    (seq
     (null)
     (seq
      (seq (null) (null))
      (call %init_peer_id% ("callback" "done") ["after nulls"])))
    """,
    {"client": CB},
)

# Right-nested seq alternating peers: a ping-pong of fixed length.
add(
    "seq_right_nested_alternating_peers",
    """
    (seq
     (call "peer_a" ("step" "p") [1] a)
     (seq
      (call "peer_b" ("step" "p") [a] b)
      (seq
       (call "peer_a" ("step" "p") [b] c)
       (call %init_peer_id% ("callback" "done") [c]))))
    """,
    {"*": {"step.p": ECHO}, "client": CB},
)

# ================================================================================================ par

# Two remote branches in par, then a callback joining both values.
add(
    "par_two_remote_then_callback",
    """
    (seq
     (par
      (call "peer_a" ("svc" "get") [] x)
      (call "peer_b" ("svc" "get") [] y))
     (call %init_peer_id% ("callback" "done") [x y]))
    """,
    {"peer_a": {"svc.get": res("xa")}, "peer_b": {"svc.get": res("yb")}, "client": CB},
)

# Two local calls under par are requested in the same run (one batch).
add(
    "par_two_local_calls_one_batch",
    """
    (seq
     (par
      (call %init_peer_id% ("svc" "left") [] l)
      (call %init_peer_id% ("svc" "right") [] r))
     (call %init_peer_id% ("callback" "done") [l r]))
    """,
    {"client": {"svc.left": res("L"), "svc.right": res("R"), **CB}},
)

# A par with one side waiting forever is complete once the other side is.
add(
    "par_one_side_never_still_completes",
    """
    (seq
     (par
      (never)
      (call %init_peer_id% ("svc" "get") [] x))
     (call %init_peer_id% ("callback" "done") [x]))
    """,
    {"client": {"svc.get": res(1), **CB}},
)

# One par branch fails, the other succeeds: par succeeds, %last_error% remembers the failure.
add(
    "par_one_branch_fails_other_succeeds",
    """
    (seq
     (par
      (call %init_peer_id% ("svc" "boom") [] x)
      (call %init_peer_id% ("svc" "ok") [] y))
     (call %init_peer_id% ("callback" "done") [y %last_error%.$.error_code :error:.$.error_code]))
    """,
    {"client": {"svc.boom": err("left broke"), "svc.ok": res("fine"), **CB}},
)

# Both branches fail: the par fails; the xor handler sees both error objects.
add(
    "par_both_fail",
    """
    (xor
     (par
      (fail 1 "left")
      (fail 2 "right"))
     (call %init_peer_id% ("callback" "err") [%last_error% :error:]))
    """,
    {"client": CB},
)

# A failing branch next to a merely waiting (remote) branch: par succeeds, xor does not catch.
add(
    "par_failure_next_to_waiting_branch_not_caught",
    """
    (seq
     (xor
      (par
       (call "peer_a" ("svc" "get") [] x)
       (fail 3 "boom"))
      (call %init_peer_id% ("callback" "caught") []))
     (call %init_peer_id% ("callback" "done") [x %last_error%.$.message]))
    """,
    {"peer_a": {"svc.get": res("xa")}, "client": CB},
)

# Nested par fans out to three peers in one run; nothing comes back.
add(
    "par_nested_fanout_three_peers",
    """
    (par
     (call "peer_a" ("svc" "work") [1])
     (par
      (call "peer_b" ("svc" "work") [2])
      (call "peer_c" ("svc" "work") [3])))
    """,
    {"*": {"svc.work": NULL}},
    peers=PEERS4,
)

# A par of two nevers is incomplete: the seq's right side never runs.
add(
    "par_both_never_blocks_seq",
    """
    (seq
     (par (never) (never))
     (call %init_peer_id% ("callback" "unreachable") []))
    """,
    {"client": CB},
)

# ================================================================================================ xor

# xor: left succeeds, right is skipped.
add(
    "xor_left_succeeds_right_skipped",
    """
    (xor
     (call %init_peer_id% ("svc" "ok") [] x)
     (call %init_peer_id% ("callback" "fallback") []))
    """,
    {"client": {"svc.ok": res(1), **CB}},
)

# Nested xor: the inner handler catches; the outer handler never runs.
add(
    "xor_nested_inner_catches",
    """
    (xor
     (xor
      (fail 1 "inner")
      (call %init_peer_id% ("callback" "inner") [%last_error%.$.message]))
     (call %init_peer_id% ("callback" "outer") []))
    """,
    {"client": CB},
)

# Nested xor: the inner handler rethrows with (fail :error:) and the outer one catches.
add(
    "xor_inner_rethrows_outer_catches",
    """
    (xor
     (xor
      (call %init_peer_id% ("svc" "boom") [] r)
      (seq
       (call %init_peer_id% ("callback" "inner") [:error:.$.error_code])
       (fail :error:)))
     (call %init_peer_id% ("callback" "outer") [:error:.$.error_code :error:.$.message]))
    """,
    {"client": {"svc.boom": err("deep", 3), **CB}},
)

# The handler fails too: the right branch's error escapes (uncaught 10006).
add(
    "xor_right_fails_too_uncaught",
    """
    (xor
     (fail 1 "left")
     (fail 2 "right"))
    """,
    {},
)

# xor does not catch uncatchable errors: writing a scalar twice is 20007.
add(
    "xor_does_not_catch_shadowing_20007",
    """
    (xor
     (seq
      (ap 1 x)
      (ap 2 x))
     (call %init_peer_id% ("callback" "caught") []))
    """,
    {"client": CB},
)

# A failure on peer_a is caught on peer_a; the callback on the init peer reads the error fields.
add(
    "xor_catches_on_remote_peer",
    """
    (seq
     (xor
      (call "peer_a" ("svc" "boom") [] r)
      (call "peer_a" ("log" "warn") [%last_error%.$.peer_id]))
     (call %init_peer_id% ("callback" "done") [%last_error%.$.instruction %last_error%.$.peer_id]))
    """,
    {"peer_a": {"svc.boom": err("remote broke"), "log.warn": NULL}, "client": CB},
)

# A join (waiting for a value) is not an error: the handler never runs. (The use call never runs
# either: peer_a sends the particle to the init peer before its own call returns, and nothing sends
# x to the init peer afterwards.)
add(
    "xor_join_is_not_an_error",
    """
    (par
     (call "peer_a" ("svc" "get") [] x)
     (xor
      (call %init_peer_id% ("svc" "use") [x] y)
      (call %init_peer_id% ("callback" "fallback") [])))
    """,
    {"peer_a": {"svc.get": res("xa")}, "client": {"svc.use": ECHO, **CB}},
)

# xor catches a failed match (10001): the usual if/else.
add(
    "xor_catches_match_failure",
    """
    (xor
     (match 1 2
      (call %init_peer_id% ("callback" "equal") []))
     (call %init_peer_id% ("callback" "not_equal") [:error:.$.error_code]))
    """,
    {"client": CB},
)

# The left branch moves to peer_b and fails there: the handler starts on peer_b and hops to peer_a.
add(
    "xor_handler_runs_where_failure_happened",
    """
    (seq
     (xor
      (seq
       (call "peer_a" ("svc" "ok") [] a)
       (call "peer_b" ("svc" "boom") [a] b))
      (call "peer_a" ("log" "err") [:error:.$.peer_id :error:.$.error_code]))
     (call %init_peer_id% ("callback" "done") [a]))
    """,
    {"peer_a": {"svc.ok": res(1), "log.err": NULL}, "peer_b": {"svc.boom": err("b broke")}, "client": CB},
)

# ============================================================================================== error

# Before any error both error objects are the no-error object.
add(
    "error_no_error_objects",
    """
    (call %init_peer_id% ("callback" "done")
     [%last_error% :error: %last_error%.$.error_code :error:.$.message])
    """,
    {"client": CB},
)

# A remote call failure: every field of both objects, whole and by lens.
add(
    "error_call_failure_fields_all_forms",
    """
    (xor
     (call "peer_a" ("svc" "boom") ["x"] r)
     (call %init_peer_id% ("callback" "err")
      [%last_error% :error:
       %last_error%.$.error_code %last_error%.$.message %last_error%.$.instruction %last_error%.$.peer_id
       :error:.$.error_code :error:.$.message :error:.$.instruction :error:.$.peer_id]))
    """,
    {"peer_a": {"svc.boom": err("nope", 5)}, "client": CB},
)

# The instruction text of a failed call without output (trailing space) and with a stream output.
add(
    "error_instruction_text_call_forms",
    """
    (seq
     (xor
      (call %init_peer_id% ("svc" "boom") ["a" 1])
      (call %init_peer_id% ("callback" "no_output") [:error:.$.instruction]))
     (xor
      (call %init_peer_id% ("svc" "boom") [%init_peer_id%] $s)
      (call %init_peer_id% ("callback" "stream_output") [:error:.$.instruction])))
    """,
    {"client": {"svc.boom": err("x"), **CB}},
)

# :error: is reset after the handler finishes; %last_error% keeps the error.
add(
    "error_colon_error_reset_after_handler",
    """
    (seq
     (xor
      (fail 11 "first")
      (call %init_peer_id% ("callback" "in_handler") [:error:.$.error_code %last_error%.$.message]))
     (call %init_peer_id% ("callback" "after") [:error: %last_error%.$.message]))
    """,
    {"client": CB},
)

# match failures set :error: but not %last_error%, which keeps the earlier error.
add(
    "error_match_does_not_set_last_error",
    """
    (seq
     (xor (fail 21 "earlier") (null))
     (xor
      (match 1 2 (null))
      (call %init_peer_id% ("callback" "err") [:error: %last_error%])))
    """,
    {"client": CB},
)

# Two failures in a row, each caught: %last_error% is re-armed by the xor handler, shows the second.
add(
    "error_last_error_rearmed_by_xor",
    """
    (seq
     (xor (fail 31 "one") (null))
     (seq
      (xor (fail 32 "two") (null))
      (call %init_peer_id% ("callback" "done") [%last_error%.$.message])))
    """,
    {"client": CB},
)

# Failures absorbed by succeeding pars: a par that succeeded re-arms %last_error% (shows the second).
add(
    "error_last_error_after_two_absorbed_par_failures",
    """
    (seq
     (par (fail 41 "par one") (null))
     (seq
      (par (fail 42 "par two") (null))
      (call %init_peer_id% ("callback" "done") [%last_error%.$.message %last_error%.$.error_code])))
    """,
    {"client": CB},
)

# A fold over a stream swallows a failure (same run; a par with null lets execution go on); then
# a later fail is caught: %last_error% holds the later one (recorded: "after fold").
add(
    "error_last_error_after_stream_fold_swallowed",
    """
    (seq
     (seq
      (ap 1 $s)
      (par
       (fold $s x
        (seq
         (fail 50 "in fold")
         (next x))
        (null))
       (null)))
     (xor
      (fail 51 "after fold")
      (call %init_peer_id% ("callback" "err") [%last_error%.$.message %last_error%.$.error_code])))
    """,
    {"client": CB},
)

# A swallowed failure inside a stream fold, seen by the next instruction (par with null around).
add(
    "error_last_error_set_by_swallowed_stream_fold_failure",
    """
    (seq
     (seq
      (ap 1 $s)
      (par
       (fold $s x
        (seq
         (fail 50 "in fold")
         (next x))
        (null))
       (null)))
     (call %init_peer_id% ("callback" "after") [%last_error%.$.message :error:.$.error_code]))
    """,
    {"client": CB},
)

# A lens error on a non-call instruction: peer_id is the peer evaluating it (differs per peer).
add(
    "error_lens_error_peer_id_is_evaluating_peer",
    """
    (seq
     (seq
      (call "peer_a" ("svc" "obj") [] obj)
      (xor
       (ap obj.$.missing y)
       (call "peer_a" ("log" "err") [%last_error%.$.peer_id %last_error%.$.error_code])))
     (call %init_peer_id% ("callback" "done") [%last_error%.$.peer_id %last_error%.$.instruction]))
    """,
    {"peer_a": {"svc.obj": res({"here": 1}), "log.err": NULL}, "client": CB},
)

# mismatch on equal values: 10002 in :error:.
add(
    "error_mismatch_equal_10002",
    """
    (xor
     (mismatch "a" "a" (null))
     (call %init_peer_id% ("callback" "err") [:error:]))
    """,
    {"client": CB},
)

# ap of the error objects inside a handler, into scalars and a stream.
add(
    "error_ap_error_objects",
    """
    (xor
     (call %init_peer_id% ("svc" "boom") [] r)
     (seq
      (seq
       (ap %last_error% le)
       (ap :error: ce))
      (seq
       (seq
        (ap :error:.$.message $m)
        (ap %last_error%.$.error_code $m))
       (seq
        (canon %init_peer_id% $m #m)
        (call %init_peer_id% ("callback" "err") [le ce #m])))))
    """,
    {"client": {"svc.boom": err("broken", 9), **CB}},
)

# ============================================================================================== fail

# A literal fail caught: %last_error% is the thrown object, :error: the UserError description.
add(
    "fail_literal_caught",
    """
    (xor
     (fail 1337 "custom message")
     (call %init_peer_id% ("callback" "err") [%last_error% :error:]))
    """,
    {"client": CB},
)

# A literal fail uncaught: the run ends with 10006.
add(
    "fail_literal_uncaught_10006",
    """
    (seq
     (fail 99 "nobody catches")
     (call %init_peer_id% ("callback" "unreachable") []))
    """,
    {"client": CB},
)

# A literal fail on peer_a: its peer_id is still the init peer.
add(
    "fail_literal_on_remote_peer_peer_id_is_init",
    """
    (seq
     (call "peer_a" ("svc" "ok") [] a)
     (xor
      (fail 7 "failed on a")
      (call "peer_a" ("log" "err") [%last_error%])))
    """,
    {"peer_a": {"svc.ok": res(1), "log.err": NULL}},
)

# Negative literal error code.
add(
    "fail_literal_negative_code",
    """
    (xor
     (fail -5 "negative")
     (call %init_peer_id% ("callback" "err") [%last_error%.$.error_code :error:.$.error_code]))
    """,
    {"client": CB},
)

# fail with a scalar error object: extra fields are kept in %last_error%.
add(
    "fail_scalar_object_with_extra_fields",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "e") [] e)
     (xor
      (fail e)
      (call %init_peer_id% ("callback" "err") [%last_error% :error:.$.error_code :error:.$.message])))
    """,
    {"client": {"getDataSrv.e": res({"error_code": 42, "message": "custom", "extra": [1]}), **CB}},
)

# fail with a lens on a scalar.
add(
    "fail_scalar_lens",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "resp") [] resp)
     (xor
      (fail resp.$.err)
      (call %init_peer_id% ("callback" "err") [%last_error%])))
    """,
    {"client": {"getDataSrv.resp": res({"err": {"error_code": 3, "message": "from lens"}}), **CB}},
)

# fail with a lens on a canon stream (#errs.$.[0]).
add(
    "fail_canon_lens",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "e") [] e)
      (ap e $errs))
     (seq
      (canon %init_peer_id% $errs #errs)
      (xor
       (fail #errs.$.[0])
       (call %init_peer_id% ("callback" "err") [%last_error% :error:.$.error_code]))))
    """,
    {"client": {"getDataSrv.e": res({"error_code": 12, "message": "canon err"}), **CB}},
)

# (fail %last_error%) rethrows as a UserError; %last_error% keeps the service error object.
add(
    "fail_last_error_rethrow",
    """
    (xor
     (xor
      (call "peer_a" ("svc" "boom") [] r)
      (fail %last_error%))
     (call %init_peer_id% ("callback" "err") [%last_error% :error:]))
    """,
    {"peer_a": {"svc.boom": err("orig", 4)}, "client": CB},
)

# (fail :error:) rethrows the original error (10000 stays 10000).
add(
    "fail_colon_error_rethrow_original",
    """
    (xor
     (xor
      (call "peer_a" ("svc" "boom") [] r)
      (fail :error:))
     (call %init_peer_id% ("callback" "err") [%last_error% :error:]))
    """,
    {"peer_a": {"svc.boom": err("orig", 4)}, "client": CB},
)

# (fail :error:) after a failed match rethrows the match error (10001).
add(
    "fail_colon_error_rethrow_match_error",
    """
    (xor
     (xor
      (match 1 2 (null))
      (fail :error:))
     (call %init_peer_id% ("callback" "err") [:error: %last_error%]))
    """,
    {"client": CB},
)

# (fail :error:) outside a handler sees the no-error object: 10008.
add(
    "fail_colon_error_outside_handler_10008",
    """
    (xor
     (fail :error:)
     (call %init_peer_id% ("callback" "err") [:error:]))
    """,
    {"client": CB},
)

# (fail %last_error%) before any error: the no-error object is not a valid error object.
add(
    "fail_last_error_without_error",
    """
    (xor
     (fail %last_error%)
     (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message]))
    """,
    {"client": CB},
)

# Invalid error objects for fail (10008): no error_code, zero error_code, non-string message, a string.
add(
    "fail_invalid_error_objects_10008",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "bad") [] bad)
     (seq
      (seq
       (xor (fail bad.$.no_code) (call %init_peer_id% ("callback" "no_code") [:error:.$.error_code]))
       (xor (fail bad.$.zero_code) (call %init_peer_id% ("callback" "zero_code") [:error:.$.error_code])))
      (seq
       (xor (fail bad.$.num_message) (call %init_peer_id% ("callback" "num_message") [:error:.$.error_code]))
       (xor
        (fail bad.$.text)
        (call %init_peer_id% ("callback" "text") [:error:.$.error_code :error:.$.message])))))
    """,
    {
        "client": {
            "getDataSrv.bad": res(
                {
                    "no_code": {"message": "m"},
                    "zero_code": {"error_code": 0, "message": "m"},
                    "num_message": {"error_code": 5, "message": 5},
                    "text": "just a string",
                }
            ),
            **CB,
        }
    },
)

# fail with a variable that is defined in the text but not at run time: 10003, not a join.
add(
    "fail_undefined_variable_10003",
    """
    (par
     (call "peer_a" ("svc" "get") [] e)
     (xor
      (fail e)
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"peer_a": {"svc.get": res({"error_code": 1, "message": "late"})}, "client": CB},
)

# ============================================================================================= match

# Equal integers: the body runs.
add(
    "match_int_equal",
    """
    (match 1 1
     (call %init_peer_id% ("callback" "equal") []))
    """,
    {"client": CB},
)

# Integer 1 and float 1.0 are not equal.
add(
    "match_int_vs_float_not_equal",
    """
    (xor
     (match 1 1.0
      (call %init_peer_id% ("callback" "equal") []))
     (call %init_peer_id% ("callback" "not_equal") [:error:.$.error_code :error:.$.message]))
    """,
    {"client": CB},
)

# Equal floats, and a float from a service against a float literal.
add(
    "match_floats",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "f") [] f)
     (match 1.5 1.5
      (match f -2.25
       (call %init_peer_id% ("callback" "equal") [f]))))
    """,
    {"client": {"getDataSrv.f": res(-2.25), **CB}},
)

# Strings: equal and unequal (mismatch body runs).
add(
    "match_strings",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "mode") [] mode)
     (seq
      (match mode "fast"
       (call %init_peer_id% ("callback" "is_fast") []))
      (mismatch mode "slow"
       (call %init_peer_id% ("callback" "not_slow") []))))
    """,
    {"client": {"getDataSrv.mode": res("fast"), **CB}},
)

# Bools from a service against literals.
add(
    "match_bools",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "flag") [] flag)
     (seq
      (match flag true
       (call %init_peer_id% ("callback" "true") []))
      (xor
       (match flag false (call %init_peer_id% ("callback" "false") []))
       (call %init_peer_id% ("callback" "not_false") []))))
    """,
    {"client": {"getDataSrv.flag": res(True), **CB}},
)

# The string "1" is not the number 1.
add(
    "match_string_vs_number",
    """
    (xor
     (match "1" 1 (call %init_peer_id% ("callback" "equal") []))
     (call %init_peer_id% ("callback" "not_equal") [:error:.$.error_code]))
    """,
    {"client": CB},
)

# Arrays from two services compare by value.
add(
    "match_arrays",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "a") [] a)
      (call %init_peer_id% ("getDataSrv" "b") [] b))
     (seq
      (match a b (call %init_peer_id% ("callback" "equal") [a]))
      (xor
       (match a.$.[1] b (null))
       (call %init_peer_id% ("callback" "element_not_array") []))))
    """,
    {"client": {"getDataSrv.a": res([1, "a", [True]]), "getDataSrv.b": res([1, "a", [True]]), **CB}},
)

# Objects compare by value whatever the key order in the service's JSON.
add(
    "match_objects_key_order",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "a") [] a)
      (call %init_peer_id% ("getDataSrv" "b") [] b))
     (seq
      (match a b (call %init_peer_id% ("callback" "equal") [a b]))
      (mismatch a.$.n b.$.n.x (call %init_peer_id% ("callback" "nested_differs") []))))
    """,
    {
        "client": {
            "getDataSrv.a": res({"a": 1, "b": 2, "n": {"x": 1, "y": 2}}),
            "getDataSrv.b": res({"n": {"y": 2, "x": 1}, "b": 2, "a": 1}),
            **CB,
        }
    },
)

# The [] literal equals an empty array from a service; null equals null.
add(
    "match_empty_array_and_null",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "empty") [] e)
      (call %init_peer_id% ("getDataSrv" "nothing") [] n))
     (match e []
      (match n n
       (call %init_peer_id% ("callback" "equal") [e n]))))
    """,
    {"client": {"getDataSrv.empty": res([]), "getDataSrv.nothing": NULL, **CB}},
)

# Special values: %init_peer_id% equals the literal init peer, %timestamp% and %ttl% their numbers.
add(
    "match_special_values",
    """
    (match %init_peer_id% "client"
     (match %timestamp% 1700000000000
      (match %ttl% 120000
       (call %init_peer_id% ("callback" "equal") []))))
    """,
    {"client": CB},
)

# Matching on the error code inside a handler (Aqua's "if error is X").
add(
    "match_on_error_code",
    """
    (xor
     (call %init_peer_id% ("svc" "boom") [] r)
     (xor
      (match :error:.$.error_code 10000
       (call %init_peer_id% ("callback" "service_error") [%last_error%.$.error_code]))
      (call %init_peer_id% ("callback" "other_error") [])))
    """,
    {"client": {"svc.boom": err("x"), **CB}},
)

# A canon stream equals an array with the same values.
add(
    "match_canon_vs_array",
    """
    (seq
     (seq
      (seq (ap 1 $s) (ap "two" $s))
      (call %init_peer_id% ("getDataSrv" "arr") [] arr))
     (seq
      (canon %init_peer_id% $s #ss)
      (match #ss arr
       (call %init_peer_id% ("callback" "equal") [#ss]))))
    """,
    {"client": {"getDataSrv.arr": res([1, "two"]), **CB}},
)

# An uncaught failed match: the run ends with 10001.
add(
    "match_uncaught_10001",
    """
    (seq
     (match "a" "b" (null))
     (call %init_peer_id% ("callback" "unreachable") []))
    """,
    {"client": CB},
)

# An uncaught mismatch of equal values: 10002.
add(
    "match_mismatch_uncaught_10002",
    """
    (mismatch 5 5 (call %init_peer_id% ("callback" "unreachable") []))
    """,
    {"client": CB},
)

# %last_error%.$.error_code is 0 before any error.
add(
    "match_no_error_code_zero",
    """
    (match %last_error%.$.error_code 0
     (match :error:.$.message ""
      (call %init_peer_id% ("callback" "no_error") [])))
    """,
    {"client": CB},
)

# Negative numbers and mismatch of int -0 and float 0.0.
add(
    "match_negative_and_zero",
    """
    (match -3 -3
     (mismatch 0 0.0
      (call %init_peer_id% ("callback" "ok") [])))
    """,
    {"client": CB},
)

# ================================================================================================ ap

# ap of literals of every kind into scalars.
add(
    "ap_literals_to_scalars",
    """
    (seq
     (seq
      (seq (ap "s" a) (ap 5 b))
      (seq (ap -1.5 c) (ap true d)))
     (seq
      (ap [] e)
      (call %init_peer_id% ("callback" "done") [a b c d e])))
    """,
    {"client": CB},
)

# ap of a lens on a scalar into a scalar.
add(
    "ap_scalar_lens_to_scalar",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "u") [] u)
     (seq
      (ap u.$.profile.tags.[1] tag)
      (call %init_peer_id% ("callback" "done") [tag])))
    """,
    {"client": {"getDataSrv.u": res({"profile": {"tags": ["x", "y"]}}), **CB}},
)

# ap into a stream keeps order; canon shows it.
add(
    "ap_values_to_stream_in_order",
    """
    (seq
     (seq
      (seq (ap 3 $s) (ap 1 $s))
      (ap 2 $s))
     (seq
      (canon %init_peer_id% $s #s)
      (call %init_peer_id% ("callback" "done") [#s])))
    """,
    {"client": CB},
)

# ap of a canon stream into a stream nests the array; ap of an element adds one value.
add(
    "ap_canon_stream_to_stream",
    """
    (seq
     (seq
      (seq (ap 1 $s) (ap 2 $s))
      (canon %init_peer_id% $s #src))
     (seq
      (seq
       (ap #src $t)
       (ap #src.$.[1] $t))
      (seq
       (canon %init_peer_id% $t #t)
       (call %init_peer_id% ("callback" "done") [#t]))))
    """,
    {"client": CB},
)

# ap of a canon stream into a scalar flattens it to an array (Aqua's -flat- pattern).
add(
    "ap_canon_to_scalar_then_lens",
    """
    (seq
     (seq
      (seq (ap "a" $s) (ap "b" $s))
      (canon %init_peer_id% $s #$s))
     (seq
      (ap #$s flat)
      (call %init_peer_id% ("callback" "done") [flat flat.$.[1] #$s.length])))
    """,
    {"client": CB},
)

# ap of the special values into a stream.
add(
    "ap_special_values",
    """
    (seq
     (seq
      (ap %init_peer_id% $sp)
      (seq (ap %timestamp% $sp) (ap %ttl% $sp)))
     (seq
      (canon %init_peer_id% $sp #sp)
      (call %init_peer_id% ("callback" "done") [#sp])))
    """,
    {"client": CB},
    timestamp=1234567890123,
    ttl=5000,
)

# ap of a lens that misses: uncaught 10007 on the init peer.
add(
    "ap_lens_error_uncaught_10007",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "o") [] o)
     (ap o.$.nope x))
    """,
    {"client": {"getDataSrv.o": res({"yes": 1})}},
)

# ap on peer_a into a stream: the stream is per peer; peer_a canonicalizes what it sees.
add(
    "ap_stream_on_remote_peer",
    """
    (seq
     (seq
      (ap "from client" $s)
      (call "peer_a" ("svc" "get") [] v))
     (seq
      (ap v $s)
      (seq
       (canon "peer_a" $s #s)
       (call %init_peer_id% ("callback" "done") [#s]))))
    """,
    {"peer_a": {"svc.get": res("from a")}, "client": CB},
)

# ap of a canon stream's length and of a canon element lens into scalars.
add(
    "ap_canon_length_and_element",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "o") [] o)
      (seq (ap o $objs) (ap o $objs)))
     (seq
      (canon %init_peer_id% $objs #objs)
      (seq
       (seq (ap #objs.length n) (ap #objs.$.[1].k v))
       (call %init_peer_id% ("callback" "done") [n v]))))
    """,
    {"client": {"getDataSrv.o": res({"k": "val"}), **CB}},
)

# ============================================================================================= canon

# A local canon of a stream filled by calls.
add(
    "canon_local_stream",
    """
    (seq
     (seq
      (call %init_peer_id% ("gen" "v") [] $s)
      (call %init_peer_id% ("gen" "v") [] $s))
     (seq
      (canon %init_peer_id% $s #vals)
      (call %init_peer_id% ("callback" "done") [#vals #vals.length])))
    """,
    {"client": {"gen.v": seqb(res("one"), res("two")), **CB}},
)

# A canon on a remote peer is a hop there; that peer freezes the stream as it sees it.
add(
    "canon_on_remote_peer_hop",
    """
    (seq
     (ap 1 $s)
     (seq
      (canon "peer_a" $s #s)
      (call %init_peer_id% ("callback" "done") [#s])))
    """,
    {"client": CB},
)

# A canon of a never-written stream is [] and does not wait.
add(
    "canon_empty_unwritten_stream",
    """
    (seq
     (canon %init_peer_id% $never #empty)
     (call %init_peer_id% ("callback" "done") [#empty #empty.length]))
    """,
    {"client": CB},
)

# First canonicalization wins: peer_a's later stream value does not change #c anywhere.
add(
    "canon_first_writer_wins",
    """
    (seq
     (seq
      (ap 1 $s)
      (par
       (call "peer_a" ("svc" "get") [] $s)
       (canon %init_peer_id% $s #c)))
     (seq
      (call "peer_a" ("svc" "use") [#c] used)
      (seq
       (canon %init_peer_id% $s #later)
       (call %init_peer_id% ("callback" "done") [#c used #later]))))
    """,
    {"peer_a": {"svc.get": res(2), "svc.use": FIRST}, "client": CB},
)

# The canon peer comes from a variable.
add(
    "canon_peer_from_variable",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "where") [] where)
      (ap "x" $s))
     (seq
      (canon where $s #s)
      (call %init_peer_id% ("callback" "done") [#s])))
    """,
    {"client": {"getDataSrv.where": res("peer_b"), **CB}},
)

# The same stream canonicalized twice, before and after another ap.
add(
    "canon_twice_different_times",
    """
    (seq
     (seq
      (seq (ap 1 $s) (canon %init_peer_id% $s #c1))
      (seq (ap 2 $s) (canon %init_peer_id% $s #c2)))
     (call %init_peer_id% ("callback" "done") [#c1 #c2]))
    """,
    {"client": CB},
)

# A local canon in the same run as a pending local call freezes the stream without its value.
add(
    "canon_does_not_wait_for_pending_local_call",
    """
    (seq
     (par
      (call %init_peer_id% ("svc" "get") [] $s)
      (canon %init_peer_id% $s #early))
     (seq
      (canon %init_peer_id% $s #late)
      (call %init_peer_id% ("callback" "done") [#early #late])))
    """,
    {"client": {"svc.get": res("v"), **CB}},
)

# Stream values from three peers, canonicalized on the init peer after all came back.
add(
    "canon_stream_from_three_peers",
    """
    (seq
     (seq
      (seq
       (call "peer_a" ("node" "id") ["peer_a"] $ids)
       (call "peer_b" ("node" "id") ["peer_b"] $ids))
      (call "peer_c" ("node" "id") ["peer_c"] $ids))
     (seq
      (canon %init_peer_id% $ids #ids)
      (call %init_peer_id% ("callback" "done") [#ids])))
    """,
    {"*": {"node.id": FIRST}, "client": CB},
    peers=PEERS4,
)

# Aqua's hop: a canon of an empty restricted stream on the relay routes the particle through it.
add(
    "canon_hop_pattern_through_relay",
    """
    (seq
     (seq
      (new $-hop- (new #-hopc- (canon "relay" $-hop- #-hopc-)))
      (call "peer_a" ("svc" "work") ["job"] r))
     (seq
      (new $-hop- (new #-hopc- (canon "relay" $-hop- #-hopc-)))
      (call %init_peer_id% ("callback" "done") [r])))
    """,
    {"peer_a": {"svc.work": FIRST}, "client": CB},
    peers=("client", "relay", "peer_a"),
)

# A canon whose peer is a number: 10011 like a call triplet, caught; the failed canon leaves the
# trace out of step, so the run fed with the callback's result fails with 20000.
add(
    "canon_peer_not_string_10011_then_replay_20000",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "where") [] where)
      (ap 1 $s))
     (xor
      (canon where $s #vals)
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"client": {"getDataSrv.where": res(17), **CB}},
)

# =============================================================================================== map

# Stream map with string keys canonicalized into a canon map: key -> all values.
add(
    "map_string_keys_canon_map",
    """
    (seq
     (seq
      (seq (ap ("a" 1) %m) (ap ("b" 2) %m))
      (ap ("a" 3) %m))
     (seq
      (canon %init_peer_id% %m #%mm)
      (call %init_peer_id% ("callback" "done") [#%mm])))
    """,
    {"client": CB},
)

# (canon p %m scalar): one value per key, the first inserted.
add(
    "map_canon_to_scalar_first_value",
    """
    (seq
     (seq
      (seq (ap ("a" 1) %m) (ap ("b" 2) %m))
      (ap ("a" 3) %m))
     (seq
      (canon %init_peer_id% %m obj)
      (call %init_peer_id% ("callback" "done") [obj obj.$.a])))
    """,
    {"client": CB},
)

# Integer keys (negative too) render as strings in the canon map and the scalar.
add(
    "map_int_keys",
    """
    (seq
     (seq
      (ap (-42 "neg") %m)
      (ap (7 "seven") %m))
     (seq
      (seq
       (canon %init_peer_id% %m #%mm)
       (canon %init_peer_id% %m obj))
      (call %init_peer_id% ("callback" "done") [#%mm obj])))
    """,
    {"client": CB},
)

# Keys from a scalar, a scalar lens and a canon lens; values of any JSON kind.
add(
    "map_keys_from_variables",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "cfg") [] cfg)
      (seq (ap "k3" $ks) (canon %init_peer_id% $ks #ks)))
     (seq
      (seq
       (seq (ap (cfg.$.name cfg) %m) (ap (cfg.$.num []) %m))
       (ap (#ks.$.[0] cfg.$.nested) %m))
      (seq
       (canon %init_peer_id% %m #%mm)
       (call %init_peer_id% ("callback" "done") [#%mm]))))
    """,
    {"client": {"getDataSrv.cfg": res({"name": "k1", "num": 5, "nested": {"z": None}}), **CB}},
)

# A key that is neither string nor integer (a float from a service): 10012, caught; but the failed
# map ap leaves the trace out of step: the next run (the callback's result) fails with 20000.
add(
    "map_float_key_10012_then_replay_20000",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "k") [] k)
     (xor
      (ap (k "v") %m)
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"client": {"getDataSrv.k": res(1.5), **CB}},
)

# Lenses on a canon map: a key gives a canon stream of its values; a missing key gives [].
add(
    "map_canon_map_lens",
    """
    (seq
     (seq
      (seq (ap ("a" 1) %m) (ap ("b" 2) %m))
      (seq (ap ("a" 3) %m) (ap (7 "seven") %m)))
     (seq
      (canon %init_peer_id% %m #%mm)
      (call %init_peer_id% ("callback" "done") [#%mm.$.a #%mm.$.zz #%mm.$.[7] #%mm.length #%mm.$.a.[1]])))
    """,
    {"client": CB},
)

# A canon map lens into a stream via ap, and into a scalar.
add(
    "map_canon_map_lens_ap",
    """
    (seq
     (seq
      (seq (ap ("k" "v1") %m) (ap ("k" "v2") %m))
      (canon %init_peer_id% %m #%mm))
     (seq
      (seq (ap #%mm.$.k vals) (ap #%mm.$.k $flat))
      (seq
       (canon %init_peer_id% $flat #flat)
       (call %init_peer_id% ("callback" "done") [vals #flat]))))
    """,
    {"client": CB},
)

# fold over a stream map: each iteration sees {"key": k, "value": v}.
add(
    "map_fold_over_stream_map",
    """
    (seq
     (seq
      (seq (ap ("a" 1) %m) (ap ("b" 2) %m))
      (ap ("a" 3) %m))
     (fold %m kv
      (seq
       (call %init_peer_id% ("callback" "item") [kv kv.$.key kv.$.value])
       (next kv))
      (null)))
    """,
    {"client": CB},
)

# fold over a canon map: AquaVM 0.62 iterates every key/value pair (0.64 would give one per key).
add(
    "map_fold_over_canon_map",
    """
    (seq
     (seq
      (seq (ap ("a" 1) %m) (ap ("b" 2) %m))
      (ap ("a" 3) %m))
     (seq
      (canon %init_peer_id% %m #%mm)
      (fold #%mm kv
       (seq
        (call %init_peer_id% ("callback" "item") [kv])
        (next kv)))))
    """,
    {"client": CB},
)

# fold over a canon map lens: the values of one key.
add(
    "map_fold_over_canon_map_key",
    """
    (seq
     (seq
      (seq (ap ("a" 1) %m) (ap ("b" 2) %m))
      (ap ("a" 3) %m))
     (seq
      (canon %init_peer_id% %m #%mm)
      (fold #%mm.$.a v
       (seq
        (call %init_peer_id% ("callback" "item") [v])
        (next v)))))
    """,
    {"client": CB},
)

# The shapes Aqua's stream-map methods compile to (aqua >= 0.14.9; the pinned 0.14.6 cannot parse
# `%T` yet): `m.get(key)` indexes the canon map with a key variable, `m.keys()` folds over the canon
# map pushing each pair's key, `m.contains(key)` tests the length of what `get` gave.
add(
    "map_variable_key_get_keys_contains",
    """
    (seq
     (seq
      (seq
       (call %init_peer_id% ("getDataSrv" "key") [] key)
       (seq (ap (key "first") %m) (ap (key "second") %m)))
      (ap ("other" "x") %m))
     (seq
      (seq
       (canon %init_peer_id% %m #%m_canon)
       (new $keys
        (seq
         (fold #%m_canon it
          (seq (ap it.$.key $keys) (next it)))
         (canon %init_peer_id% $keys #keys_result))))
      (seq
       (seq
        (ap #%m_canon.$.[key] got)
        (xor
         (match got.length 0 (ap false contains))
         (ap true contains)))
       (call %init_peer_id% ("callback" "done") [got got.length #%m_canon.$.other #keys_result contains]))))
    """,
    {"client": {"getDataSrv.key": res("k1"), **CB}},
    peers=PEERS2,
)

# A stream map written on two peers, canonicalized on peer_b.
add(
    "map_canon_on_remote_peer",
    """
    (seq
     (seq
      (ap ("from" "client") %m)
      (call "peer_a" ("svc" "get") [] v))
     (seq
      (ap ("from" v) %m)
      (seq
       (canon "peer_b" %m #%mm)
       (call %init_peer_id% ("callback" "done") [#%mm]))))
    """,
    {"peer_a": {"svc.get": res("peer a value")}, "client": CB},
)

# ============================================================================================== fold

# fold over a scalar array with (seq X (next i)): in order.
add(
    "fold_scalar_array_in_order",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (call %init_peer_id% ("callback" "item") [x])
       (next x))))
    """,
    {"client": {"getDataSrv.xs": res([1, "two", {"three": 3}]), **CB}},
)

# (seq (next i) X): X runs while the recursion unwinds, so in reverse order.
add(
    "fold_next_first_reverse_order",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (next x)
       (call %init_peer_id% ("callback" "item") [x]))))
    """,
    {"client": {"getDataSrv.xs": res(["a", "b", "c"]), **CB}},
)

# Before and after next: pre in order, post reversed; last instruction in the last iteration.
add(
    "fold_pre_post_and_last_instruction",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (seq
        (call %init_peer_id% ("callback" "pre") [x])
        (next x))
       (call %init_peer_id% ("callback" "post") [x]))
      (call %init_peer_id% ("callback" "last") [x])))
    """,
    {"client": {"getDataSrv.xs": res([1, 2, 3]), **CB}},
)

# fold over a lens iterable, with lenses on the iterator.
add(
    "fold_lens_iterable",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "resp") [] resp)
     (fold resp.$.items it
      (seq
       (call %init_peer_id% ("callback" "item") [it.$.name it.$.tags.[0]])
       (next it))))
    """,
    {
        "client": {
            "getDataSrv.resp": res(
                {
                    "items": [{"name": "n1", "tags": ["t1"]}, {"name": "n2", "tags": ["t2"]}],
                }
            ),
            **CB,
        }
    },
)

# fold over a canon stream.
add(
    "fold_canon_stream",
    """
    (seq
     (seq
      (seq (ap "x" $s) (ap "y" $s))
      (canon %init_peer_id% $s #s))
     (fold #s v
      (seq
       (call %init_peer_id% ("callback" "item") [v])
       (next v))))
    """,
    {"client": CB},
)

# fold over the [] literal: nothing runs, not even the last instruction; the fold is complete.
add(
    "fold_empty_literal_skips_last",
    """
    (seq
     (fold [] x
      (seq
       (call %init_peer_id% ("callback" "item") [x])
       (next x))
      (call %init_peer_id% ("callback" "last") []))
     (call %init_peer_id% ("callback" "after") []))
    """,
    {"client": CB},
)

# fold over an empty array from a service.
add(
    "fold_empty_array_from_service",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (seq
      (fold xs x
       (seq
        (call %init_peer_id% ("callback" "item") [x])
        (next x)))
      (call %init_peer_id% ("callback" "after") [xs])))
    """,
    {"client": {"getDataSrv.xs": res([]), **CB}},
)

# fold over an object: 10005, caught.
add(
    "fold_over_object_10005",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "o") [] o)
     (xor
      (fold o x
       (seq
        (call %init_peer_id% ("callback" "item") [x])
        (next x)))
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"client": {"getDataSrv.o": res({"not": "an array"}), **CB}},
)

# fold over a string: 10005, uncaught.
add(
    "fold_over_string_uncaught_10005",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "s") [] s)
     (fold s x
      (seq
       (call %init_peer_id% ("callback" "item") [x])
       (next x))))
    """,
    {"client": {"getDataSrv.s": res("abc"), **CB}},
)

# A body without next runs once, on the first element.
add(
    "fold_without_next_runs_once",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (call %init_peer_id% ("callback" "item") [x])))
    """,
    {"client": {"getDataSrv.xs": res([10, 20, 30]), **CB}},
)

# Nested folds: the cartesian product, calls in row order.
add(
    "fold_nested",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "rows") [] rows)
      (call %init_peer_id% ("getDataSrv" "cols") [] cols))
     (fold rows r
      (seq
       (fold cols c
        (seq
         (call %init_peer_id% ("callback" "cell") [r c])
         (next c)))
       (next r))))
    """,
    {"client": {"getDataSrv.rows": res([1, 2]), "getDataSrv.cols": res(["a", "b", "c"]), **CB}},
)

# Sequential fold over peers: the particle visits them one after another, then comes back.
add(
    "fold_seq_over_peers",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "peers") [] peers)
      (fold peers p
       (seq
        (call p ("svc" "work") [p] $res)
        (next p))))
     (seq
      (canon %init_peer_id% $res #res)
      (call %init_peer_id% ("callback" "done") [#res])))
    """,
    {"client": {"getDataSrv.peers": res(["peer_a", "peer_b", "peer_c"]), **CB}, "*": {"svc.work": FIRST}},
    peers=PEERS4,
)

# Par fan-out over 3 peers, no last instruction: the first peer done completes the fold there.
add(
    "fold_par_fanout_3_no_last",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "peers") [] peers)
      (fold peers p
       (par
        (call p ("svc" "work") [p] $res)
        (next p))))
     (call %init_peer_id% ("callback" "done") ["fold complete"]))
    """,
    {"client": {"getDataSrv.peers": res(["peer_a", "peer_b", "peer_c"]), **CB}, "*": {"svc.work": FIRST}},
    peers=PEERS4,
)

# Par fan-out over 4 peers with (null) as last instruction: the fold completes at once on init.
add(
    "fold_par_fanout_4_null_last",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "peers") [] peers)
      (fold peers p
       (par
        (call p ("svc" "work") [p] $res)
        (next p))
       (null)))
     (seq
      (canon %init_peer_id% $res #res)
      (call %init_peer_id% ("callback" "done") [#res])))
    """,
    {
        "client": {"getDataSrv.peers": res(["peer_a", "peer_b", "peer_c", "peer_d"]), **CB},
        "*": {"svc.work": FIRST},
    },
    peers=(*PEERS4, "peer_d"),
)

# Par fan-out over 5 peers, each result hops back to init; a stream gate waits for all 5.
add(
    "fold_par_fanout_5_gate",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "peers") [] peers)
      (par
       (fold peers p
        (par
         (seq
          (call p ("svc" "work") [p] $res)
          (new $-hop- (new #-hopc- (canon %init_peer_id% $-hop- #-hopc-))))
         (next p))
        (never))
       (null)))
     (new $res_test
      (seq
       (seq
        (fold $res r
         (seq
          (seq
           (ap r $res_test)
           (canon %init_peer_id% $res_test #res_iter))
          (xor
           (match #res_iter.length 5
            (null))
           (next r)))
         (never))
        (canon %init_peer_id% $res_test #res_all))
       (call %init_peer_id% ("callback" "done") [#res_all]))))
    """,
    {
        "client": {"getDataSrv.peers": res(["peer_a", "peer_b", "peer_c", "peer_d", "peer_e"]), **CB},
        "*": {"svc.work": FIRST},
    },
    peers=(*PEERS4, "peer_d", "peer_e"),
)

# Par fan-out over 6 peers where every peer calls back the init peer directly.
add(
    "fold_par_fanout_6_direct_callbacks",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "peers") [] peers)
     (fold peers p
      (par
       (seq
        (call p ("svc" "work") [p] r)
        (call %init_peer_id% ("callback" "got") [r]))
       (next p))))
    """,
    {
        "client": {
            "getDataSrv.peers": res(["peer_a", "peer_b", "peer_c", "peer_d", "peer_e", "peer_f"]),
            **CB,
        },
        "*": {"svc.work": FIRST},
    },
    peers=(*PEERS4, "peer_d", "peer_e", "peer_f"),
)

# fold over a stream that grows from its own body via ap (bounded by matches): 1 -> 2 -> 3.
add(
    "fold_stream_recursive_ap",
    """
    (seq
     (seq
      (ap 1 $s)
      (fold $s x
       (seq
        (xor
         (match x 1 (ap 2 $s))
         (xor
          (match x 2 (ap 3 $s))
          (null)))
        (next x))
       (null)))
     (seq
      (canon %init_peer_id% $s #s)
      (call %init_peer_id% ("callback" "done") [#s])))
    """,
    {"client": CB},
)

# fold over a stream grown by local calls (async: one new value per run), stops at "stop". With
# (null) as last the fold completes after the first generation, so the canon after it runs early.
add(
    "fold_stream_recursive_calls",
    """
    (seq
     (seq
      (ap 1 $s)
      (fold $s x
       (seq
        (xor
         (mismatch x "stop"
          (call %init_peer_id% ("gen" "next") [x] $s))
         (null))
        (next x))
       (null)))
     (seq
      (canon %init_peer_id% $s #s)
      (call %init_peer_id% ("callback" "done") [#s])))
    """,
    {"client": {"gen.next": seqb(res(2), res(3), res("stop")), **CB}},
)

# A stream fold without a last instruction never completes: the callback after it never runs.
add(
    "fold_stream_without_last_never_completes",
    """
    (seq
     (seq
      (seq (ap 1 $s) (ap 2 $s))
      (fold $s x
       (seq
        (call %init_peer_id% ("callback" "item") [x])
        (next x))))
     (call %init_peer_id% ("callback" "after") []))
    """,
    {"client": CB},
)

# A stream fold swallows a catchable error; the error also ends the rest of that generation (ok2 is
# never visited). The fold completes once ok1's call result is in, and the code after it runs.
add(
    "fold_stream_swallows_errors",
    """
    (seq
     (seq
      (seq (ap "ok1" $s) (seq (ap "bad" $s) (ap "ok2" $s)))
      (fold $s x
       (seq
        (seq
         (mismatch x "bad" (null))
         (call %init_peer_id% ("callback" "item") [x]))
        (next x))
       (null)))
     (call %init_peer_id% ("callback" "after") [%last_error%.$.error_code :error:.$.error_code]))
    """,
    {"client": CB},
)

# A stream fold whose only generation failed is incomplete (the error is swallowed, not caught):
# the instruction after it never runs, even with a (null) last instruction.
add(
    "fold_stream_failed_generation_is_incomplete",
    """
    (seq
     (seq
      (ap 1 $s)
      (fold $s x
       (seq
        (fail 50 "in fold")
        (next x))
       (null)))
     (call %init_peer_id% ("callback" "after") [%last_error%.$.message]))
    """,
    {"client": CB},
)

# An error stops the rest of its generation only: a value of a later generation is visited.
add(
    "fold_stream_error_stops_its_generation_only",
    """
    (seq
     (seq (ap "bad" $s) (ap "ok1" $s))
     (par
      (call %init_peer_id% ("gen" "v") [] $s)
      (fold $s x
       (seq
        (seq
         (mismatch x "bad" (null))
         (call %init_peer_id% ("callback" "item") [x]))
        (next x))
       (null))))
    """,
    {"client": {"gen.v": res("ok2"), **CB}},
)

# A local call failing inside a stream fold, then a local call after the fold: the second call's
# result is never consumed on replay (AquaVM returns 30000 "unprocessed call results").
add(
    "fold_stream_failed_local_call_then_call_30000",
    """
    (seq
     (seq
      (ap 1 $s)
      (fold $s x
       (seq
        (call %init_peer_id% ("svc" "boom") [x])
        (next x))
       (null)))
     (call %init_peer_id% ("callback" "after") []))
    """,
    {"client": {"svc.boom": err("in fold"), **CB}},
)

# The same with a succeeding call: no error.
add(
    "fold_stream_local_call_then_call",
    """
    (seq
     (seq
      (ap 1 $s)
      (fold $s x
       (seq
        (call %init_peer_id% ("svc" "ok") [x])
        (next x))
       (null)))
     (call %init_peer_id% ("callback" "after") []))
    """,
    {"client": {"svc.ok": res(5), **CB}},
)

# A stream written on the init peer, two remote peers and peer_c (which runs the fold first and
# sends each item call to the init peer): visit order.
add(
    "fold_stream_values_from_three_peers_order",
    """
    (seq
     (seq
      (ap "client-1" $s)
      (par
       (call "peer_a" ("svc" "v") [] $s)
       (call "peer_b" ("svc" "v") [] $s)))
     (seq
      (seq
       (call "peer_c" ("svc" "sync") [])
       (ap "after-sync" $s))
      (fold $s x
       (seq
        (call %init_peer_id% ("callback" "item") [x])
        (next x))
       (null))))
    """,
    {
        "peer_a": {"svc.v": res("a")},
        "peer_b": {"svc.v": res("b")},
        "peer_c": {"svc.sync": NULL},
        "client": CB,
    },
    peers=PEERS4,
)

# A call output into the fold's iterator name (iterator shadowing).
add(
    "fold_call_output_shadows_iterator",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (call %init_peer_id% ("svc" "f") [] x)
       (next x))))
    """,
    {"client": {"getDataSrv.xs": res([1, 2]), "svc.f": res(0)}},
)

# ap into the iterator name inside the fold: no error at all, the fold completes. (Reading x after
# that ap makes AquaVM 0.62 panic in Scalars::get_value: not a vector, the Wasm call traps.)
add(
    "fold_ap_to_iterator_no_error",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "xs") [] xs)
      (xor
       (fold xs x
        (seq
         (ap 10 x)
         (next x)))
       (call %init_peer_id% ("callback" "caught") [:error:])))
     (call %init_peer_id% ("callback" "after") [xs]))
    """,
    {"client": {"getDataSrv.xs": res([1, 2]), **CB}},
)

# A plain scalar may be set once per fold iteration (no new needed).
add(
    "fold_scalar_set_per_iteration_allowed",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (seq
        (ap x.$.v y)
        (call %init_peer_id% ("callback" "item") [y]))
       (next x))))
    """,
    {"client": {"getDataSrv.xs": res([{"v": "one"}, {"v": "two"}]), **CB}},
)

# A scalar set inside an iteration disappears after the fold: the later use waits forever.
add(
    "fold_scalar_from_iteration_gone_after_fold",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "xs") [] xs)
      (fold xs x
       (seq
        (ap x inner)
        (next x))))
     (call %init_peer_id% ("callback" "after") [inner]))
    """,
    {"client": {"getDataSrv.xs": res([1, 2]), **CB}},
)

# ============================================================================================== next

# next inside (par X (next i)) with local calls: all iterations' calls in one batch.
add(
    "next_par_local_calls_one_batch",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (par
       (call %init_peer_id% ("callback" "item") [x])
       (next x))))
    """,
    {"client": {"getDataSrv.xs": res(["p", "q", "r"]), **CB}},
)

# next in the middle: each iteration's remote call happens before next, local report after.
add(
    "next_between_remote_and_local",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (seq
        (call "peer_a" ("svc" "work") [x] y)
        (next x))
       (call %init_peer_id% ("callback" "item") [x y]))))
    """,
    {"client": {"getDataSrv.xs": res([1, 2]), **CB}, "peer_a": {"svc.work": FIRST}},
)

# A last instruction that fails (catchable) makes the fold fail.
add(
    "next_last_instruction_failure_caught",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (xor
      (fold xs x
       (seq
        (call %init_peer_id% ("callback" "item") [x])
        (next x))
       (fail 77 "last failed"))
      (call %init_peer_id% ("callback" "err") [%last_error%.$.message])))
    """,
    {"client": {"getDataSrv.xs": res([1, 2]), **CB}},
)

# A failure in a middle iteration of a scalar fold propagates (not swallowed, unlike streams).
add(
    "next_scalar_fold_failure_propagates",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (xor
      (fold xs x
       (seq
        (seq
         (mismatch x 2 (null))
         (call %init_peer_id% ("callback" "item") [x]))
        (next x)))
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code])))
    """,
    {"client": {"getDataSrv.xs": res([1, 2, 3]), **CB}},
)

# =============================================================================================== new

# new $acc per fold iteration: each iteration's canon sees only its own values.
add(
    "new_stream_per_iteration",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (new $acc
        (seq
         (seq (ap x $acc) (ap x $acc))
         (seq
          (canon %init_peer_id% $acc #acc)
          (call %init_peer_id% ("callback" "iter") [#acc]))))
       (next x))))
    """,
    {"client": {"getDataSrv.xs": res(["a", "b"]), **CB}},
)

# new y per fold iteration: the scalar can be set once in each iteration.
add(
    "new_scalar_per_iteration",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (new y
        (seq
         (call %init_peer_id% ("svc" "f") [x] y)
         (call %init_peer_id% ("callback" "iter") [y])))
       (next x))))
    """,
    {"client": {"getDataSrv.xs": res([1, 2, 3]), "svc.f": ECHO, **CB}},
)

# new y hides the outer y inside and restores it afterwards.
add(
    "new_scalar_restores_outer",
    """
    (seq
     (seq
      (ap "outer" y)
      (new y
       (seq
        (ap "inner" y)
        (call %init_peer_id% ("callback" "inside") [y]))))
     (call %init_peer_id% ("callback" "outside") [y]))
    """,
    {"client": CB},
)

# Reading a new scalar before it is set (ap): 10009, caught.
add(
    "new_scalar_read_before_set_ap_10009",
    """
    (seq
     (ap "outer" y)
     (new y
      (xor
       (ap y z)
       (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message]))))
    """,
    {"client": CB},
)

# Reading a new scalar before it is set (call argument): 10009 as well, not a join.
add(
    "new_scalar_read_before_set_call_arg",
    """
    (seq
     (ap "outer" y)
     (new y
      (xor
       (call %init_peer_id% ("callback" "use") [y])
       (call %init_peer_id% ("callback" "err") [:error:.$.error_code]))))
    """,
    {"client": CB},
)

# new #c inside a fold: each iteration canonicalizes the growing outer stream under one name.
add(
    "new_canon_per_iteration",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (new #snap
        (seq
         (seq
          (ap x $all)
          (canon %init_peer_id% $all #snap))
         (call %init_peer_id% ("callback" "iter") [#snap])))
       (next x))))
    """,
    {"client": {"getDataSrv.xs": res(["a", "b", "c"]), **CB}},
)

# new %m inside a fold: a fresh stream map per iteration, flattened into a scalar object.
add(
    "new_map_per_iteration",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (new %m
        (seq
         (seq
          (ap ("k" x) %m)
          (canon %init_peer_id% %m obj))
         (call %init_peer_id% ("callback" "iter") [obj])))
       (next x))))
    """,
    {"client": {"getDataSrv.xs": res([1, 2]), **CB}},
)

# new $s shadows an outer stream: inside it starts empty, outside the outer values remain.
add(
    "new_stream_shadows_outer",
    """
    (seq
     (seq
      (ap "outer" $s)
      (new $s
       (seq
        (ap "inner" $s)
        (seq
         (canon %init_peer_id% $s #inner)
         (call %init_peer_id% ("callback" "inside") [#inner])))))
     (seq
      (canon %init_peer_id% $s #outer)
      (call %init_peer_id% ("callback" "outside") [#outer])))
    """,
    {"client": CB},
)

# ============================================================================================ lambda

# Nested field and index accessors, with the legacy ! sign.
add(
    "lambda_nested_field_index_bang",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "o") [] o)
     (call %init_peer_id% ("callback" "done") [o.$.a.[0]! o.$.a.[1].b! o.$.a.[1].b o.$.c.d.[2]]))
    """,
    {"client": {"getDataSrv.o": res({"a": ["zero", {"b": "bee"}], "c": {"d": [0, 1, 2]}}), **CB}},
)

# .$.[x] with a scalar: a number indexes an array, a string selects a field.
add(
    "lambda_index_and_field_from_scalar",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "o") [] o)
      (seq
       (call %init_peer_id% ("getDataSrv" "i") [] i)
       (call %init_peer_id% ("getDataSrv" "f") [] f)))
     (call %init_peer_id% ("callback" "done") [o.$.arr.[i] o.$.[f] o.$.arr.[i]!]))
    """,
    {
        "client": {
            "getDataSrv.o": res({"arr": [10, 20, 30], "name": "N"}),
            "getDataSrv.i": res(2),
            "getDataSrv.f": res("name"),
            **CB,
        }
    },
)

# The bracket accessor without a leading dot: arr.$[i] is accepted.
add(
    "lambda_index_without_dot",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "arr") [] arr)
      (call %init_peer_id% ("getDataSrv" "i") [] i))
     (call %init_peer_id% ("callback" "done") [arr.$[i] arr.$[0]]))
    """,
    {"client": {"getDataSrv.arr": res(["x", "y"]), "getDataSrv.i": res(1), **CB}},
)

# .length on an array, an empty array, a canon stream and an empty canon.
add(
    "lambda_length_array_and_canon",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "o") [] o)
      (seq
       (seq (ap o.$.arr arr) (ap o.$.empty empty))
       (seq (ap 1 $s) (ap 2 $s))))
     (seq
      (seq
       (canon %init_peer_id% $s #ss)
       (canon %init_peer_id% $none #none))
      (call %init_peer_id% ("callback" "done") [arr.length empty.length #ss.length #none.length])))
    """,
    {"client": {"getDataSrv.o": res({"arr": [1, 2, 3], "empty": []}), **CB}},
)

# .length after a lens is not the functor but a field named "length": 10007 on an array.
add(
    "lambda_length_after_lens_is_field_10007",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "o") [] o)
     (xor
      (call %init_peer_id% ("callback" "len") [o.$.arr.length])
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"client": {"getDataSrv.o": res({"arr": [1, 2, 3]}), **CB}},
)

# .length after a lens on an object with a "length" field reads that field.
add(
    "lambda_length_field_of_object",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "o") [] o)
     (call %init_peer_id% ("callback" "len") [o.$.box.length]))
    """,
    {"client": {"getDataSrv.o": res({"box": {"length": "field value"}}), **CB}},
)

# .length on an object: 10010, caught.
add(
    "lambda_length_on_object_10010",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "o") [] o)
     (xor
      (call %init_peer_id% ("callback" "len") [o.length])
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"client": {"getDataSrv.o": res({"a": 1}), **CB}},
)

# .length on a string: 10010 as well.
add(
    "lambda_length_on_string_10010",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "s") [] s)
     (xor
      (ap s.length n)
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code])))
    """,
    {"client": {"getDataSrv.s": res("abc"), **CB}},
)

# A missing field: 10007, caught.
add(
    "lambda_missing_field_10007",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "o") [] o)
     (xor
      (call %init_peer_id% ("callback" "val") [o.$.missing])
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"client": {"getDataSrv.o": res({"a": 1}), **CB}},
)

# An index out of bounds: 10007.
add(
    "lambda_index_out_of_bounds_10007",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "arr") [] arr)
     (xor
      (ap arr.$.[5] v)
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"client": {"getDataSrv.arr": res([0, 1]), **CB}},
)

# A field accessor on an array and an index on an object: 10007 both.
add(
    "lambda_type_mismatch_10007",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "o") [] o)
     (seq
      (xor
       (ap o.$.arr.name v1)
       (call %init_peer_id% ("callback" "field_on_array") [:error:.$.error_code]))
      (xor
       (ap o.$.[0] v2)
       (call %init_peer_id% ("callback" "index_on_object") [:error:.$.error_code]))))
    """,
    {"client": {"getDataSrv.o": res({"arr": [1]}), **CB}},
)

# A canon stream lens: index first, then fields of the element.
add(
    "lambda_canon_index_then_field",
    """
    (seq
     (seq
      (call %init_peer_id% ("getDataSrv" "objs") [] objs)
      (fold objs o (seq (ap o $objs) (next o))))
     (seq
      (canon %init_peer_id% $objs #objs)
      (call %init_peer_id% ("callback" "done") [#objs.$.[1].name #objs.$.[0].tags.[1]])))
    """,
    {"client": {"getDataSrv.objs": res([{"name": "a", "tags": [1, 2]}, {"name": "b", "tags": []}]), **CB}},
)

# A field as first accessor on a canon stream is an error.
add(
    "lambda_canon_field_first_error",
    """
    (seq
     (seq (ap 1 $s) (canon %init_peer_id% $s #ss))
     (xor
      (ap #ss.$.name v)
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code :error:.$.message])))
    """,
    {"client": CB},
)

# A lens on an error object that lacks the field.
add(
    "lambda_error_object_missing_field",
    """
    (xor
     (fail 3 "x")
     (xor
      (call %init_peer_id% ("callback" "peer") [:error:.$.peer_id])
      (call %init_peer_id% ("callback" "err") [:error:.$.error_code])))
    """,
    {"client": CB},
)

# ============================================================================================== join

# A value produced on another peer in a par branch is used on a third peer (join).
add(
    "join_value_from_par_branch_on_third_peer",
    """
    (seq
     (par
      (call "peer_a" ("gen" "token") [] token)
      (call "peer_b" ("gen" "salt") [] salt))
     (seq
      (call "peer_c" ("join" "combine") [token salt] combined)
      (call %init_peer_id% ("callback" "done") [combined])))
    """,
    {
        "peer_a": {"gen.token": res("T")},
        "peer_b": {"gen.salt": res("S")},
        "peer_c": {"join.combine": ECHO},
        "client": CB,
    },
    peers=PEERS4,
)

# A remote call is sent although its argument is not known yet; peer_b waits for it forever, since
# nothing later carries x to peer_b (the callback waits on y: nothing is called but gen.x).
add(
    "join_remote_call_sent_before_args_known",
    """
    (seq
     (par
      (call "peer_a" ("gen" "x") [] x)
      (call "peer_b" ("svc" "use") [x] y))
     (call %init_peer_id% ("callback" "done") [x y]))
    """,
    {"peer_a": {"gen.x": res("xa")}, "peer_b": {"svc.use": ECHO}, "client": CB},
)

# match waits for its operand to arrive from another branch.
add(
    "join_match_waits_for_value",
    """
    (par
     (call "peer_a" ("gen" "x") [] x)
     (match x "expected"
      (call %init_peer_id% ("callback" "matched") [x])))
    """,
    {"peer_a": {"gen.x": res("expected")}, "client": CB},
)

# ap waits for its source; the fold waits for its iterable.
add(
    "join_ap_and_fold_wait",
    """
    (par
     (call "peer_a" ("gen" "xs") [] xs)
     (seq
      (ap xs copy)
      (fold copy x
       (seq
        (call %init_peer_id% ("callback" "item") [x])
        (next x)))))
    """,
    {"peer_a": {"gen.xs": res([1, 2])}, "client": CB},
)

# The target peer of a call comes from another branch: the call waits, then goes there.
add(
    "join_call_peer_waits",
    """
    (par
     (call "peer_a" ("gen" "target") [] target)
     (seq
      (call target ("svc" "work") [] w)
      (call %init_peer_id% ("callback" "done") [w])))
    """,
    {"peer_a": {"gen.target": res("peer_b")}, "peer_b": {"svc.work": res("worked")}, "client": CB},
)

# A canon whose peer comes from another branch waits, then hops there.
add(
    "join_canon_peer_waits",
    """
    (seq
     (ap "v" $s)
     (par
      (call "peer_a" ("gen" "where") [] where)
      (seq
       (canon where $s #s)
       (call %init_peer_id% ("callback" "done") [#s]))))
    """,
    {"peer_a": {"gen.where": res("peer_b")}, "client": CB},
)

# A stream gate of length 1 over two racing writers: the first value to reach the init peer wins.
add(
    "join_stream_gate_first_of_two",
    """
    (seq
     (par
      (call "peer_a" ("race" "run") ["a"] $status)
      (call "peer_b" ("race" "run") ["b"] $status))
     (new $status_test
      (seq
       (seq
        (fold $status s
         (seq
          (seq
           (ap s $status_test)
           (canon %init_peer_id% $status_test #status_iter))
          (xor
           (match #status_iter.length 1
            (null))
           (next s)))
         (never))
        (canon %init_peer_id% $status_test #status_result))
       (call %init_peer_id% ("callback" "done") [#status_result.$.[0]]))))
    """,
    {"*": {"race.run": FIRST}, "client": CB},
)

# ============================================================================================ special

# Special values with custom particle fields.
add(
    "special_values_custom_particle",
    """
    (call %init_peer_id% ("callback" "done") [%init_peer_id% %timestamp% %ttl%])
    """,
    {"client": CB},
    timestamp=1600000000123,
    ttl=7000,
    particle_id="custom-particle-id",
)

# The init peer is the only peer: everything is local, no hops.
add(
    "special_init_peer_only",
    """
    (seq
     (seq
      (call %init_peer_id% ("svc" "a") [] a)
      (par
       (call %init_peer_id% ("svc" "b") [a] $s)
       (call %init_peer_id% ("svc" "b") [a a] $s)))
     (seq
      (canon %init_peer_id% $s #s)
      (call %init_peer_id% ("callback" "done") [#s])))
    """,
    {"client": {"svc.a": res("A"), "svc.b": ECHO, **CB}},
    peers=("client",),
)

# %init_peer_id% read on another peer is still the init peer.
add(
    "special_init_peer_id_on_remote_peer",
    """
    (seq
     (call "peer_a" ("svc" "who") [%init_peer_id%] w)
     (call %init_peer_id% ("callback" "done") [w]))
    """,
    {"peer_a": {"svc.who": ECHO}, "client": CB},
)

# The init peer may be any peer of the network (peer_b starts).
add(
    "special_init_peer_not_first_in_list",
    """
    (seq
     (call "client" ("svc" "hello") [%init_peer_id%] h)
     (call %init_peer_id% ("report" "done") [h]))
    """,
    {"client": {"svc.hello": ECHO}, "peer_b": {"report.done": NULL}},
    init="peer_b",
)

# null and never: a par of them completes; xor never reacts to never.
add(
    "special_null_and_never",
    """
    (seq
     (par (null) (never))
     (seq
      (xor (never) (call %init_peer_id% ("callback" "xor_right") []))
      (call %init_peer_id% ("callback" "unreachable") [])))
    """,
    {"client": CB},
)

# ================================================================================================ net

# A literal peer id not in the network: the particle is not delivered (recorded as undelivered).
add(
    "net_undelivered_unknown_peer",
    """
    (par
     (call "12D3KooWSD5PToNiLQwKDXsu8JSysCwUt8BVUJEqCHcDe7P5h45e" ("svc" "x") [])
     (call "peer_a" ("svc" "x") []))
    """,
    {"peer_a": {"svc.x": NULL}},
)

# An endless ping-pong on a recursive stream, stopped by max_hops.
add(
    "net_max_hops_ping_pong",
    """
    (seq
     (ap 0 $pp)
     (fold $pp x
      (seq
       (seq
        (call "peer_a" ("ping" "ping") [x] y)
        (call "peer_b" ("pong" "pong") [y] $pp))
       (next x))
      (null)))
    """,
    {"peer_a": {"ping.ping": FIRST}, "peer_b": {"pong.pong": res("again")}},
    max_hops=9,
)

# An explicit relay: client -> relay -> peer_a -> relay -> client, as written.
add(
    "net_explicit_relay_route",
    """
    (seq
     (seq
      (call "relay" ("op" "noop") [])
      (call "peer_a" ("svc" "work") ["job"] r))
     (seq
      (call "relay" ("op" "noop") [])
      (call %init_peer_id% ("callback" "done") [r])))
    """,
    {"relay": {"op.noop": NULL}, "peer_a": {"svc.work": FIRST}, "client": CB},
    peers=("client", "relay", "peer_a"),
)

# max_invocations stops a long run of local calls.
add(
    "net_max_invocations",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "xs") [] xs)
     (fold xs x
      (seq
       (call %init_peer_id% ("callback" "item") [x])
       (next x))))
    """,
    {"client": {"getDataSrv.xs": res([1, 2, 3, 4, 5, 6]), **CB}},
    max_invocations=4,
)

# ============================================================================================== parse

# Garbage text: ret_code 1, nothing runs.
add("parse_garbage_text", "this is not AIR at all", {})

# An unbalanced parenthesis.
add(
    "parse_unbalanced_paren",
    """
    (seq (call %init_peer_id% ("callback" "done") []) (null)
    """,
    {"client": CB},
)

# An unknown instruction keyword.
add(
    "parse_unknown_instruction",
    """
    (seq (call %init_peer_id% ("callback" "done") []) (loop))
    """,
    {"client": CB},
)

# A float literal longer than 11 characters is rejected.
add(
    "parse_float_too_long",
    """
    (call %init_peer_id% ("callback" "done") [1.00000000001])
    """,
    {"client": CB},
)

# A one-character canon name cannot take a lens (#c.length).
add(
    "parse_one_char_canon_lens",
    """
    (seq
     (canon %init_peer_id% $s #c)
     (call %init_peer_id% ("callback" "done") [#c.length]))
    """,
    {"client": CB},
)

# A bare canon map is not an ap source.
add(
    "parse_ap_bare_canon_map",
    """
    (seq
     (seq (ap ("k" 1) %m) (canon %init_peer_id% %m #%mm))
     (ap #%mm x))
    """,
    {},
)

# A lens ".$" with no accessor.
add(
    "parse_empty_lens",
    """
    (seq
     (ap [] x)
     (call %init_peer_id% ("callback" "done") [x.$]))
    """,
    {"client": CB},
)

# An empty script.
add("parse_empty_script", "", {})

# A bool as a literal stream map key.
add(
    "parse_map_key_bool_literal",
    """
    (ap (true 1) %m)
    """,
    {},
)

# =========================================================================================== validate

# A variable used textually before its definition: rejected before execution.
add(
    "validate_use_before_define",
    """
    (seq
     (call %init_peer_id% ("callback" "done") [x])
     (ap 1 x))
    """,
    {"client": CB},
)

# Use in one par branch, definition in the later branch: rejected even though a join would work.
add(
    "validate_use_in_earlier_par_branch",
    """
    (par
     (call %init_peer_id% ("callback" "done") [x])
     (call "peer_a" ("gen" "x") [] x))
    """,
    {"client": CB, "peer_a": {"gen.x": res(1)}},
)

# next outside its fold.
add(
    "validate_next_outside_fold",
    """
    (seq
     (fold [] x (null))
     (next x))
    """,
    {},
)

# Two next for one fold.
add(
    "validate_two_next_in_fold",
    """
    (fold [] x
     (seq
      (next x)
      (next x)))
    """,
    {},
)

# A nested fold reusing the enclosing iterator name.
add(
    "validate_nested_fold_same_iterator",
    """
    (fold [] x
     (seq
      (fold [] x (next x))
      (next x)))
    """,
    {},
)

# new on a fold iterator.
add(
    "validate_new_on_iterator",
    """
    (fold [] x
     (seq
      (new x (null))
      (next x)))
    """,
    {},
)

# Something after next in a fold over a stream.
add(
    "validate_after_next_in_stream_fold",
    """
    (seq
     (ap 1 $s)
     (fold $s x
      (seq
       (next x)
       (call %init_peer_id% ("callback" "after") [x]))))
    """,
    {"client": CB},
)

# (fail 0 "...") is rejected.
add(
    "validate_fail_zero_code",
    """
    (xor
     (fail 0 "zero")
     (call %init_peer_id% ("callback" "err") []))
    """,
    {"client": CB},
)

# A fold over a stream that is never defined before.
add(
    "validate_fold_undefined_stream",
    """
    (fold $nowhere x
     (seq
      (call %init_peer_id% ("callback" "item") [x])
      (next x)))
    """,
    {"client": CB},
)

# A canon of a stream never written anywhere is fine (no definition needed).
add(
    "validate_canon_source_needs_no_definition",
    """
    (seq
     (canon %init_peer_id% $ghost #ghost)
     (call %init_peer_id% ("callback" "done") [#ghost]))
    """,
    {"client": CB},
)

# =============================================================================================== aqua

AQUA_GREET = """
(xor
 (seq
  (seq
   (seq
    (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)
    (call %init_peer_id% ("getDataSrv" "peer") [] -peer-arg-))
   (xor
    (seq
     (seq
      (new $-hop- (new #-hopc- (canon -relay- $-hop- #-hopc-)))
      (call -peer-arg- ("greeter" "hello") ["world"] ret))
     (new $-hop- (new #-hopc- (canon -relay- $-hop- #-hopc-))))
    (seq
     (seq
      (new $-hop- (new #-hopc- (canon -relay- $-hop- #-hopc-)))
      (new $-hop- (new #-hopc- (canon %init_peer_id% $-hop- #-hopc-))))
     (fail :error:))))
  (call %init_peer_id% ("callbackSrv" "response") [ret]))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))
"""

AQUA_CLIENT = {
    "getDataSrv.-relay-": res("relay"),
    "getDataSrv.peer": res("peer_a"),
    "callbackSrv.response": NULL,
    "errorHandlingSrv.error": NULL,
}

# Aqua "on peer via relay": init -> relay -> peer_a -> relay -> init, then callbackSrv.response.
add(
    "aqua_greet_via_relay",
    AQUA_GREET,
    {"client": AQUA_CLIENT, "peer_a": {"greeter.hello": res("Hello, world")}},
    peers=("client", "relay", "peer_a"),
)

# The same with a failing service: hops back through the relay, rethrows, errorHandlingSrv.error.
add(
    "aqua_greet_via_relay_failure",
    AQUA_GREET,
    {"client": AQUA_CLIENT, "peer_a": {"greeter.hello": err("greeter is down", 3)}},
    peers=("client", "relay", "peer_a"),
)

AQUA_GATHER = """
(xor
 (new $answers
  (seq
   (seq
    (seq
     (seq
      (seq
       (seq
        (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)
        (call %init_peer_id% ("getDataSrv" "peers") [] -peers-arg-))
       (par
        (fold -peers-arg- p-0
         (par
          (xor
           (seq
            (seq
             (seq
              (seq
               (new $-hop- (new #-hopc- (canon -relay- $-hop- #-hopc-)))
               (call p-0 ("echo" "identity") ["ping"] ret))
              (ap ret $answers))
             (new $-hop- (new #-hopc- (canon -relay- $-hop- #-hopc-))))
            (new $-hop- (new #-hopc- (canon %init_peer_id% $-hop- #-hopc-))))
           (seq
            (seq
             (new $-hop- (new #-hopc- (canon -relay- $-hop- #-hopc-)))
             (new $-hop- (new #-hopc- (canon %init_peer_id% $-hop- #-hopc-))))
            (fail :error:)))
          (next p-0))
         (never))
        (null)))
      (new $answers_test
       (seq
        (seq
         (fold $answers answers_fold_var
          (seq
           (seq
            (ap answers_fold_var $answers_test)
            (canon %init_peer_id% $answers_test #answers_iter_canon))
           (xor
            (match #answers_iter_canon.length 3
             (null))
            (next answers_fold_var)))
          (never))
         (canon %init_peer_id% $answers_test #answers_result_canon))
        (ap #answers_result_canon answers_gate))))
     (canon %init_peer_id% $answers #-answers-fix-0))
    (ap #-answers-fix-0 -answers-flat-0))
   (call %init_peer_id% ("callbackSrv" "response") [-answers-flat-0])))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))
"""

AQUA_GATHER_CLIENT = {
    "getDataSrv.-relay-": res("relay"),
    "getDataSrv.peers": res(["peer_a", "peer_b", "peer_c"]),
    "callbackSrv.response": NULL,
    "errorHandlingSrv.error": NULL,
}

# Aqua fan-out "for p <- peers par" gathered into $answers, stream gate waiting for 3, response.
add(
    "aqua_gather_stream_gate_3",
    AQUA_GATHER,
    {"client": AQUA_GATHER_CLIENT, "*": {"echo.identity": FIRST}},
    peers=("client", "relay", "peer_a", "peer_b", "peer_c"),
)

# The same fan-out with one peer failing: the gate never reaches 3, so no response at all.
add(
    "aqua_gather_one_peer_fails",
    AQUA_GATHER,
    {
        "client": AQUA_GATHER_CLIENT,
        "*": {"echo.identity": FIRST},
        "peer_b": {"echo.identity": err("b is down")},
    },
    peers=("client", "relay", "peer_a", "peer_b", "peer_c"),
)

# Aqua's "if status == X" on a gated value: a failed match (10001) means "else", do nothing.
add(
    "aqua_if_error_pattern",
    """
    (seq
     (call %init_peer_id% ("getDataSrv" "status") [] status)
     (seq
      (new -if-error-
       (xor
        (match status "timeout"
         (call %init_peer_id% ("callbackSrv" "response") ["timed out"]))
        (seq
         (ap :error: -if-error-)
         (xor
          (match :error:.$.error_code 10001
           (null))
          (fail -if-error-)))))
      (call %init_peer_id% ("callbackSrv" "response") ["finished" status])))
    """,
    {"client": {"getDataSrv.status": res("ok"), "callbackSrv.response": NULL}},
)


# Objects reach services with sorted keys (serde_json maps): the missing-service message embeds
# the arguments as JSON text, so the key order is visible in the string the callback gets.
add(
    "error_object_arguments_have_sorted_keys",
    """
    (seq
     (call "peer_a" ("src" "obj") [] o)
     (xor
      (call "peer_a" ("nope" "missing") [o] r)
      (call %init_peer_id% ("callback" "done") [%last_error%.$.message])))
    """,
    {"peer_a": {"src.obj": res({"b": 1, "10": 2, "a": {"z": 1, "y": 2}})}, **{"client": CB}},
    peers=PEERS2,
)


def main() -> None:
    for vector in VECTORS:
        sys.stdout.write(json.dumps(vector, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
