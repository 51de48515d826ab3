"""Step 3d: recursive calls of user functions, kept as calls of generated derivative code.

adsct inlines a call of a function of yours, but a function that calls itself (directly or
through others: is_even -> is_odd -> is_even) would be inlined forever.  A call that reaches a
function already being inlined is kept as one statement instead, an op of its own
(`RecursiveCall`) whose derivative is the callee's own generated code, in the same mode:

    forward mode    t5, dt5 = power_jvp(x, t4, dx)          (value and tangent at once)
    reverse mode    t5 = power(x, t4)                       (forward sweep: the plain call)
                    power_cotangents = power_vjp(x, t4, bt5)[1]    (reverse sweep)

and `power_jvp` / `power_vjp` call themselves the same way, so the generated code recurses as
deep as the user's function does (one frame per level).  The reverse sweep runs the callee's
reverse code, which runs the callee's forward sweep again: a linear recursion of depth n costs
about n * n / 2 calls of the function, in return for code that stays in plain Python.

Accepts (inlining.py) a recursive call of a plain Python function (module level or a
method's function) whose parameters are positional (with defaults allowed), called with
numbers, arrays and other plain values: the differentiated ones are those active where the
call is, the others (`n - 1`, `depth`, an index `k`) pass through unchanged.
Guarantees: the call becomes one `Stmt` of a `RecursiveCall` op; code generation (codegen.py,
controlflow.py) asks the pipeline for the callee's derivative code (`derivative`, set by
pipeline.py) for the arguments differentiated there.  Refused, at the user's line: a recursive
call outside every branch and loop (it would never end), recursion through a local def or lambda, a callee with `*args`, `**kwargs` or keyword-only parameters,
a tuple, list, dict or function passed to the recursive call, and a callee that returns a
tuple, list or dict.

>>> from ad import adsct
>>> text = ("def power(x, n):\\n    if n == 0:\\n        return 1.0\\n"
...         "    return x * power(x, n - 1)\\n")
>>> scope = {"__name__": "example"}
>>> exec(text, scope)
>>> adsct.grad(scope["power"], source=text)(2.0, 3)
12.0
"""

from __future__ import annotations

import ast
import inspect
import types

from .. import ops
from .astutil import helper
from .ir import PytreeOutputError, Stmt, Structured
from .local_functions import is_function_value
from .signature import Default
from .templates import inject_helper

_HINT = "write the recursion as a for or while loop, or differentiate with ad.adoo"


class RecursiveCall(ops.Op):
    """A recursive call of the user's `function` with `nin` arguments, as one op: the
    generated code calls the function itself, and the callee's generated derivative code
    for its derivatives (never entered in the registry)."""

    recursive_function = None  # the user's Python function

    def __call__(self, *args):
        return self.recursive_function(*args)


_OPS: dict = {}


def _rule(*args):  # (a placeholder: every argument may carry a derivative; codegen calls the callee's code)
    raise NotImplementedError("a recursive call's derivative is the callee's generated code")


def recursive_op(function, nin: int) -> RecursiveCall:
    """The op of a recursive call of `function` with `nin` arguments (one per function and
    count, so generated code names it once)."""
    key = (function, nin)
    if key not in _OPS:
        op = RecursiveCall(function.__name__, function, nin, jvp=(_rule,) * nin, vjp=(_rule,) * nin)
        op.recursive_function = function
        _OPS[key] = op
    return _OPS[key]


def is_recursive(op) -> bool:
    return isinstance(op, RecursiveCall)


def recursive_call(normaliser, callee, name: str, node: ast.Call, positional: list, keywords: dict):
    """The statement for a call of `callee`, which is being inlined already: the call kept as
    one `RecursiveCall` statement; returns its value's name."""
    if not normaliser.depth:  # (an early return's test puts what follows it inside a branch: see desugar.py)
        raise normaliser.parsed.error(
            node, f"a recursive call on every path: {name} calls itself whatever its arguments are, so neither it "
                  f"nor its derivative would ever finish", "return before the recursive call when the recursion "
                  "should stop (a base case: if n == 0: return ...)")
    function = getattr(callee, "__func__", callee)
    bound_self = [ast.Name(normaliser.root.inject("self", callee.__self__), ast.Load())] \
        if isinstance(callee, types.MethodType) else []
    if not isinstance(function, types.FunctionType):
        raise normaliser.parsed.error(
            node, f"a recursive call of {name}, a function defined inside the function being differentiated (or a "
                  f"lambda)", "define the recursive function at module level, or " + _HINT)
    parameters = list(inspect.signature(function).parameters.values())
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters):
        raise normaliser.parsed.error(
            node, f"a recursive call of {name}, whose parameters include *args, **kwargs or keyword-only ones",
            "give the recursive function plain parameters (defaults are fine), or " + _HINT)
    names = [p.name for p in parameters]
    try:
        bound = inspect.signature(function).bind(*bound_self, *positional, **keywords)
    except TypeError as error:
        raise normaliser.parsed.error(node, f"{name}(): {error}") from None
    bound = {**{p.name: Default(p.default) for p in parameters}, **bound.arguments}
    inputs = []
    for param in names:
        value = bound[param]
        if isinstance(value, Default):
            value = _default(normaliser, value.value, param)
        if isinstance(value, Structured) or is_function_value(value):
            what = "a function" if is_function_value(value) else "a tuple, list or dict"
            raise normaliser.parsed.error(
                node, f"a recursive call of {name} with {what} as its argument {param!r}",
                "pass numbers and arrays to a recursive function (an array instead of a list), or " + _HINT)
        if not isinstance(value, (ast.Name, ast.Constant)):
            value = normaliser.plain(value)
        inputs.append(value)
    return normaliser.emit(recursive_op(function, len(names)), inputs, {}, node)


def _default(normaliser, value, param: str) -> ast.expr:
    if type(value) in (bool, int, float, str, type(None)):
        return ast.Constant(value)
    return ast.Name(normaliser.root.inject(f"{param}_default", value), ast.Load())


# -- in code generation ------------------------------------------------------------------------

def _differentiated(generator, stmt: Stmt) -> list:
    return [i for i, x in enumerate(stmt.inputs) if isinstance(x, ast.Name) and x.id in generator.active]


def _code(generator, stmt: Stmt, mode: str, wanted: list) -> ast.Name:
    """The callee's derivative code for the differentiated arguments `wanted`, named in the
    generated code's namespace (`power_vjp`)."""
    op = stmt.op
    suffix = "vjp" if mode == "reverse" else "jvp"
    try:
        code, itself = generator.derivative(op.recursive_function, mode, tuple(wanted), op.nin)
    except PytreeOutputError:
        source = stmt.source or generator.program.parsed
        raise source.error(stmt.origin, f"a recursive call of {op.name}, which returns a tuple, list or dict",
                           "a recursive function must return one number or array here; " + _HINT) from None
    own = f"{generator.program.name}_{suffix}"
    if itself:  # the function calls itself by its own name
        return ast.Name(own, ast.Load())
    name = f"{op.name}_{suffix}"
    return helper(inject_helper(generator.namespace, name if name != own else f"{name}_1", code))


def reverse_terms(generator, body: list, stmt: Stmt, g: ast.expr) -> list:
    """(input, its partial adjoint) for each differentiated input of a recursive call, from
    one call of the callee's reverse code with cotangent g, appended to `body`."""
    wanted = _differentiated(generator, stmt)
    if not wanted:
        return []
    code = _code(generator, stmt, "reverse", wanted)
    parts = generator.fresh(f"{stmt.op.name}_cotangents")
    call = ast.Call(code, list(stmt.inputs) + [g], [])
    body.append(ast.Assign([ast.Name(parts, ast.Store())], ast.Subscript(call, ast.Constant(1), ast.Load()),
                           lineno=0))
    return [(stmt.inputs[i], ast.Subscript(ast.Name(parts, ast.Load()), ast.Constant(j), ast.Load()))
            for j, i in enumerate(wanted)]


def forward_statement(generator, stmt: Stmt, tangent_of, target: str, tangent: str) -> ast.stmt | None:
    """`target, tangent = power_jvp(x, t4, dx)`: a recursive call's value and tangent at once
    (None where no input carries a tangent: then the plain call is the statement)."""
    wanted = _differentiated(generator, stmt)
    if not wanted:
        return None
    code = _code(generator, stmt, "forward", wanted)
    call = ast.Call(code, list(stmt.inputs) + [tangent_of(stmt.inputs[i].id) for i in wanted], [])
    pair = ast.Tuple([ast.Name(target, ast.Store()), ast.Name(tangent, ast.Store())], ast.Store())
    return ast.Assign([pair], call, lineno=0)
