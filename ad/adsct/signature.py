"""Step 3a: which value each parameter of a function takes at a call, by Python's rules.

Accepts a function's `ast.arguments` (positional-only, ordinary, `*args`, keyword-only and
`**kwargs` parameters), its default values, and a call's positional and keyword values (any
objects: the normaliser passes normalised expressions and pytrees).

Guarantees to the normaliser: every parameter is bound exactly once, in the order the
function declares them, to the caller's value, to a `Default`, to a tuple of the extra
positional values (`*args`) or to a dict of the extra keyword values (`**kwargs`); or a
TypeError worded as Python words it, naming the user's function.

>>> import ast
>>> arguments = ast.parse("def f(x, k=1.0, *rest, scale, **options): pass").body[0].args
>>> bound = bind("f", arguments, {"k": Default(1.0)}, ["x0", "x1", "x2"], {"scale": "s"})
>>> bound
{'x': 'x0', 'k': 'x1', 'rest': ('x2',), 'scale': 's', 'options': {}}
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass
class Default:
    """A parameter's default value: what the function object holds (a global function's
    `__defaults__`), or a normalised expression (a local def's defaults, evaluated where the
    def statement runs)."""

    value: object


def positional_names(arguments: ast.arguments) -> list:
    """The names of the parameters a positional argument can fill, in order.

    >>> positional_names(ast.parse("def f(a, /, b, *c, d): pass").body[0].args)
    ['a', 'b']
    """
    return [a.arg for a in arguments.posonlyargs + arguments.args]


def runtime_defaults(arguments: ast.arguments, defaults, kwdefaults) -> dict:
    """{parameter: Default} from a function object's `__defaults__` and `__kwdefaults__`
    (positional defaults belong to the last positional parameters).

    >>> runtime_defaults(ast.parse("def f(x, k=2.0, *, s=3): pass").body[0].args, (2.0,), {"s": 3})
    {'k': Default(value=2.0), 's': Default(value=3)}
    """
    names = positional_names(arguments)
    defaults = tuple(defaults or ())
    found = {name: Default(value) for name, value in zip(names[len(names) - len(defaults):], defaults)}
    found.update({name: Default(value) for name, value in (kwdefaults or {}).items()})
    return found


def bind(name: str, arguments: ast.arguments, defaults: dict, positional: list, keywords: dict) -> dict:
    """{parameter: value} for a call of the function `name` (see the module's docstring).

    >>> arguments = ast.parse("def g(t, k=1.0): pass").body[0].args
    >>> bind("g", arguments, {"k": Default(1.0)}, [], {"t": "x", "k": "y"})
    {'t': 'x', 'k': 'y'}
    >>> bind("g", arguments, {"k": Default(1.0)}, ["x", "y", "z"], {})
    Traceback (most recent call last):
    ...
    TypeError: g() takes from 1 to 2 positional arguments but 3 were given
    """
    names = positional_names(arguments)
    only_positional = {a.arg for a in arguments.posonlyargs}
    keyword_only = [a.arg for a in arguments.kwonlyargs]
    star, stars = arguments.vararg, arguments.kwarg
    bound: dict = dict(zip(names, positional))
    extra_positional = tuple(positional[len(names):])
    if extra_positional and star is None:
        required = sum(1 for n in names if n not in defaults)
        takes = f"{len(names)}" if required == len(names) else f"from {required} to {len(names)}"
        raise TypeError(f"{name}() takes {takes} positional argument{'s' * (len(names) != 1)} "
                        f"but {len(positional)} {'was' if len(positional) == 1 else 'were'} given")
    extra_keywords: dict = {}
    for key, value in keywords.items():
        if key in bound and key in names:
            raise TypeError(f"{name}() got multiple values for argument {key!r}")
        if (key in names and key not in only_positional) or key in keyword_only:
            bound[key] = value
        elif stars is not None:
            extra_keywords[key] = value
        else:
            raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
    missing = [n for n in names + keyword_only if n not in bound and n not in defaults]
    if missing:
        kind = "keyword-only " if all(n in keyword_only for n in missing) else ""
        listed = " and ".join(f"{n!r}" for n in missing)
        raise TypeError(f"{name}() missing {len(missing)} required {kind}argument{'s' * (len(missing) > 1)}: {listed}")
    result = {}
    for n in names:
        result[n] = bound[n] if n in bound else defaults[n]
    if star is not None:
        result[star.arg] = extra_positional
    for n in keyword_only:
        result[n] = bound[n] if n in bound else defaults[n]
    if stars is not None:
        result[stars.arg] = extra_keywords
    return result


def required_positional(arguments: ast.arguments, defaults: dict) -> int:
    """How many positional arguments a call must pass at least: the number adsct assumes
    when it is not told how f will be called (`adsct.source(f)`).

    >>> required_positional(ast.parse("def f(x, y, k=1.0, *rest): pass").body[0].args, {"k": Default(1.0)})
    2
    """
    return sum(1 for n in positional_names(arguments) if n not in defaults)
