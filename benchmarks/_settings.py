"""Compatibility name for ``benchmarks/ratelimit.py``: ``Settings`` now lives in ``_harness``."""

from benchmarks._harness import Settings

__all__ = ["Settings"]
