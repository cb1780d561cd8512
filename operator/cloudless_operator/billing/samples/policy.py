"""What a failed processing sample costs: the policy Fluence never decided (reference 4.5, 6.6).

Every verdict but `ok` slashes each unit of the peer that executed the step by
`sampleSlashRate x collateralPerUnit` (capped, like a proof slash, at what the unit has left).
`unavailable` costs as much as being caught: if withholding a step were cheaper than a failed
check, a cheating peer would simply not retain the steps it cheated on. The flip side is that an
honest peer must retain its steps for two epochs (a step of epoch e is sampled at the close of
e + 1). Nothing is refunded to the deal: the slash is the deterrent, and the verdict in the ledger
is the evidence a customer can act on. A unit with no posted collateral cannot be slashed; its
verdict is still recorded.
"""

from __future__ import annotations

from decimal import Decimal

from cloudless_operator.billing.samples.verify import Verdict
from cloudless_operator.billing.settings import Settings


def slash_rate(verdict: Verdict, settings: Settings) -> Decimal:
    """The fraction of each executing unit's collateral that `verdict` costs."""
    return Decimal(0) if verdict is Verdict.OK else settings.sample_slash_rate
