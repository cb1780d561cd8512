"""What the peer's processes tell the outside: structured logs (`logs`) and the Prometheus metrics
endpoint (`endpoint`). The metrics themselves live with the code they count
(`router.metrics`, `runtime_server.metrics`); this package only exposes them.
"""
