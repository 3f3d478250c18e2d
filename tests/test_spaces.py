"""Tests of the space endpoints (gitbook_async._resources._spaces) against aioresponses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from gitbook_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncPaginator,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GitBookClient,
    Integration,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    SpaceIntegrationBlocks,
    SpaceIntegrationScript,
    UnprocessableEntityError,
)

from .conftest import API, TOKEN

SPACE = "space_1"
INTEGRATIONS = f"{API}/spaces/{SPACE}/integrations"
BLOCKS = f"{API}/spaces/{SPACE}/integration-blocks"
SCRIPTS = f"{API}/spaces/{SPACE}/integration-scripts"
INTEGRATIONS_ENDPOINT = "GET /spaces/{spaceId}/integrations"


def organization() -> dict[str, Any]:
    """A minimal valid wire-format Organization."""
    return {
        "object": "organization",
        "id": "org_1",
        "plan": "free_2024",
        "title": "Acme",
        "createdAt": "2024-03-12T09:41:07.123Z",
        "inviteLinks": True,
        "type": "business",
        "emailDomains": [],
        "urls": {"app": "https://app.gitbook.com/o/org_1", "location": "https://acme.example"},
        "trial": {"status": "notapplicable"},
        "permissions": dict.fromkeys(
            [
                "view",
                "admin",
                "ownTeam",
                "createContent",
                "createOpenAPISpec",
                "ingestConversations",
                "viewBilling",
                "listMembers",
                "listTeams",
                "listIntegrations",
                "listInstallations",
                "installIntegration",
            ],
            True,
        ),
    }


def integration(name: str) -> dict[str, Any]:
    """A minimal valid wire-format Integration called ``name``."""
    return {
        "object": "integration",
        "name": name,
        "version": 1,
        "title": name.title(),
        "scopes": [],
        "categories": [],
        "visibility": "public",
        "target": "all",
        "verified": True,
        "previewImages": [],
        "externalLinks": [],
        "owner": organization(),
        "permissions": {"admin": False},
        "urls": {
            "location": f"https://integrations.gitbook.com/{name}",
            "app": f"https://app.gitbook.com/integrations/{name}",
            "assets": f"https://integrations.gitbook.com/{name}/assets",
            "publicEndpoint": f"https://integrations.gitbook.com/v1/integrations/{name}",
        },
    }


def listing(*names: str, next_page: str | None = None) -> dict[str, Any]:
    """One wire-format page of ``GET /spaces/{spaceId}/integrations``."""
    page: dict[str, Any] = {"items": [integration(name) for name in names]}
    if next_page is not None:
        page["next"] = {"page": next_page}
    return page


def requested_urls(mock_api: aioresponses) -> list[str]:
    """The URLs requested so far, in order (query keys sorted by aioresponses)."""
    return [str(url) for _method, url in mock_api.requests]


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception reachable through ``__cause__`` and ``__context__``."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__]


def assert_token_free(exc: BaseException) -> None:
    for linked in exception_chain(exc):
        assert TOKEN not in repr(linked)
        assert TOKEN not in str(linked)


@pytest.fixture
async def gitbook() -> AsyncIterator[GitBookClient]:
    """A client that never retries, so one mocked response is one outcome."""
    async with GitBookClient(token=TOKEN, retry=RetryPolicy(max_retries=0)) as client:
        yield client


# --- list_integrations ----------------------------------------------------------------------


async def test_list_integrations_returns_a_paginator_without_sending(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """``list_integrations()`` returns an AsyncPaginator and sends nothing until iterated."""
    paginator = client.spaces.list_integrations(SPACE, search="slack", limit=10)
    assert isinstance(paginator, AsyncPaginator)
    await asyncio.sleep(0)
    assert mock_api.requests == {}


async def test_a_walk_keeps_search_and_limit_and_adds_the_page_cursor(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """Follow-up requests keep ``search`` and ``limit`` and add ``page=<next cursor>``."""
    mock_api.get(f"{INTEGRATIONS}?limit=2&search=s", payload=listing("a", "b", next_page="p2"))
    mock_api.get(f"{INTEGRATIONS}?limit=2&page=p2&search=s", payload=listing("c", next_page="p3"))
    mock_api.get(f"{INTEGRATIONS}?limit=2&page=p3&search=s", payload=listing("d"))
    paginator = client.spaces.list_integrations(SPACE, search="s", limit=2)
    integrations = [item async for item in paginator]
    assert all(isinstance(item, Integration) for item in integrations)
    assert [item.name for item in integrations] == ["a", "b", "c", "d"]
    assert requested_urls(mock_api) == [
        f"{INTEGRATIONS}?limit=2&search=s",
        f"{INTEGRATIONS}?limit=2&page=p2&search=s",
        f"{INTEGRATIONS}?limit=2&page=p3&search=s",
    ]


async def test_pages_carry_their_cursor_and_the_next_one(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """``pages()`` yields Page objects with the cursor that fetched them and the next one."""
    mock_api.get(INTEGRATIONS, payload={**listing("a", next_page="p2"), "count": 2})
    mock_api.get(f"{INTEGRATIONS}?page=p2", payload=listing("b"))
    pages = [page async for page in client.spaces.list_integrations(SPACE).pages()]
    assert [(page.cursor, page.next_page) for page in pages] == [(None, "p2"), ("p2", None)]
    assert pages[0].count == 2


async def test_page_starts_the_walk_at_that_cursor(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """``page=`` is sent with the very first request."""
    mock_api.get(f"{INTEGRATIONS}?page=p5", payload=listing("e"))
    items = await client.spaces.list_integrations(SPACE, page="p5").collect()
    assert [item.name for item in items] == ["e"]
    assert requested_urls(mock_api) == [f"{INTEGRATIONS}?page=p5"]


async def test_max_items_without_limit_sends_limit_max_items(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """With ``max_items`` and no ``limit`` the page size asked for is ``max_items``, and a
    page that fills it ends the walk.
    """
    mock_api.get(f"{INTEGRATIONS}?limit=3", payload=listing("a", "b", "c", next_page="p2"))
    items = await client.spaces.list_integrations(SPACE, max_items=3).collect()
    assert [item.name for item in items] == ["a", "b", "c"]
    await asyncio.sleep(0)
    assert requested_urls(mock_api) == [f"{INTEGRATIONS}?limit=3"]


async def test_max_items_at_the_page_size_cap_sends_limit_max_items(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """``max_items=1000`` (GitBook's cap) is sent as ``limit=1000``."""
    mock_api.get(f"{INTEGRATIONS}?limit=1000", payload=listing("a"))
    await client.spaces.list_integrations(SPACE, max_items=1000).collect()


@pytest.mark.parametrize("limit", [0, 1001, -1, True, "5", 2.0])
async def test_a_limit_out_of_range_is_refused_before_any_request(
    mock_api: aioresponses, client: GitBookClient, limit: Any
) -> None:
    """``limit`` must be an int from 1 to 1000: anything else raises InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError):
        client.spaces.list_integrations(SPACE, limit=limit)
    assert mock_api.requests == {}


async def test_a_search_that_cannot_be_encoded_is_refused_before_any_request(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """A lone surrogate in ``search`` would be dropped silently by yarl: it is refused."""
    with pytest.raises(InvalidArgumentError, match="UTF-8"):
        client.spaces.list_integrations(SPACE, search="a\ud800b")
    assert mock_api.requests == {}


@pytest.mark.parametrize("limit", [1, 1000])
async def test_limits_at_the_bounds_are_accepted(
    mock_api: aioresponses, client: GitBookClient, limit: int
) -> None:
    """``limit`` 1 and 1000 are both valid page sizes."""
    mock_api.get(f"{INTEGRATIONS}?limit={limit}", payload=listing("a"))
    assert len(await client.spaces.list_integrations(SPACE, limit=limit).collect()) == 1


# --- space ids --------------------------------------------------------------------------------

BAD_SPACE_IDS = ["../x", "a b", "a?b=c", "a/b", "a#b", "%2e%2e", "", "ok\n", 5, None]


@pytest.mark.parametrize("space_id", BAD_SPACE_IDS)
async def test_a_bad_space_id_is_refused_before_any_request(
    mock_api: aioresponses, client: GitBookClient, space_id: Any
) -> None:
    """Every endpoint refuses a space id outside ``[a-zA-Z0-9_-]+`` with InvalidArgumentError,
    before anything is sent.
    """
    with pytest.raises(InvalidArgumentError):
        client.spaces.list_integrations(space_id)
    with pytest.raises(InvalidArgumentError):
        await client.spaces.list_integration_blocks(space_id)
    with pytest.raises(InvalidArgumentError):
        await client.spaces.list_integration_scripts(space_id)
    assert mock_api.requests == {}


async def test_a_space_id_of_letters_digits_underscore_and_dash_is_accepted(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """An id like ``ok_ID-1`` is used verbatim in the path."""
    mock_api.get(f"{API}/spaces/ok_ID-1/integration-blocks", payload=[])
    mock_api.get(f"{API}/spaces/ok_ID-1/integration-scripts", payload=[])
    mock_api.get(f"{API}/spaces/ok_ID-1/integrations", payload=listing())
    assert await client.spaces.list_integration_blocks("ok_ID-1") == []
    assert await client.spaces.list_integration_scripts("ok_ID-1") == []
    assert await client.spaces.list_integrations("ok_ID-1").collect() == []


# --- blocks and scripts -----------------------------------------------------------------------


async def test_list_integration_blocks_returns_a_list_of_models(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """The blocks endpoint gives a list of SpaceIntegrationBlocks with their blocks."""
    mock_api.get(
        BLOCKS,
        payload=[
            {"name": "slack", "blocks": [{"id": "message", "title": "Message"}]},
            {"name": "figma", "blocks": []},
        ],
    )
    groups = await client.spaces.list_integration_blocks(SPACE)
    assert isinstance(groups, list)
    assert all(isinstance(group, SpaceIntegrationBlocks) for group in groups)
    assert [group.name for group in groups] == ["slack", "figma"]
    assert [(block.id, block.title) for block in groups[0].blocks] == [("message", "Message")]


async def test_list_integration_scripts_returns_a_list_of_models(
    mock_api: aioresponses, client: GitBookClient
) -> None:
    """The scripts endpoint gives a list of SpaceIntegrationScript."""
    mock_api.get(
        SCRIPTS,
        payload=[
            {"script": "https://cdn.example/a.js", "cookies": True},
            {"script": "https://cdn.example/b.js", "cookies": False},
        ],
    )
    scripts = await client.spaces.list_integration_scripts(SPACE)
    assert isinstance(scripts, list)
    assert all(isinstance(script, SpaceIntegrationScript) for script in scripts)
    assert [(s.script, s.cookies) for s in scripts] == [
        ("https://cdn.example/a.js", True),
        ("https://cdn.example/b.js", False),
    ]


# --- error statuses ---------------------------------------------------------------------------

STATUS_CLASSES = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, ServerError),
    (502, ServerError),
    (503, ServerError),
    (418, APIStatusError),
]


@pytest.mark.parametrize(("status", "error_class"), STATUS_CLASSES)
async def test_each_error_status_raises_its_class_with_gitbooks_error_details(
    mock_api: aioresponses, gitbook: GitBookClient, status: int, error_class: type[APIStatusError]
) -> None:
    """An error status raises its own APIStatusError subclass carrying status, GitBook's
    ``error.code``/``error.message``, the response headers, the method and the URL.
    """
    mock_api.get(
        BLOCKS,
        status=status,
        payload={"error": {"code": status, "message": "Space is not available"}},
        headers={"X-Request-Id": "req_42"},
    )
    with pytest.raises(APIStatusError) as caught:
        await gitbook.spaces.list_integration_blocks(SPACE)
    error = caught.value
    assert type(error) is error_class
    assert error.status == status
    assert error.code == status
    assert error.message == "Space is not available"
    assert error.headers["X-Request-Id"] == "req_42"
    assert error.method == "GET"
    assert error.url == BLOCKS
    assert str(error) == f"GET {BLOCKS} -> HTTP {status}: Space is not available"
    assert_token_free(error)


async def test_a_rate_limit_error_carries_retry_after_from_the_header(
    mock_api: aioresponses, gitbook: GitBookClient
) -> None:
    """HTTP 429 with ``Retry-After: 7`` gives RateLimitError.retry_after == 7.0."""
    mock_api.get(
        BLOCKS,
        status=429,
        payload={"error": {"code": 429, "message": "Slow down"}},
        headers={"Retry-After": "7"},
    )
    with pytest.raises(RateLimitError) as caught:
        await gitbook.spaces.list_integration_blocks(SPACE)
    assert caught.value.retry_after == 7.0


async def test_an_error_while_walking_surfaces_from_the_iteration(
    mock_api: aioresponses, gitbook: GitBookClient
) -> None:
    """An error status on a page request is raised by the ``async for`` that needed it."""
    mock_api.get(INTEGRATIONS, status=404, payload={"error": {"code": 404, "message": "Gone"}})
    paginator = gitbook.spaces.list_integrations(SPACE)
    with pytest.raises(NotFoundError, match="Gone"):
        await paginator.collect()


async def test_an_html_error_page_gives_the_right_class_and_a_readable_message(
    mock_api: aioresponses, gitbook: GitBookClient
) -> None:
    """A proxy's HTML error page still maps by status, with the status reason and an excerpt
    of the page as the message.
    """
    mock_api.get(
        BLOCKS,
        status=502,
        body="<html><body><h1>502 Bad Gateway</h1></body></html>",
        content_type="text/html",
    )
    with pytest.raises(ServerError) as caught:
        await gitbook.spaces.list_integration_blocks(SPACE)
    assert caught.value.code is None
    assert "Bad gateway" in caught.value.message
    assert "text/html" in caught.value.message
    assert "502 Bad Gateway" in caught.value.message


@pytest.mark.parametrize(
    ("status", "error_class", "reason"),
    [(404, NotFoundError, "Not found"), (503, ServerError, "Service unavailable")],
)
async def test_an_empty_error_body_gives_the_right_class_and_a_readable_message(
    mock_api: aioresponses,
    gitbook: GitBookClient,
    status: int,
    error_class: type[APIStatusError],
    reason: str,
) -> None:
    """An error status with an empty body maps by status and says the body was empty."""
    mock_api.get(BLOCKS, status=status, body="")
    with pytest.raises(error_class) as caught:
        await gitbook.spaces.list_integration_blocks(SPACE)
    assert caught.value.code is None
    assert caught.value.message == f"{reason} (empty body)"


# --- bad success bodies -----------------------------------------------------------------------


async def test_a_200_html_body_raises_response_validation_error(
    mock_api: aioresponses, gitbook: GitBookClient
) -> None:
    """A 200 with an HTML page (a captive portal) raises ResponseValidationError naming the
    content type.
    """
    mock_api.get(BLOCKS, body="<html>Sign in to the Wi-Fi</html>", content_type="text/html")
    with pytest.raises(ResponseValidationError) as caught:
        await gitbook.spaces.list_integration_blocks(SPACE)
    assert "text/html" in str(caught.value)
    assert caught.value.endpoint == "GET /spaces/{spaceId}/integration-blocks"


async def test_a_200_truncated_json_body_raises_response_validation_error(
    mock_api: aioresponses, gitbook: GitBookClient
) -> None:
    """A 200 whose JSON is cut short raises ResponseValidationError, never JSONDecodeError."""
    mock_api.get(INTEGRATIONS, body=json.dumps(listing("a"))[:-40])
    with pytest.raises(ResponseValidationError) as caught:
        await gitbook.spaces.list_integrations(SPACE).collect()
    assert not isinstance(caught.value, json.JSONDecodeError)
    assert caught.value.endpoint == INTEGRATIONS_ENDPOINT
    assert "not valid JSON" in str(caught.value)


async def test_a_schema_invalid_200_names_the_json_path_and_the_endpoint(
    mock_api: aioresponses, gitbook: GitBookClient
) -> None:
    """A value of the wrong type raises ResponseValidationError whose path and errors use
    wire names (``items[1].owner.title``) and whose message names the endpoint.
    """
    page = listing("a", "b")
    page["items"][1]["owner"]["title"] = 5
    mock_api.get(INTEGRATIONS, payload=page)
    with pytest.raises(ResponseValidationError) as caught:
        await gitbook.spaces.list_integrations(SPACE).collect()
    error = caught.value
    assert error.path == "items[1].owner.title"
    assert [path for path, _problem in error.errors] == ["items[1].owner.title"]
    assert error.endpoint == INTEGRATIONS_ENDPOINT
    assert INTEGRATIONS_ENDPOINT in str(error)
    assert "items[1].owner.title" in str(error)


async def test_a_missing_required_field_is_named_by_its_wire_path(
    mock_api: aioresponses, gitbook: GitBookClient
) -> None:
    """A missing camelCase field is reported under its wire name."""
    page = listing("a")
    del page["items"][0]["owner"]["createdAt"]
    mock_api.get(INTEGRATIONS, payload=page)
    with pytest.raises(ResponseValidationError) as caught:
        await gitbook.spaces.list_integrations(SPACE).collect()
    assert caught.value.path == "items[0].owner.createdAt"


# --- transport failures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (aiohttp.ClientConnectionError("connection refused"), APIConnectionError),
        (aiohttp.ServerDisconnectedError(), APIConnectionError),
        (aiohttp.ClientPayloadError("response payload is not completed"), APIConnectionError),
        (asyncio.TimeoutError(), APITimeoutError),
    ],
    ids=["refused", "disconnected", "payload", "timeout"],
)
async def test_transport_failures_become_our_errors_without_the_token(
    mock_api: aioresponses,
    gitbook: GitBookClient,
    raised: BaseException,
    expected: type[APIConnectionError],
) -> None:
    """aiohttp failures and timeouts raise APIConnectionError / APITimeoutError (never an
    aiohttp exception) with the URL, and no linked exception mentions the token.
    """
    mock_api.get(BLOCKS, exception=raised)
    with pytest.raises(APIConnectionError) as caught:
        await gitbook.spaces.list_integration_blocks(SPACE)
    assert isinstance(caught.value, expected)
    assert not isinstance(caught.value, aiohttp.ClientError)
    assert caught.value.url == BLOCKS
    assert_token_free(caught.value)


async def test_a_connection_error_while_walking_surfaces_as_api_connection_error(
    mock_api: aioresponses, gitbook: GitBookClient
) -> None:
    """A transport failure on a page request is raised from the iteration as our error."""
    mock_api.get(INTEGRATIONS, payload=listing("a", next_page="p2"))
    mock_api.get(f"{INTEGRATIONS}?page=p2", exception=aiohttp.ServerDisconnectedError())
    seen: list[str] = []

    async def walk() -> None:
        async for item in gitbook.spaces.list_integrations(SPACE):
            seen.append(item.name)

    with pytest.raises(APIConnectionError):
        await walk()
    assert seen == ["a"]


async def test_an_aiohttp_error_carrying_request_headers_does_not_leak_the_token(
    mock_api: aioresponses, gitbook: GitBookClient
) -> None:
    """Even an aiohttp error whose repr holds the request headers (TooManyRedirects on a
    redirect loop) leaves no trace of the token in the exception we raise.
    """
    headers = CIMultiDictProxy(CIMultiDict({"Authorization": f"Bearer {TOKEN}"}))
    request_info = aiohttp.RequestInfo(URL(BLOCKS), "GET", headers, URL(BLOCKS))
    mock_api.get(BLOCKS, exception=aiohttp.TooManyRedirects(request_info, ()))
    with pytest.raises(APIConnectionError) as caught:
        await gitbook.spaces.list_integration_blocks(SPACE)
    assert_token_free(caught.value)
