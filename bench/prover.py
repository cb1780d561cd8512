"""The prover's hash rate on one core, next to the standard library's raw rate for the same hash.

    python -m bench.prover [--seconds 2] [--scrypt-hashes 40]

For each puzzle algorithm, in the same run on the same core (the process pins itself to CPU 0):

* `prover`: the prover's own search loop (`puzzle.search`: a fresh nonce, the keyed hash and the
  target comparison per hash), in rounds as the prover runs it;
* `raw`: hashlib alone hashing a fixed input of the same size in a bare loop, the ceiling for a
  CPython prover.

The ratio prover/raw is the loop's overhead (below 1: slower than the bare hash). Then the
expected time per proof at Fluence's local target as we set it (1 in 65,536) and at kras's
(about 1 in 464,000), from the prover's rate: what difficulty a deployment should pick per
algorithm. Finally the real prover loop end to end (signing and fsyncing each proof) at the local
target, proofs/s, for sha256 only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import tempfile
import threading
import time
from collections.abc import Callable

import prometheus_client

from cloudless_operator.billing import settings
from cloudless_runtime import identity
from cloudless_runtime.prover import challenge, loop, metrics, outbox, puzzle

KEY = bytes(range(32))
TAIL = bytes(24)


def bare_loop(algorithm: str) -> Callable[[int], object]:
    """hashlib alone in a bare loop over a fixed input of the puzzle's size: no nonce, no comparison."""
    nonce = bytes(puzzle.NONCE_BYTES)
    data = KEY + nonce
    sha256, blake2b, scrypt = hashlib.sha256, hashlib.blake2b, hashlib.scrypt
    n_, r_, memory = puzzle.SCRYPT_N, puzzle.SCRYPT_R, 2 * puzzle.SCRYPT_MEMORY

    def sha(n: int) -> None:
        for _ in range(n):
            sha256(data).digest()

    def blake(n: int) -> None:
        for _ in range(n):
            blake2b(nonce, key=KEY, digest_size=32).digest()

    def memory_hard(n: int) -> None:
        for _ in range(n):
            scrypt(nonce, salt=KEY, n=n_, r=r_, p=1, maxmem=memory, dklen=32)

    return {"sha256": sha, "blake2b": blake, "scrypt": memory_hard}[algorithm]


def rate(run: Callable[[int], object], hashes: int) -> float:
    """Hashes per second of `run(hashes)`, the best of three."""
    best = min(_timed(run, hashes) for _ in range(3))
    return hashes / best


def _timed(run: Callable[[int], object], hashes: int) -> float:
    start = time.perf_counter()
    run(hashes)
    return time.perf_counter() - start


def prover_search(algorithm: str) -> Callable[[int], object]:
    run = puzzle.hasher(algorithm, KEY)
    target = puzzle.target_bytes(1)  # nothing meets it: every hash costs the same
    return lambda n: puzzle.search(run, target, tail=TAIL, start=0, count=n)


def calibrate(run: Callable[[int], object], seconds: float) -> int:
    """How many hashes take about `seconds`."""
    hashes = 1
    while _timed(run, hashes) < seconds / 10:
        hashes *= 4
    return max(1, int(hashes * seconds / max(_timed(run, hashes), 1e-9)))


def end_to_end(proofs: int) -> float:
    """Proofs per second of the real loop at the local target: search, sign, append and fsync."""
    rules = challenge.Challenge(
        epoch=1,
        global_nonce=os.urandom(32),
        difficulty=settings.LOCAL.difficulty,
        algorithm="sha256",
        max_proofs=proofs,
    )
    with tempfile.TemporaryDirectory() as folder:
        box = outbox.Outbox(pathlib.Path(folder), "cu-0")
        start = time.perf_counter()
        loop.prove(
            unit="cu-0",
            keys=identity.KeyPair.generate(),
            source=loop.Fixed(rules),
            box=box,
            counters=metrics.ProverMetrics(prometheus_client.CollectorRegistry()),
            stop=threading.Event(),
        )
        elapsed = time.perf_counter() - start
        box.close()
    return proofs / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per fast measurement")
    parser.add_argument("--scrypt-hashes", type=int, default=40)
    parser.add_argument("--proofs", type=int, default=20, help="proofs for the end-to-end loop")
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})
    local_hashes = 2**256 / (settings.LOCAL.difficulty + 1)
    kras_hashes = 2**256 / (settings.KRAS_DIFFICULTY + 1)
    print("one core (CPU 0); hashes per second:")
    for algorithm in sorted(puzzle.ALGORITHMS):
        search, bare = prover_search(algorithm), bare_loop(algorithm)
        hashes = args.scrypt_hashes if algorithm == "scrypt" else calibrate(search, args.seconds)
        prover_rate, raw_rate = rate(search, hashes), rate(bare, hashes)
        print(
            f"{algorithm:8} prover {prover_rate:12,.0f} H/s   raw hashlib {raw_rate:12,.0f} H/s   "
            f"ratio prover/raw {prover_rate / raw_rate:.2f}   per proof: local {local_hashes / prover_rate:10.3f} s, "
            f"kras {kras_hashes / prover_rate:10.1f} s"
        )
    print(f"end to end (sha256, local target, signed and fsynced): {end_to_end(args.proofs):.1f} proofs/s")


if __name__ == "__main__":
    main()
