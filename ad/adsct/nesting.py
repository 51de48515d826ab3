"""Step 3e: transforms called inside f (nesting): `grad(g)(y)`, `value_and_grad(g)(y)`,
`jvp(g, primals, tangents)`, `jacobian(g)(y)` (jacfwd, jacrev) and `hessian(g)(y)`.

Accepts a call of one of ad's public transforms (`ad.grad` and any strategy's own: the
derivative is the same function whichever strategy computes it) whose function is one adsct
reads: a def or lambda inside f, a `functools.partial` of one, or a function of the user's.
Guarantees: `grad(g, argnums)` (and the other transforms returning a function) is a function
value (`Transformed`), kept in the table of names like a local def.  Calling it, or calling
`jvp`, *lifts* g — g with every parameter positional and the variables it reads from f made
parameters of their own — has the pipeline write the lifted function's derivative code
(through the resolver it gives the normaliser; a Jacobian is a loop of forward-mode columns),
and inlines that code at the call with f's current values of those variables.  The outer
transform then differentiates the inner derivative's statements like any others, so the two
levels of differentiation cannot be mixed up: d/dx [x * d/dy (x * y)] is 2x, not x.

>>> from ad import adsct
>>> def f(x):
...     return x * adsct.grad(lambda y: x * y)(2.0)
>>> adsct.grad(f)(3.0)
6.0
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from ..errors import NotDifferentiableError, UnsupportedSyntaxError
from .inlining import argument_value, inline_values
from .local_functions import LocalFunction, Transformed, free_names, from_lambda, is_function_value, without_partials
from .parse import Parsed, parse_function, registered_source
from .scope import Namespace
from .signature import bind, runtime_defaults

_WRITTEN_AS_CODE = ("grad", "value_and_grad", "jvp", "jacobian", "jacfwd", "jacrev", "hessian")
_OPTIONS = {"jvp": ("f", "primals", "tangents"), "jacobian": ("f", "argnums", "mode")}  # (by position)
_STRATEGIES = (None, "adsct", "adoo", "adlib")  # (exact strategies: the same derivative as adsct's code)


@dataclass(eq=False)
class Lifted:
    """A function lifted out of f for the pipeline: its definition with every parameter
    positional (`params`) and no defaults, read in `namespace`."""

    parsed: Parsed
    namespace: Namespace
    params: list

    @property
    def __name__(self) -> str:
        return self.parsed.node.name

    @classmethod
    def of_code(cls, code, params: list) -> "Lifted":
        """Derivative code adsct wrote (a stand-in calling it), to be differentiated in turn."""
        return cls(parse_function(code), Namespace(code).for_inner_function(), params)


def transform_call(normaliser, node: ast.Call, target):
    """The value of `node`, a call of `target`, where `target` is one of ad's transforms: a
    Transformed, or jvp's (value, tangent); None for any other call."""
    kind = getattr(target, "__ad_transform__", None)
    if kind is None:
        return None
    parsed = normaliser.parsed
    if kind not in _WRITTEN_AS_CODE:
        raise parsed.error(node, f"{kind}(...) is called inside a function adsct transforms",
                           "inside the function, adsct writes code for grad, value_and_grad and jvp; take the "
                           f"{kind} outside it, or transform with ad.adoo")
    options = {k.arg: k.value for k in node.keywords}
    names = _OPTIONS.get(kind, ("f", "argnums", "has_aux"))
    if any(isinstance(a, ast.Starred) for a in node.args) or None in options:
        raise parsed.error(node, f"{kind}(...) with *-unpacked or **-unpacked arguments inside the function",
                           "pass the arguments one by one")
    options.update(zip(names, node.args))
    _check_options(normaliser, node, kind, options)
    if "f" not in options:
        raise parsed.error(node, f"{kind}(...) needs the function to differentiate")
    function = _function_value(normaliser, options["f"])
    if kind != "jvp":
        return Transformed(kind, function, _literal(normaliser, options.get("argnums"), 0, "argnums"))
    primals, tangents = (_items(normaliser, options.get(k), k) for k in ("primals", "tangents"))
    if len(primals) != len(tangents):
        raise parsed.error(node, f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    return _jvp_call(normaliser, function, primals, tangents, node)


def call_transformed(normaliser, transformed: Transformed, positional: list, keywords: dict, node: ast.Call):
    """The value of `grad(g, argnums)(*positional, **keywords)` (or value_and_grad's)."""
    if keywords:  # (as the derivative functions themselves: they take their arguments by position)
        raise normaliser.parsed.error(node, f"{transformed.name} is called with keyword arguments "
                                      f"({', '.join(keywords)})", "pass them by position, as grad(g)(x, c)")
    code, params, values, _ = _code_for(normaliser, transformed, positional, keywords, node)
    return _inline(normaliser, code, params, values, (), node)


def _jvp_call(normaliser, function, primals, tangents, node):
    """jvp's (value, tangent): the lifted function's forward code, inlined."""
    lifted, offset, values = _lift(normaliser, function, primals, {}, node)
    code = _resolved(normaliser, lifted, "jvp", tuple(offset + k for k in range(len(primals))), True, node)
    return _inline(normaliser, code, lifted.params, values, tangents, node)


def _code_for(normaliser, transformed: Transformed, positional: list, keywords: dict, node):
    """(the code grad(g) runs, its parameters, their values at this call, how many leading
    parameters partials fill): g's lifted function and its derivative code, written by the
    resolver the pipeline gave."""
    argnums = transformed.argnums
    selected = argnums if isinstance(argnums, tuple) else (argnums,)
    for k in selected:
        if not isinstance(k, int) or not -len(positional) <= k < len(positional):
            raise normaliser.parsed.error(node, f"{transformed.name}: argnums {argnums!r} does not select among the "
                                          f"{len(positional)} positional arguments of the call")
    if transformed.kind in ("jacobian", "jacfwd", "jacrev", "hessian") and isinstance(argnums, tuple):
        raise normaliser.parsed.error(node, f"{transformed.name} with a tuple of argnums inside a function being "
                                      "transformed", "take one argument's Jacobian at a time there")
    lifted, offset, values = _lift(normaliser, transformed.function, positional, keywords, node)
    chosen = tuple(offset + k % len(positional) for k in selected)
    code = _resolved(normaliser, lifted, transformed.kind, chosen, not isinstance(argnums, tuple), node)
    return code, lifted.params, values, offset


def _resolved(normaliser, lifted, kind, chosen, single, node):
    resolver = normaliser.root.derivative
    try:
        code = None if resolver is None else resolver(lifted, kind, chosen, single)
    except (UnsupportedSyntaxError, NotDifferentiableError) as error:
        if registered_source(getattr(error, "filename", None) or "") is None and str(error).startswith(lifted.parsed.filename):
            raise  # (it names the user's own line already)
        raise normaliser.parsed.error(node, f"adsct cannot write the {kind} taken here as code: {error}",
                                      "take the derivative outside the function, or transform it with ad.adoo",
                                      kind=type(error) if isinstance(error, UnsupportedSyntaxError) else
                                      UnsupportedSyntaxError) from error
    if code is None:
        raise normaliser.parsed.error(node, f"a {kind} adsct cannot write as code inside a function being transformed",
                                      "take the derivative outside the function, or transform it with ad.adoo")
    return code


def _inline(normaliser, code, params, values, tangents, node):
    """A call of derivative code (the lifted parameters, then jvp's tangents), inlined."""
    arguments = [_argument(normaliser, v, p, node) for v, p in zip(values, params)]
    arguments += [_argument(normaliser, t, "tangent", node) for t in tangents]
    return inline_values(normaliser, code, arguments, {}, node)


def _lift(normaliser, function, positional, keywords, node):
    """(Lifted, how many leading parameters partials fill, the value of every lifted parameter)."""
    parsed = normaliser.parsed
    function, positional, keywords, offset = without_partials(function, positional, keywords)
    if isinstance(function, Transformed):  # grad(grad(g)) inside f: the inner one's code, lifted in turn
        code, params, values, filled = _code_for(normaliser, function, positional, keywords, node)
        return Lifted.of_code(code, params), offset + filled, values
    if isinstance(function, LocalFunction):
        outer = function.enclosing.parsed
        source = Parsed(function.node, outer.filename, outer.first_line, outer.lines)
        namespace, defaults, enclosing = function.enclosing.namespace, function.defaults, function.enclosing.versions
        name = "lambda_" if function.node.name == "lambda" else function.node.name
    else:
        try:
            source = parse_function(function)
        except UnsupportedSyntaxError as error:  # (a NumPy function, a callable object: no source to read)
            raise parsed.error(node, f"a derivative of {getattr(function, '__name__', type(function).__name__)} "
                               f"inside the function being transformed: {error.msg}",
                               "differentiate a function of yours (def or lambda) there") from None
        namespace, enclosing, name = Namespace(function), {}, source.node.name
        defaults = runtime_defaults(source.node.args, function.__defaults__, function.__kwdefaults__) \
            if hasattr(function, "__defaults__") else {}
    arguments = source.node.args
    if arguments.vararg is not None or arguments.kwarg is not None:
        raise parsed.error(node, f"a derivative of {name}, which takes *args or **kwargs, inside the function "
                           f"being transformed", "give it one parameter per argument")
    try:
        bound = bind(name, arguments, defaults, list(positional), keywords)
    except TypeError as error:
        raise parsed.error(node, str(error)) from None
    free = sorted(n for n in free_names(source.node) - set(bound) if n in enclosing)
    for n in free:
        if is_function_value(enclosing[n]) or isinstance(enclosing[n], normaliser.structured):
            raise parsed.error(node, f"a derivative of {name}, which reads the local function, tuple, list or dict "
                               f"{n} of the function being transformed", f"pass {n} to it as an argument")
    definition = copy.deepcopy(source.node)
    params = list(bound) + free
    definition.name, definition.decorator_list = name, []
    definition.args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None, kwonlyargs=[],
                                    kw_defaults=[], kwarg=None, defaults=[])
    lifted = Lifted(Parsed(definition, source.filename, source.first_line, source.lines),
                    namespace.for_inner_function(), params)
    values = [bound[p] for p in bound] + [ast.Name(enclosing[n], ast.Load()) for n in free]  # (their versions)
    return lifted, offset, values


def _argument(normaliser, value, param: str, node):
    """A lifted parameter's value as inlining binds it: a name or a constant (a default too)."""
    value = argument_value(normaliser, value, param, node)
    if is_function_value(value) or isinstance(value, normaliser.structured):
        raise normaliser.parsed.error(node, "a function, tuple, list or dict passed to a function differentiated "
                                      "inside the function being transformed", "pass arrays and numbers")
    return value


def _function_value(normaliser, expression):
    """The function a transform is given: a lambda, a local def or partial, or a user's function."""
    if isinstance(expression, ast.Lambda):
        return from_lambda(normaliser, expression)
    if isinstance(expression, (ast.Name, ast.Attribute)) and not normaliser.mentions_locals(expression):
        return normaliser.resolve(expression)  # a function of the user's
    return normaliser.expr(expression)  # a local def, functools.partial(...), grad(...)


def _check_options(normaliser, node, kind, options) -> None:
    strategy = options.pop("strategy", None)
    strategy = None if strategy is None else _literal(normaliser, strategy, None, "strategy")
    if strategy not in _STRATEGIES:
        raise normaliser.parsed.error(node, f"{kind}(..., strategy={strategy!r}) inside a function adsct transforms",
                                      "adsct writes exact derivative code there: leave strategy out")
    options.pop("source", None)  # (adsct reads the function where it is defined)
    for option in ("has_aux", "checkpoints"):
        if option in options and _literal(normaliser, options.pop(option), None, option) not in (None, False):
            raise normaliser.parsed.error(node, f"{kind}(..., {option}=...) inside a function adsct transforms",
                                          f"take the {kind} outside the function, or leave {option} out")
    mode = _literal(normaliser, options.pop("mode"), None, "mode") if "mode" in options else "reverse"
    if mode not in ("reverse", "forward"):
        raise normaliser.parsed.error(node, f"{kind}: mode must be 'reverse' or 'forward', got {mode!r}")
    unknown = set(options) - {"f", "argnums", "primals", "tangents"}
    if unknown:
        raise normaliser.parsed.error(node, f"{kind}() got an unexpected keyword argument {sorted(unknown)[0]!r}")


def _literal(normaliser, expression, default, what: str):
    if expression is None:
        return default
    if isinstance(expression, ast.Name) and expression.id not in normaliser.versions \
            and expression.id in normaliser.namespace:  # a global or closure constant (STRATEGY = "adoo")
        return normaliser.namespace[expression.id]
    try:
        return ast.literal_eval(expression)
    except ValueError:
        raise normaliser.parsed.error(expression, f"{what} must be written out as a constant here",
                                      "adsct decides what to differentiate when it writes the code") from None


def _items(normaliser, expression, what: str) -> list:
    """The values in jvp's primals or tangents: a tuple or list whose length adsct knows."""
    value = None if expression is None else normaliser.expr(expression)
    if not isinstance(value, normaliser.structured) or isinstance(value.value, dict):
        raise normaliser.parsed.error(expression, f"jvp's {what} must be a tuple or list written out here",
                                      "write jvp(g, (x,), (dx,))")
    return value.items()
