"""Step 3c: parameters at the entry of f, and calls of user functions inlined.

Accepts the function being normalised (its parameters may have defaults, be keyword-only,
or collect `*args` and `**kwargs`), and calls of user functions: a Python function or bound
method of the user's, a local def or lambda, a `functools.partial` of one (local_functions.py),
called with positional, keyword, `*tuple` and `**dict` arguments.

Guarantees to the normaliser: at the entry, one generated parameter per argument the caller
passes (a `*args` parameter is the tuple of the extra ones); a parameter the caller leaves
out holds its default from a plain statement (`scale = 2.0`).  At a call, the callee's body is
normalised in place by a child normaliser, each parameter bound by Python's rules
(signature.py) to the caller's value, its default or the tuple/dict of extra arguments; the
call's value is returned.  A recursive call is kept as a call (recursion.py); a
wrong number of arguments raises Python's TypeError, naming the user's function, at the
call's line.

>>> from ad.adsct import source
>>> text = "def f(x, scale=2.0):\\n    return x * scale\\n"
>>> exec(text)
>>> [line.strip() for line in source(f, source=text).splitlines()[3:6]]
['# line 1: def f(x, scale=2.0):', 'scale = 2.0', '# line 2: return x * scale']
"""

from __future__ import annotations

import ast
import re

from . import recursion
from .astutil import fresh_name
from .local_functions import LocalFunction, free_names, is_function_value, refuse_as_value, without_partials
from .parse import Parsed, parse_function
from .scope import Namespace
from .signature import Default, bind, positional_names, required_positional, runtime_defaults


# -- the entry of f ---------------------------------------------------------------------------------

def _defaults_of(namespace, arguments: ast.arguments) -> dict:
    definition = getattr(namespace, "definition", None)
    return runtime_defaults(arguments, *definition[1:]) if definition is not None else {}


def entry_slots(normaliser, fn: ast.FunctionDef, n_args) -> list:
    """The base name of each argument f is called with: its parameter's name, or `args_0`,
    `args_1`, ... for the extra arguments a `*args` parameter collects.  `n_args` None: the
    parameters without defaults (what `adsct.source(f)` shows)."""
    arguments = fn.args
    defaults = _defaults_of(normaliser.namespace, arguments)
    if n_args is None:
        n_args = required_positional(arguments, defaults)
    names = positional_names(arguments)
    if n_args > len(names) and arguments.vararg is None:
        bind(fn.name, arguments, defaults, list(range(n_args)), {})  # (raises Python's TypeError)
    star = arguments.vararg.arg if arguments.vararg is not None else None
    return names[:n_args] + [fresh_name(f"{star}_{j}", normaliser.taken) for j in range(n_args - len(names))]


def bind_entry(normaliser, fn: ast.FunctionDef, values: list) -> None:
    """Bind f's parameters to the values of its arguments (names or pytrees of names)."""
    arguments = fn.args
    bound = bind(fn.name, arguments, _defaults_of(normaliser.namespace, arguments), values, {})
    for name, value in bound.items():
        value = argument_value(normaliser, value, name, fn)
        if isinstance(value, ast.Name) and value.id == name:
            normaliser.versions[name] = name
        elif isinstance(value, normaliser.structured):
            normaliser.versions[name] = value
        else:  # a default: `scale = 2.0`
            normaliser.body.append(normaliser.statement_class(normaliser.bind_name(name), None, expr=value,
                                                              origin=fn, source=normaliser.parsed))


def argument_value(normaliser, value, name: str, node):
    """A bound value as the normaliser holds values: a name, a constant, a pytree or a function."""
    structured = normaliser.structured
    if isinstance(value, Default):
        return value.value if isinstance(value.value, ast.AST) else constant(normaliser, value.value, name)
    if isinstance(value, (tuple, dict)):  # what *args and **kwargs collect
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            if is_function_value(item):
                refuse_as_value(normaliser, item, node)
        leaves = [v.value if isinstance(v, structured) else v if isinstance(v, ast.Name) else normaliser.plain(v)
                  for v in items]
        return structured(dict(zip(value, leaves)) if isinstance(value, dict) else tuple(leaves))
    return value


def constant(normaliser, value, name: str) -> ast.expr:
    """A default value in generated code: written out where it is a number, string, None or a
    tuple of those, else passed in under a name of its own."""
    if type(value) in (bool, int, float, str, type(None)):
        return ast.Constant(value)
    if type(value) is tuple and all(type(v) in (bool, int, float, str, type(None)) for v in value):
        return ast.Tuple([ast.Constant(v) for v in value], ast.Load())
    return ast.Name(normaliser.root.inject(f"{name}_default", value), ast.Load())


# -- calls of user functions ------------------------------------------------------------------------

def call_arguments(normaliser, node: ast.Call) -> tuple:
    """The call's positional and keyword values, normalised in the order Python evaluates
    them; `*t` and `**d` of a tuple or dict whose items are known are spread out."""
    structured = normaliser.structured
    positional, keywords = [], {}
    for a in node.args:
        if not isinstance(a, ast.Starred):
            positional.append(normaliser.expr(a))
            continue
        value = normaliser.expr(a.value)
        if not isinstance(value, structured) or isinstance(value.value, dict):
            raise normaliser.parsed.error(a, "*arguments in a call of a function of yours need a tuple or list "
                                          "whose length adsct knows", "pass the arguments one by one")
        positional += value.items()
    for k in node.keywords:
        if k.arg is not None:
            keywords[k.arg] = normaliser.expr(k.value)
            continue
        value = normaliser.expr(k.value)
        if not isinstance(value, structured) or not isinstance(value.value, dict):
            raise normaliser.parsed.error(k.value, "**arguments in a call of a function of yours need a dict "
                                          "whose keys adsct knows", "pass the arguments by keyword one by one")
        for key, item in zip(value.value, value.items()):
            if key in keywords:
                raise normaliser.parsed.error(node, f"the call gets several values for the keyword argument {key!r}")
            keywords[key] = item
    return positional, keywords


def inline(normaliser, callee, node: ast.Call):
    """A call to a user function (a Python function or method, a LocalFunction or a Partial):
    its body, normalised in place with its own names; returns the call's value."""
    return inline_values(normaliser, callee, *call_arguments(normaliser, node), node)


def inline_values(normaliser, callee, positional: list, keywords: dict, node: ast.Call):
    """`inline` of a call whose argument values are normalised already."""
    callee, positional, keywords, _ = without_partials(callee, positional, keywords)
    name = callee.name if isinstance(callee, LocalFunction) else callee.__name__
    if is_recursive(normaliser, callee):  # the call is kept, its derivative the callee's own generated code
        return recursion.recursive_call(normaliser, callee, name, node, positional, keywords)
    if isinstance(callee, LocalFunction):
        outer = callee.enclosing.parsed
        parsed = Parsed(callee.node, outer.filename, outer.first_line, outer.lines)
        namespace, defaults = callee.enclosing.namespace, callee.defaults
    else:
        parsed = parse_function(callee)
        namespace = Namespace(callee)
        defaults = _defaults_of(namespace, parsed.node.args)
    try:
        bound = bind(name, parsed.node.args, defaults, positional, keywords)
    except TypeError as error:
        raise normaliser.parsed.error(node, str(error)) from None
    child = type(normaliser)(parsed, namespace, normaliser, prefix=re.sub(r"\W", "", name) + "_")
    assigned = {n.id for n in ast.walk(parsed.node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for local in sorted(assigned | set(bound)):  # a callee's local keeps its name where it is free
        chosen = local if local not in normaliser.taken else fresh_name(child.prefix + local, normaliser.taken)
        normaliser.taken.add(chosen)
        child.local_names[local] = chosen
    child.taken.update(n.id for n in ast.walk(parsed.node) if isinstance(n, ast.Name) and n.id not in bound)
    child.origin = normaliser.origin
    if isinstance(callee, LocalFunction):  # a closure: the enclosing function's variables as they are now
        enclosing = callee.enclosing.versions
        for free in free_names(parsed.node) - assigned:
            if free in enclosing:
                child.versions[free] = enclosing[free]
    for param, value in bound.items():
        value = argument_value(normaliser, value, param, node)
        if is_function_value(value) or isinstance(value, normaliser.structured) \
                or (isinstance(value, ast.Name) and param not in assigned):
            child.versions[param] = value.id if isinstance(value, ast.Name) else value  # another name for it
            continue
        normaliser.body.append(normaliser.statement_class(child.bind_name(param), None, expr=value,
                                                          origin=normaliser.origin, source=normaliser.parsed))
    root = normaliser.root
    root.inlining.append(callee)
    if not isinstance(callee, LocalFunction):
        root.callees.append(callee)
    try:
        return child.function_body(parsed.node)
    finally:
        root.inlining.pop()


def is_recursive(normaliser, callee) -> bool:
    """Whether `callee` is being inlined already (f itself included): a recursive call,
    which recursion.py keeps as a call instead of inlining it forever."""
    root = normaliser.root
    callee_function = getattr(callee, "__func__", callee)
    return any(c is callee or c is callee_function for c in [root.namespace.function] + root.inlining)
