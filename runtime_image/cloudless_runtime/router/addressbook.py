"""The address book: which network address reaches which peer id, and which peers form a subnet.

Contract (what the operator writes and routers read):

* A JSON file `{"peers": [{"peer_id": "12D3KooW...", "address": "127.0.0.7:7001", "subnet": "deal-1"}]}`.
  `address` is a gRPC target (`host:port`); `subnet` is optional (the deal or subnet id whose
  workers `subnet.resolve` lists). Unknown keys are ignored, so the format can grow.
* The file is replaced atomically (write elsewhere, rename; a Kubernetes ConfigMap volume does
  this). The router re-reads it when its modification time changes, at most once per
  `recheck_s`, so updates apply while running and need no restart; a file that does not parse
  is logged and the previous book stays in force.
* Programs that embed a router call `AddressBook.replace(...)` instead.

Lookups never block on I/O beyond one `stat`. This module knows no gRPC.
"""

from __future__ import annotations

import dataclasses
import logging
import pathlib
import threading
import time
from collections.abc import Iterable

import orjson

from cloudless_runtime import identity

log = logging.getLogger(__name__)


class BadAddressBook(ValueError):
    """The document does not follow the contract above; the message says where."""


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    peer_id: str
    address: str
    subnet: str = ""


def parse(raw: bytes) -> list[Entry]:
    """Entries of an address book document; raises `BadAddressBook` with the reason."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise BadAddressBook(f"not JSON: {e}") from None
    peers = doc.get("peers") if isinstance(doc, dict) else None
    if not isinstance(peers, list):
        raise BadAddressBook('expected {"peers": [...]}')
    entries = []
    for index, peer in enumerate(peers):
        if not isinstance(peer, dict):
            raise BadAddressBook(f"peers[{index}] is not an object")
        peer_id, address, subnet = peer.get("peer_id"), peer.get("address"), peer.get("subnet", "")
        if not (isinstance(peer_id, str) and isinstance(address, str) and address and isinstance(subnet, str)):
            raise BadAddressBook(f"peers[{index}] needs string peer_id and address (and subnet, if given)")
        try:
            identity.public_key_from_peer_id(peer_id)
        except identity.InvalidPeerId as e:
            raise BadAddressBook(f"peers[{index}]: {e}") from None
        entries.append(Entry(peer_id, address, subnet))
    return entries


def dump(entries: Iterable[Entry]) -> bytes:
    return orjson.dumps({"peers": [dataclasses.asdict(e) for e in entries]})


class AddressBook:
    """The current book; optionally backed by a file that is re-read when it changes. Thread-safe."""

    def __init__(
        self, entries: Iterable[Entry] = (), *, path: pathlib.Path | None = None, recheck_s: float = 1.0
    ) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Entry] = {}
        self._path = path
        self._recheck_s = recheck_s
        self._next_check = 0.0
        self._mtime_ns = -1
        self.replace(entries)
        self._refresh()

    def replace(self, entries: Iterable[Entry]) -> None:
        """Puts a whole new book in force at once (later entries win for a repeated peer id)."""
        by_id = {e.peer_id: e for e in entries}
        with self._lock:
            self._by_id = by_id

    def lookup(self, peer_id: str) -> Entry | None:
        self._refresh()
        return self._by_id.get(peer_id)

    def subnet(self, subnet_id: str) -> list[Entry]:
        """The workers of one subnet, in peer id order."""
        self._refresh()
        return sorted((e for e in self._by_id.values() if e.subnet == subnet_id), key=lambda e: e.peer_id)

    def entries(self) -> list[Entry]:
        self._refresh()
        return sorted(self._by_id.values(), key=lambda e: e.peer_id)

    def _refresh(self) -> None:
        if self._path is None:
            return
        now = time.monotonic()
        with self._lock:
            if now < self._next_check:
                return
            self._next_check = now + self._recheck_s
        try:
            mtime = self._path.stat().st_mtime_ns
            if mtime == self._mtime_ns:
                return
            entries = parse(self._path.read_bytes())
        except (OSError, BadAddressBook) as e:
            log.error("address book %s not reloaded, keeping the previous one: %s", self._path, e)
            return
        self._mtime_ns = mtime
        self.replace(entries)
        log.info("address book %s loaded: %d peers", self._path, len(entries))
