"""Shared by the benchmark scripts: one BLAS thread (set before NumPy is imported), since on a
small shared machine a second BLAS thread mostly adds noise and every candidate gets the
same BLAS."""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
