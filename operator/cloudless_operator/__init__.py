"""cloudless's control plane: Deals matched to ComputeUnits, Subnets mapped onto pods, epochs billed.

Layers, top may import below, never upward (checked by import-linter): `handlers` (the only kopf
code) over `reconcile | matcher | billing` (pure) over `models` (typed views of the CR bodies). `kube`
is the thin API-server I/O the handlers and commands use.
"""
