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

# --- lenses (`.$.a.[0]!`) and the `.length` functor ---------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class FieldAccessor:
    """`.name`: a field of an object."""

    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class IndexAccessor:
    """`.[3]`: an element of an array."""

    index: int


@dataclasses.dataclass(frozen=True, slots=True)
class ScalarAccessor:
    """`.[x]`: the value of scalar `x` used as an index (number) or a field name (string)."""

    name: str


Accessor: TypeAlias = FieldAccessor | IndexAccessor | ScalarAccessor


@dataclasses.dataclass(frozen=True, slots=True)
class Lens:
    """`.$` followed by accessors; AquaVM calls it a lambda."""

    accessors: tuple[Accessor, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Length:
    """`.length` of an array or canon stream."""


Lambda: TypeAlias = Lens | Length


# --- values -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Literal:
    """A string literal; AIR has no escapes, the text is taken verbatim."""

    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class Number:
    """An i64 or an f64 literal; the int/float distinction is significant (`1` != `1.0`)."""

    value: int | float


@dataclasses.dataclass(frozen=True, slots=True)
class Boolean:
    value: bool


@dataclasses.dataclass(frozen=True, slots=True)
class EmptyArray:
    """`[]`, the only array literal AIR has."""


@dataclasses.dataclass(frozen=True, slots=True)
class InitPeerId:
    """`%init_peer_id%`."""


@dataclasses.dataclass(frozen=True, slots=True)
class Timestamp:
    """`%timestamp%`: the particle's creation time in ms."""


@dataclasses.dataclass(frozen=True, slots=True)
class Ttl:
    """`%ttl%`: the particle's time to live in ms."""


@dataclasses.dataclass(frozen=True, slots=True)
class LastError:
    """`%last_error%` with an optional lens."""

    lens: Lambda | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class InstructionError:
    """`:error:` with an optional lens."""

    lens: Lambda | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Scalar:
    """A scalar or a fold iterator: `x`, `x.$.a`, `x.length`."""

    name: str
    lens: Lambda | None = None
    position: int = dataclasses.field(default=0, compare=False)


@dataclasses.dataclass(frozen=True, slots=True)
class Stream:
    """`$s`: local, append-only; read only through fold or canon."""

    name: str
    position: int = dataclasses.field(default=0, compare=False)


@dataclasses.dataclass(frozen=True, slots=True)
class StreamMap:
    """`%m`: a local, append-only list of key/value pairs."""

    name: str
    position: int = dataclasses.field(default=0, compare=False)


@dataclasses.dataclass(frozen=True, slots=True)
class CanonStream:
    """`#s` or `#$s` with an optional lens: a stream frozen by `canon`, identical on every peer."""

    name: str
    lens: Lambda | None = None
    position: int = dataclasses.field(default=0, compare=False)


@dataclasses.dataclass(frozen=True, slots=True)
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


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """`(call peer (service function) [args] output?)`."""

    peer: PeerValue
    service: PeerValue
    function: PeerValue
    args: tuple[Value, ...]
    output: Scalar | Stream | None


@dataclasses.dataclass(frozen=True, slots=True)
class Canon:
    """`(canon peer $stream #canon)`."""

    peer: PeerValue
    stream: Stream
    canon: CanonStream


@dataclasses.dataclass(frozen=True, slots=True)
class CanonMapInstr:
    """`(canon peer %map #%canon)`."""

    peer: PeerValue
    stream_map: StreamMap
    canon: CanonMap


@dataclasses.dataclass(frozen=True, slots=True)
class CanonMapScalar:
    """`(canon peer %map scalar)`: the map as an object with the first value of each key."""

    peer: PeerValue
    stream_map: StreamMap
    scalar: Scalar


@dataclasses.dataclass(frozen=True, slots=True)
class Ap:
    """`(ap value scalar)` or `(ap value $stream)`."""

    argument: Value
    result: Scalar | Stream


@dataclasses.dataclass(frozen=True, slots=True)
class ApMap:
    """`(ap (key value) %map)`."""

    key: MapKey
    value: Value
    stream_map: StreamMap


@dataclasses.dataclass(frozen=True, slots=True)
class Seq:
    left: Instruction
    right: Instruction


@dataclasses.dataclass(frozen=True, slots=True)
class Par:
    left: Instruction
    right: Instruction


@dataclasses.dataclass(frozen=True, slots=True)
class Xor:
    left: Instruction
    right: Instruction


@dataclasses.dataclass(frozen=True, slots=True)
class New:
    """`(new variable body)`: a fresh scope for one variable."""

    variable: NewVariable
    body: Instruction


@dataclasses.dataclass(frozen=True, slots=True)
class FoldScalar:
    """`(fold iterable i body last?)` over an array, a canon stream, a canon map or `[]`."""

    iterable: Scalar | CanonStream | CanonMap | EmptyArray
    iterator: str
    body: Instruction
    last: Instruction | None


@dataclasses.dataclass(frozen=True, slots=True)
class FoldStream:
    """`(fold $stream i body last?)`: reactive, one mini-fold per generation."""

    iterable: Stream
    iterator: str
    body: Instruction
    last: Instruction | None


@dataclasses.dataclass(frozen=True, slots=True)
class FoldStreamMap:
    """`(fold %map i body last?)`."""

    iterable: StreamMap
    iterator: str
    body: Instruction
    last: Instruction | None


@dataclasses.dataclass(frozen=True, slots=True)
class Next:
    iterator: str


@dataclasses.dataclass(frozen=True, slots=True)
class Match:
    left: Value
    right: Value
    body: Instruction


@dataclasses.dataclass(frozen=True, slots=True)
class Mismatch:
    left: Value
    right: Value
    body: Instruction


@dataclasses.dataclass(frozen=True, slots=True)
class FailLiteral:
    """`(fail 1337 "message")`."""

    ret_code: int
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class FailValue:
    """`(fail x)`, `(fail x.$.lens)`, `(fail #c.$.[0])`: throws an error object held in a value."""

    value: Scalar | CanonStream


@dataclasses.dataclass(frozen=True, slots=True)
class FailLastError:
    """`(fail %last_error%)`."""


@dataclasses.dataclass(frozen=True, slots=True)
class FailError:
    """`(fail :error:)`: rethrows the error being handled."""


@dataclasses.dataclass(frozen=True, slots=True)
class Null:
    pass


@dataclasses.dataclass(frozen=True, slots=True)
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
