"""A FastAPI app whose endpoints share one GitBookClient, created in the app's lifespan.

The lifespan opens the client when the server starts (inside its event loop), stores it on
``app.state``, and closes it when the server stops; endpoints get it through a dependency.
The dependency is an ``async def``: a plain ``def`` dependency runs in FastAPI's thread pool,
a thread hop per request for one attribute read (docs/web-apps.md).

Each GitBook request of a handler is bounded by a deadline (``with_options(deadline=...)``,
retries and waits included): when it passes, the endpoint answers 504 instead of keeping the
caller waiting. The server does not cancel a handler whose caller went away, so the deadline
is also what stops work nobody waits for any more.

Run it (from a clone, with ``pip install -e ".[examples]"``)::

    export GITBOOK_API_TOKEN=gb_api_...
    uvicorn examples.fastapi_app:app        # serves http://127.0.0.1:8000
    curl 'http://127.0.0.1:8000/spaces/SPACE_ID/integrations?search=git'
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from gitbook_async import (
    APITimeoutError,
    GitBookClient,
    GitBookError,
    Integration,
    InvalidArgumentError,
    NotFoundError,
)

MAX_ITEMS = 1000  # one request never walks more than this many integrations
DEADLINE = 10.0  # seconds for each GitBook request of a handler, retries and waits included
# Requests to GitBook in flight at once, across all handlers: a web app serves many users at
# a time, so size the pool like aiohttp's default (the SDK's default of 16 suits batch jobs).
# The rate budget, not this number, keeps the app inside GitBook's rate limit.
MAX_CONCURRENCY = 100


def summary(integration: Integration) -> dict[str, Any]:
    """The fields this app returns for an integration (``to_dict()`` gives all of them)."""
    return {
        "name": integration.name,
        "title": integration.title,
        "owner": integration.owner.title,
        "target": str(integration.target),
        "verified": integration.verified,
    }


async def get_gitbook(request: Request) -> GitBookClient:
    """The app's shared client (a FastAPI dependency; async, so it runs on the event loop)."""
    gitbook: GitBookClient = request.app.state.gitbook
    return gitbook


Gitbook = Annotated[GitBookClient, Depends(get_gitbook)]


async def list_integrations(
    space_id: str, gitbook: Gitbook, search: str | None = None
) -> dict[str, Any]:
    """``GET /spaces/{space_id}/integrations[?search=...]``: the space's integrations."""
    paginator = gitbook.spaces.list_integrations(space_id, search=search, max_items=MAX_ITEMS)
    items = [summary(integration) for integration in await paginator.collect()]
    return {"space_id": space_id, "items": items}


async def gitbook_error(request: Request, error: Exception) -> JSONResponse:
    """Turn the SDK's errors into HTTP answers (the messages never contain the token)."""
    if isinstance(error, InvalidArgumentError):
        return JSONResponse({"error": str(error)}, status_code=400)
    if isinstance(error, NotFoundError):
        return JSONResponse({"error": "no such space"}, status_code=404)
    if isinstance(error, APITimeoutError):  # the deadline (or the last attempt) ran out
        return JSONResponse({"error": "GitBook did not answer in time"}, status_code=504)
    return JSONResponse({"error": type(error).__name__}, status_code=502)


def create_app(
    *, token: str | None = None, base_url: str | None = None, deadline: float = DEADLINE
) -> FastAPI:
    """Build the app; the token and base URL default to ``$GITBOOK_API_TOKEN``/``_BASE_URL``.

    ``deadline`` bounds each GitBook request a handler makes (each page of a listing).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with GitBookClient(
            token, base_url=base_url, user_agent="example-app/1.0", max_concurrency=MAX_CONCURRENCY
        ) as client:
            # Same pool and rate budget, handler-sized defaults; closes with `client`.
            app.state.gitbook = client.with_options(deadline=deadline)
            yield  # the app serves requests here; the client closes when it shuts down

    app = FastAPI(lifespan=lifespan)
    app.add_api_route("/spaces/{space_id}/integrations", list_integrations, methods=["GET"])
    app.add_exception_handler(GitBookError, gitbook_error)
    return app


app = create_app()  # for `uvicorn examples.fastapi_app:app`; the client opens at startup
