"""The client: a peer that initiates particles, runs them locally as the init peer, sends them
through a relay router and collects what the script hands back (`callbackSrv.response`).

`local` holds the init peer's own services (pure), `relay` the session with the relay (gRPC),
`cli` the `cloudless run` command.
"""

from cloudless_runtime.client.relay import ClientError, Result, run

__all__ = ["ClientError", "Result", "run"]
