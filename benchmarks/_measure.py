"""What a benchmark returns: measurements (medians of runs) and comparisons against targets."""

from __future__ import annotations

import enum
import operator
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar

T = TypeVar("T")

MIN_RUNS: Final = 5
"""Every figure is the median of at least this many runs (issue 5)."""


@dataclass(frozen=True)
class Measurement:
    """One quantity measured ``len(runs)`` times; ``median`` is the figure reported."""

    label: str
    unit: str
    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median of the runs."""
        return statistics.median(self.runs)

    def show(self, value: float | None = None) -> str:
        """Format ``value`` (default: the median) with a precision that suits the unit."""
        value = self.median if value is None else value
        digits = 3 if abs(value) < 10 else 2 if abs(value) < 100 else 1 if abs(value) < 1000 else 0
        return f"{value:,.{digits}f} {self.unit}"

    def spread(self) -> str:
        """The median with the range of the runs, e.g. ``1.20 s (1.18-1.31, n=5)``."""
        low, high = min(self.runs), max(self.runs)
        return f"{self.show()} ({self.show(low)} - {self.show(high)}, n={len(self.runs)})"


class Direction(enum.Enum):
    """How a ratio compares with its target."""

    AT_MOST = "<="
    AT_LEAST = ">="


@dataclass(frozen=True)
class Target:
    """A target for a ratio, e.g. ``Target(Direction.AT_MOST, 1.3)`` for "<= 1.3x"."""

    direction: Direction
    value: float

    def met_by(self, ratio: float) -> bool:
        """Tell whether ``ratio`` meets the target."""
        compare: Callable[[float, float], bool] = (
            operator.le if self.direction is Direction.AT_MOST else operator.ge
        )
        return compare(ratio, self.value)

    def __str__(self) -> str:
        return f"{self.direction.value} {self.value:g}x"


@dataclass(frozen=True)
class Check:
    """A further condition a row must meet besides its ratio (e.g. connections <= 16)."""

    description: str
    passed: bool


@dataclass(frozen=True)
class Comparison:
    """One row of the results table: a subject against a baseline, as a ratio.

    ``ratio`` is subject/baseline, or baseline/subject when ``speedup`` (how many times
    faster the subject is). ``target`` is None for rows reported for information only;
    ``checks`` are further conditions of the target.
    """

    key: str
    title: str
    subject: Measurement
    baseline: Measurement
    target: Target | None = None
    speedup: bool = False
    checks: tuple[Check, ...] = field(default=())

    @property
    def ratio(self) -> float:
        """The ratio the target applies to."""
        if self.speedup:
            return self.baseline.median / self.subject.median
        return self.subject.median / self.baseline.median

    @property
    def paired_ratio(self) -> float | None:
        """Median of the per-round ratios (runs taken side by side), if rounds line up.

        Less sensitive than ``ratio`` to slow drifts of the machine's speed during a run.
        """
        if len(self.subject.runs) != len(self.baseline.runs):
            return None
        pairs = zip(self.subject.runs, self.baseline.runs, strict=True)
        return statistics.median(b / s if self.speedup else s / b for s, b in pairs)

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None without a target)."""
        if self.target is None:
            return None
        return self.target.met_by(self.ratio) and all(check.passed for check in self.checks)


def interleaved(order: Sequence[T], repeat: int) -> list[T]:
    """Rotate ``order`` by ``repeat`` so that no variant always runs first (drift, warm-up)."""
    shift = repeat % len(order)
    return [*order[shift:], *order[:shift]]
