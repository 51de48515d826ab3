"""The stacks of adsct's own reverse-mode code, when adsct transforms that code again.

Reverse code through loops and branches (controlflow.py) keeps stacks: `saved_y = []`, then
`saved_y.append(y)` in the forward sweep and `y = saved_y.pop()` in the reverse sweep, every
value pushed popped again before the function returns.  Read back as user code, such a stack
would be a list variable that each push copies (listops.py): quadratic in the number of
steps.  Here a stack of generated code stays a stack, and its derivative is a second stack
that moves in step with it:

    code                 tangent (forward mode)        adjoint (reverse sweep)
    S = []               dS = []                       bS = [] (where the reverse sweep starts)
    S.append(v)          dS.append(dv)                 bv = bv + bS.pop()
    t = S.pop()          dt = dS.pop()                 bS.append(bt)

(0.0 in place of a derivative that is zero.)  Every push and pop moves the derivative stack
too, derivative or not, so the two stay aligned; one stack per variable keeps the values
that carry derivatives apart from loop counts and branch directions, which never do.

Accepts (normaliser hooks) a function adsct generated (file name `<ad.adsct ...>`) whose list
variable is used only as such a stack: `S = []`, `S.append(v)`, `S.pop()` (and `del S`).
Guarantees to the passes after it: the three statements above as `Stmt`s of the ops below
(`S = []` and `S.append(v)` are effects: run as written, never saved or restored).
A user's own list keeps the list semantics of lists.py.
"""

from __future__ import annotations

import ast

from .. import ops
from .astutil import GENERATED
from .ir import Stmt


def load(name: str) -> ast.Name:
    """`name`, read."""
    return ast.Name(name, ast.Load())


class StackOp(ops.Op):
    """An operation on a stack of generated code: its derivatives are written by the
    generators (above), never through rules, so its rules are placeholders."""


def _placeholder(*args, **kwargs):  # (activity analysis only asks whether a rule exists)
    raise RuntimeError("a stack operation's derivative is written by the generators, not by a rule")


STACK_NEW = StackOp("stack_new", lambda: [], 0, doc="`S = []`: an empty stack.")
STACK_PUSH = StackOp("stack_push", lambda v: v, 1, jvp=(_placeholder,), vjp=(_placeholder,),
                     doc="`S.append(v)`: the statement's target is the stack S, its input v.")
STACK_POP = StackOp("stack_pop", lambda s: s.pop(), 1, jvp=(_placeholder,), vjp=(_placeholder,),
                    doc="`t = S.pop()`: the last value pushed.")


def is_stack_op(op) -> bool:
    """Whether a statement's op works on a stack (new, push or pop)."""
    return isinstance(op, StackOp)


def is_push(stmt: Stmt) -> bool:
    """Whether the statement is `S.append(v)`."""
    return stmt.op is STACK_PUSH


def is_pop(stmt: Stmt) -> bool:
    """Whether the statement is `t = S.pop()`."""
    return stmt.op is STACK_POP


def is_new(stmt: Stmt) -> bool:
    """Whether the statement is `S = []`."""
    return stmt.op is STACK_NEW


def stack_of(stmt: Stmt) -> str:
    """The stack a stack statement works on."""
    return stmt.inputs[0].id if is_pop(stmt) else stmt.target


def has_stacks(statements) -> bool:
    """Whether any of the statements works on a stack (then the control-flow generators run)."""
    return any(is_stack_op(s.op) for s in statements)


# -- which list variables are stacks -----------------------------------------------------------

def stack_variables(parsed, fn: ast.FunctionDef, body: list, changed: set) -> set:
    """Those of the list variables `changed` (names that .append/.pop change) that generated
    code uses only as stacks (none in a user's function).

    >>> import ast
    >>> from ad.adsct.parse import Parsed
    >>> fn = ast.parse("def f_vjp(x):\\n    s = []\\n    s.append(x)\\n    y = s.pop()\\n    return y").body[0]
    >>> sorted(stack_variables(Parsed(fn, "<ad.adsct f reverse #1>", 1, []), fn, fn.body, {"s"}))
    ['s']
    """
    if not parsed.filename.startswith(GENERATED):
        return set()
    tree = ast.Module(body, [])
    allowed, news = set(), {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and not node.keywords \
                and (node.func.attr, len(node.args)) in (("append", 1), ("pop", 0)):
            allowed.add(id(node.func.value))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.List) and not node.value.elts:
            news[node.targets[0].id] = news.get(node.targets[0].id, 0) + 1
    stacks = {name for name in changed if news.get(name) == 1}
    for node in ast.walk(tree):  # any other use (an index, len, a second name): a list, not a stack
        if isinstance(node, ast.Name) and node.id in stacks and isinstance(node.ctx, ast.Load) \
                and id(node) not in allowed:
            stacks.discard(node.id)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in stacks for t in node.targets) \
                and not (isinstance(node.value, ast.List) and not node.value.elts):
            stacks -= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return stacks


# -- normaliser hooks ---------------------------------------------------------------------------

def _is_stack(normaliser, name) -> bool:
    return name in getattr(normaliser, "stack_variables", ())


def statement(normaliser, node: ast.stmt) -> bool:
    """`S = []` and `S.append(v)` of a stack (True if handled)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and _is_stack(normaliser, node.targets[0].id):
        target = normaliser.bind_name(node.targets[0].id)
        normaliser.body.append(Stmt(target, STACK_NEW, expr=ast.Assign([ast.Name(target, ast.Store())],
                                                                         ast.List([], ast.Load()), lineno=0),
                                    origin=node, source=normaliser.parsed, effect=True))
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute) \
            and node.value.func.attr == "append" and isinstance(node.value.func.value, ast.Name) \
            and _is_stack(normaliser, node.value.func.value.id):
        value = normaliser.expr(node.value.args[0])
        if not isinstance(value, (ast.Name, ast.Constant)):
            value = normaliser.plain(value)
        stack = normaliser.versions[node.value.func.value.id]
        call = ast.Call(ast.Attribute(load(stack), "append", ast.Load()), [value], [])
        normaliser.body.append(Stmt(stack, STACK_PUSH, [value], expr=ast.Expr(call), origin=node,
                                    source=normaliser.parsed, effect=True))
        return True
    return False


def call(normaliser, node: ast.Call):
    """`S.pop()` of a stack: a fresh name for the value popped (None for any other call)."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "pop" and isinstance(func.value, ast.Name)
            and _is_stack(normaliser, func.value.id)):
        return None
    stack = normaliser.versions[func.value.id]
    target = normaliser.fresh()
    expr = ast.Call(ast.Attribute(load(stack), "pop", ast.Load()), [], [])
    normaliser.body.append(Stmt(target, STACK_POP, [load(stack)], expr=expr, origin=normaliser.origin,
                                source=normaliser.parsed))
    return load(target)


# -- derivative statements (the generators call these) -----------------------------------------

def _method(stack: str, name: str, *args) -> ast.Call:
    return ast.Call(ast.Attribute(load(stack), name, ast.Load()), list(args), [])


def tangent_statements(gen, stmt: Stmt) -> list:
    """Forward mode: what moves the tangent stack with `stmt` (after it), if its stack is active."""
    stack = stack_of(stmt)
    if stack not in gen.active:
        return []
    d_stack = gen.derivative_name(stack)
    if is_new(stmt):
        return [ast.Assign([ast.Name(d_stack, ast.Store())], ast.List([], ast.Load()), lineno=0)]
    if is_push(stmt):
        value = stmt.inputs[0]
        tangent = load(gen.derivative_name(value.id)) if isinstance(value, ast.Name) and value.id in gen.active \
            else ast.Constant(0.0)
        return [ast.Expr(_method(d_stack, "append", tangent))]
    if stmt.target in gen.active:
        return [ast.Assign([ast.Name(gen.derivative_name(stmt.target), ast.Store())], _method(d_stack, "pop"),
                           lineno=0)]
    return [ast.Expr(_method(d_stack, "pop"))]


def adjoint_statements(gen, stmt: Stmt, adjoint: ast.expr, plus) -> list:
    """Reverse sweep: what moves the adjoint stack for `stmt`, if its stack is active
    (`adjoint`: the popped value's adjoint, or None where it has none; `plus(name, term)`
    accumulates into an adjoint)."""
    stack = stack_of(stmt)
    if stack not in gen.active or is_new(stmt):
        return []
    b_stack = gen.derivative_name(stack)
    if is_pop(stmt):
        return [ast.Expr(_method(b_stack, "append", ast.Constant(0.0) if adjoint is None else adjoint))]
    value = stmt.inputs[0]
    if isinstance(value, ast.Name) and value.id in gen.active:
        return [plus(value.id, _method(b_stack, "pop"))]
    return [ast.Expr(_method(b_stack, "pop"))]


def start_of_reverse_sweep(gen, name: str):
    """`bS = []` for an active stack S (None for any other name)."""
    if name not in gen.stacks:
        return None
    return ast.Assign([ast.Name(gen.derivative_name(name), ast.Store())], ast.List([], ast.Load()), lineno=0)
