"""`cloudless aqua compile FILE.aqua [-o DIR]`: compile with the real Aqua compiler and write, for
each exported function, `NAME.air` (the script) and `NAME.json` (its signature as the compiler
gives it). Compile errors are the compiler's own messages (file:line:column, the line, the
reason) on stderr, with exit status 1. Without `-o` the functions and their arguments are listed.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping
from typing import Any

import click
import orjson

from cloudless_runtime.aqua import compile as compiler
from cloudless_runtime.aqua import convert


@click.group()
def aqua() -> None:
    """Aqua programs: compile them with the real Aqua compiler."""


@aqua.command("compile")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=pathlib.Path), help="write NAME.air here")
@click.option("--no-cache", is_flag=True, help="compile even if this source was compiled before")
def compile_(source: pathlib.Path, output: pathlib.Path | None, no_cache: bool) -> None:
    """Compile an Aqua file; write the AIR and signature of each exported function."""
    try:
        compiled = compiler.compile_file(source, use_cache=not no_cache)
    except compiler.CompileError as e:
        raise click.ClickException(f"{source} does not compile:\n" + "\n".join(e.messages)) from None
    except compiler.CompilerMissing as e:
        raise click.ClickException(str(e)) from None
    for warning in compiled.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not compiled.functions:
        click.echo(f"{source}: no exported functions (add `export NAME` to the file)", err=True)
    for name, function in sorted(compiled.functions.items()):
        if output is None:
            click.echo(_headline(name, function.signature))
            continue
        output.mkdir(parents=True, exist_ok=True)
        (output / f"{name}.air").write_text(function.air)
        (output / f"{name}.json").write_bytes(orjson.dumps(function.signature, option=orjson.OPT_INDENT_2))
        click.echo(f"{output / name}.air  {_headline(name, function.signature)}")


def _headline(name: str, signature: Mapping[str, Any]) -> str:
    """`name(a: string, b: ?u32) -> []string`, as it reads in Aqua."""
    arrow = signature["arrow"]
    fields = arrow["domain"].get("fields", {})
    items = arrow["codomain"].get("items", [])
    arguments = ", ".join(f"{n}: {convert.describe(t)}" for n, t in fields.items())
    results = ", ".join(convert.describe(t) for t in items)
    return f"{name}({arguments})" + (f" -> {results}" if results else "")
