"""Benchmarks of gitbook-async against the fake GitBook (GitHub issue 5): ``python -m benchmarks``.

Not part of ``make test``: ``make bench`` installs the ``bench`` extra, runs them all and
writes ``docs/performance.md``. ``tests/test_benchmarks_smoke.py`` runs each one at a tiny
size so that this code cannot rot.
"""
