"""Compatibility names for ``benchmarks/ratelimit.py``: the rows now live in ``_harness``."""

from benchmarks._harness import MIN_RUNS, Check, Comparison, Direction, Measurement, Target

__all__ = ["MIN_RUNS", "Check", "Comparison", "Direction", "Measurement", "Target"]
