"""Pod addresses: each node owns a /16 of 127.0.0.0/8 and each pod gets one loopback address from it.

On Linux all of 127.0.0.0/8 reaches the loopback interface without configuration, so a pod's
process can bind its own 127.N.x.y and two pods can both listen on port 8080. Node N (from 1)
owns 127.N.0.0/16; addresses start at .0.2 (the .0.1 of each range is left for the node itself).
"""

from __future__ import annotations

import ipaddress
import threading


def pod_cidr(index: int) -> str:
    """The podCIDR of node `index` (1-based)."""
    if not 1 <= index <= 254:
        raise ValueError("node index must be within 1..254")
    return f"127.{index}.0.0/16"


class Addresses:
    """Which pod address belongs to which pod uid, for every node of this agent."""

    def __init__(self, cidrs: dict[str, str]) -> None:
        self._cidrs = {node: ipaddress.ip_network(cidr) for node, cidr in cidrs.items()}
        self._owners: dict[str, str] = {}
        self._lock = threading.Lock()

    def claim(self, ip: str, uid: str) -> None:
        """Record an address a checkpoint says a pod already has."""
        with self._lock:
            self._owners[ip] = uid

    def allocate(self, node: str, uid: str) -> str:
        with self._lock:
            network = self._cidrs[node]
            for offset in range(2, network.num_addresses - 1):
                candidate = str(network.network_address + offset)
                if candidate not in self._owners:
                    self._owners[candidate] = uid
                    return candidate
        raise RuntimeError(f"node {node} has no free pod address left in {network}")

    def release(self, ip: str) -> None:
        with self._lock:
            self._owners.pop(ip, None)
