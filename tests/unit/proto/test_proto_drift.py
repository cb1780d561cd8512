"""The generated gRPC modules in `cloudless_runtime/proto/_gen` match the .proto files byte for byte."""

from __future__ import annotations

import pathlib

from cloudless_runtime.proto import generate


def test_generated_code_matches_the_protos(tmp_path: pathlib.Path) -> None:
    fresh = tmp_path / "_gen"
    generate.generate(fresh)
    expected = {p.relative_to(fresh): p.read_bytes() for p in fresh.rglob("*") if p.is_file()}
    actual = {
        p.relative_to(generate.TARGET): p.read_bytes()
        for p in generate.TARGET.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(actual) == sorted(expected), "files differ: run `python -m cloudless_runtime.proto.generate`"
    stale = [str(name) for name, content in expected.items() if actual[name] != content]
    assert not stale, f"stale generated files {stale}: run `python -m cloudless_runtime.proto.generate`"


def test_the_generated_modules_import() -> None:
    from cloudless_runtime.proto._gen.cloudless.v1 import particle_pb2, runtime_pb2

    particle = particle_pb2.Particle(id="p", ttl=5, data=b"\x01")
    assert particle_pb2.Particle.FromString(particle.SerializeToString()) == particle
    assert runtime_pb2.CallRequest(function_name="f").function_name == "f"
