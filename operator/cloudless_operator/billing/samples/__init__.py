"""Processing samples (a cloudless extension; Fluence's Proof of Processing never shipped): the
retained step records to draw from (`candidates`, in the router's `steps` format), the
nonce-seeded draw (`select`), their re-verification (`verify`) and what a failed one costs (`policy`).
"""
