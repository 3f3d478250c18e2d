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
"""Every figure is the median of at least this many runs (issues 5 and 12)."""


@dataclass(frozen=True)
class Measurement:
    """One quantity measured ``len(runs)`` times; ``median`` is the figure reported."""

    label: str
    unit: str
    runs: tuple[float, ...]
    decimals: int | None = None  # None: a precision that suits the size of the value

    @property
    def median(self) -> float:
        """The median of the runs."""
        return statistics.median(self.runs)

    def show(self, value: float | None = None) -> str:
        """Format ``value`` (default: the median) with a precision that suits the unit."""
        value = self.median if value is None else value
        digits = self.decimals
        if digits is None:
            size = abs(value)
            digits = 3 if size < 10 else 2 if size < 100 else 1 if size < 1000 else 0
        return f"{value:,.{digits}f} {self.unit}"

    def spread(self) -> str:
        """The median with the range of the runs, e.g. ``1.20 s (1.18-1.31, n=5)``."""
        low, high = min(self.runs), max(self.runs)
        return f"{self.show()} ({self.show(low)} - {self.show(high)}, n={len(self.runs)})"


class Direction(enum.Enum):
    """How a ratio compares with its target."""

    AT_MOST = "<="
    AT_LEAST = ">="
    BELOW = "<"


_COMPARE: Final[dict[Direction, Callable[[float, float], bool]]] = {
    Direction.AT_MOST: operator.le,
    Direction.AT_LEAST: operator.ge,
    Direction.BELOW: operator.lt,
}


@dataclass(frozen=True)
class Target:
    """A target for a ratio, e.g. ``Target(Direction.AT_MOST, 1.3)`` for "<= 1.3x".

    With a ``unit`` other than ``"x"`` the target applies to the measured value itself
    (e.g. ``Target(Direction.BELOW, 100, "objects")``), for rows without a baseline.
    """

    direction: Direction
    value: float
    unit: str = "x"

    @property
    def absolute(self) -> bool:
        """Whether the target applies to the value itself rather than to a ratio."""
        return self.unit != "x"

    def met_by(self, value: float) -> bool:
        """Tell whether ``value`` (a ratio, or the measured value) meets the target."""
        return _COMPARE[self.direction](value, self.value)

    def __str__(self) -> str:
        if self.absolute:
            return f"{self.direction.value} {self.value:g} {self.unit}"
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
    faster the subject is). A row without a ``baseline`` reports the subject alone, and its
    target (if any) is an absolute one. ``target`` is None for rows reported for
    information only; ``checks`` are further conditions of the target.
    """

    key: str
    title: str
    subject: Measurement
    baseline: Measurement | None
    target: Target | None = None
    speedup: bool = False
    checks: tuple[Check, ...] = field(default=())

    @property
    def ratio(self) -> float | None:
        """The ratio of the medians (None for a row without a baseline)."""
        if self.baseline is None:
            return None
        if self.speedup:
            return _divide(self.baseline.median, self.subject.median)
        return _divide(self.subject.median, self.baseline.median)

    @property
    def value(self) -> float:
        """What the target applies to: the ratio, or the subject's median without baseline."""
        ratio = self.ratio
        return self.subject.median if ratio is None else ratio

    @property
    def paired_ratio(self) -> float | None:
        """Median of the per-round ratios (runs taken side by side), if rounds line up.

        Less sensitive than ``ratio`` to slow drifts of the machine's speed during a run.
        """
        if self.baseline is None or len(self.subject.runs) != len(self.baseline.runs):
            return None
        pairs = zip(self.subject.runs, self.baseline.runs, strict=True)
        return statistics.median(_divide(b, s) if self.speedup else _divide(s, b) for s, b in pairs)

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None without a target)."""
        if self.target is None:
            return None
        return self.target.met_by(self.value) and all(check.passed for check in self.checks)


def _divide(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, infinite for a zero denominator (a 0 ms stall, say)."""
    return numerator / denominator if denominator else float("inf")


def interleaved(order: Sequence[T], repeat: int) -> list[T]:
    """Rotate ``order`` by ``repeat`` so that no variant always runs first (drift, warm-up)."""
    shift = repeat % len(order)
    return [*order[shift:], *order[:shift]]
