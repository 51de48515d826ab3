"""Step 3a: statements and small expressions that carry no derivative, in three-address form.

Accepts, one at a time from the normaliser: `pass`; `assert`, `raise` and calls made for their
effect alone (print, warnings, logging); annotated assignments (`y: float = ...`) and chained
assignments (`a = b = ...`); unpacking of a value that is not a tuple the normaliser can see
through (`r, c = x.shape`, `a, b = x` for the rows of an array); chained comparisons
(`0 < x < 1`), `is` and `in` comparisons, and f-strings.

Guarantees to the generators: an effect becomes a Stmt marked `effect` whose `expr` is the
statement itself, with its names normalised; it runs in the forward sweep as written and
saves nothing.  Unpacking checks the number of items at run time (`check_unpack`), as Python
does, and then takes the items one by one (getitem, so a derivative flows through the rows
of an array).  A chained comparison evaluates each operand once and stops at the first false
link, as Python does.  Everything else becomes the assignments and expressions the
normaliser already handles.
"""

from __future__ import annotations

import ast
import logging
import warnings

from .astutil import fresh_name, helper
from .checks import check_unpack

CHECK_UNPACK = "check_unpack"  # (a helper of generated code, see emit.py)
_PLAIN_COMPARISONS = (ast.Is, ast.IsNot, ast.In, ast.NotIn)


def lower_statement(normaliser, node: ast.stmt) -> bool:
    """Normalise `node` if it is one of this module's statements; whether it was.

    >>> lower_statement(None, ast.Pass())
    True
    """
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Assert):
        message = [] if node.msg is None else [_plain_value(normaliser, node.msg)]
        normaliser.effect(ast.Assert(normaliser.expr(node.test), *message))
        return True
    if isinstance(node, ast.Raise):
        exception = None if node.exc is None else _plain_value(normaliser, node.exc)
        cause = None if node.cause is None else _plain_value(normaliser, node.cause)
        normaliser.effect(ast.Raise(exception, cause))
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _is_effect(normaliser, node.value.func):
        normaliser.effect(ast.Expr(_plain_value(normaliser, node.value)))
        return True
    if isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
        normaliser.statement(_at(node, ast.Assign([node.target], node.value)))
        return True
    if isinstance(node, ast.Assign) and len(node.targets) > 1:  # a = b = value: one value, several names
        first = node.targets[0]
        normaliser.statement(_at(node, ast.Assign([first], node.value)))
        value = ast.Name(first.id, ast.Load()) if isinstance(first, ast.Name) else node.value
        if not isinstance(first, ast.Name) and normaliser.mentions_locals(node.value):
            raise normaliser.parsed.error(node, "a chained assignment whose first target is not a plain name",
                                          "assign to one name first: v = ...; a, b = v; c = v")
        for target in node.targets[1:]:
            normaliser.statement(_at(node, ast.Assign([target], value)))
        return True
    return False


def lower_expression(normaliser, node: ast.expr):
    """The normalised value of `node` if it is one of this module's expressions, else None.

    >>> from ad import adsct
    >>> text = "def f(x):\\n    if 0.0 < x < 1.0:\\n        return x * x\\n    return x\\n"
    >>> exec(text)
    >>> _ = adsct.source(f, source=text)  # (the source given once is remembered)
    >>> adsct.grad(f)(0.5), adsct.grad(f)(1.5)
    (1.0, 1.0)
    """
    if isinstance(node, ast.Compare) and len(node.ops) > 1:
        return _chained_comparison(normaliser, node)
    if isinstance(node, ast.Compare) and isinstance(node.ops[0], _PLAIN_COMPARISONS):  # x is None, k in keys
        left, right = (_literal_value(normaliser, e) for e in (node.left, node.comparators[0]))
        return normaliser.plain(ast.Compare(left, node.ops, [right]))
    if isinstance(node, ast.JoinedStr):  # f"...{x.ndim}...": a string, no derivative
        return normaliser.plain(_plain_value(normaliser, node))
    return None


def unpack(normaliser, targets: list, value: ast.expr, node: ast.stmt) -> None:
    """`a, b = value` for a value that is not a tuple known now: a check that it has as many
    items as there are names, then one assignment per name.

    `value` (already normalised) is a name or a constant; its items are taken by position,
    as a plain subscript where it carries no derivative (the ints of a shape stay ints), else
    through getitem (the rows of an array).

    >>> from ad import adsct
    >>> text = "def f(X):\\n    r, c = X.shape\\n    return np.sum(X) * c\\n"
    >>> exec(text)
    >>> print(adsct.source(f, source=text).split("# line 2: r, c = X.shape")[1].split("# line 3")[0].strip())
    t1 = X.shape
        check_unpack(t1, 2)
        r = t1[0]
        c = t1[1]
        del t1
    """
    if not isinstance(value, ast.Name):
        value = normaliser.plain(value)
    name = usable_name(normaliser, value)
    normaliser.effect(ast.Expr(ast.Call(helper(CHECK_UNPACK), [value, ast.Constant(len(targets))], [])))
    for k, target in enumerate(targets):
        item = ast.Subscript(ast.Name(name, ast.Load()), ast.Constant(k), ast.Load())
        normaliser.statement(_at(node, ast.Assign([target], item)))


def usable_name(normaliser, value) -> str:
    """A name that syntax written for the normaliser can use for `value`, a normalised name or
    a tuple/list/dict (anf.Structured) computed before.

    >>> class Normaliser:  # (the part of anf.Normaliser this uses)
    ...     versions, taken = {"x": "x"}, {"x", "t1"}
    >>> normaliser = Normaliser()
    >>> usable_name(normaliser, ast.Name("x")), usable_name(normaliser, ast.Name("t1")), normaliser.versions["t1"]
    ('x', 't1', 't1')
    """
    if isinstance(value, ast.Name) and normaliser.versions.get(value.id) == value.id:
        return value.id
    if isinstance(value, ast.Name) and value.id not in normaliser.versions:  # a version or temporary: unused elsewhere
        normaliser.versions[value.id] = value.id
        return value.id
    name = fresh_name("values", normaliser.taken)
    normaliser.versions[name] = value.id if isinstance(value, ast.Name) else value
    return name


def _chained_comparison(normaliser, node: ast.Compare):
    """`a < b < c` is `a < b and b < c` with b evaluated once (and c only if a < b)."""
    operands = [node.left] + list(node.comparators)
    names = [operands[0]] + [None] * (len(operands) - 1)
    links = []
    for k, op in enumerate(node.ops):
        right = operands[k + 1]
        if k + 1 < len(operands) - 1:  # a middle operand is compared twice: evaluated once
            value = normaliser.expr(right)
            right = ast.Name(usable_name(normaliser, value), ast.Load()) if isinstance(value, ast.Name) else value
        names[k + 1] = right
        links.append(_at(node, ast.Compare(names[k], [op], [right])))
    return normaliser.expr(_at(node, ast.BoolOp(ast.And(), links)))


def _is_effect(normaliser, func: ast.expr) -> bool:
    """print(...), warnings.warn(...), logging calls and generated code's checks: run for their effect."""
    if normaliser.mentions_locals(func):
        return False
    target = normaliser.resolve(func)
    module = getattr(getattr(target, "__func__", target), "__module__", None)
    return target is print or target is warnings.warn or target is check_unpack or module == logging.__name__


def _plain_value(normaliser, node: ast.expr) -> ast.expr:
    """`node` with every local value in it normalised, for code that only looks at values (a
    message, an exception, a call to print): calls, f-strings and containers stay as written."""
    if isinstance(node, ast.Call) and not normaliser.mentions_locals(node.func):
        return ast.Call(normaliser.outside(node.func), [_plain_value(normaliser, a) for a in node.args],
                        [ast.keyword(k.arg, _plain_value(normaliser, k.value)) for k in node.keywords])
    if isinstance(node, ast.JoinedStr):
        return ast.JoinedStr([_plain_value(normaliser, v) for v in node.values])
    if isinstance(node, ast.FormattedValue):
        spec = None if node.format_spec is None else _plain_value(normaliser, node.format_spec)
        return ast.FormattedValue(_literal_value(normaliser, node.value), node.conversion, spec)
    if isinstance(node, ast.Starred):
        return ast.Starred(_literal_value(normaliser, node.value), ast.Load())
    if isinstance(node, ast.Constant) or not normaliser.mentions_locals(node):
        return normaliser.outside(node)
    return _literal_value(normaliser, node)


def _literal_value(normaliser, node: ast.expr) -> ast.expr:
    """A normalised value as an expression: a tuple/list/dict (anf.Structured) as its literal."""
    value = normaliser.expr(node)
    return value if isinstance(value, ast.AST) else _literal(value.value)


def _literal(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([_literal(v) for v in value], ast.Load())
    if isinstance(value, list):
        return ast.List([_literal(v) for v in value], ast.Load())
    if isinstance(value, dict):
        return ast.Dict([ast.Constant(k) for k in value], [_literal(v) for v in value.values()])
    return value


def _at(origin: ast.AST, node: ast.AST) -> ast.AST:
    """`node` with the source position of `origin` (comments and errors point there)."""
    return ast.fix_missing_locations(ast.copy_location(node, origin))
