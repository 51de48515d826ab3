"""Step 2c: calls and method calls into three-address statements (a part of the Normaliser).

Accepts a call of the user's function as written: a registry op or a NumPy function with one,
a method of a value, a user function (inlined), a recipe or composite, a call of a derivative
function, or a call no derivative flows through.  Guarantees to the statement level (anf.py):
one `Stmt` per op, a plain statement (with its `callee` named for activity analysis) per call
without a rule, and a clear error naming the construct for anything else.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import types

import numpy as np

from .. import derived, ops
from ..errors import UnsupportedSyntaxError
from . import inlining, lists, local_functions, nesting, stacks
from .astutil import clone, helper
from .callables import as_function
from .checks import check_unpack, number_for_math
from .inplace import IN_PLACE_HINT, in_place_change, refuse_shared_update, same_array
from .ir import Stmt, Structured, _literal
from .parse import registered_source
from .local_functions import Transformed, is_function_value

_METHODS = {"sum": "sum", "mean": "mean", "max": "max", "min": "min", "prod": "prod", "dot": "dot",
            "reshape": "reshape", "transpose": "transpose", "clip": "clip", "squeeze": "squeeze",
            "swapaxes": "swapaxes", "ravel": "reshape", "flatten": "reshape", "var": "variance", "std": "std",
            "cumsum": "cumsum", "cumprod": "cumprod", "diagonal": "diagonal", "repeat": "repeat", "take": "take",
            "astype": "astype", "round": "round", "conj": "conj", "conjugate": "conj", "trace": "trace",
            "argmax": "argmax", "argmin": "argmin", "argsort": "argsort"}
# Methods with the NumPy function of the same name (a recipe or a constant): x.ptp() is np.ptp(x).
_METHOD_FUNCTIONS = {"ptp": np.ptp, "any": np.any, "all": np.all, "nonzero": np.nonzero}
_NOT_INLINED = ("numpy", "scipy", "math", "ad.")
# Generated code checks that a math function's value is one number, as math itself would (see emit.py).
NUMBER_FOR_MATH = "number_for_math"
# Calls that only look at structure (how many, what shape), never at values: differentiated
# values may reach them, and their results are constants.
_STRUCTURAL = tuple(ops.constant.NO_DERIVATIVE) + (len, isinstance, type, ops.shape_of, ops.ndim_of,
               derived.zeros_like,  # (a zero of x's shape: generated code's zero derivatives)
               refuse_shared_update, same_array,  # (generated code's checks of in-place updates: inplace.py)
               number_for_math, check_unpack)  # (generated code's checks: a math function's value, unpacking)
_INLINED_FROM_AD = ("ad.nn.", "ad.examples", "ad.bench.")  # our own user-level code, written in the subset


class CallLowering:
    """The call methods of anf.Normaliser (which supplies `expr`, `emit`, `plain` and the names)."""

    def refuse_in_place(self, node: ast.AST) -> None:
        """Raise for `a[i] = v`, `a.sort()`, `np.copyto(a, b)`, `out=`: NumPy changes an array in place."""
        function = None
        if isinstance(node, ast.Call) and not self.is_method_call(node.func):
            function = self.resolve(node.func)
        change = in_place_change(node, function)
        if change is not None:
            raise self.parsed.error(node, change, IN_PLACE_HINT)

    def copy_of(self, node: ast.Call) -> "ast.Name | None":
        """`a.copy()` and `np.copy(a)` as a copy statement marked fresh (None for other calls)."""
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "copy" and self.mentions_locals(func.value):
            value = func.value if not node.args and not node.keywords else None
        elif self.is_method_call(func):
            value = None
        elif not self.mentions_locals(func) and len(node.args) == 1 and not node.keywords:
            value = node.args[0] if self.resolve(func) is np.copy else None
        else:
            value = None
        value = None if value is None else self.expr(value)
        if value is None or isinstance(value, Structured):
            return None
        target = self.fresh()
        self.body.append(Stmt(target, None, expr=value, origin=self.origin, source=self.parsed, fresh=True))
        return ast.Name(target, ast.Load())

    def is_method_call(self, func: ast.expr) -> bool:
        """Whether `func` is a method of a value (x.sum, (x * 2).reshape, np.arange(6.0).reshape), not a
        function reached through modules and globals (np.sum, np.linalg.norm)."""
        return isinstance(func, ast.Attribute) and (self.mentions_locals(func.value) or _dotted(func.value) is None)

    def call(self, node: ast.Call) -> ast.expr:
        popped = stacks.call(self, node)  # S.pop() of generated code's stacks (stacks.py)
        if popped is not None:
            return popped
        function = local_functions.called_function(self, node.func)
        if function is not None:  # a local def or lambda, a partial, a function passed in: inlined
            return self.inline(function, node)
        if _dotted(node.func) is None and not self.mentions_locals(node):
            return self.outside(node)  # np.arange(6.0).reshape(3, 2): a constant expression
        self.refuse_in_place(node)
        copy = self.copy_of(node)
        if copy is not None:
            return copy
        func = node.func
        method = self.is_method_call(func)
        listed = lists.call(self, node, None if method else self.resolve(func))  # ys.pop(), max(a, b) (lists.py)
        if listed is not None:
            return listed
        if method and func.attr in _METHOD_FUNCTIONS:  # x.ptp(): np.ptp(x)
            function = ast.Name(self.root.inject(func.attr, _METHOD_FUNCTIONS[func.attr]), ast.Load())
            return self.call(ast.copy_location(ast.Call(function, [func.value] + list(node.args), node.keywords), node))
        if method:  # a method: x.sum(axis=1), (x * 2).reshape(-1)
            if func.attr not in _METHODS:
                raise self.parsed.error(node, f"method .{func.attr}() is not supported",
                                        f"supported methods: {', '.join(sorted({*_METHODS, *_METHOD_FUNCTIONS, 'copy'}))}")
            op = ops.get(_METHODS[func.attr])
            args = [func.value] + list(node.args)
            if func.attr in ("ravel", "flatten"):
                args = [func.value, ast.Tuple([ast.Constant(-1)], ast.Load())]
            elif func.attr in ("reshape", "transpose") and len(node.args) > 1:
                args = [func.value, ast.Tuple(list(node.args), ast.Load())]
            result = self.apply(op, args, node.keywords, node)
            self.body[-1].fresh = func.attr == "flatten"  # (NumPy copies, where reshape may make a view)
            return result
        target = self.resolve(func)
        transformed = nesting.transform_call(self, node, target)  # grad(g), jvp(g, ...) inside f
        if transformed is not None:
            return transformed
        if target is dict and not node.args and all(k.arg for k in node.keywords) and self.mentions_locals(node):  # dict(w=W, b=b): a pytree
            return self.structure(ast.Dict([ast.Constant(k.arg) for k in node.keywords],
                                           [k.value for k in node.keywords]))
        op = target if isinstance(target, ops.Op) else ops.lookup(target) or _own_op(target)
        if isinstance(op, ops.Multi):
            return self.apply_multi(op, list(node.args), node.keywords, node)
        partial = local_functions.partial_of(self, node, target, _inlinable) if op is None else None
        if partial is not None:  # g = functools.partial(h, k=2.0): calls of g are inlined
            return partial
        if op is None and (isinstance(target, functools.partial) or _is_callable_object(target)):
            target = as_function(target)  # what calling it does: a function to inline
        if op is None and target in ops.recipes.RECIPES:
            return self.recipe(target, node)
        if op is None and ops.compose.composite(target) is not None:
            return self.composite(target, node)
        if op is None and _inlinable(target):
            return self.inline(target, node)
        if op is None and getattr(target, "__ad_derivative__", None) is not None:
            resolver = self.root.stand_in  # (given by the pipeline, which generates the code it inlines)
            stand_in = None if resolver is None else resolver(target, len(node.args))
            if stand_in is not None:  # adsct's grad(h): the generated code it runs, inlined like h would be
                return self.inline(stand_in, node)
            raise self.parsed.error(node, "a derivative adsct cannot write as code (only adsct.grad of functions "
                                    "without loops or branches) is called inside a function being transformed",
                                    "transform it directly instead: adsct.grad(adsct.grad(f)), adsct.hessian(f)")
        if op is None:
            if any(self.mentions_locals(a) for a in list(node.args) + [k.value for k in node.keywords]):
                # Known values only here; whether they are differentiated is decided later.
                args = [self.expr(a) for a in node.args]
                keywords = [ast.keyword(k.arg, self.expr(k.value)) for k in node.keywords]
                for value in args + [k.value for k in keywords]:
                    if is_function_value(value):
                        local_functions.refuse_as_value(self, value, node)
                args = [_literal(a) for a in args]  # a pytree goes in as the tuple/list/dict it is
                keywords = [ast.keyword(k.arg, _literal(k.value)) for k in keywords]
                stmt_expr = ast.Call(self.outside(func), args, keywords)  # (an inlined callee's global: passed in)
                name = self.plain(stmt_expr)
                if not any(target is s for s in _STRUCTURAL):  # (a shape query has no derivative to lose)
                    self.body[-1].callee = _describe(target, func)
                return name
            return self.outside(node)  # no local value involved: a constant expression
        result = self.apply(op, list(node.args), node.keywords, node)
        if getattr(target, "__module__", None) == "math":  # math.sin(x) takes a number, not an array
            self.plain(ast.Call(helper(NUMBER_FOR_MATH), [result, ast.Constant(_describe(target, func))],
                                []))
        return result

    def composite(self, target, node: ast.Call):
        """np.split and friends as getitems (a list of pieces), np.select as nested wheres."""
        try:
            bound = inspect.signature(ops.compose.composite(target)).bind(*node.args, **{k.arg: k.value for k in node.keywords})
        except TypeError as error:
            raise self.parsed.error(node, f"{_describe(target, node.func)}: {error}") from None
        bound.apply_defaults()
        if target is np.select:
            conditions, choices = bound.arguments["condlist"], bound.arguments["choicelist"]
            if not (isinstance(conditions, (ast.List, ast.Tuple)) and isinstance(choices, (ast.List, ast.Tuple))):
                raise self.parsed.error(node, "np.select needs literal lists of conditions and choices here")
            default = bound.arguments["default"]
            result = default if isinstance(default, ast.AST) else ast.Constant(default)
            for condition, choice in reversed(list(zip(conditions.elts, choices.elts))):
                result = self.emit(ops.get("where"), [self.expr(condition), self.expr(choice), self.expr(result)], {}, node)
            return result
        sections, axis = bound.arguments["indices_or_sections"], bound.arguments["axis"]
        try:  # the number of pieces must be known now: a number or a list of positions written out
            count = ops.compose.split_count(ast.literal_eval(sections))
        except ValueError:
            raise self.parsed.error(node, f"{_describe(target, node.func)}: write the sections as a number or a list of "
                                    f"numbers here, so that the number of pieces is known") from None
        x = self.expr(bound.arguments["ary"])
        shape = self.plain(ast.Call(ast.Name(self.root.inject("shape_of", ops.shape_of), ast.Load()), [x], []))
        split_slot, fn = self.root.inject("split_slot", ops.compose.split_slot), self.root.inject("split_function", target)
        pieces = []
        for k in range(count):
            index = self.plain(ast.Call(ast.Name(split_slot, ast.Load()), [
                shape, ast.Name(fn, ast.Load()), self.static(sections),
                self.static(axis) if isinstance(axis, ast.AST) else ast.Constant(axis), ast.Constant(k)], []))
            pieces.append(self.emit(ops.get("getitem"), [x], {"index": index}, node))
        return Structured(pieces)

    def recipe(self, target, node: ast.Call) -> ast.expr:
        """np.ptp, np.cov, ...: the recipe's source inlined like a helper of the user's
        (ops/recipes.py); where adsct cannot read the recipe, the error names the user's call."""
        try:
            return self.inline(ops.recipes.RECIPES[target], node)
        except UnsupportedSyntaxError as error:
            if error.filename != ops.recipes.__file__:
                raise
            raise self.parsed.error(node, f"{_describe(target, node.func)} cannot be written as adsct code with "
                                    f"these arguments ({error.msg})", "use ad.adoo for this function") from None

    def inline(self, callee, node: ast.Call) -> ast.expr:
        """A call to a user function: its body, normalised in place (with its own names); see
        inlining.py.  A derivative made inside f: its generated code, inlined (nesting.py)."""
        if isinstance(callee, Transformed):
            return nesting.call_transformed(self, callee, *inlining.call_arguments(self, node), node)
        return inlining.inline(self, callee, node)

    def apply(self, op, args, keywords, node) -> ast.expr:
        if any(isinstance(a, ast.Starred) for a in args) or any(k.arg is None for k in keywords):
            raise self.parsed.error(node, "a call with *-unpacking or **-unpacking of its arguments (f(*xs), f(**options))",
                                    "pass the arguments one by one")
        if op.nin is None:  # concatenate([a, b], axis=...): the list holds the inputs
            if args and getattr(op, "subscripts_first", False) and not isinstance(args[0], (ast.List, ast.Tuple)):
                args = [ast.List(list(args[1:]), ast.Load()), args[0]]  # einsum("ij,j", a, b): arrays after
            if not args or not isinstance(args[0], (ast.List, ast.Tuple)):
                raise self.parsed.error(node, f"{op.name} needs a literal list of arrays here")
            args = [tuple(args[0].elts)] + list(args[1:])
        try:
            inputs, params = op.bind(tuple(args), {k.arg: k.value for k in keywords})
        except TypeError as error:
            raise self.parsed.error(node, str(error)) from None
        # a list of constants is a constant array input (np.append(x, [1.0, 2.0])), not a pytree
        inputs = [self.outside(a) if isinstance(a, (ast.List, ast.Tuple)) and not self.mentions_locals(a) else self.expr(a)
                  for a in inputs]
        params = {k: self.static(v) for k, v in params.items()}
        return self.emit(op, inputs, params, node)

    def apply_multi(self, multi, args, keywords, node):
        """A function with several outputs (np.linalg.svd): one statement per output it returns."""
        try:
            _, params = multi.parts[0].bind(tuple(args), {k.arg: k.value for k in keywords})
            chosen = multi.selected({k: ast.literal_eval(v) for k, v in params.items()})
        except (TypeError, ValueError) as error:
            raise self.parsed.error(node, f"{multi.name}: {error}; its parameters must be literal constants here "
                                    f"(they decide which outputs it returns)") from None
        if isinstance(chosen, ops.Op):
            return self.apply(chosen, args, keywords, node)
        if any(isinstance(a, ast.Starred) for a in args) or any(k.arg is None for k in keywords):
            raise self.parsed.error(node, "a call with *-unpacking or **-unpacking of its arguments (f(*xs), f(**options))",
                                    "pass the arguments one by one")
        inputs, params = chosen[0].bind(tuple(args), {k.arg: k.value for k in keywords})
        inputs = [self.expr(a) for a in inputs]  # once, for all the outputs
        params = {k: self.static(v) for k, v in params.items()}
        return Structured(multi.result(*(self.emit(part, [clone(x) for x in inputs], {k: clone(v) for k, v in params.items()},
                                                   node) for part in chosen)))  # (NumPy's named tuple)

    def resolve(self, func: ast.expr):
        """The object a call's function expression names, from globals, closure and builtins."""
        if isinstance(func, ast.Name):
            if func.id in self.namespace:
                return self.namespace[func.id]
            if hasattr(builtins, func.id):
                return getattr(builtins, func.id)
            raise self.parsed.error(func, f"name {func.id!r} is not defined")
        if isinstance(func, ast.Attribute):
            owner = self.resolve(func.value)
            try:
                target = getattr(owner, func.attr)
            except AttributeError:
                raise self.parsed.error(func, f"{_describe(owner, func.value)} has no attribute {func.attr!r}") from None
            path = _dotted(func)
            if path is not None and dict.__contains__(self.namespace, path[0]):
                self.namespace.note_attribute(path, target)  # np.sin, mylib.helper: re-checked later
            return target
        raise self.parsed.error(func, f"calling {ast.unparse(func)}, which is not a function adsct can name here",
                                "call a function by its name (a global or local def, a lambda or functools.partial "
                                "assigned to a name), or a method of a value (x.sum(), np.ones(3).dot(x))")


def _is_callable_object(target) -> bool:
    """An instance of a user's class with a __call__ method (a class-based decorator, a model)."""
    return isinstance(getattr(type(target), "__call__", None), types.FunctionType) \
        and not isinstance(target, (types.FunctionType, type))


def _inlinable(target) -> bool:
    """A user's Python function or method bound to an object (library functions are not opened up)."""
    if isinstance(target, types.MethodType):
        target = target.__func__
    module = getattr(target, "__module__", "") or ""
    return isinstance(target, types.FunctionType) and (
        not module.startswith(_NOT_INLINED) or module.startswith(_INLINED_FROM_AD)
        or registered_source(target.__code__.co_filename) is not None)  # (code adsct wrote, whatever its globals)




def _describe(target, func) -> str:
    module = getattr(target, "__module__", None)
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    if module and name:
        return f"{module}.{name}"
    return ast.unparse(func)



def _dotted(node: ast.expr) -> "tuple | None":
    """("np", "linalg", "norm") for np.linalg.norm; None for anything but names and attributes."""
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else head + (node.attr,)
    return None


def _own_op(target):
    """The op an object computes without being in the registry (an `ad.checkpoint` function:
    its op's owner is the object itself), else None."""
    op = getattr(target, "op", None)
    return op if isinstance(op, ops.Op) and getattr(op, "owner", None) is target else None
