"""The AIR engine: a pure function from (script, previous data, received data, run parameters,
call results) to an Outcome, compatible with Fluence's AquaVM.

No network, threads or clock: hosts (the router, the conformance runner) pass time and keys in
and do the I/O. See `interface` for the contract and `pipeline` for the steps of a run.
"""

from cloudless_runtime.air.interface import CallRequest, CallResult, Outcome, RunParameters, Tetraplet
from cloudless_runtime.air.pipeline import run

__all__ = ["CallRequest", "CallResult", "Outcome", "RunParameters", "Tetraplet", "run"]
