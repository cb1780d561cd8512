"""Matching Deals to ComputeUnits and deciding a deal's phase: pure functions over model values.

No kopf, no kubernetes client, no clock: the caller lists the units, calls `plan.decide`, then
reserves what it says with optimistic concurrency (that part is `kube`'s, not this package's).
"""
