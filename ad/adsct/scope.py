"""Step 2: resolve names against a function's globals and closure, and remember the answers.

Generated code bakes in what it learnt from names outside the function: which function a
call meant, which helper was inlined, the value of a module-level `AXIS = 1` used as a
static parameter.  If the user later rebinds such a name (a notebook cell redefining a
helper, `nonlocal` updating a closure variable), reusing the old code would give a silently
wrong derivative.  So every lookup is recorded, and `is_current` tells whether all of them
still give the same objects; the transforms regenerate the code when one does not.

Attributes read when resolving a call (`np.sin`, `mylib.helper`) are recorded as dotted
paths and re-checked the same way.
"""

from __future__ import annotations

import types
from typing import Callable, Iterable

MISSING = object()


class Namespace(dict):
    """A function's globals with its closure's current values on top, recording each name
    looked up (with `[]`, `in` or `get`) and the value it had.

    >>> scale = 2.0
    >>> def f(x):
    ...     return scale * x
    >>> namespace = Namespace(f)
    >>> namespace["scale"]
    2.0
    >>> check = staleness_check([namespace])
    >>> check(), namespace.reads
    (True, {('scale',): 2.0})
    """

    def __init__(self, f):
        bound = f.__self__ if isinstance(f, types.MethodType) else MISSING
        f = f.__func__ if isinstance(f, types.MethodType) else f
        self._globals = getattr(f, "__globals__", {})
        super().__init__(self._globals)
        self._cells = {}
        code = getattr(f, "__code__", None)
        cells = list(zip(code.co_freevars, f.__closure__ or ())) if code is not None else []
        if bound is not MISSING and code is not None and code.co_argcount:  # a bound method's `self`
            cells.append((code.co_varnames[0], types.CellType(bound)))
        for name, cell in cells:
            self._cells[name] = cell
            value = _cell_value(cell)
            if value is not MISSING:
                dict.__setitem__(self, name, value)
        # What the generated code was written from: replacing f's code or defaults makes it stale.
        self.function = f if code is not None else None
        self.definition = (code, f.__defaults__, f.__kwdefaults__) if code is not None else None
        self.reads: dict = {}

    def for_inner_function(self) -> "Namespace":
        """The same names, read for a function defined inside this one (nesting.py lifts it
        out): its lookups are recorded apart, and this function's code and defaults are not
        its own to watch."""
        inner = Namespace.__new__(Namespace)
        dict.__init__(inner, self)
        inner._globals, inner._cells, inner.function, inner.definition, inner.reads = \
            self._globals, self._cells, None, None, {}
        return inner

    def __getitem__(self, name):
        value = dict.__getitem__(self, name)
        self.reads[(name,)] = value
        return value

    def __contains__(self, name):
        self.reads[(name,)] = dict.get(self, name, MISSING)
        return dict.__contains__(self, name)

    def get(self, name, default=None):
        value = self[name] if name in self else default
        return value

    def note_attribute(self, path: tuple, value) -> None:
        """Record that following `path` (a name, then attributes) gave `value`."""
        self.reads[path] = value

    def current(self, path: tuple):
        """What `path` names now (MISSING if nothing)."""
        name = path[0]
        value = _cell_value(self._cells[name]) if name in self._cells else self._globals.get(name, MISSING)
        for attribute in path[1:]:
            if value is MISSING:
                break
            value = getattr(value, attribute, MISSING)
        return value


def _cell_value(cell):
    try:
        return cell.cell_contents
    except ValueError:  # a closure variable not assigned yet
        return MISSING


def staleness_test(namespaces: Iterable[Namespace], prefix: str = "") -> tuple:
    """`(expression, scope)`: Python text that is true while every recorded lookup still
    gives the same object, and the names it reads (each starting with `prefix`).

    The test runs before every call of generated code, so it is kept to plain loads:
    `g0['scale'] is v0_0` for a global, `c0_1.cell_contents is v0_1` for a closure variable,
    and `v0_0.sin is v0_2` for an attribute path once its prefix is known to be the same
    object; `f0.__code__ is f0_code` (and its defaults) for the function itself, whose code
    can be replaced.  It may raise (a name or attribute gone, an empty closure cell): that means
    "not current".

    >>> def f(x):
    ...     return scale * x
    >>> namespace = Namespace(f)
    >>> namespace.get("scale")
    >>> staleness_test([namespace])[0].split(" and ")[-1]
    "g0.get('scale', MISSING) is v0_0"
    """
    scope, tests = {prefix + "MISSING": MISSING, prefix + "_cell_value": _cell_value}, []
    for k, namespace in enumerate(namespaces):
        scope[f"{prefix}g{k}"] = namespace._globals
        if namespace.function is not None:
            scope[f"{prefix}f{k}"] = namespace.function
            for attribute, value in zip(("__code__", "__defaults__", "__kwdefaults__"), namespace.definition):
                expected = "None" if value is None else f"{prefix}f{k}_{attribute.strip('_')}"
                if value is not None:
                    scope[expected] = value
                tests.append(f"{prefix}f{k}.{attribute} is {expected}")
        names = {}  # recorded path -> the name its value has in the test
        for j, (path, value) in enumerate(sorted(namespace.reads.items(), key=lambda item: len(item[0]))):
            names[path] = f"{prefix}v{k}_{j}"
            scope[names[path]] = value
            name, prefix_path, cell = path[0], path[:-1], f"{prefix}c{k}_{j}"
            if name in namespace._cells:
                scope[cell] = namespace._cells[name]
            if value is MISSING or any(namespace.reads.get(path[:n]) is MISSING for n in range(1, len(path))):
                expr = (f"{prefix}_cell_value({cell})" if name in namespace._cells
                        else f"{prefix}g{k}.get({name!r}, {prefix}MISSING)")
                for attribute in path[1:]:
                    expr = f"getattr({expr}, {attribute!r}, {prefix}MISSING)"
            elif len(path) > 1 and prefix_path in names:  # the prefix was tested (same object) just before
                expr = f"{names[prefix_path]}.{path[-1]}"
            else:
                expr = f"{cell}.cell_contents" if name in namespace._cells else f"{prefix}g{k}[{name!r}]"
                expr += "".join(f".{attribute}" for attribute in path[1:])
            tests.append(f"{expr} is {names[path]}")
    return " and ".join(tests) or "True", scope


def staleness_check(namespaces: Iterable[Namespace]) -> Callable[[], bool]:
    """A function telling whether every recorded lookup still gives the same object (see
    `staleness_test`), generated so that it is fast.

    >>> import math
    >>> def f(x):
    ...     return math.sin(x)
    >>> namespace = Namespace(f)
    >>> namespace.note_attribute(("math", "sin"), namespace["math"].sin)
    >>> check = staleness_check([namespace])
    >>> check(), check.test
    (True, "f0.__code__ is f0_code and f0.__defaults__ is None and f0.__kwdefaults__ is None and g0['math'] is v0_0 and v0_0.sin is v0_1")
    """
    test, scope = staleness_test(namespaces)
    text = ("def is_current():\n    try:\n        return " + test
            + "\n    except Exception:  # a name or attribute gone, an empty closure cell\n        return False\n")
    exec(compile(text, "<ad.adsct staleness check>", "exec"), scope)
    check = scope["is_current"]
    check.test = test
    return check
