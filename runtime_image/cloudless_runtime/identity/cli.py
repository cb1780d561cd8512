"""`cloudless keys`: make and show identities kept in key files (`keyfile`'s format).

`make` prints the new peer id on stdout so scripts can capture it; `show` prints the peer id, or
with `--json` the peer id and the public key, never the secret seed.
"""

from __future__ import annotations

import pathlib

import click
import orjson

from cloudless_runtime.identity import keyfile

_KEY_FILE = click.Path(dir_okay=False, path_type=pathlib.Path)


@click.group()
def keys() -> None:
    """Make and show peer identities (Ed25519 key files)."""


@keys.command()
@click.argument("key_file", type=_KEY_FILE)
def make(key_file: pathlib.Path) -> None:
    """Make a new identity in KEY_FILE (mode 0600) and print its peer id."""
    try:
        made = keyfile.make(key_file)
    except FileExistsError:
        raise click.ClickException(f"{key_file} exists; an identity is never overwritten") from None
    except OSError as e:
        raise click.ClickException(f"{key_file}: {e.strerror}") from None
    click.echo(made.peer_id)


@keys.command()
@click.argument("key_file", type=_KEY_FILE)
@click.option("--json", "as_json", is_flag=True, help="print {peer_id, public_key (hex)}")
def show(key_file: pathlib.Path, *, as_json: bool) -> None:
    """Print the peer id of the identity in KEY_FILE."""
    try:
        loaded = keyfile.load(key_file)
    except keyfile.BadKeyFile as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(orjson.dumps({"peer_id": loaded.peer_id, "public_key": loaded.public_key.hex()}).decode())
    else:
        click.echo(loaded.peer_id)
