"""Run one operation over many spaces concurrently, yielding each result as it completes."""

from __future__ import annotations

import asyncio
import collections
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


class _Finished(Generic[T]):
    """Where the operations' tasks land as they end, in completion order.

    Each task's done callback is this object, not the ``SpaceResults``: a running task
    never keeps the iterator alive, so dropping the iterator still cancels the tasks.
    """

    __slots__ = ("tasks", "waiter")

    def __init__(self) -> None:
        self.tasks: collections.deque[asyncio.Task[T]] = collections.deque()
        self.waiter: asyncio.Future[None] | None = None

    def __call__(self, task: asyncio.Task[T]) -> None:
        self.tasks.append(task)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


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
        self._finished: _Finished[T] = _Finished()
        self._closed = False

    def __aiter__(self) -> SpaceResults[T]:
        return self

    async def __anext__(self) -> SpaceResult[T]:
        if self._closed:
            raise StopAsyncIteration
        try:
            self._fill()
            finished = self._finished
            if not finished.tasks:
                if not self._running:
                    self._closed = True
                    raise StopAsyncIteration
                # One future per wait, woken by the first task to end (no callback on
                # every running task per result, as asyncio.wait would add and remove).
                waiter = finished.waiter = asyncio.get_running_loop().create_future()
                try:
                    await waiter
                finally:
                    finished.waiter = None
            return self._result(finished.tasks.popleft())
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
            task = loop.create_task(_call(self._operation, space_id))
            task.add_done_callback(self._finished)
            self._running[task] = space_id

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
        self._finished.tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        self._finished.tasks.clear()  # the cancelled ones reported meanwhile

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
