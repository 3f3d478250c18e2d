"""How a benchmark is run: full size or ``--quick``, and where the fake server runs."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks._host import HostMode
from benchmarks._measure import MIN_RUNS


@dataclass(frozen=True)
class Settings:
    """Options every benchmark's ``run`` receives.

    ``quick`` runs tiny sizes and one round (``tests/test_benchmarks_smoke.py``: the figures
    mean nothing then); ``server`` is where the fake GitBook runs for the benchmarks that
    talk to it over HTTP (a child process unless told otherwise, as issue 12 measured).
    """

    quick: bool = False
    server: HostMode = HostMode.SUBPROCESS

    def repeats(self, full: int = MIN_RUNS) -> int:
        """Rounds to run: ``full`` (at least ``MIN_RUNS``), or 1 when quick."""
        return 1 if self.quick else max(full, MIN_RUNS)

    def size(self, full: int, quick: int) -> int:
        """``full``, or ``quick`` in quick mode."""
        return quick if self.quick else full
