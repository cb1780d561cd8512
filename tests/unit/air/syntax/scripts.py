"""The AIR scripts of `../shared/avm-oracle/smoke.jsonl`, embedded so the tests do not need that folder.

`test_parser.py` checks they still equal the file whenever the file is there.
"""

from __future__ import annotations

SMOKE_SCRIPTS: dict[str, str] = {
    "seq_two_remote_peers": (
        "(seq\n"
        " (seq\n"
        '  (call "peer_a" ("kv" "get") ["key1"] v)\n'
        '  (call "peer_b" ("kv" "put") ["key1" v] ok))\n'
        ' (call %init_peer_id% ("callback" "done") [v ok]))'
    ),
    "par_fanout_stream_join_canon_callback": (
        "(seq\n"
        " (seq\n"
        '  (call "relay" ("op" "noop") [])\n'
        "  (par\n"
        '   (call "peer_a" ("node" "id") ["peer_a"] $res)\n'
        "   (par\n"
        '    (call "peer_b" ("node" "id") ["peer_b"] $res)\n'
        '    (call "peer_c" ("node" "id") ["peer_c"] $res))))\n'
        " (new $res_test\n"
        "  (seq\n"
        "   (seq\n"
        "    (fold $res s\n"
        "     (seq\n"
        "      (seq\n"
        "       (ap s $res_test)\n"
        "       (canon %init_peer_id% $res_test #res_iter_canon))\n"
        "      (xor\n"
        "       (match #res_iter_canon.length 3\n"
        "        (null))\n"
        "       (next s)))\n"
        "     (never))\n"
        "    (canon %init_peer_id% $res_test #res_all))\n"
        '   (call %init_peer_id% ("callback" "result") [#res_all]))))'
    ),
    "xor_catches_failed_call_last_error": (
        "(xor\n"
        ' (call "peer_a" ("fail" "now") ["boom"] r)\n'
        ' (call %init_peer_id% ("errorHandlingSrv" "error") [%last_error% 1]))'
    ),
    "xor_unknown_service_error_lambda": (
        "(xor\n"
        ' (call "peer_b" ("nope" "missing") ["peer_a" 7] r)\n'
        ' (call %init_peer_id% ("report" "err") [:error:.$.error_code :error:.$.message :error:.$.peer_id]))'
    ),
    "fold_array_with_next": (
        "(seq\n"
        " (seq\n"
        '  (call %init_peer_id% ("getDataSrv" "list") [] list)\n'
        "  (fold list item\n"
        "   (seq\n"
        '    (call "peer_a" ("worker" "process") [item] $out)\n'
        "    (next item))))\n"
        " (seq\n"
        '  (canon "peer_a" $out #out)\n'
        '  (call %init_peer_id% ("callback" "done") [#out])))'
    ),
    "fold_over_stream": (
        "(seq\n"
        " (seq\n"
        "  (seq\n"
        "   (ap 1 $s)\n"
        "   (ap 2 $s))\n"
        '  (call "peer_b" ("src" "three") [] $s))\n'
        " (seq\n"
        "  (fold $s x\n"
        "   (seq\n"
        '    (call "peer_a" ("worker" "process") [x] $d)\n'
        "    (next x))\n"
        "   (null))\n"
        "  (seq\n"
        '   (canon "peer_a" $d #d)\n'
        '   (call %init_peer_id% ("callback" "done") [#d]))))'
    ),
    "ap_with_lambdas": (
        "(seq\n"
        " (seq\n"
        '  (call "peer_a" ("user" "get") [] user)\n'
        "  (ap user.$.profile.tags.[1] tag))\n"
        " (seq\n"
        "  (seq\n"
        "   (ap user.$.name $names)\n"
        "   (ap user.$.profile $names))\n"
        "  (seq\n"
        '   (canon "peer_a" $names #names)\n'
        '   (call %init_peer_id% ("callback" "done") [tag #names user.$.profile.age #names.length]))))'
    ),
    "match_and_mismatch": (
        "(seq\n"
        ' (call "peer_a" ("cfg" "mode") [] mode)\n'
        " (seq\n"
        "  (xor\n"
        '   (match mode "fast"\n'
        '    (call "peer_a" ("path" "fast") [mode] r1))\n'
        '   (call "peer_a" ("path" "slow") [mode] r2))\n'
        "  (seq\n"
        "   (xor\n"
        '    (mismatch mode "fast"\n'
        '     (call %init_peer_id% ("callback" "not_fast") [mode]))\n'
        '    (call %init_peer_id% ("callback" "is_fast") [mode r1]))\n'
        "   (xor\n"
        '    (match mode "slow"\n'
        '     (call %init_peer_id% ("callback" "slow") [mode]))\n'
        '    (call %init_peer_id% ("callback" "not_slow") [%last_error%.$.error_code])))))'
    ),
    "new_scopes_stream_per_iteration": (
        "(seq\n"
        " (seq\n"
        '  (call %init_peer_id% ("data" "items") [] items)\n'
        "  (fold items i\n"
        "   (seq\n"
        "    (new $acc\n"
        "     (seq\n"
        "      (seq\n"
        '       (call "peer_a" ("svc" "f") [i] $acc)\n'
        '       (call "peer_a" ("svc" "f") [i] $acc))\n'
        "      (seq\n"
        '       (canon "peer_a" $acc #acc)\n'
        "       (ap #acc $all))))\n"
        "    (next i))))\n"
        " (seq\n"
        '  (canon "peer_a" $all #all)\n'
        '  (call %init_peer_id% ("callback" "done") [#all])))'
    ),
    "join_value_from_other_peer": (
        "(seq\n"
        " (par\n"
        '  (call "peer_a" ("gen" "token") [] token)\n'
        '  (call "peer_b" ("gen" "salt") [] salt))\n'
        " (seq\n"
        '  (call "peer_b" ("join" "combine") [token salt] combined)\n'
        '  (call %init_peer_id% ("callback" "done") [combined token %init_peer_id%])))'
    ),
    "seq_behavior_retry_after_error": (
        "(seq\n"
        " (xor\n"
        '  (call "peer_a" ("flaky" "get") [] r)\n'
        "  (seq\n"
        '   (call "peer_a" ("log" "warn") [%last_error%.$.message])\n'
        '   (call "peer_a" ("flaky" "get") [] r2)))\n'
        ' (call %init_peer_id% ("callback" "done") [r2]))'
    ),
    "uncaught_failure_is_interpreter_error": (
        '(seq\n (call "peer_a" ("fail" "hard") [] r)\n (call %init_peer_id% ("callback" "never") [r]))'
    ),
}
