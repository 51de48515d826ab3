"""The adsct transforms: generate, cache and call derivative code.

`source(f, mode, argnums)` shows the code; `vjp`, `jvp`, `value_and_grad` and `grad` run it;
`jacobian` comes from `ad.derived`, and `hessian` is the forward-mode code of the generated
gradient code (forward over reverse).  Generated code is cached per function, mode, argnums and argument
structure (tuples, lists and dicts of arrays become one parameter per array), so a function
is transformed once, and generated again only when a global or closure name it used has been
rebound since (see scope.py).  The pass chain and its cache are in pipeline.py; this module
calls the generated code and builds the public transforms on it.
"""

from __future__ import annotations

import inspect
import keyword
import re
import types
import weakref

import numpy as np

from .. import derived, ops, tree
from ..errors import NotDifferentiableError, UnsupportedSyntaxError
from .ir import PytreeOutputError
from .emit import generated_filename
from .parse import define
from .pipeline import _entries, _generate, _has_pytrees, _remember_source, _stand_in
from .specialise import SCALAR_REFUSALS
from .tracebacks import note_user_line

_PLAIN_TYPES = (np.ndarray, float, int, bool, np.float64, np.float32)

__all__ = ["source", "grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian"]


class _Call:
    """One call of generated code: the arguments flattened into array parameters.

    `memo` (a dict kept by the caller, e.g. one `grad(f)` function) remembers the compiled
    code per argument structure, so repeated calls skip the cache's bookkeeping."""

    def __init__(self, f, args, selected: tuple, mode: str, memo=None):
        self.f, self.mode, self.selected, self.memo = f, mode, selected, memo if memo is not None else {}
        self.n_args = len(args)
        if not _has_pytrees(args):  # arrays and numbers only
            self.structures, self.treedefs = None, None
            self.originals = [args[k] for k in selected]
            self.leaves = [derived.as_value(a) if k in selected else a for k, a in enumerate(args)]
        else:
            flat = [tree.flatten(a) for a in args]
            self.structures = tuple(treedef for _, treedef in flat)
            self.originals = [leaf for k in selected for leaf in flat[k][0]]
            self.treedefs = [flat[k][1] for k in selected]
            self.leaves = [derived.as_value(leaf) if k in selected else leaf
                           for k, (leaves, _) in enumerate(flat) for leaf in leaves]
        self.floats = all(type(leaf) is float for leaf in self.leaves)
        self.plain = not self.floats and all(type(leaf) in _PLAIN_TYPES for leaf in self.leaves)

    def _code(self, floats: bool, plain: bool = False):
        key = (self.structures, self.selected, floats, plain, self.n_args)
        code = self.memo.get(key)
        if code is None or not code.is_current():
            code = self.memo[key] = _generate(self.f, self.mode, self.selected, self.structures, floats=floats,
                                              plain=plain, n_args=self.n_args)[0]
        return code

    def __call__(self, *extra):
        """Run the generated code: the Python-float variant when it applies, else the general one."""
        if self.floats:
            try:
                value, derivatives = result = self._code(True)(*self.leaves, *extra)
                if type(value) is float and all(type(d) is float for d in derivatives):
                    return result
            except SCALAR_REFUSALS:
                pass  # an array inside, or a math domain error: NumPy's semantics below
        # Past this point NumPy's semantics: Python floats go in as NumPy floats (0.0 ** -0.5 is
        # inf with a warning, not a ZeroDivisionError; what adoo gives too).
        leaves = [np.float64(leaf) if type(leaf) is float else leaf for leaf in self.leaves]
        if self.plain and not any(derived.is_traced(e) for e in extra):
            try:
                value, derivatives = result = self._code(False, plain=True)(*leaves, *extra)
            except (TypeError, ValueError):  # a traced value from a closure, or an error the general code words better
                result = None
            if result is not None and not derived.is_traced(value) and not any(
                    derived.is_traced(d) for d in (derivatives if type(derivatives) is tuple else (derivatives,))):
                return result
        try:
            return self._code(False)(*leaves, *extra)
        except Exception as error:  # (NumPy's error, with a note naming the user's line)
            note_user_line(error, self.f)
            raise

    def regroup(self, flat_derivatives) -> tuple:
        """Per selected argument, its derivative with the argument's structure and types."""
        shaped = [derived.like_input(d, leaf) for d, leaf in zip(flat_derivatives, self.originals)]
        if self.treedefs is None:
            return tuple(shaped)
        grouped, start = [], 0
        for treedef in self.treedefs:
            grouped.append(tree.unflatten(treedef, shaped[start:start + treedef.num_leaves]))
            start += treedef.num_leaves
        return tuple(grouped)


def source(f, mode: str = "reverse", argnums=0, **options) -> str:
    """The generated derivative code of f, as text.

    `source="def f(...): ..."` gives f's source text where `inspect` cannot find it (code
    typed at a REPL or passed to `python -c`); it is remembered, so `grad(f)` and the other
    transforms work afterwards.  `args=(...)` gives example arguments when some are tuples,
    lists or dicts (the code has one parameter per array in them).

    >>> def f(x):
    ...     return np.sin(x) * x
    >>> print(source(f, source="def f(x):\\n    return np.sin(x) * x\\n"))
    def f_vjp(x, bt2):
        \"\"\"Reverse-mode derivative of f (generated by ad.adsct): its value and the adjoints of x.\"\"\"
        # forward sweep
        # line 2: return np.sin(x) * x
        t1 = ops.sin(x)
        t2 = t1 * x
        # reverse sweep
        bt2 = cotangent_of(bt2, t2)
        bt1 = unbroadcast(bt2 * x, t1)
        bx = unbroadcast(t1 * bt2, x)
        bx = bx + bt1 * ops.cos(x)
        return t2, (bx,)
    <BLANKLINE>
    """
    unknown = set(options) - {"source", "args"}
    if unknown:
        raise TypeError(f"source() got unexpected keyword arguments {sorted(unknown)}")
    argnums = argnums if isinstance(argnums, tuple) else (argnums,)
    structures = None if "args" not in options else tuple(tree.flatten(a)[1] for a in options["args"])
    if getattr(f, "__ad_derivative__", None) is not None:  # grad(f): the code adsct writes for its stand-in
        n_args = _arity(f) if getattr(f, "__ad_adsct__", None) is not None else 0
        stand_in = _stand_in(f, n_args, options.get("args", ()))
        if stand_in is None:
            raise UnsupportedSyntaxError(f"adsct writes no code for this {f.__ad_derivative__} function: only for "
                                         f"adsct.grad(f) of arrays and numbers, where f's reverse-mode code has no loops "
                                         f"or branches or the arguments are numbers (give them: args=(...)); transforms "
                                         f"of it run it on adoo's values instead.  (The code behind hessian(f) is "
                                         f"source(grad(f), mode='forward').)")
        f = stand_in
    n_args = len(options["args"]) if "args" in options else None
    return _generate(f, mode, argnums, structures, options.get("source"), n_args=n_args)[1]


_REFUSALS = (UnsupportedSyntaxError, NotDifferentiableError)


def _on_stand_in(g, args, label: str, run_adsct, run_adoo):
    """`run_adsct(stand_in)` where g has a stand-in adsct can transform, else `run_adoo()`."""
    stand_in = _stand_in(g, len(args), args)
    if stand_in is not None and label not in stand_in.refused:
        if not stand_in.output_checked:  # (the stand-in drops f's value: g itself checks it, once)
            g(*args)
            stand_in.output_checked = True
        try:
            return run_adsct(stand_in)
        except _REFUSALS:  # (raised while generating, before any generated code ran)
            stand_in.refused.add(label)
    return run_adoo()


def _transform_of_derivative(g, label: str, adsct_transform, adoo_transform):
    """A function of g's arguments: adsct's transform of g's stand-in (built once per stand-in),
    or adoo's transform of g where adsct cannot write the code."""
    adoo_version = []

    def run_adoo(args):
        if not adoo_version:
            adoo_version.append(adoo_transform(g))
        return adoo_version[0](*args)

    def run_adsct(stand_in, args):
        if label not in stand_in.transforms:
            stand_in.transforms[label] = adsct_transform(stand_in)
        return stand_in.transforms[label](*args)

    def transformed(*args):
        return _on_stand_in(g, args, label, lambda s: run_adsct(s, args), lambda: run_adoo(args))

    return transformed


def _adsct_gradient(function, f, argnums, with_value: bool):
    """`function`, marked as adsct's grad(f) (or value_and_grad(f)): a grad has a stand-in."""
    function.__ad_adsct__ = None if with_value else (f, argnums)
    return derived.derivative_function(function, "value_and_grad" if with_value else "grad")


def _arity(g) -> int:
    """How many arguments the function under adsct's grad g takes."""
    f = g.__ad_adsct__[0]
    if getattr(f, "__ad_derivative__", None) is not None:
        return _arity(f)
    return f.nin if isinstance(f, ops.Op) else len(inspect.signature(f).parameters)


def _reverse_function(f, argnums, with_value: bool):
    """grad(f) (`with_value` False) or value_and_grad(f): generated reverse-mode code with
    a seed of 1.0, and a fused hot path for Python floats (see specialise.float_entry)."""
    kind = "value_and_grad" if with_value else "grad"
    if getattr(f, "__ad_derivative__", None) is not None:
        return _adsct_gradient(_transform_of_derivative(
            f, (kind, argnums), lambda s: _reverse_function(s, argnums, with_value),
            lambda g: getattr(_adoo(), kind)(g, argnums)), f, argnums, with_value)
    memo: dict = {}  # per number of arguments, the fused float code; per structure, the compiled code
    single = isinstance(argnums, int)

    def derivative_f(*args):
        entry = memo.get(len(args))
        if entry is not None:
            result = entry(*args)  # None where the general code must answer
            if result is not None:
                return result
        selected, where = derived.distinct(derived.select_argnums(argnums, len(args))[0])
        call = _Call(f, args, selected, "reverse", memo)
        value, grads = call(1.0)  # a weak Python 1.0 keeps float32 code float32
        value, = derived.plain_outputs([value], f)
        derived.check_scalar(value, kind)
        if call.floats and call.structures is None and len(where) == len(selected):  # (no repeated argnums)
            entry = _generate(f, "reverse", selected, entry=(with_value, single), n_args=len(args))[0]
            if entry is not None:
                memo[len(args)] = entry
        grads = call.regroup(derived.plain_outputs(grads, f))
        grads = grads[0] if single else tuple(grads[k] for k in where)
        return (value, grads) if with_value else grads

    return _adsct_gradient(derivative_f, f, argnums, with_value)


def value_and_grad(f, argnums=0, *, source=None):
    """A function returning f's value and gradient, computed by generated reverse-mode code.
    A position repeated in a tuple `argnums` gets the full derivative at each of its places.
    `source="def f(x): ..."` gives f's source where `inspect` cannot read it (as for `source()`).

    >>> value_and_grad(lambda x: x * x)(3.0)
    (9.0, 6.0)
    """
    _remember_source(f, source)
    return _reverse_function(f, argnums, with_value=True)


def grad(f, argnums=0, *, source=None):
    """A function returning the gradient of scalar f by generated reverse-mode code.
    A position repeated in a tuple `argnums` gets the full derivative at each of its places.
    `source="def f(x): ..."` gives f's source where `inspect` cannot read it (as for `source()`);
    NumPy functions with a registry op are differentiated as that op.

    >>> grad(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), argnums=(0, 1))(2.0, 5.0)
    (5.5, 1.7163378145367738)
    >>> grad(np.sin)(0.0)
    1.0
    """
    _remember_source(f, source)
    return _reverse_function(f, argnums, with_value=False)


# -- tuple, list and dict outputs ---------------------------------------------------------------
# A function returning a pytree is differentiated through small generated wrappers that adsct
# transforms like any user function (f itself is inlined into them): for reverse mode the
# scalar sum_k <u_k, out_k> of the output leaves with cotangents u_k passed as arguments, for
# forward mode one wrapper per output leaf.

_WRAPPERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _output_wrapper(f, n_args: int, paths: list, leaf=None):
    """`leaf` None: def f_outputs(x0.., u0..): return sum of ops.sum(ops.mul(out<path_k>, u_k));
    else def f_output_<leaf>(x0..): return out<path_leaf>."""
    key = (n_args, tuple(paths), leaf)
    per_function = _entries(_WRAPPERS, f)
    if key not in per_function:
        name = re.sub(r"\W", "", getattr(f, "__name__", "f"))
        name = name if name.isidentifier() and not keyword.iskeyword(name) else "f"  # ("<lambda>")
        xs = [f"x{i}" for i in range(n_args)]
        if name in {"ops", "out"} | set(xs) | {f"u{k}" for k in range(len(paths))}:
            name += "_f"  # (the wrapper's own names)
        if leaf is None:
            us = [f"u{k}" for k in range(len(paths))]
            total = " + ".join(f"ops.sum(ops.mul(out{p}, u{k}))" for k, p in enumerate(paths))
            header, body = f"def {name}_outputs({', '.join(xs + us)}):", f"    return {total}"
        else:
            header, body = f"def {name}_output_{leaf}({', '.join(xs)}):", f"    return out{paths[leaf]}"
        text = f"{header}\n    out = {name}({', '.join(xs)})\n{body}\n"
        per_function[key] = define(text, header[4:header.index("(")], {"ops": ops, name: f},
                                   generated_filename(f"outputs of {name}"))
    return per_function[key]


def _vjp_at(f, args, selected):
    call = _Call(f, args, selected, "reverse")
    value = f(*tree.unflatten(tree.flatten(tuple(args))[1], call.leaves))
    value_leaves, value_def = tree.flatten(value)
    value_leaves = derived.plain_outputs(value_leaves, f)
    if value_def.kind != "leaf":  # a tuple, list or dict of outputs
        wrapper = _output_wrapper(f, len(args), tree.leaf_paths(value, subscripts=True))

        def vjp_fn(cotangent):
            cot_leaves = derived.check_cotangent(value_def, value_leaves, cotangent)
            cot_leaves = [derived.in_dtype_of(c, v) for c, v in zip(cot_leaves, value_leaves)]
            outputs_call = _Call(wrapper, list(args) + cot_leaves, selected, "reverse")
            return outputs_call.regroup(derived.plain_outputs(outputs_call(1.0)[1], f))

        return tree.unflatten(value_def, value_leaves), vjp_fn

    def vjp_fn(cotangent):
        derived.check_cotangent(value_def, [value], cotangent)
        _, grads = call(derived.in_dtype_of(cotangent, value))
        return call.regroup(derived.plain_outputs(grads, f))

    return value_leaves[0], vjp_fn


def vjp(f, *primals, source=None):
    """Reverse mode: `(value, vjp_fn)`; each `vjp_fn(cotangent)` runs the generated code.
    `source=` gives f's source text where `inspect` cannot read it.

    >>> value, vjp_fn = vjp(lambda x, y: x * y, 2.0, 5.0)
    >>> value, vjp_fn(1.0)
    (10.0, (5.0, 2.0))
    """
    _remember_source(f, source)
    if getattr(f, "__ad_derivative__", None) is not None:
        return _on_stand_in(f, primals, "vjp", lambda s: _checked_vjp(s, primals), lambda: _adoo().vjp(f, *primals))
    return _vjp_at(f, primals, tuple(range(len(primals))))


_RETURNS_PYTREES: "weakref.WeakSet" = weakref.WeakSet()  # (found out once, not at every call)


def _jvp_at(f, args, selected, tangents):
    t_leaves = [derived.as_value(t) for k in selected for t in tree.flatten(tangents[k])[0]]
    if f in _RETURNS_PYTREES:
        return _jvp_of_outputs(f, args, selected, t_leaves)
    try:
        value, tangent = _Call(f, args, selected, "forward")(*t_leaves)
    except PytreeOutputError:
        try:
            _RETURNS_PYTREES.add(f)
        except TypeError:  # (not weak-referenceable)
            pass
        return _jvp_of_outputs(f, args, selected, t_leaves)
    return tuple(derived.plain_outputs([value, tangent], f))


def _jvp_of_outputs(f, args, selected, t_leaves):
    """Forward mode for a function returning a pytree: one generated sweep per output leaf."""
    value = f(*args)
    value_leaves, value_def = tree.flatten(value)
    paths = tree.leaf_paths(value, subscripts=True)
    tangents = [_Call(_output_wrapper(f, len(args), paths, leaf=k), args, selected, "forward")(*t_leaves)[1]
                for k in range(len(paths))]
    return (tree.unflatten(value_def, derived.plain_outputs(value_leaves, f)),
            tree.unflatten(value_def, derived.plain_outputs(tangents, f)))


def jvp(f, primals, tangents, *, source=None):
    """Forward mode by generated code: `(value, tangent_out)`.
    `source=` gives f's source text where `inspect` cannot read it.

    >>> jvp(lambda x, y: x * y, (2.0, 5.0), (1.0, 0.0))
    (10.0, 5.0)
    """
    _remember_source(f, source)
    if getattr(f, "__ad_derivative__", None) is not None:
        return _on_stand_in(f, tuple(primals), "jvp", lambda s: jvp(s, primals, tangents),
                            lambda: _adoo().jvp(f, primals, tangents))
    primals = tuple(primals)
    leaves, treedef = tree.flatten(primals)
    derived.check_tangents(leaves, treedef, tangents)
    return _jvp_at(f, primals, tuple(range(len(primals))), tuple(tangents))


# ad.derived builds jacobians from a vjp and a jvp of f restricted to some arguments; adsct
# transforms f itself, with those arguments as argnums.

def _vjp_of_restriction(f_selected, *chosen):
    f, args, selected = f_selected.restricts
    return _vjp_at(f, _with(args, selected, chosen), selected)


def _jvp_of_restriction(f_selected, chosen, tangents):
    f, args, selected = f_selected.restricts
    full_tangents = [None] * len(args)
    for k, t in zip(selected, tangents):
        full_tangents[k] = t
    return _jvp_at(f, _with(args, selected, chosen), selected, full_tangents)


def _with(args, selected, chosen) -> list:
    full = list(args)
    for k, c in zip(selected, chosen):
        full[k] = c
    return full


def jacobian(f, argnums=0, mode="reverse", *, source=None):
    """A function returning the Jacobian of f by generated code (reverse: a sweep per output
    entry; forward: a sweep per input entry).
    A position repeated in a tuple `argnums` gets the full derivative at each of its places.

    >>> jacobian(lambda x: x * x, mode="forward")(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    _remember_source(f, source)
    if getattr(f, "__ad_derivative__", None) is not None:
        return derived.derivative_function(_transform_of_derivative(
            f, ("jacobian", argnums, mode), lambda s: jacobian(s, argnums, mode),
            lambda g: _adoo().jacobian(g, argnums, mode)), "jacobian")
    return derived.derivative_function(derived.jacobian(_vjp_of_restriction, _jvp_of_restriction, f, argnums, mode), "jacobian")


def hessian(f, argnums=0, *, source=None):
    """A function returning the Hessian of scalar f: forward over reverse, both by generated
    code (the forward-mode code of grad(f)'s stand-in; see _stand_in).
    A position repeated in a tuple `argnums` gets the full derivative at each of its places.

    >>> hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    """
    _remember_source(f, source)
    if getattr(f, "__ad_derivative__", None) is not None:
        return derived.derivative_function(_transform_of_derivative(
            f, ("hessian", argnums), lambda s: hessian(s, argnums), lambda g: _adoo().hessian(g, argnums)), "hessian")
    return derived.derivative_function(jacobian(grad(f, argnums), argnums, mode="forward"), "hessian")


def _checked_vjp(stand_in, primals):
    """vjp of a stand-in, its code generated now (so that a refusal falls back at once; a tuple
    of gradients goes through the output wrapper, which inlines the stand-in in the same way)."""
    value, vjp_fn = _vjp_at(stand_in, primals, tuple(range(len(primals))))
    if not isinstance(value, tuple):
        _generate(stand_in, "reverse", tuple(range(len(primals))))
    return value, vjp_fn


def _adoo():
    from .. import adoo  # (adoo imports nothing from adsct; imported late to keep start-up light)
    return adoo
