"""Corpus functions that write into part of an array (`y[i] = v`, `y[:, 0] *= 2`, `y[mask] = 0`),
written as people write NumPy code.  WRITES joins adsct_corpus.CORPUS (checked in reverse and
forward mode against adoo and finite differences in test_adsct.py); test_adsct_writes.py
checks them at second order and keeps golden files of their generated code.  In a file of
their own so that the golden files' line numbers stay put.
"""

import numpy as np


def cumulative_by_index(x):
    out = np.zeros_like(x)
    out[0] = x[0]
    for i in range(1, len(x)):
        out[i] = out[i - 1] + x[i] ** 2
    return np.sum(np.sqrt(out + 1.0))


def normalise_rows_in_place(a):
    y = a.copy()
    for i in range(y.shape[0]):
        y[i] /= np.sum(y[i] ** 2) ** 0.5
    return np.sum(y[:, 0] * a[:, 1])


def clamp_negative_entries(x):
    y = x * 1.0
    y[y < 0.0] = 0.0
    y[-1] += 1.0
    return np.sum(y * np.sin(x))


def boundary_conditions(u):
    v = u.copy()
    v[0] = 0.0
    v[-1] = 0.0
    v[1:-1] = u[:-2] - 2.0 * u[1:-1] + u[2:]
    return np.sum(v ** 2)


def diagonal_shift(a):
    m = a @ a.T
    for i in range(m.shape[0]):
        m[i, i] += 1.0
    return np.sum(np.log(np.abs(m) + 1.0))


def every_other_entry(x):
    y = np.ones_like(x)
    y[::2] = np.exp(x[::2])
    y[1::2] *= x[1::2]
    return np.sum(y)


def zero_first_of_a_copy(x):
    z = np.array(x)  # a copy: x keeps its first entry
    z[0] = 0.0
    return np.sum(z * x)


def scale_through_asarray(x):  # (adoo refuses it: not in WRITES; see test_adsct_writes.py)
    y = x * 1.0
    z = np.asarray(y)  # y itself: the update below changes y too
    z[1:] *= 2.0
    return np.sum(y * x) + np.sum(np.sin(z))


WRITES = [
    (cumulative_by_index, (np.array([0.4, -0.3, 0.8, 0.1]),), 0),
    (normalise_rows_in_place, (np.array([[0.5, -1.2, 0.8], [1.4, 0.2, -0.3]]),), 0),
    (clamp_negative_entries, (np.array([0.4, -0.3, 0.8, -0.1]),), 0),
    (boundary_conditions, (np.array([0.1, 0.5, -0.2, 0.9, 0.3]),), 0),
    (diagonal_shift, (np.array([[0.5, -1.2, 0.8], [1.4, 0.2, -0.3]]),), 0),
    (every_other_entry, (np.array([0.4, -0.3, 0.8, 0.1, 0.6]),), 0),
    (zero_first_of_a_copy, (np.array([0.4, -0.3, 0.8, 0.1]),), 0),
]
