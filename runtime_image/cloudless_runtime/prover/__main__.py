"""`python -m cloudless_runtime.prover`: one ComputeUnit's capacity prover, run until SIGTERM.

The challenge comes either from the controller's published file (`--challenge FILE`, re-read when
it changes; the prover runs until stopped) or from the command line (`--epoch`, `--global-nonce`,
`--difficulty`: solved once, then the prover exits). Proofs go to `--out DIR` as JSON Lines
(`outbox`), signed with the node's key (`--key-file`).
"""

from __future__ import annotations

import os
import pathlib

import click
import prometheus_client

from cloudless_runtime import sidecar
from cloudless_runtime.prover import challenge, loop, metrics, outbox, puzzle
from cloudless_runtime.telemetry import options


def _source(
    *,
    challenge_file: pathlib.Path | None,
    epoch: int | None,
    global_nonce: str | None,
    difficulty: str | None,
    algorithm: str,
    max_proofs: int | None,
) -> loop.Source:
    given = {"--epoch": epoch, "--global-nonce": global_nonce, "--difficulty": difficulty, "--max-proofs": max_proofs}
    if challenge_file is not None:
        if any(value is not None for value in given.values()):
            raise click.UsageError("--challenge and the command-line challenge options exclude each other")
        return loop.Published(challenge_file)
    missing = [name for name, value in given.items() if value is None]
    if missing:
        raise click.UsageError(f"without --challenge FILE, give {', '.join(missing)}")
    try:
        return loop.Fixed(
            challenge.Challenge.from_json(
                {
                    "epoch": epoch,
                    "globalNonce": global_nonce,
                    "difficulty": difficulty,
                    "algorithm": algorithm,
                    "maxProofs": max_proofs,
                }
            )
        )
    except challenge.BadChallenge as e:
        raise click.UsageError(str(e)) from None


@click.command()
@click.option("--unit", required=True, help="the ComputeUnit this prover proves for")
@click.option("--key-file", type=click.Path(path_type=pathlib.Path), required=True, help="the node's hex Ed25519 seed")
@click.option("--out", type=click.Path(file_okay=False, path_type=pathlib.Path), required=True, help="proof folder")
@click.option("--challenge", "challenge_file", type=click.Path(dir_okay=False, path_type=pathlib.Path))
@click.option("--epoch", type=int, help="with --global-nonce and --difficulty: solve this one challenge")
@click.option("--global-nonce", help="the epoch's global nonce, 64 hex digits")
@click.option("--difficulty", help="the 256-bit target in hex, e.g. 0x0000ffff…")
@click.option(
    "--algorithm",
    type=click.Choice(sorted(puzzle.ALGORITHMS)),
    default="sha256",
    show_default=True,
    help="for the command-line challenge (a published one names its own)",
)
@click.option("--max-proofs", type=int, help="proofs to make for the command-line challenge")
@click.option("--cpu", type=int, help="pin the prover to this logical CPU (the unit's core)")
@options.options
def main(
    *,
    unit: str,
    key_file: pathlib.Path,
    out: pathlib.Path,
    challenge_file: pathlib.Path | None,
    epoch: int | None,
    global_nonce: str | None,
    difficulty: str | None,
    algorithm: str,
    max_proofs: int | None,
    cpu: int | None,
    telemetry: options.Telemetry,
) -> None:
    """Prove one ComputeUnit's capacity: solve each epoch's hash puzzle and file signed proofs."""
    source = _source(
        challenge_file=challenge_file,
        epoch=epoch,
        global_nonce=global_nonce,
        difficulty=difficulty,
        algorithm=algorithm,
        max_proofs=max_proofs,
    )
    try:
        box = outbox.Outbox(out, unit)
    except outbox.BadUnitId as e:
        raise click.BadParameter(str(e), param_hint="--unit") from None
    if cpu is not None:
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError as e:
            raise click.BadParameter(f"cannot pin to CPU {cpu}: {e.strerror}", param_hint="--cpu") from None
    keys = sidecar.load_key(key_file)
    counters = metrics.ProverMetrics(prometheus_client.REGISTRY)
    try:
        with telemetry.serving(component="prover", peer_id=keys.peer_id, registry=counters.registry):
            loop.prove(unit=unit, keys=keys, source=source, box=box, counters=counters, stop=sidecar.termination())
    finally:
        box.close()


if __name__ == "__main__":
    main()
