"""Pod addresses: each node owns a /16 of 127.0.0.0/8 and each pod gets one loopback address from it.

On Linux all of 127.0.0.0/8 reaches the loopback interface without configuration, so a pod's
process can bind its own 127.N.x.y and two pods can both listen on port 8080. Which /16s a
cluster's nodes own is picked per cluster (`podnets.py`), so clusters running side by side never
share an address; the agent is told them on its command line. Addresses start at .0.2 of the
range (the .0.1 is left for the node itself).
"""

from __future__ import annotations

import ipaddress
import threading

#: Second octets a node may own: 127.0/16 holds the control plane's 127.0.0.1, and 127.255.255.255 is lo's broadcast.
OCTETS = range(1, 255)


def pod_cidr(octet: int) -> str:
    """The podCIDR of a node that owns the /16 with second octet `octet`."""
    if octet not in OCTETS:
        raise ValueError(f"a pod network's second octet must be within {OCTETS.start}..{OCTETS.stop - 1}, not {octet}")
    return f"127.{octet}.0.0/16"


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
