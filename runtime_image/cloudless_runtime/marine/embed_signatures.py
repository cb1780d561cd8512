"""Post-link tool: embeds a module's `mx-interface` section (docs/abi.md) into a wasm file.

clang cannot place data in a custom section, so every example module is linked first and given its
interface here: `python -m cloudless_runtime.marine.embed_signatures in.wasm --interface
greeting.mx.json --output out.wasm`. The interface is checked against the module's real exports
before anything is written, so a wrong declaration fails the build rather than the first call.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import wasmtime

from cloudless_runtime.marine import errors, interface, linker, sections


def embed(wasm: bytes, declared: bytes) -> bytes:
    """`wasm` with `declared` (interface JSON) as its mx-interface section, after checking both."""
    parsed = interface.Interface.from_json(declared)
    try:
        module = wasmtime.Module(wasmtime.Engine(), wasm)
    except wasmtime.WasmtimeError as e:
        raise errors.InvalidModule(f"module does not compile: {e}") from None
    linker.check_exports(module, parsed)
    return sections.with_custom_section(wasm, interface.SECTION, parsed.to_json())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="embed_signatures", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("module", type=pathlib.Path, help="linked wasm module")
    parser.add_argument("--interface", type=pathlib.Path, required=True, help="interface JSON (*.mx.json)")
    parser.add_argument("--output", type=pathlib.Path, help="where to write (default: in place)")
    args = parser.parse_args(argv)
    try:
        out = embed(args.module.read_bytes(), args.interface.read_bytes())
    except (OSError, errors.MarineError) as e:
        print(f"embed_signatures: {args.module}: {e}", file=sys.stderr)
        return 1
    (args.output or args.module).write_bytes(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
