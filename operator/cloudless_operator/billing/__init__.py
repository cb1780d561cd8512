"""Epoch economics as pure logic: settings, the epoch clock, deal charges and the signed ledger.

Nothing here talks to Kubernetes or the network, so every rule that moves money can be unit-tested
against hand-computed cases from Fluence's formulas; the controller only feeds it facts and stores
what it returns.
"""
