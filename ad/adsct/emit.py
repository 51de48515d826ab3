"""Steps 6 and 7: print the generated function with astor, then compile it.

Generated code gets a file name of its own, registered with `linecache` (no temporary file
is written), so tracebacks show its lines and `inspect` can read it back.  The text depends
only on the function and the request, so it is byte-identical from run to run.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import math
import re

import astor
import numpy as np

from .. import ops
from ..derived import zeros_like  # a derivative that does not depend on the inputs
from .astutil import GENERATED, HELPER
from .checks import check_unpack, number_for_math
from .codegen import COMMENT
from .listops import LIST_OPS
from .revolve import CheckpointedLoop
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


# The broadcasting helpers are registry ops, so generated code is itself differentiable (by
# adsct again, or by running it on adoo's values): `broadcast_like` is `unbroadcast` read the
# other way (both make a value the shape of another).
HELPERS = {"ops": ops, "math": math, "cotangent_of": ops.cotangent_of, "unbroadcast": ops.unbroadcast,
           "broadcast_like": ops.unbroadcast, "zeros_like": zeros_like, "vjp_rule": vjp_rule, "jvp_rule": jvp_rule,
           "number_for_math": number_for_math, "check_unpack": check_unpack, "list": list, "reversed": reversed,
           "range": range, "len": len, "checkpointed_loop": CheckpointedLoop, **LIST_OPS}


def name_helpers(function: ast.FunctionDef, namespace: dict, helpers: dict) -> dict:
    """Give each helper the generated code refers to (astutil.helper) a name of its own: its
    plain name unless the code already uses that name for something else (a user's variable,
    parameter or global named `ops`), then `ops_1`, ...  Renames in place and returns the
    namespace the code runs in: `namespace` (the user's) with the helpers under their names.
    Helpers without a value in `helpers` (the stack `saved`) are local variables.

    >>> tree = ast.parse("def f(ops): return __ad_helper__ops.sin(ops)").body[0]
    >>> scope = name_helpers(tree, {}, {"ops": "the registry"})
    >>> ast.unparse(tree.body[0]), scope
    ('return ops_1.sin(ops)', {'ops_1': 'the registry'})
    """
    names = [node for node in ast.walk(function) if isinstance(node, ast.Name)]
    references = [node for node in names if node.id.startswith(HELPER)]
    local = {a.arg for a in function.args.args} | {n.id for n in names if isinstance(n.ctx, ast.Store)}
    taken = {n.id for n in names} | local

    def means(name, value) -> bool:  # the name already stands for this value where the code runs
        return name not in local and namespace.get(name, getattr(builtins, name, HELPER)) is value

    chosen: dict = {}
    for base in sorted({node.id[len(HELPER):] for node in references}):
        value = helpers.get(base, HELPER)  # (HELPER: a local helper, no value)
        name, k = base, 1
        while (name in taken and not means(name, value)) or name in chosen.values():
            name, k = f"{base}_{k}", k + 1
        chosen[base] = name
    for node in references:
        node.id = chosen[node.id[len(HELPER):]]
    return {**namespace, **{name: helpers[base] for base, name in chosen.items() if base in helpers}}


def compile_function(function: ast.FunctionDef, namespace: dict, label: str, helpers: dict | None = None):
    """(compiled function, its source text), run in `namespace` with `helpers` (by default
    HELPERS) under the names `name_helpers` chooses."""
    namespace = name_helpers(function, namespace, HELPERS if helpers is None else helpers)
    text = to_source(function)
    compiled = define(text, function.name, namespace, generated_filename(label))
    compiled.__source__ = text
    return compiled, text


def generated_filename(label: str) -> str:
    """A file name of its own for generated code: `<ad.adsct {label} #n>`."""
    return f"{GENERATED}{label} #{next(_COUNTER)}>"
