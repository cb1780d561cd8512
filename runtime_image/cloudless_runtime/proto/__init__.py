"""The gRPC wire contracts of `proto/cloudless/v1/`, compiled to Python.

The compiled modules live in `_gen/` (generated, never edited: run `python -m
cloudless_runtime.proto.generate` after changing a .proto); a test regenerates them and fails on
any drift. Only transport modules (servers and channels) import them.
"""
