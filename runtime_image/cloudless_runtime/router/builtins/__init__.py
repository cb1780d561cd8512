"""The builtin services every peer offers to AIR scripts, with the names, arguments and results of
aqua-lib's `builtin.aqua` and nox's conventions, so compiled Aqua runs unchanged.

`pure` holds the families that need only their arguments (`op`, `math`, `cmp`, `array`, `json`,
`debug`); the client serves them too, as js-client does. `node` holds the ones bound to this
peer (`peer`, `kad`, `sig`, `vault`, `run-console`, `subnet`) and builds the peer's table with
`services` (`srv`, `dist`, `stat`, over the Marine runtime); `vault` keeps particles' files.
`args` reads arguments like nox and words errors like it. A failure is a `BuiltinError`; the
dispatcher answers it as a service error (ret_code 1, the message as a JSON string), as nox does.
A `Later` result is answered when it is due (`peer.timeout`). `SERVICES` names every service a
router answers itself, for readers with no peer at hand (the epoch close's samples). No gRPC here.
"""

from cloudless_runtime.router.builtins.args import BuiltinError, JValue
from cloudless_runtime.router.builtins.context import Context, Later
from cloudless_runtime.router.builtins.node import AIR_VERSION, NODE_VERSION, SERVICES, Builtins

__all__ = ["AIR_VERSION", "NODE_VERSION", "SERVICES", "BuiltinError", "Builtins", "Context", "JValue", "Later"]
