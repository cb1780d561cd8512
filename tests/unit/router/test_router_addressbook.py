"""The address book contract: the JSON document, file reloads while running, bad files ignored."""

from __future__ import annotations

import os
import pathlib

import pytest

from cloudless_runtime import identity
from cloudless_runtime.router import addressbook

A = identity.KeyPair.from_seed(bytes(32)).peer_id
B = identity.KeyPair.from_seed(bytes(range(32))).peer_id


def _write(path: pathlib.Path, entries: list[addressbook.Entry], *, mtime_ns: int) -> None:
    partial = path.with_suffix(".partial")
    partial.write_bytes(addressbook.dump(entries))
    partial.replace(path)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_parse_checks_every_entry() -> None:
    assert addressbook.parse(b'{"peers": [{"peer_id": "%s", "address": "127.0.0.1:1", "x": 1}]}' % A.encode()) == [
        addressbook.Entry(A, "127.0.0.1:1")
    ]
    for bad in (b"[]", b"nope", b'{"peers": [{"peer_id": "x", "address": "a"}]}', b'{"peers": [{"peer_id": 1}]}'):
        with pytest.raises(addressbook.BadAddressBook):
            addressbook.parse(bad)


def test_the_file_is_reloaded_when_it_changes(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "book.json"
    _write(path, [addressbook.Entry(A, "127.0.0.1:1", subnet="s")], mtime_ns=1_000_000_000)
    book = addressbook.AddressBook(path=path, recheck_s=0)
    assert book.lookup(A) == addressbook.Entry(A, "127.0.0.1:1", subnet="s")
    _write(
        path,
        [addressbook.Entry(A, "127.0.0.1:2"), addressbook.Entry(B, "127.0.0.1:3", subnet="s")],
        mtime_ns=2_000_000_000,
    )
    assert book.lookup(A) == addressbook.Entry(A, "127.0.0.1:2")
    assert [e.peer_id for e in book.subnet("s")] == [B]
    path.write_bytes(b"{broken")
    os.utime(path, ns=(3_000_000_000, 3_000_000_000))
    assert book.lookup(B) == addressbook.Entry(B, "127.0.0.1:3", subnet="s")
