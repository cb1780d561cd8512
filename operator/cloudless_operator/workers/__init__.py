"""Talking to the workers themselves (their runtime's gRPC API), as `kube` talks to the API server."""
