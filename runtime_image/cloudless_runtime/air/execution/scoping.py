"""Which `new` scopes lexically enclose each stream reference (AquaVM resolves streams by the
position of the reference inside `new` spans; we compute the same once per parsed script)."""

from __future__ import annotations

from cloudless_runtime.air.syntax import ast

Scopes = dict[int, frozenset[int]]


def stream_scopes(root: ast.Instruction) -> Scopes:
    scopes: Scopes = {}
    enclosing: dict[str, list[int]] = {}

    def note(node: ast.Stream | ast.StreamMap | ast.Scalar | None) -> None:
        if isinstance(node, (ast.Stream, ast.StreamMap)):
            scopes[id(node)] = frozenset(enclosing.get(node.name, ()))

    stack: list[ast.Instruction | tuple[str, int]] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            enclosing[item[0]].pop()
            continue
        kind = type(item)
        if kind is ast.Seq or kind is ast.Par or kind is ast.Xor:
            assert isinstance(item, (ast.Seq, ast.Par, ast.Xor))
            stack.append(item.right)
            stack.append(item.left)
        elif kind is ast.New:
            assert isinstance(item, ast.New)
            variable = item.variable
            if isinstance(variable, (ast.Stream, ast.StreamMap)):
                enclosing.setdefault(variable.name, []).append(id(item))
                stack.append((variable.name, id(item)))
            stack.append(item.body)
        elif kind in (ast.FoldScalar, ast.FoldStream, ast.FoldStreamMap):
            assert isinstance(item, (ast.FoldScalar, ast.FoldStream, ast.FoldStreamMap))
            if not isinstance(item, ast.FoldScalar):
                note(item.iterable)
            if item.last is not None:
                stack.append(item.last)
            stack.append(item.body)
        elif kind is ast.Match or kind is ast.Mismatch:
            assert isinstance(item, (ast.Match, ast.Mismatch))
            stack.append(item.body)
        elif kind is ast.Call:
            assert isinstance(item, ast.Call)
            note(item.output)
        elif kind is ast.Ap:
            assert isinstance(item, ast.Ap)
            note(item.result)
        elif kind is ast.ApMap:
            assert isinstance(item, ast.ApMap)
            note(item.stream_map)
        elif kind is ast.Canon:
            assert isinstance(item, ast.Canon)
            note(item.stream)
        elif kind is ast.CanonMapInstr or kind is ast.CanonMapScalar:
            assert isinstance(item, (ast.CanonMapInstr, ast.CanonMapScalar))
            note(item.stream_map)
    return scopes
