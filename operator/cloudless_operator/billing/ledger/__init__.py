"""The tamper-evident ledger: `chain` (records, hashes, signatures, verification) and `store`
(the append-only JSON Lines file). The chain's names are re-exported here, the package's public face.
"""

from cloudless_operator.billing.ledger.chain import (
    GENESIS_HASH,
    BrokenChain,
    EpochAlreadyClosed,
    EpochRecord,
    Ledger,
    LedgerError,
    canonical_json,
    genesis_nonce,
    global_nonce,
    record_hash,
    verify_chain,
)

__all__ = [
    "GENESIS_HASH",
    "BrokenChain",
    "EpochAlreadyClosed",
    "EpochRecord",
    "Ledger",
    "LedgerError",
    "canonical_json",
    "genesis_nonce",
    "global_nonce",
    "record_hash",
    "verify_chain",
]
