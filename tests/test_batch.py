"""map_spaces / list_integrations_many: bounded, completion-ordered, failure-isolating."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from gitbook_async import (
    GitBookClient,
    InvalidArgumentError,
    NotFoundError,
    SpaceResult,
    SpaceResults,
)
from gitbook_async.testing import FakeGitBook, make_integration

from .conftest import TOKEN, pending_sdk_tasks


async def test_every_space_gets_a_result_and_failures_are_isolated() -> None:
    """Each id yields one result; a GitBookError becomes that space's error, others go on."""

    async def operation(space_id: str) -> str:
        await asyncio.sleep(0.001 * (hash(space_id) % 5))
        if space_id == "bad":
            raise NotFoundError("no such space", status=404)
        return space_id.upper()

    results = [r async for r in SpaceResults(["a", "bad", "c", "d"], operation, concurrency=2)]
    by_id = {r.space_id: r for r in results}
    assert sorted(by_id) == ["a", "bad", "c", "d"]
    assert by_id["a"].value == "A"
    assert by_id["a"].ok
    assert not by_id["bad"].ok
    assert isinstance(by_id["bad"].error, NotFoundError)
    with pytest.raises(NotFoundError):
        by_id["bad"].unwrap()
    assert by_id["c"].unwrap() == "C"


async def test_concurrency_is_bounded_and_ids_are_consumed_lazily() -> None:
    """At most `concurrency` operations run at once, and ids are pulled only as slots free."""
    running = peak = 0
    pulled = 0

    def ids() -> Iterator[str]:
        nonlocal pulled
        for index in range(200):
            pulled += 1
            yield f"space-{index}"

    async def operation(space_id: str) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1

    results = SpaceResults(ids(), operation, concurrency=7)
    first = await anext(results)
    assert isinstance(first, SpaceResult)
    assert pulled <= 7 + 1
    rest = [r async for r in results]
    assert len(rest) == 199
    assert peak == 7


async def test_completion_order() -> None:
    """Results arrive as operations complete, not in input order."""

    async def operation(space_id: str) -> str:
        await asyncio.sleep(0.05 if space_id == "slow" else 0)
        return space_id

    order = [r.space_id async for r in SpaceResults(["slow", "fast"], operation, concurrency=2)]
    assert order == ["fast", "slow"]


async def test_early_exit_cancels_running_operations() -> None:
    """Leaving the loop early cancels what is still running and leaves no task behind."""
    started: list[str] = []
    cancelled: list[str] = []

    async def operation(space_id: str) -> str:
        started.append(space_id)
        if space_id == "fails":
            raise NotFoundError("gone", status=404)
        try:
            await asyncio.sleep(0 if space_id == "quick" else 10)
        except asyncio.CancelledError:
            cancelled.append(space_id)
            raise
        return space_id

    async with SpaceResults(["quick", "fails", "s1", "s2"], operation, concurrency=4) as results:
        async for _ in results:
            break
    assert sorted(cancelled) == ["s1", "s2"]
    assert await pending_sdk_tasks() == []


async def test_dropping_the_iterator_cancels_running_operations() -> None:
    """Breaking out without `async with` also cancels (on garbage collection)."""
    cancelled: list[str] = []

    async def operation(space_id: str) -> str:
        try:
            await asyncio.sleep(0 if space_id == "quick" else 10)
        except asyncio.CancelledError:
            cancelled.append(space_id)
            raise
        return space_id

    async for _ in SpaceResults(["quick", "slow"], operation, concurrency=2):
        break
    assert await pending_sdk_tasks() == []
    assert cancelled == ["slow"]


async def test_a_bug_in_the_operation_propagates() -> None:
    """An exception that is not a GitBookError is raised, and the rest is cancelled."""

    async def operation(space_id: str) -> str:
        if space_id == "buggy":
            raise KeyError(space_id)
        await asyncio.sleep(10)
        return space_id

    with pytest.raises(KeyError):
        async for _ in SpaceResults(["slow", "buggy"], operation, concurrency=2):
            pass
    assert await pending_sdk_tasks() == []


@pytest.mark.parametrize("concurrency", [0, -1, True, 1.5])
async def test_invalid_concurrency(concurrency: object) -> None:
    """concurrency must be a positive int."""

    async def operation(space_id: str) -> str:
        return space_id

    with pytest.raises(InvalidArgumentError):
        SpaceResults(["a"], operation, concurrency=concurrency)  # type: ignore[arg-type]


async def test_a_single_string_is_refused() -> None:
    """A lone string is not taken as an iterable of one-letter ids."""

    async def operation(space_id: str) -> str:
        return space_id

    with pytest.raises(InvalidArgumentError):
        SpaceResults("space", operation, concurrency=1)


async def test_list_integrations_many_against_the_server() -> None:
    """Many spaces are walked concurrently; a missing space is reported, not fatal."""
    async with FakeGitBook(token=TOKEN) as server:
        for index in range(12):
            names = [f"app-{index}-{n}" for n in range(index % 4)]
            server.add_space(f"s{index}", integrations=[make_integration(n) for n in names])
        async with GitBookClient(TOKEN, base_url=server.url, max_concurrency=4) as gitbook:
            ids = [f"s{index}" for index in range(12)] + ["missing"]
            results = {
                r.space_id: r async for r in gitbook.spaces.list_integrations_many(ids, limit=2)
            }
    assert len(results) == 13
    assert isinstance(results["missing"].error, NotFoundError)
    for index in range(12):
        value = results[f"s{index}"].unwrap()
        assert [i.name for i in value] == [f"app-{index}-{n}" for n in range(index % 4)]


async def test_map_spaces_uses_the_client_concurrency() -> None:
    """map_spaces defaults to the client's max_concurrency."""
    running = peak = 0

    async def operation(space_id: str) -> str:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001)
        running -= 1
        return space_id

    client = GitBookClient(TOKEN, max_concurrency=3)
    results = [r async for r in client.map_spaces([str(i) for i in range(20)], operation)]
    await client.aclose()
    assert len(results) == 20
    assert peak == 3


@pytest.mark.parametrize("concurrency", [0, -1, True])
async def test_an_explicit_bad_concurrency_is_refused_not_replaced(concurrency: int) -> None:
    """Only ``concurrency=None`` means the client's default; 0 is refused like any bad value,
    for map_spaces and list_integrations_many alike, before anything runs.
    """

    async def operation(space_id: str) -> str:
        raise AssertionError("never called")  # pragma: no cover

    client = GitBookClient(TOKEN)
    with pytest.raises(InvalidArgumentError, match="concurrency"):
        client.map_spaces(["a"], operation, concurrency=concurrency)
    with pytest.raises(InvalidArgumentError, match="concurrency"):
        client.spaces.list_integrations_many(["a"], concurrency=concurrency)
    await client.aclose()
