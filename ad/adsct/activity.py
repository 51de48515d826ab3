"""Step 4: activity analysis of a normalised Program.

Accepts a Program in three-address form (ir.py) and the names of the differentiated
parameters.  Guarantees to code generation: the set of names that carry derivatives (they
depend on a differentiated value and the result depends on them); raises where a
differentiated value reaches a call without a rule, a static parameter, or a loop's items.
"""

from __future__ import annotations

import ast

from ..errors import NotDifferentiableError
from .ir import Program, Stmt, loops, walk


def check_activity(program: Program, active_args) -> set:
    """The names that carry derivatives when `active_args` are differentiated: those that
    depend on them (varied) and that the result depends on (useful), so no derivative is
    computed for a value that only feeds a comparison or nothing at all.

    Raises NotDifferentiableError where a varied name reaches a call without a rule, and
    UnsupportedSyntaxError where it reaches a static parameter (an axis, an index, a shape).
    """
    varied = set(active_args)
    before = -1
    while len(varied) != before:  # loops carry activity backwards: repeat until nothing changes
        before = len(varied)
        _propagate(program, varied)
    for loop in loops(program.body):
        if isinstance(loop.iterable, ast.Name) and loop.iterable.id in varied:
            raise (loop.source or program.parsed).error(
                loop.origin, "a loop over the items of a differentiated array",
                f"loop over the positions instead: for i in range(len({loop.iterable.id})): "
                f"... {loop.iterable.id}[i] ...")
    useful = {program.result.id} if isinstance(program.result, ast.Name) else set()
    before = -1
    statements = list(walk(program.body))[::-1]  # backwards: straight-line code settles in one pass
    while len(useful) != before:
        before = len(useful)
        for stmt in statements:
            if stmt.target not in useful:
                continue
            if stmt.op is None:
                if _is_copy(stmt):
                    useful.add(stmt.expr.id)
            elif stmt.op.differentiable:
                useful.update(n.id for n in _differentiable_inputs(stmt))
    return varied & useful


def _propagate(program: Program, active: set) -> None:
    for stmt in walk(program.body):
        uses = {n.id for n in _differentiable_inputs(stmt)} if stmt.op is not None else set()
        for param in stmt.params.values():
            if {n.id for n in ast.walk(param) if isinstance(n, ast.Name)} & active:
                raise (stmt.source or program.parsed).error(stmt.origin, f"a differentiated value is used as the {stmt.op.name} "
                                           f"parameter here", "indices, axes and shapes must not depend on "
                                           "differentiated values")
        if stmt.op is None:
            mentioned = {n.id for n in ast.walk(stmt.expr) if isinstance(n, ast.Name)} & active
            callee = getattr(stmt, "callee", None)
            if mentioned and callee is not None:
                source = stmt.source or program.parsed
                line, column = source.first_line + stmt.origin.lineno - 1, stmt.origin.col_offset + 1
                raise NotDifferentiableError(f"{source.filename}:{line}:{column}: {callee} has no derivative rule; it is "
                                             f"called with a differentiated value here: {source.text_of(stmt.origin)}")
            if mentioned and _is_copy(stmt):
                active.add(stmt.target)
            continue
        if stmt.op.differentiable and uses & active:
            active.add(stmt.target)


def _is_copy(stmt: Stmt) -> bool:
    return isinstance(stmt.expr, ast.Name)


def _differentiable_inputs(stmt: Stmt) -> list:
    """The names among an op statement's inputs that have a rule: a derivative flows only
    through them (not through where's condition, or the `like` of unbroadcast, which gives only a
    shape), so no adjoint or tangent is computed that nothing could use."""
    op = stmt.op
    return [x for i, x in enumerate(stmt.inputs)
            if isinstance(x, ast.Name) and (op.vjp_rule(i) is not None or op.jvp_rule(i) is not None)]
