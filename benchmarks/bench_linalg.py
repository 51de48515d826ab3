"""The linalg rules on 200 x 200 matrices: value and gradient of a scalar loss through `solve`,
`inv`, `cholesky` and `eigh`, under adoo and adsct, against the gradient formula written by
hand with the same NumPy calls (one BLAS thread, medians of interleaved rounds).

With the gradient in both a and b, solve's two VJPs each solve with a^T (the registry's rules
are one per input): three solves where the hand-written gradient shares one, two in all.

Run: python benchmarks/bench_linalg.py
"""

import _setup  # noqa: F401
import numpy as np

from ad import adoo, adsct
from ad.bench.timing import compare, table
from ad.ops.memo import forget

N = 200
rng = np.random.default_rng(0)
A = rng.standard_normal((N, N)) / np.sqrt(N) + 2.0 * np.eye(N)  # well conditioned
SPD = A @ A.T + np.eye(N)
B = rng.standard_normal((N, 4))
W = rng.standard_normal((N, N))  # weights of the loss: sum(W * result)
W4 = rng.standard_normal((N, 4))
C = rng.standard_normal(N)


# -- the losses, as a NumPy user writes them ------------------------------------------------------

def solve_loss(a, b):
    return np.sum(np.linalg.solve(a, b) * W4)


def inv_loss(a):
    return np.sum(np.linalg.inv(a) * W)


def cholesky_loss(a):
    return np.sum(np.linalg.cholesky(a) * W)


def eigh_loss(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * C) + np.sum(v * W)


# -- the same, differentiated by hand ------------------------------------------------------------------

def solve_by_hand(a, b):
    x = np.linalg.solve(a, b)
    gb = np.linalg.solve(a.T, W4)
    return np.sum(x * W4), (-gb @ x.T, gb)


def solve_a_by_hand(a, b):
    x = np.linalg.solve(a, b)
    return np.sum(x * W4), -np.linalg.solve(a.T, W4) @ x.T


def inv_by_hand(a):
    x = np.linalg.inv(a)
    return np.sum(x * W), -x.T @ W @ x.T


def _onto_lower(s):
    return np.tril(s) + np.tril(s.T, -1)


def cholesky_by_hand(a):
    l = np.linalg.cholesky(a)
    p = np.tril(l.T @ W)
    p[np.diag_indices(N)] *= 0.5
    s = np.linalg.solve(l.T, np.linalg.solve(l.T, p).T).T  # l^-T p l^-1
    return np.sum(l * W), _onto_lower(s)


def eigh_by_hand(a):
    w, v = np.linalg.eigh(a)
    gaps = w[None, :] - w[:, None]
    np.fill_diagonal(gaps, 1.0)
    f = 1.0 / gaps
    np.fill_diagonal(f, 0.0)
    inner = f * (v.T @ W)
    inner[np.diag_indices(N)] += C
    return np.sum(w * C) + np.sum(v * W), _onto_lower(v @ inner @ v.T)


CASES = {
    "solve, gradient in a": (solve_loss, solve_a_by_hand, (A, B), 0),
    "solve, gradient in a and b": (solve_loss, solve_by_hand, (A, B), (0, 1)),
    "inv": (inv_loss, inv_by_hand, (A,), 0),
    "cholesky": (cholesky_loss, cholesky_by_hand, (SPD,), 0),
    "eigh": (eigh_loss, eigh_by_hand, (SPD,), 0),
}


def _check(f, by_hand, args, argnums):
    """The three agree before anything is timed."""
    value, grad = by_hand(*args)
    for strategy in (adoo, adsct):
        v, g = strategy.value_and_grad(f, argnums=argnums)(*args)
        assert np.isclose(v, value), (f.__name__, strategy.__name__)
        for mine, theirs in zip(g if isinstance(argnums, tuple) else (g,), grad if isinstance(argnums, tuple) else (grad,)):
            np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-8 * np.max(np.abs(theirs)))


if __name__ == "__main__":
    for name, (f, by_hand, args, argnums) in CASES.items():
        _check(f, by_hand, args, argnums)
        adoo_vg, adsct_vg = adoo.value_and_grad(f, argnums=argnums), adsct.value_and_grad(f, argnums=argnums)
        # (memo.forget: every call factorises again, as it would on new inputs)
        medians = compare({"by hand": lambda: by_hand(*args), "adoo": lambda: (forget(), adoo_vg(*args)),
                           "adsct": lambda: (forget(), adsct_vg(*args))}, rounds=15, target=0.05)
        print(table(medians, "by hand", f"{name} {N}x{N}: value and gradient"))
        print()
