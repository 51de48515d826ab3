"""Step 5b: release intermediates as soon as the reverse sweep is done with them.

Accepts a generated reverse-mode function (codegen.Reverse, controlflow.ReverseControlFlow).
Guarantees the same results, with `del a, b` after the top-level statement that last reads
names the function assigned at its top level (and reads): Python frees an array when its last name goes,
so peak memory stays near a hand-written gradient's instead of holding every intermediate
until the function returns.  Names only assigned inside a branch or loop are left alone (they
may be unbound), and so are the parameters (the caller holds those anyway) and names nested
functions share with the function.

>>> import ast
>>> tree = ast.parse("def f_vjp(x, b):\\n    t = x * 2\\n    u = t + 1\\n    bt = b * u\\n    return u, bt")
>>> print(ast.unparse(free_after_last_use(tree.body[0])))
def f_vjp(x, b):
    t = x * 2
    u = t + 1
    del t
    bt = b * u
    return (u, bt)
"""

from __future__ import annotations

import ast

from .codegen import COMMENT

__all__ = ["free_after_last_use"]


def free_after_last_use(function: ast.FunctionDef) -> ast.FunctionDef:
    """`function` with `del` statements after the last read of each top-level intermediate."""
    body = function.body
    last_read = {}
    for i, statement in enumerate(body):
        for name in _reads(statement):
            last_read[name] = i
    bound, freed, new_body = set(), set(), []
    parameters = {a.arg for a in function.args.args} | _used_by_nested_functions(body)
    for i, statement in enumerate(body):
        new_body.append(statement)
        targets = _top_level_targets(statement)
        bound |= targets
        freed -= targets  # (a name freed before and bound again here)
        if isinstance(statement, ast.Return):
            continue
        dead = sorted((name for name in bound - parameters - freed if last_read.get(name, len(body)) <= i),
                      key=_order_of(body))
        if dead:
            new_body.append(ast.Delete([ast.Name(name, ast.Del()) for name in dead]))
            freed.update(dead)
    if len(new_body) > len(body):  # say once what the del statements are for
        for statement in new_body:
            if _is_comment(statement, "reverse sweep"):
                statement.value.id += " (del: each value is freed after its last use)"
                break
    function.body = new_body
    return function


def _is_comment(statement: ast.stmt, text: str) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Name) \
        and statement.value.id == f"{COMMENT}{text}"


def _used_by_nested_functions(body: list) -> set:
    """Names a nested function (checkpointed loops' step functions) may share with the
    function as closure cells: never deleted, as the nested function may read them later."""
    names = set()
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return names


def _reads(statement: ast.stmt) -> set:
    names = {node.id for node in ast.walk(statement) if isinstance(node, ast.Name)
             and isinstance(node.ctx, ast.Load) and not node.id.startswith(COMMENT)}
    for node in ast.walk(statement):  # (`x += 1` reads x too)
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _top_level_targets(statement: ast.stmt) -> set:
    """The names a top-level assignment binds for sure (plain names and tuples of them)."""
    if not isinstance(statement, ast.Assign):
        return set()
    return {node.id for target in statement.targets for node in ast.walk(target)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def _order_of(body: list):
    """A sort key: names in the order the function first assigns them (deterministic text)."""
    first = {}
    for i, statement in enumerate(body):
        for name in _top_level_targets(statement):
            first.setdefault(name, i)
    return lambda name: (first.get(name, len(body)), name)
