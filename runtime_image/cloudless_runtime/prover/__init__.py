"""Capacity proofs, the prover side: the hash puzzle, the signed proof format, the challenge a
controller publishes each epoch, the JSON Lines outbox, and the prover process itself
(`python -m cloudless_runtime.prover`, one per ComputeUnit).

The puzzle and the proof format live here, not in the operator, because the prover computes them
and the operator's checker (`cloudless_operator.billing.proofs`) must recompute exactly the same
bytes: one definition, imported by both. Nothing here talks to Kubernetes.
"""
