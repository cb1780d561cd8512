"""The AIR syntax tree: what the parser produces and the interpreter walks.

Shapes follow AquaVM's `air-parser` AST (`ast/instructions.rs`, `ast/values.rs`): one node class per
instruction variant, so the interpreter dispatches on the class alone and never re-inspects text.
Variable names keep their sigils (`$s`, `%m`, `#s`, `#$s`, `#%m`) because AquaVM treats `#s` and
`#$s` as different variables. Nodes are immutable; `position` fields are character offsets into the
script, kept for error messages only (they take no part in equality).

This module knows nothing about data, traces or execution.
"""

from __future__ import annotations

import dataclasses
from typing import TypeAlias

_node = dataclasses.dataclass(frozen=True, slots=True)


# --- lenses (`.$.a.[0]!`) and the `.length` functor ---------------------------------------------


@_node
class FieldAccessor:
    """`.name`: a field of an object."""

    name: str


@_node
class IndexAccessor:
    """`.[3]`: an element of an array."""

    index: int


@_node
class ScalarAccessor:
    """`.[x]`: the value of scalar `x` used as an index (number) or a field name (string)."""

    name: str


Accessor: TypeAlias = FieldAccessor | IndexAccessor | ScalarAccessor


@_node
class Lens:
    """`.$` followed by accessors; AquaVM calls it a lambda."""

    accessors: tuple[Accessor, ...]


@_node
class Length:
    """`.length` of an array or canon stream."""


Lambda: TypeAlias = Lens | Length


# --- values -------------------------------------------------------------------------------------


@_node
class Literal:
    """A string literal; AIR has no escapes, the text is taken verbatim."""

    text: str


@_node
class Number:
    """An i64 or an f64 literal; the int/float distinction is significant (`1` != `1.0`)."""

    value: int | float


@_node
class Boolean:
    value: bool


@_node
class EmptyArray:
    """`[]`, the only array literal AIR has."""


@_node
class InitPeerId:
    """`%init_peer_id%`."""


@_node
class Timestamp:
    """`%timestamp%`: the particle's creation time in ms."""


@_node
class Ttl:
    """`%ttl%`: the particle's time to live in ms."""


@_node
class LastError:
    """`%last_error%` with an optional lens."""

    lens: Lambda | None = None


@_node
class InstructionError:
    """`:error:` with an optional lens."""

    lens: Lambda | None = None


@_node
class Scalar:
    """A scalar or a fold iterator: `x`, `x.$.a`, `x.length`."""

    name: str
    lens: Lambda | None = None
    position: int = dataclasses.field(default=0, compare=False)


@_node
class Stream:
    """`$s`: local, append-only; read only through fold or canon."""

    name: str
    position: int = dataclasses.field(default=0, compare=False)


@_node
class StreamMap:
    """`%m`: a local, append-only list of key/value pairs."""

    name: str
    position: int = dataclasses.field(default=0, compare=False)


@_node
class CanonStream:
    """`#s` or `#$s` with an optional lens: a stream frozen by `canon`, identical on every peer."""

    name: str
    lens: Lambda | None = None
    position: int = dataclasses.field(default=0, compare=False)


@_node
class CanonMap:
    """`#%m` with an optional lens: a stream map frozen by `canon`."""

    name: str
    lens: Lambda | None = None
    position: int = dataclasses.field(default=0, compare=False)


Value: TypeAlias = (
    Literal
    | Number
    | Boolean
    | EmptyArray
    | InitPeerId
    | Timestamp
    | Ttl
    | LastError
    | InstructionError
    | Scalar
    | CanonStream
    | CanonMap
)
"""Anything that may stand as a call argument, a match operand or an `ap` source."""

PeerValue: TypeAlias = InitPeerId | Literal | Scalar | CanonStream | CanonMap
"""What may name a peer (or a service or function, without `InitPeerId`)."""

MapKey: TypeAlias = Literal | Number | Scalar | CanonStream
"""The key of `(ap (key value) %map)`: a string or integer literal, or a variable with a lens."""

NewVariable: TypeAlias = Scalar | Stream | StreamMap | CanonStream | CanonMap


# --- instructions ------------------------------------------------------------------------------


@_node
class Call:
    """`(call peer (service function) [args] output?)`."""

    peer: PeerValue
    service: PeerValue
    function: PeerValue
    args: tuple[Value, ...]
    output: Scalar | Stream | None


@_node
class Canon:
    """`(canon peer $stream #canon)`."""

    peer: PeerValue
    stream: Stream
    canon: CanonStream


@_node
class CanonMapInstr:
    """`(canon peer %map #%canon)`."""

    peer: PeerValue
    stream_map: StreamMap
    canon: CanonMap


@_node
class CanonMapScalar:
    """`(canon peer %map scalar)`: the map as an object with the first value of each key."""

    peer: PeerValue
    stream_map: StreamMap
    scalar: Scalar


@_node
class Ap:
    """`(ap value scalar)` or `(ap value $stream)`."""

    argument: Value
    result: Scalar | Stream


@_node
class ApMap:
    """`(ap (key value) %map)`."""

    key: MapKey
    value: Value
    stream_map: StreamMap


@_node
class Seq:
    left: Instruction
    right: Instruction


@_node
class Par:
    left: Instruction
    right: Instruction


@_node
class Xor:
    left: Instruction
    right: Instruction


@_node
class New:
    """`(new variable body)`: a fresh scope for one variable."""

    variable: NewVariable
    body: Instruction


@_node
class FoldScalar:
    """`(fold iterable i body last?)` over an array, a canon stream, a canon map or `[]`."""

    iterable: Scalar | CanonStream | CanonMap | EmptyArray
    iterator: str
    body: Instruction
    last: Instruction | None


@_node
class FoldStream:
    """`(fold $stream i body last?)`: reactive, one mini-fold per generation."""

    iterable: Stream
    iterator: str
    body: Instruction
    last: Instruction | None


@_node
class FoldStreamMap:
    """`(fold %map i body last?)`."""

    iterable: StreamMap
    iterator: str
    body: Instruction
    last: Instruction | None


@_node
class Next:
    iterator: str


@_node
class Match:
    left: Value
    right: Value
    body: Instruction


@_node
class Mismatch:
    left: Value
    right: Value
    body: Instruction


@_node
class FailLiteral:
    """`(fail 1337 "message")`."""

    ret_code: int
    message: str


@_node
class FailValue:
    """`(fail x)`, `(fail x.$.lens)`, `(fail #c.$.[0])`: throws an error object held in a value."""

    value: Scalar | CanonStream


@_node
class FailLastError:
    """`(fail %last_error%)`."""


@_node
class FailError:
    """`(fail :error:)`: rethrows the error being handled."""


@_node
class Null:
    pass


@_node
class Never:
    pass


Instruction: TypeAlias = (
    Call
    | Canon
    | CanonMapInstr
    | CanonMapScalar
    | Ap
    | ApMap
    | Seq
    | Par
    | Xor
    | New
    | FoldScalar
    | FoldStream
    | FoldStreamMap
    | Next
    | Match
    | Mismatch
    | FailLiteral
    | FailValue
    | FailLastError
    | FailError
    | Null
    | Never
)
