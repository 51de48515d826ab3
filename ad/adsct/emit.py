"""Steps 6 and 7: print the generated function with astor, then compile it.

Generated code gets a file name of its own, registered with `linecache` (no temporary file
is written), so tracebacks show its lines and `inspect` can read it back.  The text depends
only on the function and the request, so it is byte-identical from run to run.
"""

from __future__ import annotations

import ast
import itertools
import math
import re

import astor
import numpy as np

from .. import ops
from ..derived import zeros_like  # a derivative that does not depend on the inputs
from .codegen import COMMENT
from .parse import define

_COUNTER = itertools.count(1)


def to_source(function: ast.FunctionDef) -> str:
    """The function's text, with comment markers turned into comments.

    >>> import ast
    >>> print(to_source(ast.parse("def f(x):\\n    __ad_comment__hello\\n    return x").body[0]), end="")
    def f(x):
        # hello
        return x
    """
    text = astor.to_source(function)
    return re.sub(rf"^(\s*){COMMENT}(.*)$", r"\1# \2", text, flags=re.M)


def vjp_rule(name, i, g, out, *inputs, **params):
    """A VJP rule applied through the registry (for rules written as functions)."""
    op = ops.get(name)
    return op.cotangents(g, out, inputs, params, [j == i for j in range(len(inputs))])[i]


def jvp_rule(name, i, t, out, *inputs, **params):
    """A JVP rule applied through the registry (for rules written as functions)."""
    op = ops.get(name)
    return op.tangent([t if j == i else None for j in range(len(inputs))], out, inputs, params)


def number_for_math(value, function: str):
    """Refuse what `math` refuses: `function` (math.sin, ...) computed `value` elementwise from
    an array of more than one number, where math itself raises TypeError.

    >>> number_for_math(np.array([1.0, 2.0]), "math.sin")
    Traceback (most recent call last):
    TypeError: math.sin takes a number, got an array of shape (2,)
    """
    shape = ops.shape_of(value)
    if math.prod(shape) > 1:
        raise TypeError(f"{function} takes a number, got an array of shape {shape}")


# The broadcasting helpers are registry ops, so generated code is itself differentiable (by
# adsct again, or by running it on adoo's values): `broadcast_like` is `unbroadcast` read the
# other way (both make a value the shape of another).
HELPERS = {"ops": ops, "math": math, "cotangent_of": ops.cotangent_of, "unbroadcast": ops.unbroadcast,
           "broadcast_like": ops.unbroadcast, "zeros_like": zeros_like, "vjp_rule": vjp_rule, "jvp_rule": jvp_rule,
           "number_for_math": number_for_math}


def compile_function(function: ast.FunctionDef, namespace: dict, label: str):
    """(compiled function, its source text)."""
    text = to_source(function)
    compiled = define(text, function.name, dict(namespace), generated_filename(label))
    compiled.__source__ = text
    return compiled, text


def generated_filename(label: str) -> str:
    """A file name of its own for generated code: `<ad.adsct {label} #n>`."""
    return f"<ad.adsct {label} #{next(_COUNTER)}>"
