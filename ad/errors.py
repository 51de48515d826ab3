"""Errors shared by the strategies: a clear error instead of a silently wrong derivative."""


class NotDifferentiableError(TypeError):
    """An active (differentiated) value reached a callable that has no derivative rule.

    >>> str(NotDifferentiableError("numpy.fft.fft"))
    'numpy.fft.fft'
    """


class UnsupportedSyntaxError(SyntaxError):
    """Source transformation met a construct outside the supported Python subset.

    Carries `filename`, `lineno`, `offset` (as SyntaxError does) and a `hint`.
    """

    def __init__(self, message, filename=None, lineno=None, offset=None, text=None, hint=""):
        super().__init__(message, (filename, lineno, offset, text))
        self.hint = hint

    def __str__(self):
        """file:line:col: message (hint: ...), leaving out what is not known.

        >>> str(UnsupportedSyntaxError("cannot read the source", "<stdin>", None, None, None, "pass source="))
        '<stdin>: cannot read the source (hint: pass source=)'
        """
        where = ":".join(str(part) for part in (self.filename, self.lineno, self.offset) if part is not None)
        where = f"{where}: " if self.filename else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{self.msg}{hint}"


class LeakedValueError(TypeError):
    """A traced value (Var, Dual, tape handle) of a transform that has finished reached a
    later computation: it escaped through a global, a closure or a container.  Its
    derivative belongs to the finished transform, so any number computed from it here would
    be silently wrong.

    >>> isinstance(LeakedValueError("..."), TypeError)
    True
    """


def user_line() -> str:
    """Where the user's code is running now, for errors raised while it runs (adoo): " (at
    file, line N: text)" of the innermost frame outside the `ad` package and NumPy, or "".

    >>> user_line().startswith(" (at ")
    True
    """
    import linecache
    import os
    import sys

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    numpy = sys.modules.get("numpy")  # (NumPy's own Python code runs for the user's line, np.mean([a, b]))
    libraries = (package,) if numpy is None else (package, os.path.dirname(os.path.abspath(numpy.__file__)) + os.sep)
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(libraries):
        frame = frame.f_back
    if frame is None:
        return ""
    code = frame.f_code
    text = linecache.getline(code.co_filename, frame.f_lineno).strip()
    return f" (at {code.co_filename}, line {frame.f_lineno}: {text})" if text else \
        f" (at {code.co_filename}, line {frame.f_lineno})"
