"""The signed, hash-chained epoch ledger: idempotent close, and any edit, reorder or drop is caught."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudless_operator.billing import ledger
from cloudless_runtime.identity import KeyPair

KEY = KeyPair.from_seed(bytes(range(32)))
OTHER = KeyPair.from_seed(bytes(32))


def filled(count: int = 4, first: int = 7) -> ledger.Ledger:
    book = ledger.Ledger(KEY)
    for epoch in range(first, first + count):
        book.append(epoch, {"deals": [{"id": "d", "charged": str(epoch)}], "totals": {"charged": str(epoch)}})
    return book


def test_same_close_twice_is_a_no_op_and_different_content_is_refused() -> None:
    book = filled()
    again = book.append(8, {"deals": [{"id": "d", "charged": "8"}], "totals": {"charged": "8"}})
    assert again == book.records[1]
    assert len(book.records) == 4
    with pytest.raises(ledger.EpochAlreadyClosed):
        book.append(8, {"totals": {"charged": "99"}})
    with pytest.raises(ledger.LedgerError, match="in order"):
        book.append(20, {})


def test_floats_never_enter_a_record() -> None:
    with pytest.raises(TypeError, match="decimal string"):
        ledger.Ledger(KEY).append(1, {"charged": 0.66})


def test_nonce_depends_on_the_head() -> None:
    book = filled()
    head = book.head
    assert head is not None
    assert book.next_epoch_nonce() == ledger.global_nonce(head.hash, 11)
    before = book.next_epoch_nonce()
    book.append(11, {"totals": {}})
    assert book.next_epoch_nonce() != before
    with pytest.raises(ledger.LedgerError):
        ledger.Ledger(KEY).next_epoch_nonce()
    assert ledger.genesis_nonce(1) == ledger.global_nonce(ledger.GENESIS_HASH, 1)


def test_stored_records_reload_and_verify() -> None:
    records = [ledger.EpochRecord.from_mapping(r.to_mapping()) for r in filled().records]
    assert ledger.Ledger(KEY, records).records == tuple(records)
    with pytest.raises(ledger.BrokenChain, match="signed by"):
        ledger.verify_chain(records, OTHER.peer_id)


def test_reorder_and_drop_are_detected() -> None:
    records = list(filled().records)
    with pytest.raises(ledger.BrokenChain) as swapped:
        ledger.verify_chain([records[0], records[2], records[1], records[3]], KEY.peer_id)
    assert swapped.value.index == 1
    with pytest.raises(ledger.BrokenChain) as dropped:
        ledger.verify_chain(records[:1] + records[2:], KEY.peer_id)
    assert dropped.value.index == 1
    with pytest.raises(ledger.BrokenChain):
        ledger.verify_chain(records[1:], KEY.peer_id)


EDITS = {
    "epoch": lambda r: dataclasses.replace(r, epoch=r.epoch + 100),
    "body": lambda r: dataclasses.replace(r, body={**r.body, "totals": {"charged": "0"}}),
    "prev_hash": lambda r: dataclasses.replace(r, prev_hash="1" * 64),
    "hash": lambda r: dataclasses.replace(r, hash="2" * 64),
    "signer": lambda r: dataclasses.replace(r, signer=OTHER.peer_id),
    "signature": lambda r: dataclasses.replace(r, signature="00" * 64),
    "signature_not_hex": lambda r: dataclasses.replace(r, signature="zz"),
    "resigned_by_other": lambda r: dataclasses.replace(r, signature=OTHER.sign(bytes.fromhex(r.hash)).hex()),
}


@given(st.integers(0, 3), st.sampled_from(sorted(EDITS)))
def test_any_single_field_edit_is_detected_at_that_record(index: int, field: str) -> None:
    records = list(filled().records)
    records[index] = EDITS[field](records[index])
    with pytest.raises(ledger.BrokenChain) as broken:
        ledger.verify_chain(records, KEY.peer_id)
    assert broken.value.index == index


@given(st.lists(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3), max_size=6))
def test_replaying_every_close_changes_nothing(bodies: list[dict[str, object]]) -> None:
    book = ledger.Ledger(KEY)
    for epoch, body in enumerate(bodies, start=1):
        book.append(epoch, body)
    snapshot = book.records
    for epoch, body in enumerate(bodies, start=1):
        book.append(epoch, body)
    assert book.records == snapshot
    ledger.verify_chain(book.records, KEY.peer_id)
