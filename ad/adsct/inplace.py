"""What NumPy changes in place: the check generated code makes before `b += x` (the
run-time half of aliasing.py), and the statements and calls adsct refuses outright.

adsct writes `b += x` as `b = b + x`.  That is Python's meaning for numbers, but NumPy
updates an array in place, so every other name for the array (or a view of it) changes too.
Where aliasing.py cannot rule that out, the generated code asks `same_array` just before
the update, for each other local name read later: the very same array is then rebound to
the updated value (as NumPy's in-place update makes it look), a view of it raises the
user-facing error, and numbers pass.  A global sharing the array is refused
(`refuse_shared_update`): a function cannot rebind it.

>>> import numpy as np
>>> site = SharedUpdate("b += x", "b", ("`a` (line 3)",), "f.py", 4, 5)
>>> a = np.ones(2)
>>> refuse_shared_update(1.0, (1.0,), site)  # numbers are rebound, as Python does
>>> try:
...     refuse_shared_update(a, (a[1:],), site)  # a view of the same memory
... except UnsupportedSyntaxError as error:
...     print(error.lineno, error.msg[:55])
4 `b += x` updates the array of b in place, and `a` (line
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass

import numpy as np

from ..derived import plain
from ..errors import UnsupportedSyntaxError


@dataclass(frozen=True)
class SharedUpdate:
    """One in-place update statement (`b += x`), with the names that may share b's array."""

    text: str  # the statement as the user wrote it
    updated: str  # the name updated in place
    described: tuple  # how the error names each other value, in the order the check gets them: "`a` (line 3)"
    filename: str
    line: int
    column: int

    def error(self, k: int, certain: bool = True) -> UnsupportedSyntaxError:
        """The error for this update, when the k-th other name shares the array (or may)."""
        rewritten = _rebinding(self.text, self.updated)
        element = self.text.startswith(self.updated + "[")  # y[i] = v: an assignment into an array element
        first = "write into the array itself and take views of it after this line" if element else \
            f"write `{rewritten}` for a new array"
        return UnsupportedSyntaxError(
            f"`{self.text}` {'assigns into an element of' if element else 'updates'} the array of {self.updated} "
            f"in place, and {self.described[k]} {'names' if certain else 'may name'} the same array (or a view "
            f"of it); adsct cannot follow in-place updates of shared arrays",
            self.filename, self.line, self.column, self.text,
            f"{first}, or give {self.updated} an array of its own before this line: "
            f"`{self.updated} = {self.updated}.copy()`")


def _rebinding(text: str, updated: str) -> str:
    """`b = b + x` for `b += x` (the spelling that makes a new array)."""
    for symbol in ("**=", "//=", ">>=", "<<=", "+=", "-=", "*=", "/=", "%=", "@=", "&=", "|=", "^="):
        head, found, tail = text.partition(symbol)
        if found:
            return f"{head.strip()} = {head.strip()} {symbol[:-1]} {tail.strip()}"
    return f"{updated} = ..."


def refuse_shared_update(value, others: tuple, site: SharedUpdate) -> None:
    """Raise `site`'s error when `value` is an array and one of `others` shares its memory
    (engine values, such as adoo's, are looked through to their arrays).

    >>> site = SharedUpdate("s += 1", "s", ("the argument `x`",), "f.py", 2, 5)
    >>> refuse_shared_update(2.0, (2.0,), site) is None
    True
    """
    array = plain(value)
    if not isinstance(array, np.ndarray):
        return None
    for k, other in enumerate(others):
        other = plain(other)
        if isinstance(other, np.ndarray) and np.may_share_memory(array, other):
            raise site.error(k)
    return None


# Calls that write into an argument, and array methods that change their array.
_CHANGING_FUNCTIONS = (np.copyto, np.put, np.place, np.putmask, np.put_along_axis, np.fill_diagonal,
                       np.random.shuffle, operator.setitem, operator.iadd, operator.isub, operator.imul,
                       operator.itruediv, operator.ifloordiv, operator.imod, operator.ipow, operator.imatmul)
_CHANGING_METHODS = frozenset({"sort", "fill", "resize", "put", "itemset", "partition", "setfield", "setflags",
                               "byteswap", "__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__"})
IN_PLACE_HINT = ("adsct follows no in-place changes of arrays: use the forms that return a new array, "
                 "a = np.sort(a), a = np.where(mask, v, a), c = np.add(a, b)")


def in_place_change(node: ast.AST, function=None) -> "str | None":
    """What statement or call `node` changes in place, in a Python programmer's words (None
    when it changes nothing adsct knows of); `function` is the object a call resolves to
    (None for a method of a local value).

    >>> print(in_place_change(ast.parse("a[1:] = 0.0").body[0]))
    `a[1:] = 0.0` writes into `a` in place (item assignment)
    >>> print(in_place_change(ast.parse("np.copyto(a, b)").body[0].value, np.copyto))
    `np.copyto(a, b)` writes into `a` in place
    """
    text = ast.unparse(node)
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Subscript):
                return f"`{text}` writes into `{ast.unparse(target.value)}` in place (item assignment)"
            if isinstance(target, ast.Attribute):
                return f"`{text}` changes the attribute `{target.attr}` of `{ast.unparse(target.value)}` in place"
        return None
    if not isinstance(node, ast.Call):
        return None
    out = next((k.value for k in node.keywords if k.arg == "out"), None)
    if out is not None:
        return f"`{text}` writes its result into `{ast.unparse(out)}` in place (out=)"
    if function is None and isinstance(node.func, ast.Attribute) and node.func.attr in _CHANGING_METHODS:
        return f"`{text}` changes `{ast.unparse(node.func.value)}` in place"
    if any(function is f for f in _CHANGING_FUNCTIONS) and node.args:
        return f"`{text}` writes into `{ast.unparse(node.args[0])}` in place"
    return None


def same_array(value, other, site: SharedUpdate, k: int) -> bool:
    """Whether `other` names the very array `value` holds (then the update must rebind it too);
    raises `site`'s error when it shares only part of the memory (a view), which rebinding
    cannot follow.  Numbers are never the same array: Python rebinds them.

    >>> site = SharedUpdate("b += x", "b", ("`a` (line 3)",), "f.py", 4, 5)
    >>> a = np.ones(2)
    >>> same_array(a, a, site, 0), same_array(a, np.ones(2), site, 0), same_array(2.0, 2.0, site, 0)
    (True, False, False)
    """
    array = plain(value)
    if not isinstance(array, np.ndarray):
        return False
    if other is value:
        return True
    other = plain(other)
    if isinstance(other, np.ndarray) and np.may_share_memory(array, other):
        raise site.error(k)
    return False
