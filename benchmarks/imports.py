"""Import time: ``import gitbook_async`` against ``import aiohttp``, in fresh interpreters.

Each run times a whole ``python -c "import X"`` (wall clock); the figure is the minimum of
15 runs (only noise makes an import slower), minus the minimum of 15 bare ``python -c
pass``. Byte-code is compiled once beforehand, as pip does when it installs a wheel.
"""

from __future__ import annotations

import functools
import time
from typing import Final

from benchmarks._harness import Comparison, Direction, Measurement, Settings, Target, python, rounds

RUNS: Final = 15


def _wall_ms(code: str) -> float:
    started = time.perf_counter()
    python("-c", code)
    return (time.perf_counter() - started) * 1000


def run_imports(settings: Settings) -> list[Comparison]:
    """``import gitbook_async`` vs ``import aiohttp``, minimum of 15 fresh runs each."""
    python("-c", "import gitbook_async, aiohttp", env={"PYTHONDONTWRITEBYTECODE": ""})
    codes = {"sdk": "import gitbook_async", "aiohttp": "import aiohttp", "bare": "pass"}
    variants = {name: functools.partial(_wall_ms, code) for name, code in codes.items()}
    runs = rounds(variants, settings.repeats(RUNS))
    bare = min(runs["bare"])

    def measured(name: str) -> Measurement:
        return Measurement(codes[name], "ms", tuple(t - bare for t in runs[name]), best=True)

    return [
        Comparison(
            "8",
            f"Import time, fresh interpreters, min of {len(runs['sdk'])}, bare interpreter "
            f"({bare:.0f} ms) subtracted: gitbook_async vs aiohttp",
            measured("sdk"),
            measured("aiohttp"),
            Target(Direction.AT_MOST, 1.2),
        )
    ]
