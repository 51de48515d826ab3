"""Step 3b: functions made inside f: nested `def`, lambdas and `functools.partial`.

Accepts a `def` statement, a lambda expression or a `functools.partial(g, ...)` call met while
normalising f.  Guarantees: the name is bound to a *function value* (a `LocalFunction` or a
`Partial`) that the normaliser keeps in its table of names, like a tuple; a call of it is
inlined at the call (inlining.py), so the generated code holds no function objects and needs
no closures.  A closure reads the variables of the function it was defined in as they are
when it is called (Python's late binding): the inlined body sees the caller's current
versions of those names.  A function value used as anything else than a callee or an
argument of a user function is refused.

>>> import ast
>>> node = ast.parse("def g(t):\\n    return a * t + b\\n").body[0]
>>> sorted(free_names(node))
['a', 'b']
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field

from .signature import Default


@dataclass(eq=False)
class LocalFunction:
    """A `def` or lambda inside the function being normalised."""

    node: ast.FunctionDef  # a lambda becomes `def <lambda>(...): return <body>`
    enclosing: object  # the Normaliser whose variables the body reads (its closure)
    defaults: dict = field(default_factory=dict)  # parameter -> Default(normalised expression)

    @property
    def name(self) -> str:
        return self.node.name


@dataclass(eq=False)
class Partial:
    """`functools.partial(function, *args, **keywords)` made inside f, with its arguments
    evaluated where the partial was made (as Python does)."""

    function: object  # a user's Python function, a LocalFunction or another Partial
    args: list
    keywords: dict

    @property
    def name(self) -> str:
        return f"functools.partial of {getattr(self.function, 'name', getattr(self.function, '__name__', '?'))}"


@dataclass(eq=False)
class Transformed:
    """`grad(g, argnums)` or `value_and_grad(g, argnums)` made inside f (nesting.py)."""

    kind: str
    function: object  # a LocalFunction, a Partial or a user's Python function
    argnums: object  # an int or a tuple of ints, as JAX reads them

    @property
    def name(self) -> str:
        return f"{self.kind} of {getattr(self.function, 'name', getattr(self.function, '__name__', '?'))}"


FUNCTION_VALUES = (LocalFunction, Partial, Transformed)


def without_partials(function, positional: list, keywords: dict) -> tuple:
    """(the function a chain of partials calls, its positional and keyword values, how many
    leading positional ones the partials fill): the partials' arguments first, the call's
    keywords winning.  A `functools.partial` object of the user's (a global) counts as well:
    its arguments are values, which the normaliser passes in as defaults are.

    >>> without_partials(Partial(Partial("g", ["a"], {}), ["b"], {"k": "c"}), ["x"], {"k": "d"})
    ('g', ['a', 'b', 'x'], {'k': 'd'}, 2)
    """
    filled = 0
    while isinstance(function, (Partial, functools.partial)):
        if isinstance(function, functools.partial):
            function = Partial(function.func, [Default(a) for a in function.args],
                               {k: Default(v) for k, v in function.keywords.items()})
        positional, keywords = list(function.args) + list(positional), {**function.keywords, **keywords}
        filled += len(function.args)
        function = function.function
    return function, positional, keywords, filled


def is_function_value(value) -> bool:
    return isinstance(value, FUNCTION_VALUES)


def free_names(node: ast.FunctionDef) -> set:
    """The names a function's body reads that are neither its parameters nor assigned in
    it: those of the enclosing function (or globals)."""
    a = node.args
    params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
    params |= {p.arg for p in (a.vararg, a.kwarg) if p is not None}
    loads, stores = set(), set()
    for statement in node.body:
        for n in ast.walk(statement):
            if isinstance(n, ast.Name):
                (stores if isinstance(n.ctx, (ast.Store, ast.Del)) else loads).add(n.id)
            elif isinstance(n, ast.FunctionDef):  # (a def inside it binds its name)
                stores.add(n.name)
    return loads - stores - params


def define(normaliser, node: ast.FunctionDef) -> None:
    """`def g(...): ...` inside f: g names a LocalFunction from here on."""
    parsed = normaliser.parsed
    if node.decorator_list:
        raise parsed.error(node, f"a decorated local function ({node.name})",
                           "define the decorated function at module level, or call the decorator's result "
                           "from there")
    for n in ast.walk(node):
        if isinstance(n, (ast.Nonlocal, ast.Global)):
            raise parsed.error(n, f"a `{'nonlocal' if isinstance(n, ast.Nonlocal) else 'global'}` statement in "
                               f"the local function {node.name}", "return the new value from the function instead")
        if isinstance(n, (ast.Yield, ast.YieldFrom, ast.AsyncFunctionDef, ast.Await)):
            raise parsed.error(n, f"a generator or async local function ({node.name})")
    bind(normaliser, node.name, LocalFunction(node, normaliser, _defaults(normaliser, node.args)), node)


def from_lambda(normaliser, node: ast.Lambda) -> LocalFunction:
    """A lambda expression as a LocalFunction (its defaults evaluated now)."""
    body = ast.Return(node.body, lineno=node.lineno, col_offset=node.col_offset)
    definition = ast.FunctionDef(name="lambda", args=node.args, body=[body], decorator_list=[], returns=None,
                                 lineno=node.lineno, col_offset=node.col_offset)
    return LocalFunction(definition, normaliser, _defaults(normaliser, node.args))


def _defaults(normaliser, arguments: ast.arguments) -> dict:
    """Default values, evaluated where the def or lambda is (a local value is copied, so that
    rebinding the variable later does not change the default)."""
    names = [a.arg for a in arguments.posonlyargs + arguments.args]
    pairs = list(zip(names[len(names) - len(arguments.defaults):], arguments.defaults))
    pairs += [(a.arg, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
    defaults = {}
    for name, expression in pairs:
        value = normaliser.expr(expression)
        if isinstance(value, ast.Name) and normaliser.mentions_locals(expression):
            value = normaliser.plain(value)
        defaults[name] = Default(value)
    return defaults


def bind(normaliser, name: str, value, node) -> None:
    """`name = <function value>`.  Inside a branch or loop, which function the name holds
    after it would depend on the path taken: refused."""
    if normaliser.depth:
        raise normaliser.parsed.error(node, f"a local function ({name}) defined inside a branch or loop",
                                      "define it before the if, for or while statement")
    normaliser.versions[name] = value


def partial_of(normaliser, node: ast.Call, target, inlinable):
    """`functools.partial(g, ...)` inside f as a Partial, or None when `target` is not
    functools.partial or g is not a function adsct inlines (`inlinable(g)` tells for globals)."""
    if target is not functools.partial or not node.args:
        return None
    function = normaliser.expr(node.args[0]) if normaliser.mentions_locals(node.args[0]) \
        or isinstance(node.args[0], ast.Lambda) else normaliser.resolve(node.args[0])
    if not (is_function_value(function) or inlinable(function)):
        return None
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        raise normaliser.parsed.error(node, "functools.partial with *args or **kwargs inside the function",
                                      "pass the arguments one by one")
    args = [normaliser.expr(a) for a in node.args[1:]]
    keywords = {k.arg: normaliser.expr(k.value) for k in node.keywords}
    return Partial(function, args, keywords)


def called_function(normaliser, func: ast.expr):
    """The function value a call's function expression gives (a lambda, a name bound to a local
    function or partial, a call returning one), or None for names of globals and methods."""
    if isinstance(func, ast.Name) and is_function_value(normaliser.versions.get(func.id)):
        return normaliser.versions[func.id]
    if isinstance(func, ast.Lambda):
        return from_lambda(normaliser, func)
    if isinstance(func, (ast.Call, ast.Subscript, ast.IfExp, ast.BoolOp)):
        value = normaliser.expr(func)
        if not is_function_value(value):
            raise normaliser.parsed.error(func, f"calling the value of {ast.unparse(func)}, which adsct does not "
                                          f"know as a function here",
                                          "call a function by its name: a global or local def, or a lambda or "
                                          "functools.partial assigned to a name")
        return value
    return None


def refuse_as_value(normaliser, value, node) -> None:
    """A function value where a number or an array is needed."""
    raise normaliser.parsed.error(
        node, f"the local function {value.name} is used as a value here",
        "call it, or pass it to one of your own functions; adsct inlines those calls (NumPy functions and "
        "builtins such as map or sorted cannot take it)")
