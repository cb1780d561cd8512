"""`python -m cloudless_operator`: kopf standalone (one replica, no peering), all namespaces, a liveness probe."""

from __future__ import annotations

import os

import kopf

from cloudless_operator.handlers import computeunits, deals, epochs, operator, provers, subnets

HANDLER_MODULES = (operator, deals, computeunits, subnets, provers, epochs)
"""Imported for their decorators: registering the handlers is what importing them does."""

LIVENESS = os.environ.get("CLOUDLESS_LIVENESS", "http://127.0.0.1:8080/healthz")


def main() -> None:
    """Run until SIGINT/SIGTERM; the liveness endpoint answers while the operator's loop is alive."""
    kopf.configure(verbose=False)
    kopf.run(standalone=True, clusterwide=True, liveness_endpoint=LIVENESS)
