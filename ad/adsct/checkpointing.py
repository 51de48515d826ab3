"""Step 5b: reverse-mode code for loops under binomial checkpointing (`checkpoints=k`).

Accepts a loop (ir.Loop) of a program that ReverseControlFlow is writing code for, with
`checkpoints` set on the generator.  Guarantees: the loop's forward sweep keeps at most k
states of the loop instead of one set of saved values per step, and its reverse sweep gives
the same adjoints, recomputing steps from the nearest kept state (revolve.py drives that).

The loop becomes small functions of one step each, beside the code that would have run the
loop, sharing the generated function's variables (`nonlocal`):

    def loop_state():                 # every name the loop assigns
        return i, t2, x
    def loop_restore(state):
        nonlocal i, t2, x
        i, t2, x = state
    def loop_advance(step):           # one step, saving nothing
        ...
    def loop_record(step):            # one step, pushing what its reverse step needs
        ...
    loop = checkpointed_loop(k, loop_state, loop_restore, loop_advance, loop_record)
    loop.run(len(items))
    saved.append(loop)

and in the reverse sweep `def loop_reverse(step): ...` (the reverse of one step, as the
unchecked code has it) and `saved.pop().reverse(loop_reverse)`.  A `while` loop also gets
`loop_test()`, its condition, and `loop.run()` counts its steps.  Loops inside the loop body
are checkpointed the same way inside `loop_record` and `loop_reverse`, and run plainly in
`loop_advance`.  A `print(...)` (or a warning, a log call) in the loop runs once per step, as
in Python: not again when the step is recomputed.

>>> import numpy as np
>>> from ad import adsct
>>> text = "def f(x, n):\\n    for i in range(n):\\n        x = np.sin(x)\\n    return x\\n"
>>> exec(text)
>>> code = adsct.source(f, source=text, checkpoints=4)
>>> print(code[code.index("    def loop_advance"):code.index("    def loop_record")].strip())
def loop_advance(step):
        # one step of the loop at line 2, saving nothing
        nonlocal i, x
        i = items[step]
        # line 3: x = np.sin(x)
        x = ops.sin(x)
>>> adsct.grad(f, checkpoints=4)(0.5, 10) == adsct.grad(f)(0.5, 10)
True
"""

from __future__ import annotations

import ast
import builtins
import numbers
import random

import numpy as np

from .astutil import HELPER, clone, helper, is_helper
from .codegen import COMMENT, _assign, _comment, _name
from .ir import If, Stmt, loops, walk

LOOP = "checkpointed_loop"  # (a helper of generated code: revolve.CheckpointedLoop)


def loop_names(loop) -> list:
    """Every name a loop assigns, sorted: its variable, its statements' targets and those of
    the loops inside it (test included).  Its state is their values.

    >>> from ad.adsct.ir import Loop
    >>> body = [Stmt("y", None, expr=ast.Name("x")), Loop("j", ast.Name("js"), [], None, [Stmt("x", None)])]
    >>> loop_names(Loop("i", ast.Name("items"), [], None, body))
    ['i', 'j', 'x', 'y']
    """
    inside = loop.test_body + loop.body
    names = {s.target for s in walk(inside) if not s.effect}
    names |= {inner.target for inner in [loop, *loops(inside)] if inner.target is not None}
    return sorted(names)


def state_names(body: list) -> set:
    """The names of every loop's state in a program body: the generated function assigns them
    all (None at first), so that the step functions share them."""
    return {name for loop in loops(body) for name in loop_names(loop)}


def forward(gen, loop, save: bool) -> list:
    """The forward sweep of `loop` (`save` False: where nothing is reversed, the loop as it is)."""
    if not save:
        return plain_block(gen, [loop])
    refuse_unrepeatable_calls(gen, loop)
    names = loop_names(loop)
    driver = gen.loop_drivers[id(loop)] = gen.fresh("loop")
    step, state = _parameter(gen, "step"), _parameter(gen, "state")
    where = _where(gen, loop)
    out, steps = [], None
    if loop.iterable is not None:
        items = gen.fresh("items")
        out.append(_assign(items, ast.Call(helper("list"), [loop.iterable], [])))
        steps = ast.Call(helper("len"), [_name(items)], [])
        first = [_assign(loop.target, ast.Subscript(_name(items), _name(step), ast.Load()))]
    else:
        first = []
    functions = [_function(gen.fresh(f"{driver}_state"), [], [ast.Return(_tuple(names, ast.Load))],
                           f"the state of the loop {where}"),
                 _function(gen.fresh(f"{driver}_restore"), [state],
                           [ast.Assign([_tuple(names, ast.Store)], _name(state))] if names else [ast.Pass()],
                           "")]
    gen.drivers.append(driver)
    gen.last_origin = None
    advance = first + plain_block(gen, loop.body)
    gen.last_origin = None
    record = first + gen.forward_block(loop.body, True)
    functions.append(_function(gen.fresh(f"{driver}_advance"), [step], _guard(gen, advance, loop),
                               f"one step of the loop {where}, saving nothing"))
    functions.append(_function(gen.fresh(f"{driver}_record"), [step], _guard(gen, record, loop),
                               f"one step of the loop {where}, saving what its reverse needs"))
    if loop.iterable is None:
        gen.last_origin = None
        test = plain_block(gen, loop.test_body) + [ast.Return(loop.test)]
        functions.append(_function(gen.fresh(f"{driver}_test"), [], _guard(gen, test, loop),
                                   f"the condition of the loop {where}"))
    gen.drivers.pop()
    out += functions
    call = ast.Call(helper(LOOP), [ast.Constant(gen.checkpoints)] + [_name(f.name) for f in functions], [])
    out.append(_assign(driver, call))
    out.append(ast.Expr(ast.Call(ast.Attribute(_name(driver), "run", ast.Load()), [steps] if steps else [], [])))
    out.append(ast.Expr(ast.Call(ast.Attribute(helper("saved"), "append", ast.Load()), [_name(driver)], [])))
    return out


def reverse(gen, loop) -> list:
    """The reverse sweep of `loop`: its reverse step as a function, driven by the loop's schedule."""
    driver = gen.loop_drivers[id(loop)]
    back = _function(gen.fresh(f"{driver}_reverse"), [_parameter(gen, "step")], gen.reverse_block(loop.body, True),
                     f"the reverse of one step of the loop {_where(gen, loop)}")
    pop = ast.Call(ast.Attribute(helper("saved"), "pop", ast.Load()), [], [])
    return [back, ast.Expr(ast.Call(ast.Attribute(pop, "reverse", ast.Load()), [_name(back.name)], []))]


def plain_block(gen, block: list) -> list:
    """The statements of `block` as the user's function runs them: no values saved."""
    out = []
    for item in block:
        if isinstance(item, Stmt):
            gen.emit_primal(out, item)
        elif isinstance(item, If):
            out.append(ast.If(item.test, plain_block(gen, item.body) or [ast.Pass()], plain_block(gen, item.orelse)))
        elif item.iterable is not None:
            out.append(ast.For(ast.Name(item.target, ast.Store()), item.iterable,
                               plain_block(gen, item.body) or [ast.Pass()], []))
        else:
            test = plain_block(gen, item.test_body) + [ast.If(ast.UnaryOp(ast.Not(), item.test), [ast.Break()], [])]
            out.append(ast.While(ast.Constant(True), test + plain_block(gen, item.body), []))
    return out


# -- steps that would not repeat ----------------------------------------------------------------
_UNREPEATABLE_MODULES = ("numpy.random", "random", "time", "secrets", "uuid")
_GENERATORS = (np.random.Generator, np.random.RandomState, np.random.BitGenerator, random.Random)
_RANDOM_METHODS = frozenset(name for kind in _GENERATORS for name in dir(kind) if not name.startswith("_"))


def refuse_unrepeatable_calls(gen, loop) -> None:
    """Refuse a loop whose steps call for random numbers or the time: run again from a kept
    state, a step would draw other numbers than it did, and the gradient would be wrong."""
    for stmt in walk(loop.test_body + loop.body):
        for node in [stmt.expr, *stmt.inputs, *stmt.params.values()]:
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)) if isinstance(node, ast.AST) else ():
                if _unrepeatable(gen, call.func):
                    source = stmt.source or gen.program.parsed
                    raise source.error(stmt.origin or loop.origin, f"`{ast.unparse(call.func)}(...)` in a loop "
                                       f"differentiated with checkpoints={gen.checkpoints}: a step run again from "
                                       f"a kept state would draw other values (random numbers, the time)",
                                       "draw them before the loop (noise = rng.normal(size=(n, 3))) and index them "
                                       "inside, or leave checkpoints out")


def _unrepeatable(gen, func: ast.expr) -> bool:
    """Whether a call of `func` may give other values when run again: a function of
    numpy.random, random, time, secrets or uuid, a random generator's method, or a method with
    a generator's name (`rng.normal`) on a value of the function, which cannot be looked at now."""
    path = []
    while isinstance(func, ast.Attribute):
        path.insert(0, func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return False
    namespace = gen.program.namespace
    if func.id not in namespace and not hasattr(builtins, func.id):  # a local value: rng.normal(...)
        return bool(path) and path[-1] in _RANDOM_METHODS
    target = namespace[func.id] if func.id in namespace else getattr(builtins, func.id)
    for attribute in path:
        target = getattr(target, attribute, None)
    owner = getattr(target, "__self__", None)
    module = getattr(target, "__module__", None) or getattr(type(owner), "__module__", None) or ""
    return isinstance(owner, _GENERATORS) or isinstance(target, _GENERATORS) or any(
        module == m or module.startswith(m + ".") for m in _UNREPEATABLE_MODULES)


# -- the functions' scopes --------------------------------------------------------------------
def declare_nonlocals(function: ast.FunctionDef, outer: frozenset = frozenset()) -> None:
    """Give each function defined inside `function` a `nonlocal` line for the names it assigns
    that an enclosing function has (the step functions share the generated code's variables).

    >>> tree = ast.parse("def f(x):\\n    y = 0\\n    def step():\\n        y = x + 1\\n        z = y\\n").body[0]
    >>> declare_nonlocals(tree)
    >>> print(ast.unparse(tree.body[1]))
    def step():
        nonlocal y
        y = x + 1
        z = y
    """
    own = _assigned(function.body) | {a.arg for a in function.args.args}
    for inner in _definitions(function.body):
        shared = sorted((_assigned(inner.body) & (outer | own)) - {a.arg for a in inner.args.args})
        if shared:
            position = 1 if inner.body and _is_comment(inner.body[0]) else 0
            inner.body.insert(position, ast.Nonlocal(shared))
        declare_nonlocals(inner, outer | own)


def _own_nodes(body: list):
    """The nodes of a function body, not looking into the functions defined in it."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _assigned(body: list) -> set:
    return {n.id for n in _own_nodes(body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            and not n.id.startswith(HELPER)} | {d.name for d in _definitions(body)}


def _definitions(body: list) -> list:
    return [n for n in _own_nodes(body) if isinstance(n, ast.FunctionDef)]


def _is_comment(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Name) and node.value.id.startswith(COMMENT)


# -- small builders ---------------------------------------------------------------------------
def _parameter(gen, base: str) -> str:
    """The step functions' parameter `base` (`step`, `state`): one name, unused by the user's code."""
    names = gen.__dict__.setdefault("parameters", {})
    if base not in names:
        names[base] = gen.fresh(base)
    return names[base]


def _function(name: str, params: list, body: list, comment: str) -> ast.FunctionDef:
    body = clone(body) or [ast.Pass()]  # (the same statement may be emitted in several functions)
    if comment:
        body.insert(0, _comment(comment))
    return ast.FunctionDef(name=name, args=ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params],
                                                         vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                                         defaults=[]),
                           body=body, decorator_list=[], returns=None)


def _tuple(names: list, context) -> ast.Tuple:
    return ast.Tuple([ast.Name(n, context()) for n in names], context())


def _where(gen, loop) -> str:
    if loop.origin is None:
        return "(made by adsct)"
    source = loop.source or gen.program.parsed
    return f"at line {source.first_line + loop.origin.lineno - 1}"


def _guard(gen, body: list, loop) -> list:
    """`body` with each call made for its effect (print, a warning, a log line) run only when
    no enclosing checkpointed loop is recomputing its step."""
    effects = {id(s.expr) for s in walk(loop.test_body + loop.body) if s.effect and isinstance(s.expr, ast.Expr)
               and not (isinstance(s.expr.value, ast.Call) and is_helper(s.expr.value.func, "check_unpack"))}
    if not effects:
        return body
    again = [ast.Attribute(_name(driver), "again", ast.Load()) for driver in gen.drivers]
    return _guarded(body, effects, again)


def _guarded(body: list, effects: set, again: list) -> list:
    out = []
    for statement in body:
        if id(statement) in effects:
            test = ast.UnaryOp(ast.Not(), again[0] if len(again) == 1 else ast.BoolOp(ast.Or(), again))
            out.append(ast.If(test, [statement], []))
            continue
        for field in ("body", "orelse"):
            if isinstance(statement, (ast.If, ast.For, ast.While)):
                setattr(statement, field, _guarded(getattr(statement, field), effects, again))
        out.append(statement)
    return out


def checked_count(checkpoints):
    """`checkpoints=` of grad, value_and_grad, vjp and source: None (no checkpointing) or a
    positive int, else a clear error.

    >>> checked_count(None), checked_count(3)
    (None, 3)
    >>> checked_count(0)
    Traceback (most recent call last):
    ...
    ValueError: checkpoints must be a positive number of kept loop states (1 or more), or None; got 0
    """
    if checkpoints is None:
        return None
    if isinstance(checkpoints, bool) or not isinstance(checkpoints, numbers.Integral):
        raise TypeError(f"checkpoints must be an int (how many loop states to keep at most) or None; "
                        f"got {checkpoints!r} of type {type(checkpoints).__name__}")
    if checkpoints < 1:
        raise ValueError(f"checkpoints must be a positive number of kept loop states (1 or more), or None; "
                         f"got {checkpoints}")
    return int(checkpoints)
