"""The pass chain: from a user's function to compiled derivative code, cached.

Accepts a function (a user's, a registry op or NumPy function with one, or a derivative
function adsct wrote, through its stand-in) with the mode, argnums and argument structure.
Guarantees to the public transforms (transforms.py): the compiled code and its source, in the
order parse -> normalise (anf.py) -> in-place guards (aliasing.py) -> activity (activity.py)
-> reverse or forward code (codegen.py, controlflow.py; loops under checkpointing.py with
`checkpoints=k`) -> specialise (specialise.py, sameshape.py) -> compile (emit.py),
regenerated only when a name it used has been rebound since (scope.py).
"""

from __future__ import annotations

import functools
import inspect
import types
import weakref

import numpy as np

from .. import derived, ops
from .activity import check_activity
from .aliasing import guard_in_place_updates
from .anf import normalise
from .astutil import fresh_name
from .callables import as_function
from .codegen import Forward, Reverse
from .controlflow import ForwardControlFlow, ReverseControlFlow
from .freeing import free_after_last_use
from .emit import HELPERS, compile_function, generated_filename
from .ir import has_control_flow, walk
from .nesting import Lifted
from .parse import define, parse_function
from .scope import staleness_check
from .specialise import PLAIN_OPS, array_entry, float_entry, scalar_variant
from .stacks import has_stacks

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _generate(f, mode: str, argnums: tuple, structures=None, source_text=None, floats=False, plain=False,
              entry=None, n_args=None, checkpoints=None):
    """(compiled derivative function, its source), cached per request, for f called with
    `n_args` arguments (None: as many as it has parameters without defaults).  With `floats`, the
    variant for Python-float arguments; with `plain`, the one for plain NumPy arrays; with
    `entry=(kind, with_value, single)`, the fused hot path of grad or value_and_grad for
    `kind` "floats" (Python floats) or "arrays" (float64 arrays), or (None, None) where there
    is none (see specialise.py).  With `checkpoints=k`, reverse-mode
    code checkpoints its loops, keeping at most k states of each (see checkpointing.py)."""
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")
    op = f if isinstance(f, ops.Op) else _library_op(f)
    if op is not None:  # ops.sin, np.sin: `def sin(x): return ops.sin(x)`
        f = _op_function(op)
    per_function = _entries(_CACHE, f)
    if source_text is not None:  # remembered: later transforms of f (other modes, floats) need it too
        per_function["source"] = source_text
    key = (mode, argnums, structures, floats, plain, entry, n_args, checkpoints)
    if key not in per_function or (per_function[key][0] is not None and not per_function[key][0].is_current()):
        token = (id(f), key)
        _BUSY[token] = []
        try:
            _write(f, mode, argnums, structures, floats, plain, entry, n_args, checkpoints, per_function, key)
        except BaseException:
            for _, _, waiting_entries, waiting_key in _BUSY.pop(token):  # (code that would call the missing code)
                waiting_entries.pop(waiting_key, None)
            raise
        for scope, name, _, _ in _BUSY.pop(token):  # recursive code calling this code: now it can
            scope[name] = per_function[key][0]
    return per_function[key]


def _write(f, mode, argnums, structures, floats, plain, entry, n_args, checkpoints, per_function, key) -> None:
    """Generate and compile the code _generate asks for, into `per_function[key]`."""
    if isinstance(f, Lifted):  # a function made inside another one, lifted out of it (nesting.py)
        parsed, read_in = f.parsed, f.namespace
    else:
        read_in = as_function(f)  # what calling f does (a partial, a callable object: see callables.py)
        parsed = parse_function(read_in, per_function.get("source"))
    program = guard_in_place_updates(normalise(parsed, read_in, structures, n_args, stand_in=_stand_in,
                                               derivative=_nested_code))
    argnums = derived.select_argnums(argnums, len(program.groups))[0]
    active = check_activity(program, [leaf for k in argnums for leaf in program.groups[k]])
    namespace, helpers = dict(program.namespace), dict(HELPERS)  # (helpers get their names in emit.py)
    if has_control_flow(program.body) or has_stacks(walk(program.body)):
        generator_class = ReverseControlFlow if mode == "reverse" else ForwardControlFlow
    else:
        generator_class = Reverse if mode == "reverse" else Forward
    generator = generator_class(program, active, helpers)
    itself = (id(f), (mode, tuple(argnums), structures, floats, plain, entry, len(program.groups), checkpoints))
    generator.derivative = functools.partial(_recursive_code, current=itself)
    if generator_class is ReverseControlFlow:
        generator.checkpoints = checkpoints
    function = generator.generate(argnums)
    is_current = staleness_check(program.namespaces)  # see scope.py
    callee_checks = [stand_in.__ad_is_current__ for stand_in in [f] + program.callees
                     if getattr(stand_in, "__ad_is_current__", None) is not None]  # (their generated code may go stale)
    if floats or (entry and entry[0] == "floats"):
        function = scalar_variant(function)
    elif mode == "reverse":  # arrays: each freed after the sweep's last use of it
        function = free_after_last_use(function)
    if entry:
        kind, with_value, single = entry
        fused = None if mode != "reverse" else (
            float_entry(function, program.namespaces, with_value, single, callee_checks) if kind == "floats" else
            array_entry(function, program.namespaces, with_value, single, tuple(argnums), callee_checks))
        if fused is None:
            per_function[key] = None, None
            return
        function, names = fused
        namespace = {**namespace, **names}
        plain = plain or kind == "arrays"
    if plain:  # (the helpers' own implementations: no dispatch on argument types)
        helpers = {**helpers, "ops": PLAIN_OPS, **{name: helper.impl for name, helper in HELPERS.items()
                                                if isinstance(helper, ops.Op)}}
    compiled, text = compile_function(function, namespace, f"{program.name} {mode}", helpers)
    for check in callee_checks:
        is_current = _both(is_current, check)
    compiled.is_current = is_current
    # Generated code is in adsct's subset, stacks included (stacks.py), so it can be transformed
    # again (see _stand_in); code that checkpoints its loops (step functions) is not.
    compiled.in_subset = not checkpoints
    compiled.keeps_stacks = generator_class is ReverseControlFlow
    per_function[key] = compiled, text
    _link(compiled, per_function, key)


# -- recursive calls (recursion.py) ------------------------------------------------------------------
# A recursive call's derivative is the callee's generated code, called by name; code that is
# still being generated (the function's own, in a self-recursion) is named by a _Pending
# placeholder in the caller's globals, replaced by the code as soon as it is compiled.

_BUSY: dict = {}  # (id(f), key) being generated -> [(globals, name, entries, key)] of code waiting for it


class _Pending:
    def __init__(self, token):
        self.token = token

    def __call__(self, *args):
        raise RuntimeError("adsct: a recursive call's derivative code was not generated")


def _recursive_code(function, mode: str, argnums: tuple, n_args: int, current=None):
    """(the generated code of a recursively called `function` or its placeholder while it is
    being generated, whether it is the code being generated now, `current`)."""
    key = (mode, argnums, None, False, False, None, n_args, None)
    token = (id(function), key)
    if token == current:  # (however the request for the code being generated was spelled)
        return None, True
    if token in _BUSY:
        return _Pending(token), False
    return _generate(function, mode, argnums, n_args=n_args)[0], False


def _link(compiled, per_function: dict, key) -> None:
    """Replace the placeholders in compiled code's globals: by code already written, or once
    the code they stand for is compiled."""
    scope = compiled.__globals__
    for name, value in list(scope.items()):
        if isinstance(value, _Pending):
            if value.token in _BUSY:
                _BUSY[value.token].append((scope, name, per_function, key))
            else:
                raise RuntimeError("adsct: a recursive call's derivative code went missing")


def _entries(cache, f) -> dict:
    """f's entries in a weak-keyed cache (a fresh dict, not kept, for f that cannot be weakly referenced)."""
    try:
        return cache.setdefault(f, {})
    except TypeError:
        return {}


def _has_pytrees(args) -> bool:
    """Whether some argument is a tuple, list, dict or None (one parameter per leaf then)."""
    return any(isinstance(a, (tuple, list, dict)) or a is None for a in args)


def _both(first, second):
    return lambda: first() and second()


def _library_op(f):
    """The registry op a NumPy or math function without Python source stands for (np.sin is
    differentiated as ops.sin), else None."""
    if isinstance(f, (types.FunctionType, types.MethodType)):
        return None
    op = ops.lookup(f)
    return op if isinstance(op, ops.Op) else None


def _remember_source(f, text) -> None:
    """`source=` of a transform: f's source text, for functions `inspect` cannot read (code typed
    into `python -c`, a REPL or `exec`); kept for every later transform of f."""
    if text is not None:
        _entries(_CACHE, f)["source"] = text


_OP_FUNCTIONS: dict = {}


def _op_function(op):
    """A registry op as a Python function with source, `def sin(x): return ops.sin(x)`, so
    that `grad(ops.sin)` is transformed like any function (static parameters keep their
    defaults).

    >>> print(inspect.getsource(_op_function(ops.get("mul"))), end="")
    def mul(x, y):
        return ops.mul(x, y)
    """
    if op.name not in _OP_FUNCTIONS:
        if op.nin is None:
            raise TypeError(f"op {op.name!r} takes any number of inputs: wrap it in a function of the inputs "
                            f"you mean (lambda x, y: ops.{op.name}([x, y]))")
        names = {1: ["x"], 2: ["x", "y"]}.get(op.nin, [f"x{i}" for i in range(op.nin)])
        text = f"def {op.name}({', '.join(names)}):\n    return ops.{op.name}({', '.join(names)})\n"
        _OP_FUNCTIONS[op.name] = define(text, op.name, {"ops": ops}, generated_filename(f"op {op.name}"))
    return _OP_FUNCTIONS[op.name]

# -- transforms of adsct's own derivatives ---------------------------------------------------------
# grad(f) has no source of its own, but it is a call of f's generated reverse code, which is
# Python in adsct's subset.  Its stand-in says so in source:
#
#     def f_grad(x1, x2):
#         value, grads = f_vjp(x1, x2, 1.0)
#         return grads[0]
#
# and adsct transforms the stand-in like any user function, inlining f_vjp: grad(grad(f)) and
# hessian(f) are second-derivative code written by adsct.  Reverse code through loops and
# branches keeps stacks of saved values, which adsct reads as stacks again (stacks.py); for
# numbers the stand-in calls f's forward code instead, which needs no stack.

_STAND_INS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _stand_in(g, n_args: int, args=()):
    """For g = adsct.grad(f, argnums) called with `n_args` arrays or numbers: its stand-in with
    source (above), rebuilt when f's generated code goes stale.  Where f's reverse code keeps
    stacks (loops, branches) and the differentiated arguments are numbers, the stand-in calls f's
    forward code instead, once per argument with a tangent of 1.0: the same derivatives, from code
    without stacks.  None for any other g and for pytree arguments."""
    origin = getattr(g, "__ad_adsct__", None)
    if origin is None or _has_pytrees(args):
        return None
    f, argnums = origin
    if getattr(f, "__ad_derivative__", None) is not None:  # g = grad(grad(..)): f's own stand-in is transformed
        f = _stand_in(f, n_args, args)
        if f is None:
            return None
    selected, single = derived.select_argnums(argnums, n_args)
    numbers = bool(args) and all(type(args[k]) in (float, int) or np.shape(args[k]) == () for k in selected)
    per_g = _entries(_STAND_INS, g)
    stand_in = per_g.get((selected, numbers))
    if stand_in is None or not stand_in.__ad_is_current__():
        code = _generate(f, "reverse", selected, n_args=n_args)[0]
        if not code.in_subset:
            return None
        if code.keeps_stacks and numbers:
            code = _generate(f, "forward", selected, n_args=n_args)[0]
        params = list(inspect.signature(code).parameters)  # (then a seed, or a tangent per argument)
        params = params[:-1] if code.__name__.endswith("_vjp") else params[:-len(selected)]
        stand_in = per_g[(selected, numbers)] = _stand_in_function(code, params, selected, single)
    return stand_in


def _nested_code(lifted, kind: str, selected: tuple, single: bool):
    """The code a transform called inside f runs (nesting.py): for jvp, the lifted function's
    forward code; for grad and value_and_grad, a stand-in calling its reverse code; for a
    Jacobian, forward code once per element of the argument (of the gradient's stand-in, for
    a Hessian).  None where that reverse code is outside the subset."""
    n_args = len(lifted.params)
    if kind == "jvp":
        return _generate(lifted, "forward", selected, n_args=n_args)[0]
    if kind == "hessian":
        gradient = _nested_code(lifted, "grad", selected, single)
        if gradient is None:
            return None
        lifted = Lifted.of_code(gradient, lifted.params)
        kind = "jacobian"
    if kind in ("jacobian", "jacfwd", "jacrev"):  # (one Jacobian, whichever mode computes it)
        return _jacobian_function(_generate(lifted, "forward", selected, n_args=n_args)[0], lifted.params, selected[0])
    code = _generate(lifted, "reverse", selected, n_args=n_args)[0]
    if not code.in_subset:
        return None
    return _stand_in_function(code, list(lifted.params), selected, single, with_value=kind == "value_and_grad")


def _jacobian_function(code, params: list, k: int):
    """Compile a Jacobian with respect to parameter k from forward code: one column per
    element of that argument, stacked, in the shape output + argument (as jacobian gives)."""
    taken = set(params) | {code.__name__}
    name = fresh_name(f"{code.__name__[:-len('_jvp')]}_jacobian", taken)
    numpy, columns, seed, value, column = (fresh_name(n, taken) for n in ("np", "columns", "seed", "value", "column"))
    x, arguments = params[k], ", ".join(params)
    text = "\n".join([
        f"def {name}({arguments}):",
        f"    {columns} = []",
        f"    for {seed} in {numpy}.eye({numpy}.size({x})):",
        f"        {value}, {column} = {code.__name__}({arguments}, {seed}.reshape({numpy}.shape({x})))",
        f"        {columns}.append({column})",
        f"    return {numpy}.moveaxis({numpy}.stack({columns}), 0, -1).reshape({numpy}.shape({column}) + {numpy}.shape({x}))",
    ]) + "\n"
    return _defined_around(code, text, name, f"Jacobian of {name[:-len('_jacobian')]}", {numpy: np})


def _stand_in_function(code, params: list, selected: tuple, single: bool, with_value: bool = False):
    """Compile the stand-in's text: a call of f's reverse code with a seed of 1.0, or one call
    of its forward code per differentiated argument (returning f's value too `with_value`)."""
    taken = set(params) | {code.__name__}
    reverse = code.__name__.endswith("_vjp")
    name = fresh_name(f"{code.__name__[:-len('_vjp')]}_grad", taken)
    lines = [f"def {name}({', '.join(params)}):"]
    if reverse:
        value, grads = (fresh_name(n, taken) for n in ("value", "grads"))
        lines += [f"    {value}, {grads} = {code.__name__}({', '.join(params)}, 1.0)",
                  f"    return {value + ', ' if with_value else ''}{grads}{'[0]' if single else ''}"]
    else:
        value = fresh_name("value", taken)
        derivatives = [fresh_name(f"d{params[k]}", taken) for k in selected]
        for j, d in enumerate(derivatives):
            seeds = ", ".join("1.0" if i == j else "0.0" for i in range(len(selected)))
            lines.append(f"    {value}, {d} = {code.__name__}({', '.join(params)}, {seeds})")
        lines.append(f"    return {derivatives[0] if single else ', '.join(derivatives)}")
    text = "\n".join(lines) + "\n"
    stand_in = _defined_around(code, text, name, f"gradient of {name[:-len('_grad')]}")
    stand_in.refused, stand_in.transforms, stand_in.output_checked = set(), {}, False
    return stand_in


def _defined_around(code, text: str, name: str, label: str, scope=None):
    """The function `name` that `text` defines around generated `code` (which it calls by its
    name), current as long as the code is."""
    function = define(text, name, {code.__name__: code, **(scope or {})}, generated_filename(label))
    function.__ad_is_current__ = code.is_current
    return function
