"""A progress bar over epochs: tqdm when it is installed and wanted, else a silent stand-in.

tqdm is imported only here and only when a bar is asked for, so `import ad.nn` works
without it.  Bars show on a terminal or in Jupyter, never in redirected output.

>>> bar = progress_bar(range(3), enabled=False)
>>> list(bar), bar.set_postfix(loss=0.5)
([0, 1, 2], None)
"""

from __future__ import annotations

import sys

__all__ = ["progress_bar"]


class _Silent:
    """Iterates like tqdm and ignores its extras."""

    def __init__(self, iterable):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def set_postfix(self, *args, **kwargs) -> None:
        return None

    def close(self) -> None:
        return None


def progress_bar(iterable, enabled: bool = True, **options):
    """`tqdm(iterable, **options)` if `enabled` and tqdm is importable, else a silent wrapper
    with the same `set_postfix` and `close`.

    >>> list(progress_bar("ab", enabled=False))
    ['a', 'b']
    """
    if enabled and _shown(options.get("file", sys.stderr)):
        try:
            from tqdm import tqdm
        except ImportError:
            return _Silent(iterable)
        return tqdm(iterable, **options)
    return _Silent(iterable)


def _shown(stream) -> bool:
    """Whether a bar is readable there: a terminal, or a Jupyter cell.  Redirected to a file
    or a pipe, a bar's carriage returns would run into the printed text."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or _in_jupyter_kernel()


def _in_jupyter_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (ipykernel merely imported, as a test
    suite may do, is not enough: the running IPython shell must be a kernel's).

    >>> _in_jupyter_kernel()
    False
    """
    if "ipykernel" not in sys.modules:
        return False
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    shell = get_ipython() if get_ipython else None
    return shell is not None and hasattr(shell, "kernel")
