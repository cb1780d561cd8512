"""One module per instruction family; importing this package registers every handler."""

from cloudless_runtime.air.execution.instructions import ap, call, canon, control, fail, fold
from cloudless_runtime.air.execution.instructions.dispatch import execute

__all__ = ["ap", "call", "canon", "control", "execute", "fail", "fold"]
