"""AquaVM's static checks (`parser/validator.rs`), which run before anything executes.

AquaVM refuses with ret_code 1 every script its validator rejects, so this module reproduces that
validator's rules, including the ones that look accidental (each was confirmed on AquaVM 0.62):

- "defined before used" compares where *instructions start*: a variable is defined for every
  instruction that starts after the defining one, inside it or not, across `par` branches, and a
  fold iterator stays "defined" after its fold ends. Only call/match/mismatch/fold/ap/ap-map
  operands count as uses (never `fail`, `canon`'s peer or an ap-map value), including scalars in
  `.$.[x]` accessors of variables (not of `%last_error%` or `:error:`).
- uses are met bottom-up, as lalrpop reduces, and only the first use of a name that was not yet
  resolvable when met is judged at the end; likewise only the first `next` of a name is checked
  for an enclosing fold. So `(fold i i (ap i.$.[i] y))` passes while `(fold i i (null))` does not.
- the "nothing after next in a stream fold" rule is AquaVM's stack machine over instructions in
  post-order, ported as is (including remembering suspicious spans per iterator name across folds).

Rust compares text spans; a tree has none, so an instruction's pre-order index stands in for its
start (`starts`, filled by the parser, maps it back to text for error messages) and "span A
contains span B" becomes "B is a proper descendant of A".
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator, Sequence

from cloudless_runtime.air.syntax import ast
from cloudless_runtime.air.syntax.errors import ValidationError


def validate(tree: ast.Instruction, starts: Sequence[int], text: str) -> None:
    """Raise ValidationError at the first problem AquaVM's validator would report.

    `starts[k]` is the text offset of the k-th instruction of `tree` in pre-order.
    """
    walker = _Walker()
    walker.walk(tree)
    problem = walker.first_problem()
    if problem is not None:
        index, message = problem
        raise ValidationError.at(text, starts[index], message)


@dataclasses.dataclass(frozen=True, slots=True)
class _Span:
    """An instruction by pre-order index; `last` is the index of its last descendant."""

    first: int
    last: int

    def contains(self, other: _Span) -> bool:
        return self.first < other.first <= self.last


class _Step(enum.Enum):
    """`CheckInstructionKind` of validator.rs."""

    PIVOTAL_NEXT = enum.auto()
    MERGING = enum.auto()
    POP_STACK_1 = enum.auto()
    POP_STACK_2 = enum.auto()
    REPLACING = enum.auto()
    REPLACING_WITH_CHECK = enum.auto()
    POP_STACK_1_REPLACING_WITH_CHECK = enum.auto()
    XORING = enum.auto()
    SIMPLE = enum.auto()


@dataclasses.dataclass(slots=True)
class _AfterNextMachine:
    """`AfterNextCheckMachine`: finds instructions after `next` in folds over streams and maps."""

    stack: list[tuple[_Step, str, int]] = dataclasses.field(default_factory=list)
    suspicious: dict[str, int] = dataclasses.field(default_factory=dict)
    malformed: list[int] = dataclasses.field(default_factory=list)
    enabled: bool = True

    def met(self, step: _Step, span: int, iterator: str = "") -> None:
        if not self.enabled:
            return
        stack = self.stack
        if step is _Step.SIMPLE or step is _Step.PIVOTAL_NEXT:
            stack.append((step, iterator, span))
        elif step is _Step.REPLACING:
            child = stack.pop()
            stack.append((child[0], child[1], span) if child[0] is _Step.PIVOTAL_NEXT else (step, "", span))
        elif step is _Step.XORING:
            right = stack.pop()
            left = stack.pop()
            if left[0] is _Step.PIVOTAL_NEXT and right[0] is _Step.PIVOTAL_NEXT:
                self.enabled = False  # AquaVM cannot tell which branch holds the next
                stack.clear()
            elif left[0] is _Step.PIVOTAL_NEXT:
                stack.append((left[0], left[1], span))
            elif right[0] is _Step.PIVOTAL_NEXT:
                stack.append((right[0], right[1], span))
            else:
                stack.append((step, "", span))
        elif step is _Step.MERGING:
            right = stack.pop()
            left = stack.pop()
            if left[0] is _Step.PIVOTAL_NEXT and right[0] is _Step.PIVOTAL_NEXT and left[1] == right[1]:
                stack.append((left[0], left[1], span))
            elif left[0] is _Step.PIVOTAL_NEXT:
                stack.append((step, "", span))
                self.suspicious.setdefault(left[1], span)
            elif right[0] is _Step.PIVOTAL_NEXT:
                stack.append((right[0], right[1], span))
            else:
                stack.append((step, "", span))
        elif step is _Step.POP_STACK_1:
            stack.pop()
            stack.append((step, "", span))
        elif step is _Step.POP_STACK_2:
            stack.pop()
            stack.pop()
            stack.append((step, "", span))
        else:  # REPLACING_WITH_CHECK, POP_STACK_1_REPLACING_WITH_CHECK
            if step is _Step.POP_STACK_1_REPLACING_WITH_CHECK:
                stack.pop()
            child = stack.pop()
            if iterator in self.suspicious:
                self.malformed.append(self.suspicious[iterator])
            if child[0] is _Step.PIVOTAL_NEXT and child[1] == iterator:
                self.suspicious.pop(iterator, None)
                stack.append((_Step.SIMPLE, "", span))
            elif child[0] is _Step.PIVOTAL_NEXT:
                stack.append((child[0], child[1], span))
            else:
                stack.append((step, iterator, span))


class _Walker:
    """Meets instructions in the order lalrpop reduces them (post-order), as `VariableValidator` does.

    A use is judged when met and, if its variable is not defined yet, remembered; at the end only
    the *first* remembered use of each name is judged again (AquaVM iterates a `MultiMap` with
    `iter()`, which yields one value per key). The same holds for `next` outside its fold.
    """

    def __init__(self) -> None:
        self.count = 0
        self.definitions: dict[str, int] = {}  # leftmost defining instruction
        self.iterators: dict[str, list[_Span]] = {}  # fold spans, by iterator name
        self.unresolved: dict[str, int] = {}  # first use not resolved when met, by name
        self.nexts: list[tuple[str, _Span]] = []
        self.news: list[tuple[str, _Span]] = []
        self.zero_fails: list[int] = []
        self.machine = _AfterNextMachine()

    def walk(self, node: ast.Instruction) -> None:
        index = self.count
        self.count += 1
        match node:
            case ast.Call():
                self.use_all(index, (node.peer, node.service, node.function, *node.args))
                if node.output is not None:
                    self.define(node.output.name, index)
                self.machine.met(_Step.SIMPLE, index)
            case ast.Canon() | ast.CanonMapInstr() | ast.CanonMapScalar():
                target = node.canon if not isinstance(node, ast.CanonMapScalar) else node.scalar
                self.define(target.name, index)
                self.machine.met(_Step.SIMPLE, index)
            case ast.Ap():
                self.use_all(index, (node.argument,))
                self.define(node.result.name, index)
                self.machine.met(_Step.SIMPLE, index)
            case ast.ApMap():
                self.use_all(index, (node.key,))
                self.define(node.stream_map.name, index)
                self.machine.met(_Step.SIMPLE, index)
            case ast.Seq() | ast.Par() | ast.Xor():
                self.walk(node.left)
                self.walk(node.right)
                self.machine.met(_Step.XORING if isinstance(node, ast.Xor) else _Step.MERGING, index)
            case ast.Match() | ast.Mismatch():
                self.walk(node.body)
                self.use_all(index, (node.left, node.right))
                self.machine.met(_Step.REPLACING, index)
            case ast.New():
                self.walk(node.body)
                self.news.append((node.variable.name, _Span(index, self.count - 1)))
                self.define(node.variable.name, index)
                self.machine.met(_Step.REPLACING, index)
            case ast.FoldScalar() | ast.FoldStream() | ast.FoldStreamMap():
                self.fold(node, index)
            case ast.Next():
                self.nexts.append((node.iterator, _Span(index, index)))
                self.machine.met(_Step.PIVOTAL_NEXT, index, node.iterator)
            case ast.FailLiteral():
                if node.ret_code == 0:
                    self.zero_fails.append(index)
                self.machine.met(_Step.SIMPLE, index)
            case _:  # fail with a value, null, never
                self.machine.met(_Step.SIMPLE, index)

    def fold(self, node: ast.FoldScalar | ast.FoldStream | ast.FoldStreamMap, index: int) -> None:
        self.walk(node.body)
        if node.last is not None:
            self.walk(node.last)
        if not isinstance(node.iterable, ast.EmptyArray):
            self.use_all(index, (node.iterable,))
        self.iterators.setdefault(node.iterator, []).append(_Span(index, self.count - 1))
        if isinstance(node, ast.FoldScalar):
            self.machine.met(_Step.POP_STACK_1 if node.last is None else _Step.POP_STACK_2, index)
        elif node.last is None:
            self.machine.met(_Step.REPLACING_WITH_CHECK, index, node.iterator)
        else:
            self.machine.met(_Step.POP_STACK_1_REPLACING_WITH_CHECK, index, node.iterator)

    def define(self, name: str, index: int) -> None:
        self.definitions[name] = min(index, self.definitions.get(name, index))

    def use_all(
        self,
        index: int,
        values: Sequence[ast.Value | ast.Stream | ast.StreamMap | ast.EmptyArray],
    ) -> None:
        for value in values:
            for name in _names(value):
                if name not in self.unresolved and not self.defined(name, index):
                    self.unresolved[name] = index

    # --- judgement --------------------------------------------------------------------------------

    def first_problem(self) -> tuple[int, str] | None:
        """The first error in the order ValidatorErrorBuilder checks, earliest position first."""
        for check in (
            self.undefined_variables,
            self.undefined_iterables,
            self.multiple_nexts,
            self.new_on_iterators,
            self.nested_iterators,
            self.zero_fail_codes,
            self.instructions_after_next,
        ):
            problems = sorted(check())
            if problems:
                return problems[0]
        return None

    def defined(self, name: str, index: int) -> bool:
        first = self.definitions.get(name)
        if first is not None and first < index:
            return True
        return any(span.first < index for span in self.iterators.get(name, ()))

    def enclosing_fold(self, name: str, span: _Span) -> _Span | None:
        """The innermost fold binding `name` around `span`."""
        enclosing = [fold for fold in self.iterators.get(name, ()) if fold.contains(span)]
        return max(enclosing, key=lambda fold: fold.first, default=None)

    def undefined_variables(self) -> Iterator[tuple[int, str]]:
        for name, index in self.unresolved.items():
            if not self.defined(name, index):
                yield index, f"variable '{name}' wasn't defined"

    def undefined_iterables(self) -> Iterator[tuple[int, str]]:
        first_nexts: dict[str, _Span] = {}
        for name, span in self.nexts:
            first_nexts.setdefault(name, span)
        for name, span in first_nexts.items():
            if self.enclosing_fold(name, span) is None:
                yield span.first, f"iterable '{name}' wasn't defined"

    def multiple_nexts(self) -> Iterator[tuple[int, str]]:
        seen: set[tuple[str, _Span]] = set()
        for name, span in self.nexts:
            fold = self.enclosing_fold(name, span)
            if fold is None:
                continue
            if (name, fold) in seen:
                yield (
                    span.first,
                    f"multiple next instructions for iterator '{name}' found for one fold, that is prohibited",
                )
            seen.add((name, fold))

    def new_on_iterators(self) -> Iterator[tuple[int, str]]:
        for name, span in self.news:
            if self.enclosing_fold(name, span) is not None:
                yield span.first, f"new can't be applied to a '{name}' because it's an iterator"

    def nested_iterators(self) -> Iterator[tuple[int, str]]:
        for name, spans in self.iterators.items():
            previous: _Span | None = None
            for span in sorted(spans, key=lambda fold: fold.first):
                if previous is not None and previous.contains(span):
                    yield span.first, f"multiple iterable values found for iterator name '{name}'"
                else:
                    previous = span

    def zero_fail_codes(self) -> Iterator[tuple[int, str]]:
        for index in self.zero_fails:
            yield index, "error code 0 with fail is unsupported"

    def instructions_after_next(self) -> Iterator[tuple[int, str]]:
        for index in self.machine.malformed:
            yield index, "fold can not have instructions after next"


def _names(value: ast.Value | ast.Stream | ast.StreamMap | ast.EmptyArray) -> Iterator[str]:
    """The variables a value reads: its own name and the scalars of its `.[x]` accessors."""
    if isinstance(value, ast.Scalar | ast.CanonStream | ast.CanonMap):
        yield value.name
        if isinstance(value.lens, ast.Lens):
            for accessor in value.lens.accessors:
                if isinstance(accessor, ast.ScalarAccessor):
                    yield accessor.name
    elif isinstance(value, ast.Stream | ast.StreamMap):
        yield value.name
