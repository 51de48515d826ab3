"""Step 0: what calling an object does, as a Python function adsct can read.

adsct reads a function's source.  Other callables are turned into one first, so that what is
differentiated is what calling the object does, never the body a decorator wrapped:

- a bound method `obj.method` stays as it is (parse.py and scope.py make `self` a constant);
- an instance of a class with `__call__` (a class-based decorator) is its bound `__call__`;
- `functools.partial(fn, a, p=2)` becomes a small generated function calling fn with the
  bound arguments, e.g. `def fn_partial(x): return fn(a, x, p)`;
- a `functools.lru_cache` object and other callables without Python source are refused.
"""

from __future__ import annotations

import functools
import inspect
import types
import weakref

from .. import ops
from ..errors import UnsupportedSyntaxError
from .astutil import fresh_name
from .parse import define

_FUNCTIONS = (types.FunctionType, types.MethodType)


def as_function(f):
    """f as a function or bound method whose source adsct reads (see the module's docstring).

    >>> import functools
    >>> def power(x, p):
    ...     return x ** p
    >>> print(inspect.getsource(as_function(functools.partial(power, p=3.0))), end="")
    def power_partial(x):
        return power(x, p)
    """
    if isinstance(f, _FUNCTIONS + (ops.Op,)):
        return f
    if isinstance(f, functools.partial):
        return _partial_function(f)
    wrapped = getattr(f, "__wrapped__", None)
    where = getattr(getattr(wrapped, "__code__", None), "co_filename", None)
    if type(f).__name__ == "_lru_cache_wrapper":
        raise UnsupportedSyntaxError(
            f"{getattr(f, '__name__', 'this function')} is a functools.lru_cache object, which adsct cannot read",
            where, None, None, None, "differentiate the function it caches: f.__wrapped__")
    call = getattr(type(f), "__call__", None)
    if isinstance(call, types.FunctionType):  # an object with a __call__ method: what calling it runs
        return types.MethodType(call, f)
    raise UnsupportedSyntaxError(f"adsct reads Python functions, and {type(f).__name__} object {f!r} is not one",
                                 where, None, None, None, "wrap it in a def, or use adoo")


_PARTIALS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _partial_function(f: functools.partial):
    """`def fn_partial(free...): return fn(bound and free arguments, in fn's order)`, once per partial."""
    if f in _PARTIALS:
        return _PARTIALS[f]
    fn = as_function(f.func)
    name = getattr(fn, "__name__", "f")
    parameters = list(inspect.signature(fn).parameters.values())
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters) \
            or not name.isidentifier():
        raise UnsupportedSyntaxError(f"functools.partial of {name!r}: only functions with plain positional "
                                     f"parameters can be differentiated through a partial",
                                     getattr(getattr(fn, "__code__", None), "co_filename", None))
    names = [p.name for p in parameters]
    unknown = set(f.keywords) - set(names[len(f.args):])
    remaining = names[len(f.args):]
    free = []
    for p in remaining:  # positional parameters of the partial: up to the first one bound by keyword
        if p in f.keywords:
            break
        free.append(p)
    keyword_only = [p for p in remaining[len(free):] if p not in f.keywords]
    if unknown or keyword_only or len(f.args) > len(names):
        raise UnsupportedSyntaxError(
            f"functools.partial of {name!r} binds {sorted(unknown) or 'too many arguments'} or leaves "
            f"{keyword_only} to be passed by keyword; adsct differentiates positional arguments",
            getattr(getattr(fn, "__code__", None), "co_filename", None))
    taken = set(names)
    callee = fresh_name(name, taken)
    bound = dict(zip(names, f.args), **f.keywords)
    text = (f"def {name}_partial({', '.join(free)}):\n"
            f"    return {callee}({', '.join(names)})\n")
    function = define(text, f"{name}_partial", {callee: fn, **bound}, _generated_filename(name))
    _PARTIALS[f] = function
    return function


def _generated_filename(name: str) -> str:
    from .emit import generated_filename  # (emit imports codegen, which imports anf, which imports this module)
    return generated_filename(f"partial of {name}")
