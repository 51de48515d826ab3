"""One test program in its two spellings, run under every strategy that takes it.

A program written with `ad.ops` calls runs under adlib, adoo and adsct; its NumPy spelling
(`np.max(x)`, `x * 1j`) runs under adoo and adsct, the strategies that take plain NumPy code.
"""

import ad


def runs(ops_version, numpy_version=None) -> list:
    """(label, strategy module, function) for each way the program runs.

    >>> [label for label, _, _ in runs(abs, abs)]
    ['adlib (ops)', 'adoo (ops)', 'adsct (ops)', 'adoo (numpy)', 'adsct (numpy)']
    """
    found = [(f"{name} (ops)", ad.strategies.get(name), ops_version) for name in ad.available()]
    if numpy_version is not None:
        found += [(f"{name} (numpy)", ad.strategies.get(name), numpy_version)
                  for name in ("adoo", "adsct") if name in ad.available()]
    return found


def ids(cases) -> list:
    """pytest ids for a list of runs."""
    return [f"{label}-{getattr(f, '__name__', 'f')}" for label, _, f in cases]
