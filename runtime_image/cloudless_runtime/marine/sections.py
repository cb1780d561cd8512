"""Reading and replacing custom sections of a wasm binary.

wasmtime does not expose custom sections and clang cannot emit one from C, so the host reads the
`mx-interface` section itself and the build appends it after linking. Only the section framing is
parsed here; section contents stay opaque bytes.
"""

from __future__ import annotations

from collections.abc import Iterator

MAGIC = b"\0asm\x01\0\0\0"
CUSTOM = 0


class MalformedWasm(ValueError):
    """The bytes are not a wasm binary module."""


def _read_leb(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise MalformedWasm("truncated LEB128 number")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _leb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _sections(wasm: bytes) -> Iterator[tuple[int, int, int, int]]:
    """Yields (section id, start of header, start of payload, end) for every section."""
    if not wasm.startswith(MAGIC):
        raise MalformedWasm("not a wasm binary module (bad magic or version)")
    pos = len(MAGIC)
    while pos < len(wasm):
        start = pos
        section_id = wasm[pos]
        size, payload = _read_leb(wasm, pos + 1)
        end = payload + size
        if end > len(wasm):
            raise MalformedWasm("section runs past the end of the module")
        yield section_id, start, payload, end
        pos = end


def _custom_name(wasm: bytes, payload: int, end: int) -> tuple[str, int]:
    length, pos = _read_leb(wasm, payload)
    if pos + length > end:
        raise MalformedWasm("custom section name runs past its section")
    return wasm[pos : pos + length].decode("utf-8", "replace"), pos + length


def custom_section(wasm: bytes, name: str) -> bytes | None:
    """The content of the last custom section called `name`, or None."""
    found: bytes | None = None
    for section_id, _, payload, end in _sections(wasm):
        if section_id == CUSTOM:
            section_name, data = _custom_name(wasm, payload, end)
            if section_name == name:
                found = wasm[data:end]
    return found


def with_custom_section(wasm: bytes, name: str, content: bytes) -> bytes:
    """`wasm` without any custom section called `name`, plus one holding `content` at the end."""
    kept = bytearray(MAGIC)
    for section_id, start, payload, end in _sections(wasm):
        if section_id == CUSTOM and _custom_name(wasm, payload, end)[0] == name:
            continue
        kept += wasm[start:end]
    encoded = name.encode()
    body = _leb(len(encoded)) + encoded + content
    return bytes(kept) + bytes([CUSTOM]) + _leb(len(body)) + body
