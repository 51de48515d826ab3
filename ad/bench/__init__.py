"""Benchmarks: timing helpers and workloads shared by `benchmarks/` scripts and `python -m ad.bench`."""
