"""Epoch economics as pure logic: what a proof controller computes at each epoch close.

Settings and the clock (`settings`, `epochs`); capacity proofs checked against the puzzle the prover
solves (`proofs`, with `cloudless_runtime.prover`); commitments, their failures and slashes
(`commitments`), the reward pool (`rewards`) and vesting (`vesting`); deal billing (`charges`,
`deals`); processing samples (`samples`); the close that ties them into one record (`close`) and
the state a record leaves (`state`); the signed, hash-chained ledger and its file (`ledger`); and
`cloudless ledger` (`cli`). Decimal amounts and their text form are `amounts`.

Nothing here talks to Kubernetes or the network, so every rule that moves money can be unit-tested
against hand-computed cases from Fluence's formulas; the controller only feeds it facts and stores
what it returns.
"""
