"""The SDK against the fake GitBook over real loopback sockets."""

from __future__ import annotations

import pytest

from gitbook_async import (
    AuthenticationError,
    GitBookClient,
    Integration,
    NotFoundError,
    PaginationError,
    ResponseValidationError,
    SpaceIntegrationBlocks,
    SpaceIntegrationScript,
)
from gitbook_async.testing import (
    DEMO_EMPTY_SPACE_ID,
    DEMO_LARGE_SPACE_ID,
    DEMO_SPACE_ID,
    FakeGitBook,
    Fault,
    make_integration,
)

from .conftest import TOKEN, pending_sdk_tasks

INTEGRATIONS = f"/v1/spaces/{DEMO_LARGE_SPACE_ID}/integrations"


def _listing_requests(server: FakeGitBook, space_id: str) -> list[dict[str, str]]:
    return [r.query for r in server.requests if r.path == f"/v1/spaces/{space_id}/integrations"]


async def test_walks_every_page_once_with_search_and_limit(
    fake_gitbook: FakeGitBook, live_client: GitBookClient
) -> None:
    """A multi-page walk yields every matching item exactly once and keeps search and limit."""
    everything = [
        i async for i in live_client.spaces.list_integrations(DEMO_LARGE_SPACE_ID, limit=1000)
    ]
    expected = [i.name for i in everything if "an" in i.name.lower() or "an" in i.title.lower()]
    assert len(expected) > 7

    found = [
        i.name
        async for i in live_client.spaces.list_integrations(
            DEMO_LARGE_SPACE_ID, search="AN", limit=7
        )
    ]

    assert found == expected
    queries = _listing_requests(fake_gitbook, DEMO_LARGE_SPACE_ID)[1:]
    assert len(queries) == -(-len(expected) // 7)
    assert all(q["search"] == "AN" and q["limit"] == "7" for q in queries)
    assert "page" not in queries[0]
    assert all("page" in q for q in queries[1:])


async def test_items_are_typed_models(live_client: GitBookClient) -> None:
    """Items are frozen Integration models with their owner organization."""
    (first,) = await live_client.spaces.list_integrations(DEMO_SPACE_ID, max_items=1).collect()
    assert isinstance(first, Integration)
    assert first.owner.title
    assert first.owner.created_at.tzinfo is not None
    with pytest.raises(AttributeError):
        first.name = "changed"  # type: ignore[misc]


async def test_pages_report_cursor_and_count(live_client: GitBookClient) -> None:
    """pages() yields Page objects whose next_page resumes the walk exactly there."""
    paginator = live_client.spaces.list_integrations(DEMO_LARGE_SPACE_ID, limit=50)
    pages = [page async for page in paginator.pages()]
    assert pages[-1].next_page is None
    assert all(p.count == pages[0].count for p in pages)
    assert sum(len(p) for p in pages) == pages[0].count

    resumed = live_client.spaces.list_integrations(
        DEMO_LARGE_SPACE_ID, limit=50, page=pages[1].next_page
    )
    rest = [i.name async for i in resumed]
    assert rest == [i.name for p in pages[2:] for i in p.items]


async def test_max_items_stops_early(fake_gitbook: FakeGitBook, live_client: GitBookClient) -> None:
    """max_items caps the walk and fetches no page beyond what it needs."""
    names = [
        i.name
        async for i in live_client.spaces.list_integrations(
            DEMO_LARGE_SPACE_ID, limit=10, max_items=25, prefetch=0
        )
    ]
    assert len(names) == 25
    assert len(set(names)) == 25
    assert len(_listing_requests(fake_gitbook, DEMO_LARGE_SPACE_ID)) == 3


async def test_early_break_leaves_nothing_pending(live_client: GitBookClient) -> None:
    """Breaking out of the loop leaves no pending task and no checked-out connection."""
    async for _ in live_client.spaces.list_integrations(DEMO_LARGE_SPACE_ID, limit=5):
        break
    assert await pending_sdk_tasks() == []


async def test_empty_space(live_client: GitBookClient) -> None:
    """An empty space yields nothing."""
    assert await live_client.spaces.list_integrations(DEMO_EMPTY_SPACE_ID).collect() == []


async def test_blocks_and_scripts(live_client: GitBookClient) -> None:
    """Blocks and scripts come back as lists of models."""
    blocks = await live_client.spaces.list_integration_blocks(DEMO_SPACE_ID)
    scripts = await live_client.spaces.list_integration_scripts(DEMO_SPACE_ID)
    assert blocks
    assert all(isinstance(b, SpaceIntegrationBlocks) for b in blocks)
    assert scripts
    assert all(isinstance(s, SpaceIntegrationScript) for s in scripts)


async def test_models_round_trip_to_the_wire_json(fake_gitbook: FakeGitBook) -> None:
    """to_dict() gives back exactly the JSON the server sent."""
    sent = make_integration("slack")
    fake_gitbook.add_space("roundtrip", integrations=[sent])
    async with GitBookClient(TOKEN, base_url=fake_gitbook.url) as gitbook:
        received = await gitbook.spaces.list_integrations("roundtrip").collect()
    assert [i.to_dict() for i in received] == [sent]


async def test_unknown_space_is_not_found(live_client: GitBookClient) -> None:
    """A space the server does not know raises NotFoundError."""
    with pytest.raises(NotFoundError) as caught:
        await live_client.spaces.list_integration_blocks("no-such-space")
    assert caught.value.status == 404


async def test_wrong_token_is_an_authentication_error(fake_gitbook: FakeGitBook) -> None:
    """A token the server refuses raises AuthenticationError."""
    async with GitBookClient("wrong-token", base_url=fake_gitbook.url) as gitbook:
        with pytest.raises(AuthenticationError):
            await gitbook.spaces.list_integration_scripts(DEMO_SPACE_ID)


async def test_looping_cursor_raises(fake_gitbook: FakeGitBook, live_client: GitBookClient) -> None:
    """A cursor the server repeats raises PaginationError instead of looping forever."""
    fake_gitbook.inject(Fault.looping_cursor(), times=None, path=INTEGRATIONS)
    seen: list[str] = []

    async def walk() -> None:
        async for item in live_client.spaces.list_integrations(DEMO_LARGE_SPACE_ID, limit=10):
            seen.append(item.name)

    with pytest.raises(PaginationError):
        await walk()
    assert 10 <= len(seen) <= 20


async def test_invalid_payload_names_the_json_path(
    fake_gitbook: FakeGitBook, live_client: GitBookClient
) -> None:
    """A schema-invalid page raises ResponseValidationError naming the bad value's path."""
    good = make_integration("slack")
    bad = make_integration("github")
    bad["owner"]["billing"]["interval"] = 12
    del bad["owner"]["title"]
    fake_gitbook.inject(Fault.payload({"items": [good, good, bad], "count": 3}), path=INTEGRATIONS)
    with pytest.raises(ResponseValidationError) as caught:
        await live_client.spaces.list_integrations(DEMO_LARGE_SPACE_ID).collect()
    error = caught.value
    assert error.endpoint == "GET /spaces/{spaceId}/integrations"
    paths = [path for path, _ in error.errors]
    assert "items[2].owner.billing.interval" in paths
    assert "items[2].owner.title" in paths
    assert "items[2].owner.billing.interval" in str(error)


async def test_scripts_404_explains_the_endpoint_may_be_gone(live_client: GitBookClient) -> None:
    """A 404 from integration-scripts says the server may no longer offer the endpoint."""
    with pytest.raises(NotFoundError) as caught:
        await live_client.spaces.list_integration_scripts("no-such-space")
    assert caught.value.status == 404
    assert "no longer offers" in str(caught.value)
    assert "0.202.0" in caught.value.message


async def test_resume_after_max_items_stopped_mid_page(live_client: GitBookClient) -> None:
    """A walk cut mid-page by max_items resumes from page.next_page with nothing lost or doubled."""
    everything = await live_client.spaces.list_integrations(DEMO_LARGE_SPACE_ID, limit=10).collect()
    first = [
        page
        async for page in live_client.spaces.list_integrations(
            DEMO_LARGE_SPACE_ID, limit=10, max_items=25
        ).pages()
    ]
    taken = [i for page in first for i in page.items]
    assert len(taken) == 25
    checkpoint = first[-1].next_page
    assert checkpoint is not None
    assert checkpoint.startswith("gbasync1.")

    second = live_client.spaces.list_integrations(
        DEMO_LARGE_SPACE_ID, limit=10, page=checkpoint, max_items=12
    )
    second_pages = [page async for page in second.pages()]
    more = [i for page in second_pages for i in page.items]
    rest = await live_client.spaces.list_integrations(
        DEMO_LARGE_SPACE_ID, limit=10, page=second_pages[-1].next_page
    ).collect()
    assert [i.name for i in taken + more + rest] == [i.name for i in everything]


async def test_item_iterator_checkpoints(live_client: GitBookClient) -> None:
    """resume_cursor after any item continues the walk right after that item."""
    everything = [
        i.name async for i in live_client.spaces.list_integrations(DEMO_SPACE_ID, limit=7)
    ]
    for stop_after in (1, 7, 10, len(everything) - 1):
        names: list[str] = []
        async with aiter(live_client.spaces.list_integrations(DEMO_SPACE_ID, limit=7)) as iterator:
            assert iterator.resume_cursor is None
            async for integration in iterator:
                names.append(integration.name)
                if len(names) == stop_after:
                    break
            checkpoint = iterator.resume_cursor
        rest = live_client.spaces.list_integrations(DEMO_SPACE_ID, limit=7, page=checkpoint)
        assert names + [i.name async for i in rest] == everything


async def test_damaged_resume_cursor_is_refused_before_any_request(
    fake_gitbook: FakeGitBook, live_client: GitBookClient
) -> None:
    """A resume cursor that does not decode raises InvalidArgumentError at once."""
    before = len(fake_gitbook.requests)
    with pytest.raises(ValueError, match="damaged"):
        live_client.spaces.list_integrations(DEMO_SPACE_ID, page="gbasync1.!!!")
    assert len(fake_gitbook.requests) == before
