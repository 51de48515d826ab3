"""Step 2b: rewrite `break`, `continue` and early `return`s into flags, before normalising.

The derivative generators know four structures: statements, `if`, `for` and `while`.  Jumps
are turned into them, the way one would by hand:

    for x in xs:                    stop = False
        if x > 3:                   for x in xs:
            break                       if not stop:
        y = y * x                           skip = False
                                            if x > 3:
                                                stop = True
                                                skip = True
                                            if not skip:
                                                y = y * x

`continue` sets only `skip`; a `while` loop tests `not stop and <test>`.  A `return` inside a
branch or loop stores its value in `result`, sets `returned` (and stops every enclosing
loop), and what follows runs under `if not returned:`; the function then ends with
`return result`.  Functions without jumps are left exactly as they are.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .astutil import fresh_name

_LOOPS = (ast.For, ast.While)


@dataclass
class _Loop:
    stop: str  # set by break (and return): no more iterations
    skip: str  # set by break, continue and return: the rest of this iteration is skipped


class _Names:
    """Flag names that clash with nothing in the function."""

    def __init__(self, fn: ast.FunctionDef):
        self.taken = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | {a.arg for a in fn.args.args}

    def fresh(self, base: str) -> str:
        return fresh_name(base, self.taken)


def _jumps(block: list, kinds: tuple, into_loops: bool) -> bool:
    """Whether `block` holds a statement of `kinds` (not looking into nested loops unless told)."""
    for statement in block:
        if isinstance(statement, kinds):
            return True
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # (a local def's returns are its own)
        if isinstance(statement, _LOOPS) and not into_loops:
            continue
        children = [getattr(statement, field, []) for field in ("body", "orelse")]
        if any(isinstance(c, list) and _jumps(c, kinds, into_loops) for c in children):
            return True
    return False


def _early_returns(body: list) -> bool:
    """A return anywhere but as the body's last statement."""
    if body and isinstance(body[-1], ast.Return):
        body = body[:-1]
    return _jumps(body, (ast.Return,), True)


class _Rewriter:
    def __init__(self, fn: ast.FunctionDef, early_returns: bool):
        names = _Names(fn)
        self.fresh = names.fresh
        self.early_returns = early_returns  # otherwise the one return is the last statement: kept
        self.returned, self.result = names.fresh("returned"), names.fresh("result")

    def block(self, block: list, loops: list) -> tuple[list, bool]:
        """(rewritten block, whether it may jump out: the caller guards what follows)."""
        out: list = []
        for k, statement in enumerate(block):
            jumped = self.jump(statement, loops)
            if jumped is not None:
                out += jumped
                return out, True  # anything after a jump is unreachable
            rewritten, escapes = self.compound(statement, loops)
            out += rewritten
            if escapes:
                rest, _ = self.block(block[k + 1:], loops)
                if rest:
                    flag = loops[-1].skip if loops else self.returned
                    out.append(_at(statement, ast.If(_not(flag), rest, [])))
                return out, True
        return out, False

    def jump(self, statement: ast.stmt, loops: list):
        """The flag assignments replacing a break, continue or return (None for other statements)."""
        if isinstance(statement, ast.Break):
            return [_set(statement, loops[-1].stop, True), _set(statement, loops[-1].skip, True)]
        if isinstance(statement, ast.Continue):
            return [_set(statement, loops[-1].skip, True)]
        if isinstance(statement, ast.Return) and self.early_returns:
            value = statement.value if statement.value is not None else ast.Constant(None)
            out = [_at(statement, ast.Assign([ast.Name(self.result, ast.Store())], value)),
                   _set(statement, self.returned, True)]
            for loop in loops:  # a return leaves every enclosing loop
                out += [_set(statement, loop.stop, True), _set(statement, loop.skip, True)]
            return out
        return None

    def compound(self, statement: ast.stmt, loops: list) -> tuple[list, bool]:
        if isinstance(statement, ast.If):
            body, body_escapes = self.block(statement.body, loops)
            orelse, orelse_escapes = self.block(statement.orelse, loops)
            return [_at(statement, ast.If(statement.test, body or [ast.Pass()], orelse))], body_escapes or orelse_escapes
        if isinstance(statement, _LOOPS) and not statement.orelse:
            escapes = _jumps(statement.body, (ast.Return,), True)
            if not escapes and not _jumps(statement.body, (ast.Break, ast.Continue, ast.Return), False):
                inner, _ = self.block(statement.body, loops)  # jumps of nested loops stay inside them
                rebuilt = _copy_loop(statement, inner)
                return [rebuilt], False
            loop = _Loop(self.fresh("stop"), self.fresh("skip"))
            inner, _ = self.block(statement.body, loops + [loop])
            body = [_set(statement, loop.skip, False)] + inner
            if isinstance(statement, ast.For):
                rebuilt = ast.For(statement.target, statement.iter, [_at(statement, ast.If(_not(loop.stop), body, []))], [])
            else:
                rebuilt = ast.While(ast.BoolOp(ast.And(), [_not(loop.stop), statement.test]), body, [])
            return [_set(statement, loop.stop, False), _at(statement, rebuilt)], escapes
        return [statement], False


def desugar(fn: ast.FunctionDef, body: list) -> list:
    """`body` (fn's statements without the docstring) with jumps turned into flags.

    >>> fn = ast.parse("def f(x):\\n    if x > 0:\\n        return x\\n    return -x\\n").body[0]
    >>> print("\\n".join(ast.unparse(s) for s in desugar(fn, fn.body)))
    returned = False
    if x > 0:
        result = x
        returned = True
    if not returned:
        result = -x
        returned = True
    return result
    """
    early_returns = _early_returns(body)
    if not early_returns and not _jumps(body, (ast.Break, ast.Continue), True):
        return body
    rewriter = _Rewriter(fn, early_returns)
    rewritten, _ = rewriter.block(body, [])
    if not early_returns:
        return rewritten
    start = _set(body[0], rewriter.returned, False)
    return [start] + rewritten + [_at(body[-1], ast.Return(ast.Name(rewriter.result, ast.Load())))]


def _copy_loop(loop, body: list):
    if isinstance(loop, ast.For):
        return _at(loop, ast.For(loop.target, loop.iter, body, []))
    return _at(loop, ast.While(loop.test, body, []))


def _not(name: str) -> ast.expr:
    return ast.UnaryOp(ast.Not(), ast.Name(name, ast.Load()))


def _set(origin: ast.AST, name: str, value: bool) -> ast.Assign:
    return _at(origin, ast.Assign([ast.Name(name, ast.Store())], ast.Constant(value)))


def _at(origin: ast.AST, node: ast.AST) -> ast.AST:
    """`node` with the source position of `origin` (comments and errors point there)."""
    return ast.fix_missing_locations(ast.copy_location(node, origin))
