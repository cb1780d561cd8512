"""Symbolic peer names (`"client"`, `"peer_a"`) and the real keys and peer ids behind them.

Vectors name peers; AquaVM only ever sees real peer ids, because it signs and checks what each peer
produced. The oracle derives the keys from the names, so both sides of a comparison run with the
very same ids, and maps the ids back to names in what it reports.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cloudless_runtime.identity import KeyPair

if TYPE_CHECKING:
    from cloudless_runtime.air.interface import JValue

_SEED_DOMAIN = "avm-oracle/v1/"

_QUOTED_LITERAL = re.compile(r'"([^"]*)"')


def seed_for_name(name: str) -> bytes:
    """`sha256("avm-oracle/v1/" + name)`: the oracle's (lib/keys.mjs) Ed25519 seed for a name."""
    return hashlib.sha256((_SEED_DOMAIN + name).encode("utf-8")).digest()


@functools.cache
def keypair_for_name(name: str) -> KeyPair:
    return KeyPair.from_seed(seed_for_name(name))


class PeerMap:
    """Names <-> peer ids for the peers of one vector."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self._by_name = {name: keypair_for_name(name) for name in self.names}
        self._name_by_id = {keys.peer_id: name for name, keys in self._by_name.items()}
        ids = sorted(self._name_by_id, key=len, reverse=True)
        self._id_pattern = re.compile("|".join(map(re.escape, ids)))

    def keys(self, name: str) -> KeyPair:
        return self._by_name[name]

    def peer_id(self, name: str) -> str:
        return self._by_name[name].peer_id

    def name_of(self, peer_id: str) -> str | None:
        """The name of a peer of this vector, or None for an id from elsewhere."""
        return self._name_by_id.get(peer_id)

    def substitute_script(self, script: str) -> str:
        """Every quoted literal *exactly* equal to a peer name becomes that peer's id, whatever its role
        in the script (peer, service id, argument)."""

        def replace(match: re.Match[str]) -> str:
            keys = self._by_name.get(match.group(1))
            return f'"{keys.peer_id}"' if keys else match.group(0)

        return _QUOTED_LITERAL.sub(replace, script)

    def to_ids(self, value: JValue) -> JValue:
        """A copy with every string exactly equal to a peer name replaced by its id (object keys
        stay), so a service's answer can hand out peer addresses."""
        if isinstance(value, str):
            keys = self._by_name.get(value)
            return keys.peer_id if keys else value
        if isinstance(value, list):
            return [self.to_ids(item) for item in value]
        if isinstance(value, dict):
            return {key: self.to_ids(item) for key, item in value.items()}
        return value

    def to_names(self, value: JValue) -> JValue:
        """A copy with every occurrence of a peer id, also inside longer strings and in object keys,
        replaced by its name: reports then read the same whatever keys the names stand for."""
        if isinstance(value, str):
            return self.names_in(value)
        if isinstance(value, list):
            return [self.to_names(item) for item in value]
        if isinstance(value, dict):
            return {self.names_in(key): self.to_names(item) for key, item in value.items()}
        return value

    def names_in(self, text: str) -> str:
        return self._id_pattern.sub(lambda match: self._name_by_id[match.group(0)], text)
