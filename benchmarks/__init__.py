"""The benchmark and its input generator; run from the repository root: ``python -m benchmarks.run``."""
