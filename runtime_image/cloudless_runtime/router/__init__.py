"""The router sidecar: verifies particles, runs the AIR engine on them, serves local calls
(builtins and the peer's Marine services through the runtime API) and sends them on.

Pure parts (no gRPC): `particle` (validation), `addressbook`, `builtins`, `calls`, `dispatch`,
`forwarding`, `failures`, `sessions`, `hello` (the relay's proof of identity to a client),
`runtime` (the runtime Protocol), `steps` (executed step records) and `stepstore` (their files).
Transport: `wire` (message conversion), `server` (the Peer service and the gRPC transport),
`runtime_client`.
Run it with `python -m cloudless_runtime.router`.
"""
