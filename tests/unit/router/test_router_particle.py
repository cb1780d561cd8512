"""Particle validation with an injected clock: every rejection has its reason, and good ones pass."""

from __future__ import annotations

import dataclasses

import pytest

from cloudless_runtime import identity
from cloudless_runtime.router import particle

NOW = 1_700_000_000_000
KEYS = identity.KeyPair.from_seed(bytes(range(32)))


def _particle(**changes: object) -> particle.Particle:
    made = particle.make(KEYS, '(call %init_peer_id% ("op" "noop") [])', ttl=10_000, now=NOW, data=b"v1")
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def _reason(validator: particle.Validator, message: particle.Particle) -> str:
    with pytest.raises(particle.Rejected) as rejected:
        validator.check(message)
    return rejected.value.reason


def test_signature_covers_id_timestamp_ttl_and_script() -> None:
    made = _particle()
    expected = made.id.encode() + NOW.to_bytes(8, "little") + (10_000).to_bytes(4, "little") + made.script.encode()
    assert made.signed_bytes() == expected
    assert identity.verify(KEYS.peer_id, expected, made.signature)


def test_time_is_checked_against_the_injected_clock() -> None:
    now = [NOW + 5_000]
    validator = particle.Validator(clock=lambda: now[0])
    validator.check(_particle())
    now[0] = NOW + 10_001
    assert _reason(validator, _particle(data=b"v2")) == "expired"
    now[0] = NOW - particle.Limits().max_clock_skew_ms - 1
    assert _reason(validator, _particle(data=b"v3")) == "from_the_future"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"script": "(null)"}, "bad_signature"),
        ({"ttl": 20_000}, "bad_signature"),
        ({"init_peer_id": identity.KeyPair.generate().peer_id}, "bad_signature"),
        ({"init_peer_id": "12D3KooWnot"}, "malformed"),
        ({"id": ""}, "malformed"),
        ({"id": "a b"}, "malformed"),
        ({"script": "  "}, "malformed"),
        ({"ttl": 0}, "malformed"),
        ({"data": b"x" * 101}, "too_large"),
    ],
)
def test_bad_particles_are_rejected(changes: dict[str, object], reason: str) -> None:
    validator = particle.Validator(limits=particle.Limits(max_data_bytes=100), clock=lambda: NOW)
    assert _reason(validator, _particle(**changes)) == reason


def test_no_replay_of_an_old_version_and_no_id_reuse() -> None:
    validator = particle.Validator(clock=lambda: NOW)
    first = _particle()
    validator.check(first)
    validator.check(first.with_data(b"v2"))
    assert _reason(validator, first) == "replay"
    signature = KEYS.sign(particle.signed_bytes(id=first.id, timestamp=NOW, ttl=10_000, script="(null)"))
    other = dataclasses.replace(first, script="(null)", signature=signature)
    assert _reason(validator, other) == "id_reuse"


def test_expired_ids_are_forgotten() -> None:
    now = [NOW]
    validator = particle.Validator(clock=lambda: now[0])
    validator.check(_particle())
    now[0] = NOW + 20_000
    fresh = particle.make(KEYS, "(null)", ttl=10_000, now=now[0])
    validator.check(fresh)
    assert validator.tracked() == 1


def test_at_the_cap_a_new_particle_is_refused_and_tracked_ones_go_on() -> None:
    now = [NOW]
    validator = particle.Validator(limits=particle.Limits(max_tracked=2), clock=lambda: now[0])
    first = _particle()
    validator.check(first)
    validator.check(particle.make(KEYS, "(null)", ttl=60_000, now=NOW))
    assert validator.tracked() == 2
    third = particle.make(KEYS, "(null)", ttl=60_000, now=NOW)
    with pytest.raises(particle.Rejected, match="tracks 2 live particles") as refused:
        validator.check(third)
    assert refused.value.reason == "too_many_particles"
    validator.check(first.with_data(b"v2"))  # a new version of a tracked particle still runs
    assert _reason(validator, first) == "replay"  # and the replay state of tracked ones was kept
    now[0] = NOW + 10_001  # the first expires: room for one more
    validator.check(third)
    assert validator.tracked() == 2
