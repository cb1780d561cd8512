"""Ids as distinct types, so a node name is never passed where a unit name is expected."""

from __future__ import annotations

from typing import NewType

UnitName = NewType("UnitName", str)
"""metadata.name of a ComputeUnit (cluster-scoped, so unique in the cluster)."""

ProviderName = NewType("ProviderName", str)
NodeName = NewType("NodeName", str)
Effector = NewType("Effector", str)

DealUid = NewType("DealUid", str)
"""metadata.uid of a Deal: what a reserved unit records, so a re-created Deal of the same name never inherits it."""
