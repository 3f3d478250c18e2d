"""Run one operation over many spaces concurrently, yielding each result as it completes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Final, Generic, TypeVar

import attrs

from gitbook_async._checks import check_int
from gitbook_async._closing import AsyncClosing
from gitbook_async._errors import GitBookError, InvalidArgumentError

__all__ = ["SpaceResult", "SpaceResults", "map_spaces"]

T = TypeVar("T")
_NO_MORE: Final = "\x00no more space ids"


@attrs.frozen
class SpaceResult(Generic[T]):
    """The outcome of an operation on one space: a value or an error, never both.

    Attributes:
        space_id: The space.
        value: What the operation returned (None if it failed).
        error: The ``GitBookError`` it raised (None if it succeeded).
    """

    space_id: str
    value: T | None = None
    error: GitBookError | None = None

    @property
    def ok(self) -> bool:
        """Whether the operation succeeded."""
        return self.error is None

    def unwrap(self) -> T:
        """Return the value, or raise the error.

        Raises:
            GitBookError: the error the operation raised for this space.
        """
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class SpaceResults(AsyncClosing, Generic[T]):
    """Async iterator over ``SpaceResult``s in completion order, with bounded concurrency.

    At most ``concurrency`` operations run at once; the next space starts as soon as one
    finishes, so memory stays flat for 10,000 spaces. A ``GitBookError`` for one space is
    yielded as that space's result and the others go on; any other exception (a bug in the
    operation) and cancellation propagate. Leaving early (``break``, an exception) cancels the
    operations still running: use ``async with`` to make that immediate.
    """

    def __init__(
        self,
        space_ids: Iterable[str],
        operation: Callable[[str], Awaitable[T]],
        *,
        concurrency: int,
    ) -> None:
        self._running: dict[asyncio.Task[T], str] = {}
        if isinstance(space_ids, str):
            raise InvalidArgumentError("space_ids must be an iterable of ids, not one string")
        check_int("concurrency", concurrency, minimum=1)
        self._pending_ids: Iterator[str] = iter(space_ids)
        self._operation = operation
        self._concurrency = concurrency
        self._done: list[asyncio.Task[T]] = []
        self._closed = False

    def __aiter__(self) -> SpaceResults[T]:
        return self

    async def __anext__(self) -> SpaceResult[T]:
        if self._closed:
            raise StopAsyncIteration
        try:
            self._fill()
            if not self._done:
                if not self._running:
                    self._closed = True
                    raise StopAsyncIteration
                finished, _ = await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
                self._done.extend(finished)
            return self._result(self._done.pop(0))
        except StopAsyncIteration:
            raise
        except BaseException:
            await self.aclose()
            raise

    def _fill(self) -> None:
        loop = asyncio.get_running_loop()
        while len(self._running) < self._concurrency:
            space_id = next(self._pending_ids, _NO_MORE)
            if space_id is _NO_MORE:
                return
            self._running[loop.create_task(_call(self._operation, space_id))] = space_id

    def _result(self, task: asyncio.Task[T]) -> SpaceResult[T]:
        space_id = self._running.pop(task)
        error = task.exception()  # CancelledError propagates: nobody else cancels these tasks
        if error is None:
            return SpaceResult(space_id, value=task.result())
        if isinstance(error, GitBookError):
            return SpaceResult(space_id, error=error)
        raise error

    async def aclose(self) -> None:
        """Cancel the operations still running and wait for them. Idempotent."""
        self._closed = True
        tasks = list(self._running)
        self._running.clear()
        self._done.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    def __del__(self) -> None:
        for task in self._running:
            if not task.done():
                with contextlib.suppress(RuntimeError):  # the loop may already be closed
                    task.cancel()
            elif not task.cancelled():
                task.exception()  # mark it retrieved: the caller left before seeing it


def map_spaces(
    space_ids: Iterable[str],
    operation: Callable[[str], Awaitable[T]],
    *,
    concurrency: int | None,
    default_concurrency: int,
) -> SpaceResults[T]:
    """Run ``operation`` over ``space_ids``, ``concurrency`` at once (None: the default).

    Raises:
        InvalidArgumentError: ``space_ids`` is one string, or ``concurrency`` is not an
            int >= 1 (before anything runs).

    """
    chosen = default_concurrency if concurrency is None else concurrency
    return SpaceResults(space_ids, operation, concurrency=chosen)


async def _call(operation: Callable[[str], Awaitable[T]], space_id: str) -> T:
    return await operation(space_id)
