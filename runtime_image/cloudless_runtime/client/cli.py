"""`cloudless run SCRIPT.air --relay ADDR [--data name=json]...`: run a script through a relay and
print what it answers (one JSON line per `callbackSrv.response`).

`cloudless run FILE.aqua --func NAME [--arg name=json]... --relay ADDR` compiles the file with the
real Aqua compiler and runs one exported function as js-client would: it prints the function's
value as one JSON line, or its error on stderr with exit status 1.

The relay tells its peer id when the session opens (and proves it), and the script gets it as
`getDataSrv.-relay-` (and `getDataSrv.relay`, unless `--data relay=...` is given). `--relay-id`
(or `--address-book`, by the relay's address) names the peer the relay must be: the run stops
with a clear error when another peer answers at that address.

Without `--key-file` every run is a new, throwaway identity. With it, the identity is kept: the
file is loaded, or made on first use (its peer id is told on stderr), so the same client is the
same init peer across runs, as services that check their caller expect.
"""

from __future__ import annotations

import pathlib
import sys

import click
import orjson

from cloudless_runtime import aqua, identity
from cloudless_runtime.aqua import convert
from cloudless_runtime.client import function, local, relay
from cloudless_runtime.identity import keyfile
from cloudless_runtime.router import addressbook


def _data(pairs: tuple[str, ...], option: str = "--data") -> dict[str, local.JValue]:
    values: dict[str, local.JValue] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not name=JSON", param_hint=option)
        try:
            values[name] = orjson.loads(raw)
        except orjson.JSONDecodeError as e:
            raise click.BadParameter(f"{name}: not JSON: {e}", param_hint=option) from None
    return values


def _keys(key_file: pathlib.Path | None) -> identity.KeyPair:
    if key_file is None:
        return identity.KeyPair.generate()
    try:
        if key_file.exists():
            return keyfile.load(key_file)
        made = keyfile.make(key_file)
    except keyfile.BadKeyFile as e:
        raise click.ClickException(str(e)) from None
    except OSError as e:
        raise click.ClickException(f"{key_file}: cannot make a key file: {e.strerror}") from None
    click.echo(f"made a new identity in {key_file}: {made.peer_id}", err=True)
    return made


def _expected_relay(address: str, *, peer_id: str | None, book: pathlib.Path | None) -> str | None:
    """The peer id the relay at `address` must prove: `--relay-id`, else its `--address-book` entry."""
    if peer_id or book is None:
        return peer_id or None
    try:
        entries = addressbook.parse(book.read_bytes())
    except (OSError, addressbook.BadAddressBook) as e:
        raise click.ClickException(f"address book {book}: {e}") from None
    found = next((e.peer_id for e in entries if e.address == address), None)
    if found is None:
        raise click.ClickException(f"address book {book} has no peer at {address}")
    return found


@click.command()
@click.argument("script", type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path))
@click.option("--relay", "relay_address", required=True, help="the relay router, host:port")
@click.option("--data", "data", multiple=True, help="name=JSON, served by getDataSrv.name (repeatable)")
@click.option(
    "--key-file", type=click.Path(dir_okay=False, path_type=pathlib.Path), help="identity to use; made if missing"
)
@click.option("--timeout", "timeout_s", default=30.0, show_default=True, help="seconds to wait for the answer")
@click.option("--ttl", "ttl_ms", default=60_000, show_default=True, help="particle time to live, ms")
@click.option("--func", "func", help="FILE.aqua: the exported function to run")
@click.option("--arg", "arg", multiple=True, help="FILE.aqua: name=JSON, an argument of the function (repeatable)")
@click.option("--relay-id", help="the peer id the relay must prove it has (checked; optional)")
@click.option(
    "--address-book",
    type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path),
    help="check the relay against its entry (by address) in this address book",
)
def run(
    script: pathlib.Path,
    *,
    relay_address: str,
    data: tuple[str, ...],
    key_file: pathlib.Path | None,
    timeout_s: float,
    ttl_ms: int,
    func: str | None,
    arg: tuple[str, ...],
    relay_id: str | None,
    address_book: pathlib.Path | None,
) -> None:
    """Run an AIR script (or a function of an Aqua file) through a relay and print its answers."""
    keys = _keys(key_file)
    expected = _expected_relay(relay_address, peer_id=relay_id, book=address_book)
    if script.suffix == ".aqua":
        if func is None:
            raise click.UsageError("an Aqua file needs --func NAME (the exported function to run)")
        _run_function(
            script,
            func,
            _data(arg, "--arg"),
            relay_address=relay_address,
            relay_id=expected,
            keys=keys,
            ttl_ms=ttl_ms,
            timeout_s=timeout_s,
        )
        return
    try:
        result = relay.run(
            script.read_text(),
            relay=relay_address,
            relay_id=expected,
            keys=keys,
            data=_data(data),
            ttl_ms=ttl_ms,
            timeout_s=timeout_s,
        )
    except relay.ClientError as e:
        raise click.ClickException(str(e)) from None
    for response in result.responses:
        click.echo(orjson.dumps(response[0] if len(response) == 1 else response).decode())
    for error in result.errors:
        click.echo(f"script error: {orjson.dumps(error).decode()}", err=True)
    if result.errors:
        sys.exit(1)


def _run_function(
    source: pathlib.Path,
    name: str,
    arguments: dict[str, local.JValue],
    *,
    relay_address: str,
    relay_id: str | None,
    keys: identity.KeyPair,
    ttl_ms: int,
    timeout_s: float,
) -> None:
    try:
        value = function.run(
            source,
            name,
            arguments,
            relay_address=relay_address,
            relay_id=relay_id,
            keys=keys,
            ttl_ms=ttl_ms,
            timeout_s=timeout_s,
        )
    except aqua.CompileError as e:
        raise click.ClickException(f"{source} does not compile:\n" + "\n".join(e.messages)) from None
    except (aqua.CompilerMissing, convert.BadArgument, relay.ClientError, function.FunctionFailed) as e:
        raise click.ClickException(str(e)) from None
    click.echo(orjson.dumps(value).decode())
