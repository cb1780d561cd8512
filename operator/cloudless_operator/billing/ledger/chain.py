"""The chain itself: one signed record per epoch, each hashing its content and the previous hash (reference 6.7).

Without a chain, tamper evidence comes from three things together: each record's hash covers its
content and the previous hash, so an edit, reorder or drop breaks every later link; each hash is
signed with the operator's Ed25519 key, so nobody else can re-forge the chain; and the head is
mirrored elsewhere (ConfigMap, statuses), so truncating the tail is visible too. This gives
tamper evidence and non-repudiation, not trustlessness: the operator can still lie consistently.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from cloudless_runtime.identity import KeyPair, verify

GENESIS_HASH = "0" * 64
"""What the first record chains to: a ledger can start at any epoch, but always from nothing."""


class LedgerError(ValueError):
    """An append that would break the one-record-per-epoch rule."""


class EpochAlreadyClosed(LedgerError):
    """The epoch has a record with different content: closing it again must not charge anew."""


class BrokenChain(ValueError):
    """Verification failed; `index` and `epoch` name the first bad record, as `ledger verify` prints."""

    def __init__(self, index: int, epoch: int, reason: str) -> None:
        super().__init__(f"record {index} (epoch {epoch}): {reason}")
        self.index = index
        self.epoch = epoch
        self.reason = reason


@dataclasses.dataclass(frozen=True, slots=True)
class EpochRecord:
    """One closed epoch: its content (`body`), where it chains from, its hash and who signed it."""

    epoch: int
    body: Mapping[str, Any]
    prev_hash: str
    hash: str
    signer: str
    signature: str

    def to_mapping(self) -> dict[str, Any]:
        """The JSON Lines form kept on the volume; `from_mapping` reads it back."""
        return {
            "epoch": self.epoch,
            "body": self.body,
            "prevHash": self.prev_hash,
            "hash": self.hash,
            "signer": self.signer,
            "signature": self.signature,
        }

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> EpochRecord:
        """A stored record, taken as written; only `verify_chain` says whether it can be trusted."""
        return cls(
            epoch=raw["epoch"],
            body=raw["body"],
            prev_hash=raw["prevHash"],
            hash=raw["hash"],
            signer=raw["signer"],
            signature=raw["signature"],
        )


def canonical_json(value: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the one byte form every verifier recomputes identically.

    Floats are refused: money is written as decimal strings, and a float's text form is not a
    reliable basis for a hash that must be recomputed years later by other code.
    """
    _check_json(value, "body")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def record_hash(epoch: int, body: Mapping[str, Any], prev_hash: str, signer: str) -> str:
    """SHA-256 of the canonical record without hash and signature, followed by the previous hash."""
    content = canonical_json({"epoch": epoch, "body": body, "prevHash": prev_hash, "signer": signer})
    return hashlib.sha256(content + bytes.fromhex(prev_hash)).hexdigest()


def global_nonce(prev_hash: str, epoch: int) -> bytes:
    """`H(ledgerHead(e-1) ‖ e)`: unknown until epoch e-1 is closed, as Fluence's chain nonce was."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + epoch.to_bytes(8, "big")).digest()


def verify_chain(records: Sequence[EpochRecord], signer: str) -> None:
    """Replay the chain: consecutive epochs, every link, every hash and every signature by `signer`.

    Raises BrokenChain naming the first bad record. A dropped tail is not detectable from the
    records alone; compare the last hash with the mirrored head for that.
    """
    prev_hash = GENESIS_HASH
    for index, record in enumerate(records):
        if index > 0 and record.epoch != records[index - 1].epoch + 1:
            raise BrokenChain(index, record.epoch, f"follows epoch {records[index - 1].epoch}")
        if record.prev_hash != prev_hash:
            raise BrokenChain(index, record.epoch, "does not chain to the previous record")
        if record.signer != signer:
            raise BrokenChain(index, record.epoch, f"signed by {record.signer}, expected {signer}")
        try:
            expected = record_hash(record.epoch, record.body, record.prev_hash, record.signer)
        except (TypeError, ValueError) as error:
            raise BrokenChain(index, record.epoch, f"unhashable content: {error}") from None
        if record.hash != expected:
            raise BrokenChain(index, record.epoch, "content does not match its hash")
        if not _signature_ok(record):
            raise BrokenChain(index, record.epoch, "bad signature")
        prev_hash = record.hash


class Ledger:
    """The chain in memory; appends are idempotent per epoch so a restarted close is harmless.

    `sink`, if given, receives each new record before it joins the chain (the file store's durable
    append): if the sink fails, the record is not in memory either, so memory never runs ahead of disk.
    """

    def __init__(
        self, key: KeyPair, records: Iterable[EpochRecord] = (), *, sink: Callable[[EpochRecord], None] | None = None
    ) -> None:
        self._key = key
        self._records = list(records)
        self._sink = sink
        verify_chain(self._records, key.peer_id)

    @property
    def signer(self) -> str:
        return self._key.peer_id

    @property
    def records(self) -> tuple[EpochRecord, ...]:
        return tuple(self._records)

    @property
    def head(self) -> EpochRecord | None:
        return self._records[-1] if self._records else None

    def next_epoch_nonce(self) -> bytes:
        """The global nonce of the epoch after the head: only computable once the head is written."""
        head = self.head
        if head is None:
            raise LedgerError("an empty ledger has no head; the first epoch's nonce comes from genesis_nonce")
        return global_nonce(head.hash, head.epoch + 1)

    def append(self, epoch: int, body: Mapping[str, Any]) -> EpochRecord:
        """Close `epoch` with `body`; the same content again returns the existing record unchanged.

        Different content for a closed epoch raises EpochAlreadyClosed: it is a second, conflicting
        close (a bug or a replay with other facts) and must never be charged.
        """
        existing = self.record_for(epoch)
        if existing is not None:
            if canonical_json(existing.body) == canonical_json(body):
                return existing
            raise EpochAlreadyClosed(f"epoch {epoch} is already closed with different content")
        head = self.head
        if head is not None and epoch != head.epoch + 1:
            raise LedgerError(f"epoch {epoch} cannot follow epoch {head.epoch}: close every epoch in order")
        prev_hash = GENESIS_HASH if head is None else head.hash
        digest = record_hash(epoch, body, prev_hash, self._key.peer_id)
        record = EpochRecord(
            epoch=epoch,
            body=json.loads(canonical_json(body)),
            prev_hash=prev_hash,
            hash=digest,
            signer=self._key.peer_id,
            signature=self._key.sign(bytes.fromhex(digest)).hex(),
        )
        if self._sink is not None:
            self._sink(record)
        self._records.append(record)
        return record

    def record_for(self, epoch: int) -> EpochRecord | None:
        """The record closing `epoch`, if the chain has one."""
        if not self._records or not self._records[0].epoch <= epoch <= self._records[-1].epoch:
            return None
        return self._records[epoch - self._records[0].epoch]


def genesis_nonce(epoch: int) -> bytes:
    """The first recorded epoch's nonce, chained from the genesis hash like every later one."""
    return global_nonce(GENESIS_HASH, epoch)


def _signature_ok(record: EpochRecord) -> bool:
    try:
        signature = bytes.fromhex(record.signature)
    except ValueError:
        return False
    return verify(record.signer, bytes.fromhex(record.hash), signature)


def _check_json(value: object, path: str) -> None:
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        raise TypeError(f"{path}: floats are not allowed in ledger records, write {value!r} as a decimal string")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings, got {key!r}")
            _check_json(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _check_json(item, f"{path}[{position}]")
        return
    raise TypeError(f"{path}: {type(value).__name__} is not JSON; write Decimals with amounts.text")
