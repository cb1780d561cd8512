"""Capacity proofs: the puzzle against hand-computed hashes, the proof format, and every checker verdict."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools

import pytest
from tests.operator.proofmaking import EASY, miss, solve

from cloudless_operator.billing import proofs
from cloudless_runtime.identity import KeyPair
from cloudless_runtime.prover import challenge, proof, puzzle

NODE = KeyPair.from_seed(bytes([7]) * 32)
OTHER = KeyPair.from_seed(bytes([8]) * 32)
NONCE = bytes(range(32))
RULES = challenge.Challenge(epoch=5, global_nonce=NONCE, difficulty=EASY, algorithm="sha256", max_proofs=3)


def test_unit_key_and_hashes_are_the_documented_constructions() -> None:
    key = puzzle.unit_key(NONCE, "cu-0")
    assert key == hashlib.sha256(b"cloudless-capacity/v1\n" + NONCE + b"cu-0").digest()
    assert key != puzzle.unit_key(NONCE, "cu-1")
    nonce = (41).to_bytes(8, "little") + bytes(24)
    assert puzzle.hasher("sha256", key)(nonce) == hashlib.sha256(key + nonce).digest()
    assert puzzle.hasher("blake2b", key)(nonce) == hashlib.blake2b(nonce, key=key, digest_size=32).digest()
    assert puzzle.hasher("scrypt", key)(nonce) == hashlib.scrypt(
        nonce, salt=key, n=1 << 14, r=8, p=1, maxmem=1 << 25, dklen=32
    )
    with pytest.raises(puzzle.UnknownAlgorithm, match="known: blake2b, scrypt, sha256"):
        puzzle.hasher("randomx", key)


def test_target_is_inclusive_and_compares_as_a_256_bit_number() -> None:
    target = puzzle.target_bytes(0x00FF << 240)
    assert puzzle.meets(target, target)
    assert puzzle.meets((0x00FE << 240).to_bytes(32, "big"), target)
    assert not puzzle.meets(((0x00FF << 240) + 1).to_bytes(32, "big"), target)
    with pytest.raises(ValueError, match="above zero"):
        puzzle.target_bytes(0)


def test_search_finds_exactly_the_nonces_under_the_target() -> None:
    run = puzzle.hasher("sha256", RULES.key("cu-0"))
    found = puzzle.search(run, RULES.target, tail=bytes(24), start=0, count=200)
    expected = [
        (nonce, run(nonce))
        for nonce in (counter.to_bytes(8, "little") + bytes(24) for counter in range(200))
        if run(nonce) <= RULES.target
    ]
    assert found == expected
    assert 0 < len(found) < 200


@pytest.mark.parametrize("algorithm", sorted(puzzle.ALGORITHMS))
def test_every_algorithm_makes_proofs_the_checker_accepts(algorithm: str) -> None:
    rules = dataclasses.replace(RULES, algorithm=algorithm, difficulty=1 << 255)
    made = solve(NODE, "cu-0", rules, 2)
    tallies = proofs.check(made, rules=rules, provers={"cu-0": NODE.peer_id})
    assert (tallies["cu-0"].accepted, tallies["cu-0"].rejected) == (2, {})


def test_proof_json_round_trips_and_errors_name_the_field() -> None:
    made = solve(NODE, "cu-0", RULES, 1)[0]
    assert proof.Proof.from_json(made.to_json()) == made
    assert proof.signature_ok(made)
    for field, value, message in [
        ("version", "v0", "version"),
        ("epoch", "5", "epoch"),
        ("localNonce", "zz", "localNonce: expected hex"),
        ("result", "00", "result: expected 32 bytes"),
        ("difficulty", "0xgg", "difficulty"),
        ("unit", "", "unit"),
    ]:
        with pytest.raises(proof.MalformedProof, match=message):
            proof.Proof.from_json({**made.to_json(), field: value})


def test_each_rejection_reason() -> None:
    roomy = dataclasses.replace(RULES, max_proofs=10)
    good = solve(NODE, "cu-0", roomy, 5)
    stale = solve(NODE, "cu-0", dataclasses.replace(roomy, epoch=4), 1)
    other_nonce = solve(NODE, "cu-0", dataclasses.replace(roomy, global_nonce=bytes(32)), 1)
    harder = solve(NODE, "cu-0", dataclasses.replace(roomy, difficulty=EASY >> 1), 1)
    idle = solve(NODE, "cu-9", roomy, 1)
    foreign = solve(OTHER, "cu-0", roomy, 1, tail=bytes([1]) * 24)
    forged = dataclasses.replace(solve(NODE, "cu-0", roomy, 1, tail=bytes([2]) * 24)[0], signature=bytes(64))
    nonce = solve(NODE, "cu-0", roomy, 1, tail=bytes([3]) * 24)[0].local_nonce
    wrong_hash = proof.make(NODE, unit="cu-0", solved=roomy, local_nonce=nonce, result=bytes(32))
    above = miss(NODE, "cu-0", roomy)
    submitted = [*good, good[0], *stale, *other_nonce, *harder, *idle, *foreign, forged, wrong_hash, above]
    tallies = proofs.check(submitted, rules=roomy, provers={"cu-0": NODE.peer_id})
    unit = tallies["cu-0"]
    assert (unit.accepted, unit.dropped) == (5, 0)
    assert unit.rejected == {
        "duplicate": 1,
        "wrong_epoch_nonce": 3,
        "bad_signature": 2,
        "bad_hash": 1,
        "above_target": 1,
    }
    assert tallies["cu-9"].rejected == {"cu_not_proving": 1}


def test_proofs_beyond_the_maximum_are_dropped_not_rejected() -> None:
    made = solve(NODE, "cu-0", RULES, 5) + [
        dataclasses.replace(p, signature=bytes(64)) for p in solve(NODE, "cu-0", RULES, 5, tail=bytes([9]) * 24)
    ]
    tally = proofs.check(made, rules=RULES, provers={"cu-0": NODE.peer_id})["cu-0"]
    assert tally.accepted == 3
    assert tally.dropped + sum(tally.rejected.values()) == 7
    assert tally.dropped >= 2


def test_a_resubmitted_proof_is_a_duplicate_below_the_maximum() -> None:
    made = solve(NODE, "cu-0", RULES, 1)
    tallies = proofs.check(made * 3, rules=RULES, provers={"cu-0": NODE.peer_id})
    assert (tallies["cu-0"].accepted, tallies["cu-0"].rejected) == (1, {"duplicate": 2})


def test_counts_and_digest_do_not_depend_on_submission_order() -> None:
    made = [*solve(NODE, "cu-0", RULES, 5), miss(NODE, "cu-0", RULES)]
    results = {
        tuple(sorted((u, t.accepted, t.dropped, tuple(sorted(t.rejected.items())), t.digest) for u, t in tally.items()))
        for tally in (
            proofs.check(order, rules=RULES, provers={"cu-0": NODE.peer_id})
            for order in itertools.islice(itertools.permutations(made), 0, 720, 97)
        )
    }
    assert len(results) == 1
    ((_, accepted, dropped, rejected, digest),) = results.pop()
    assert accepted == 3
    assert dropped + sum(count for _, count in rejected) == 3
    assert digest != hashlib.sha256().hexdigest()
