"""A FastAPI app whose endpoints share one GitBookClient, created in the app's lifespan.

The lifespan opens the client when the server starts (inside its event loop), stores it on
``app.state``, and closes it when the server stops; endpoints get it through a dependency.

Run it (from the repository root, with ``pip install gitbook-async[examples]``)::

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
    GitBookClient,
    GitBookError,
    Integration,
    InvalidArgumentError,
    NotFoundError,
)

MAX_ITEMS = 1000  # one request never walks more than this many integrations


def summary(integration: Integration) -> dict[str, Any]:
    """The fields this app returns for an integration (``to_dict()`` gives all of them)."""
    return {
        "name": integration.name,
        "title": integration.title,
        "owner": integration.owner.title,
        "target": str(integration.target),
        "verified": integration.verified,
    }


def get_gitbook(request: Request) -> GitBookClient:
    """The app's shared client (a FastAPI dependency)."""
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
    return JSONResponse({"error": type(error).__name__}, status_code=502)


def create_app(*, token: str | None = None, base_url: str | None = None) -> FastAPI:
    """Build the app; the token and base URL default to ``$GITBOOK_API_TOKEN``/``_BASE_URL``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with GitBookClient(token, base_url=base_url, user_agent="example-app/1.0") as client:
            app.state.gitbook = client
            yield  # the app serves requests here; the client closes when it shuts down

    app = FastAPI(lifespan=lifespan)
    app.add_api_route("/spaces/{space_id}/integrations", list_integrations, methods=["GET"])
    app.add_exception_handler(GitBookError, gitbook_error)
    return app


app = create_app()  # for `uvicorn examples.fastapi_app:app`; the client opens at startup
