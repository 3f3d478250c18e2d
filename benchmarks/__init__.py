"""Benchmarks of gitbook-async against the fake GitBook: ``python -m benchmarks``.

Not part of ``make test``: ``make bench`` installs the ``bench`` extra, runs them all and
writes ``docs/performance.md``. ``tests/test_benchmarks_smoke.py`` runs each one in
``--quick`` mode so that this code cannot rot. The registry is in ``run.py``, what they
share in ``_harness.py``.
"""
