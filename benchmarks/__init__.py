"""Benchmarks of gitbook-async against the fake GitBook (issues 12 and 5): ``python -m benchmarks``.

Not part of ``make test``: ``make bench`` installs the ``bench`` extra, runs them all and
writes ``docs/performance.md``. ``tests/test_benchmarks_smoke.py`` runs each one in
``--quick`` mode (tiny sizes) so that this code cannot rot. The registry is in ``run.py``.
"""
