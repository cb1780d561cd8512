"""AIR text to a validated syntax tree, by recursive descent over the token list.

AquaVM's grammar (`air.lalrpop`) is LL(1) once the lexer has classified every word (scalar, canon
stream, with or without a lens...), so each position of an instruction is one function that looks
at a single token. The positions differ in what they admit, and those differences are AquaVM's
(a peer may be a canon stream only with a lens, a fold iterates a canon stream only without one,
`ap` refuses a bare canon map...): the sets below are copied from the grammar, not designed.

The parser also records where every instruction starts, in the order the validator walks the tree,
so that validation errors point into the text even though the tree keeps no instruction positions.
"""

from __future__ import annotations

from collections.abc import Callable

from cloudless_runtime.air.syntax import ast
from cloudless_runtime.air.syntax.errors import ParseError
from cloudless_runtime.air.syntax.lexer import Kind, Token, tokenize
from cloudless_runtime.air.syntax.validator import validate

MAX_DEPTH = 400
"""Deepest nesting of instructions accepted: recursion in Python is bounded (about 1000 frames), so
deeper scripts get a ParseError rather than a RecursionError somewhere in the engine. AquaVM's
LALR parser has no such bound; Aqua-generated scripts stay far below it."""


def parse(text: str) -> ast.Instruction:
    """The syntax tree of an AIR script, or ParseError/ValidationError with the line and column."""
    parser = _Parser(text)
    tree = parser.instruction()
    parser.expect(Kind.EOF, "end of input")
    validate(tree, parser.starts, text)
    return tree


_LPAREN = Kind.LPAREN
_RPAREN = Kind.RPAREN
_LBRACKET = Kind.LBRACKET
_RBRACKET = Kind.RBRACKET
_STRING = Kind.STRING
_INT = Kind.INT
_SCALAR = Kind.SCALAR
_STREAM = Kind.STREAM
_STREAM_MAP = Kind.STREAM_MAP
_CANON = Kind.CANON
_CANON_MAP = Kind.CANON_MAP


class _Parser:
    __slots__ = ("depth", "pos", "starts", "text", "tokens")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.starts: list[int] = []  # start offset of each instruction, in pre-order

    # --- tokens ---------------------------------------------------------------------------------

    def next(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind is not Kind.EOF:
            self.pos += 1
        return token

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def expect(self, kind: Kind, expected: str) -> Token:
        token = self.next()
        if token.kind is not kind:
            raise self.unexpected(token, expected)
        return token

    def unexpected(self, token: Token, expected: str) -> ParseError:
        if token.kind is Kind.EOF:
            return ParseError.at(self.text, token.start, f"unexpected end of input, expected {expected}")
        return ParseError.at(self.text, token.start, f"unexpected token '{token.text}', expected {expected}")

    # --- instructions ---------------------------------------------------------------------------

    def instruction(self) -> ast.Instruction:
        open_paren = self.expect(_LPAREN, "'(' starting an instruction")
        self.starts.append(open_paren.start)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError.at(self.text, open_paren.start, f"instructions nest deeper than {MAX_DEPTH} levels")
        keyword = self.next()
        rule = _RULES.get(keyword.name) if keyword.kind is Kind.KEYWORD else None
        if rule is None:
            raise self.unexpected(keyword, "an instruction name")
        node = rule(self)
        self.expect(_RPAREN, f"')' closing {keyword.name}")
        self.depth -= 1
        return node

    def call(self) -> ast.Call:
        peer = self.peer()
        self.expect(_LPAREN, "'(' before the service and function")
        service = self.string_value()
        function = self.string_value()
        self.expect(_RPAREN, "')' after the function")
        self.expect(_LBRACKET, "'[' starting the arguments")
        args: list[ast.Value] = []
        while self.peek().kind is not _RBRACKET:
            args.append(self.value())
        self.next()
        output: ast.Scalar | ast.Stream | None = None
        token = self.peek()
        if token.kind is not _RPAREN:
            output = self.result(token, "a call output (scalar or stream) or ')'")
        return ast.Call(peer, service, function, tuple(args), output)

    def canon(self) -> ast.Canon | ast.CanonMapInstr | ast.CanonMapScalar:
        peer = self.peer()
        source = self.next()
        if source.kind is _STREAM and source.lens is None:
            target = self.expect(_CANON, "a canon stream (#name)")
            if target.lens is None:
                return ast.Canon(
                    peer, ast.Stream(source.name, source.start), ast.CanonStream(target.name, None, target.start)
                )
            raise self.unexpected(target, "a canon stream without a lens")
        if source.kind is _STREAM_MAP and source.lens is None:
            stream_map = ast.StreamMap(source.name, source.start)
            target = self.next()
            if target.lens is None:
                if target.kind is _CANON_MAP:
                    return ast.CanonMapInstr(peer, stream_map, ast.CanonMap(target.name, None, target.start))
                if target.kind is _SCALAR:
                    return ast.CanonMapScalar(peer, stream_map, ast.Scalar(target.name, None, target.start))
            raise self.unexpected(target, "a canon stream map (#%name) or a scalar")
        raise self.unexpected(source, "a stream or a stream map to canonicalize")

    def ap(self) -> ast.Ap | ast.ApMap:
        if self.peek().kind is _LPAREN:
            self.next()
            key = self.map_key()
            value = self.ap_argument()
            self.expect(_RPAREN, "')' after the key and value")
            target = self.expect(_STREAM_MAP, "a stream map (%name)")
            if target.lens is not None:
                raise self.unexpected(target, "a stream map without a lens")
            return ast.ApMap(key, value, ast.StreamMap(target.name, target.start))
        argument = self.ap_argument()
        return ast.Ap(argument, self.result(self.peek(), "an ap result (scalar or stream)"))

    def seq(self) -> ast.Seq:
        return ast.Seq(self.instruction(), self.instruction())

    def par(self) -> ast.Par:
        return ast.Par(self.instruction(), self.instruction())

    def xor(self) -> ast.Xor:
        return ast.Xor(self.instruction(), self.instruction())

    def new(self) -> ast.New:
        token = self.next()
        variable: ast.NewVariable
        if token.lens is not None:
            raise self.unexpected(token, "a variable without a lens")
        if token.kind is _SCALAR:
            variable = ast.Scalar(token.name, None, token.start)
        elif token.kind is _STREAM:
            variable = ast.Stream(token.name, token.start)
        elif token.kind is _STREAM_MAP:
            variable = ast.StreamMap(token.name, token.start)
        elif token.kind is _CANON:
            variable = ast.CanonStream(token.name, None, token.start)
        elif token.kind is _CANON_MAP:
            variable = ast.CanonMap(token.name, None, token.start)
        else:
            raise self.unexpected(token, "a variable")
        return ast.New(variable, self.instruction())

    def fold(self) -> ast.FoldScalar | ast.FoldStream | ast.FoldStreamMap:
        token = self.next()
        kind = token.kind
        iterable: ast.Scalar | ast.CanonStream | ast.CanonMap | ast.EmptyArray | ast.Stream | ast.StreamMap
        if kind is _SCALAR:
            iterable = ast.Scalar(token.name, token.lens, token.start)
        elif kind is _CANON_MAP:
            iterable = ast.CanonMap(token.name, token.lens, token.start)
        elif kind is _LBRACKET:
            self.expect(_RBRACKET, "']' (the only array literal is [])")
            iterable = ast.EmptyArray()
        elif token.lens is not None:
            raise self.unexpected(token, "an iterable: a scalar, [], a canon stream or map, a stream or map")
        elif kind is _CANON:
            iterable = ast.CanonStream(token.name, None, token.start)
        elif kind is _STREAM:
            iterable = ast.Stream(token.name, token.start)
        elif kind is _STREAM_MAP:
            iterable = ast.StreamMap(token.name, token.start)
        else:
            raise self.unexpected(token, "an iterable: a scalar, [], a canon stream or map, a stream or map")
        iterator = self.plain_scalar("an iterator name (a scalar)")
        body = self.instruction()
        last = self.instruction() if self.peek().kind is _LPAREN else None
        if isinstance(iterable, ast.Stream):
            return ast.FoldStream(iterable, iterator.name, body, last)
        if isinstance(iterable, ast.StreamMap):
            return ast.FoldStreamMap(iterable, iterator.name, body, last)
        return ast.FoldScalar(iterable, iterator.name, body, last)

    def next_(self) -> ast.Next:
        return ast.Next(self.plain_scalar("an iterator name (a scalar)").name)

    def match(self) -> ast.Match:
        return ast.Match(self.value(), self.value(), self.instruction())

    def mismatch(self) -> ast.Mismatch:
        return ast.Mismatch(self.value(), self.value(), self.instruction())

    def fail(self) -> ast.FailLiteral | ast.FailValue | ast.FailLastError | ast.FailError:
        token = self.next()
        kind = token.kind
        if kind is _SCALAR:
            return ast.FailValue(ast.Scalar(token.name, token.lens, token.start))
        if kind is _INT:
            message = self.expect(_STRING, "an error message (a string literal)")
            return ast.FailLiteral(int(token.number), message.name)
        if kind is _CANON and token.lens is not None:
            return ast.FailValue(ast.CanonStream(token.name, token.lens, token.start))
        if token.lens is None:
            if kind is Kind.LAST_ERROR:
                return ast.FailLastError()
            if kind is Kind.ERROR:
                return ast.FailError()
        raise self.unexpected(
            token, "a scalar, a canon stream with a lens, an error code and message, %last_error% or :error:"
        )

    def null(self) -> ast.Null:
        return ast.Null()

    def never(self) -> ast.Never:
        return ast.Never()

    # --- instruction arguments ------------------------------------------------------------------

    def result(self, token: Token, expected: str) -> ast.Scalar | ast.Stream:
        """A call output or an ap result: a scalar or a stream, no lens."""
        self.next()
        if token.lens is None:
            if token.kind is _SCALAR:
                return ast.Scalar(token.name, None, token.start)
            if token.kind is _STREAM:
                return ast.Stream(token.name, token.start)
        raise self.unexpected(token, expected)

    def plain_scalar(self, expected: str) -> Token:
        token = self.next()
        if token.kind is not _SCALAR or token.lens is not None:
            raise self.unexpected(token, expected)
        return token

    def peer(self) -> ast.PeerValue:
        token = self.peek()
        if token.kind is Kind.INIT_PEER_ID:
            self.next()
            return ast.InitPeerId()
        return self.string_value()

    def string_value(self) -> ast.Literal | ast.Scalar | ast.CanonStream | ast.CanonMap:
        """A peer id, a service id or a function name (`ResolvableToStringVariable`)."""
        token = self.next()
        kind = token.kind
        if kind is _STRING:
            return ast.Literal(token.name)
        if kind is _SCALAR:
            return ast.Scalar(token.name, token.lens, token.start)
        if token.lens is not None:
            if kind is _CANON:
                return ast.CanonStream(token.name, token.lens, token.start)
            if kind is _CANON_MAP:
                return ast.CanonMap(token.name, token.lens, token.start)
        raise self.unexpected(token, "a string literal, a scalar, or a canon stream or map with a lens")

    def map_key(self) -> ast.MapKey:
        token = self.next()
        kind = token.kind
        if kind is _STRING:
            return ast.Literal(token.name)
        if kind is _INT:
            return ast.Number(token.number)
        if kind is _SCALAR:
            return ast.Scalar(token.name, token.lens, token.start)
        if kind is _CANON and token.lens is not None:
            return ast.CanonStream(token.name, token.lens, token.start)
        raise self.unexpected(token, "a map key: a string literal, an integer, a scalar or a canon stream with a lens")

    def ap_argument(self) -> ast.Value:
        token = self.peek()
        if token.kind is _CANON_MAP and token.lens is None:
            raise self.unexpected(token, "an ap argument (a bare canon stream map needs a lens)")
        return self.value()

    def value(self) -> ast.Value:
        """A call argument or a match operand (`ImmutableValue`)."""
        token = self.next()
        make = _VALUES.get(token.kind)
        if make is None:
            raise self.unexpected(token, "a value")
        if token.kind is _LBRACKET:
            self.expect(_RBRACKET, "']' (the only array literal is [])")
        return make(token)


def _scalar(token: Token) -> ast.Value:
    return ast.Scalar(token.name, token.lens, token.start)


def _canon(token: Token) -> ast.Value:
    return ast.CanonStream(token.name, token.lens, token.start)


def _canon_map(token: Token) -> ast.Value:
    return ast.CanonMap(token.name, token.lens, token.start)


def _literal(token: Token) -> ast.Value:
    return ast.Literal(token.name)


def _number(token: Token) -> ast.Value:
    return ast.Number(token.number)


def _boolean(token: Token) -> ast.Value:
    return ast.Boolean(token.name == "true")


def _empty_array(_: Token) -> ast.Value:
    return ast.EmptyArray()


def _init_peer_id(_: Token) -> ast.Value:
    return ast.InitPeerId()


def _timestamp(_: Token) -> ast.Value:
    return ast.Timestamp()


def _ttl(_: Token) -> ast.Value:
    return ast.Ttl()


def _last_error(token: Token) -> ast.Value:
    return ast.LastError(token.lens)


def _error(token: Token) -> ast.Value:
    return ast.InstructionError(token.lens)


_VALUES: dict[Kind, Callable[[Token], ast.Value]] = {
    _SCALAR: _scalar,
    _CANON: _canon,
    _CANON_MAP: _canon_map,
    _STRING: _literal,
    _INT: _number,
    Kind.FLOAT: _number,
    Kind.BOOL: _boolean,
    _LBRACKET: _empty_array,
    Kind.INIT_PEER_ID: _init_peer_id,
    Kind.TIMESTAMP: _timestamp,
    Kind.TTL: _ttl,
    Kind.LAST_ERROR: _last_error,
    Kind.ERROR: _error,
}

_RULES: dict[str, Callable[[_Parser], ast.Instruction]] = {
    "call": _Parser.call,
    "canon": _Parser.canon,
    "ap": _Parser.ap,
    "seq": _Parser.seq,
    "par": _Parser.par,
    "xor": _Parser.xor,
    "new": _Parser.new,
    "fold": _Parser.fold,
    "next": _Parser.next_,
    "match": _Parser.match,
    "mismatch": _Parser.mismatch,
    "fail": _Parser.fail,
    "null": _Parser.null,
    "never": _Parser.never,
}
