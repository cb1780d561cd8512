"""The node agent: the kubelet's job for pods whose containers are the project's own programs.

It registers Nodes with the real apiserver, runs the containers of the pods the real scheduler
binds to them as local process groups (each pod on its own loopback address), probes them,
reports their status as a kubelet does, and serves `kubectl logs`. It is not a container runtime:
there is no image pull, no filesystem or network isolation; an image name only selects a local
entrypoint from `images.py`.
"""
