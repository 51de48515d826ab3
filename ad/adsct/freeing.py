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
    reads, targets, nested = zip(*map(_names_of, body)) if body else ((), (), ())
    last_read, first_bound = {}, {}
    for i, names in enumerate(reads):
        for name in names:
            last_read[name] = i
    for i, names in enumerate(targets):
        for name in names:
            first_bound.setdefault(name, i)
    kept = {a.arg for a in function.args.args}.union(*nested)  # (parameters; names nested functions share)
    dying = [[] for _ in body]  # statement index -> names whose last read (or binding) it is
    live, new_body = set(), []
    for i, statement in enumerate(body):
        new_body.append(statement)
        for name in targets[i] - kept:
            if name not in live and last_read.get(name, len(body)) < len(body):  # (never read: never freed)
                live.add(name)
                dying[max(i, last_read[name])].append(name)
        if isinstance(statement, ast.Return):
            continue
        dead = sorted({name for name in dying[i] if name in live}, key=lambda name: (first_bound[name], name))
        if dead:
            new_body.append(ast.Delete([ast.Name(name, ast.Del()) for name in dead]))
            live.difference_update(dead)
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


def _names_of(statement: ast.stmt) -> tuple:
    """(names it reads, names a top-level assignment binds for sure, names a nested function in
    it may share with the function as closure cells), from one walk over the statement.  The
    shared names (checkpointed loops' step functions) are never deleted: the nested function
    may read them later."""
    reads, shared = set(), set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and not node.id.startswith(COMMENT):
                reads.add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            reads.add(node.target.id)  # (`x += 1` reads x too)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            shared |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    targets = set()
    if isinstance(statement, ast.Assign):
        targets = {node.id for target in statement.targets for node in ast.walk(target)
                   if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    return reads, targets, shared
