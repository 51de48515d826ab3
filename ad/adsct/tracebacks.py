"""Errors raised while generated code runs, pointed at the user's line.

Generated code quotes each source line of the user's function before the statements that
compute it (`# line 12: y = X @ W`, `# helper, line 3: ...` for an inlined callee).  When
NumPy raises inside the forward sweep (shapes that do not match, `if x > 0` on an array, an
index out of range), the traceback shows the generated line; `note_user_line` adds a note
with the quoted line above it, so the error points where adoo's traceback would.  Errors of
the reverse sweep, and of code generated from generated code, get no note (no user line
quoted there is the one that failed).
"""

from __future__ import annotations

import re
import traceback

from .parse import registered_source

_QUOTE = re.compile(r"^\s*# (?:(?P<callee>\w+), )?line (?P<line>\d+): (?P<text>.*)$")
_REVERSE_SWEEP = "# reverse sweep"


def user_line(error: BaseException, f) -> str | None:
    """Where in f's source the generated code was when `error` was raised, or None.

    >>> import numpy as np
    >>> from ad import adsct
    >>> text = "def f(x):\\n    y = x * 2.0\\n    z = y @ np.ones(3)\\n    return z\\n"
    >>> exec(text)
    >>> _ = adsct.source(f, source=text)  # (the source given once is remembered)
    >>> try:
    ...     adsct.grad(f)(np.ones(2))
    ... except ValueError as error:
    ...     print(user_line(error, f).split(", line ")[1])
    3: z = y @ np.ones(3)
    """
    generated = [frame for frame in traceback.extract_tb(error.__traceback__)
                 if registered_source(frame.filename) is not None]
    code = getattr(f, "__code__", None)
    if len(generated) != 1 or code is None or registered_source(code.co_filename) is not None:
        return None
    lines = registered_source(generated[0].filename).splitlines()
    for index in range(min(generated[0].lineno, len(lines)) - 1, -1, -1):
        if lines[index].strip().startswith(_REVERSE_SWEEP):
            return None
        quote = _QUOTE.match(lines[index])
        if quote is not None:
            where = f"{quote['callee']} (called from {code.co_filename})" if quote["callee"] else code.co_filename
            return f"{where}, line {quote['line']}: {quote['text']}"
    return None


def note_user_line(error: BaseException, f) -> None:
    """Add "in the user's code: file, line N: text" to `error` (Python 3.11's notes)."""
    where = user_line(error, f)
    if where is not None and hasattr(error, "add_note"):
        error.add_note(f"while running the derivative code of {getattr(f, '__name__', f)}, at {where}")
