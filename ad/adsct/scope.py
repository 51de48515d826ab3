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
        self._globals = getattr(f, "__globals__", {})
        super().__init__(self._globals)
        self._cells = {}
        code = getattr(f, "__code__", None)
        if code is not None and f.__closure__:
            for name, cell in zip(code.co_freevars, f.__closure__):
                self._cells[name] = cell
                value = _cell_value(cell)
                if value is not MISSING:
                    dict.__setitem__(self, name, value)
        self.reads: dict = {}

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


def staleness_check(namespaces: Iterable[Namespace]) -> Callable[[], bool]:
    """A function telling whether every recorded lookup still gives the same object.

    It runs before every call of generated code, so it is itself generated: one `is` test
    per lookup, `globals.get(name) is value` for a global, `cell.cell_contents is value` for
    a closure variable, `getattr(...)` along an attribute path.
    """
    scope, tests = {"MISSING": MISSING, "_cell_value": _cell_value}, []
    for k, namespace in enumerate(namespaces):
        scope[f"g{k}"] = namespace._globals
        for j, (path, value) in enumerate(namespace.reads.items()):
            name = path[0]
            if name in namespace._cells:
                scope[f"c{k}_{j}"] = namespace._cells[name]
                expr = f"_cell_value(c{k}_{j})"
            else:
                expr = f"g{k}.get({name!r}, MISSING)"
            for attribute in path[1:]:
                expr = f"getattr({expr}, {attribute!r}, MISSING)"
            scope[f"v{k}_{j}"] = value
            tests.append(f"{expr} is v{k}_{j}")
    text = "def is_current():\n    return " + (" and ".join(tests) or "True") + "\n"
    exec(compile(text, "<ad.adsct staleness check>", "exec"), scope)
    return scope["is_current"]
