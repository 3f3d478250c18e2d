"""An aiohttp.web app whose request handlers share one GitBookClient.

The client (and so its connection pool) is created once when the app starts, inside
aiohttp's event loop, and closed once when it stops: ``cleanup_ctx`` runs the code before
``yield`` at startup and the code after it at shutdown.

Each GitBook request of a handler is bounded by a deadline (``with_options(deadline=...)``,
retries and waits included): when it passes, the endpoint answers 504. aiohttp does not
cancel a handler whose caller went away (unless ``handler_cancellation=True``), so the
deadline is also what stops work nobody waits for any more.

Run it (from the repository root)::

    export GITBOOK_API_TOKEN=gb_api_...
    python -m examples.aiohttp_app          # serves http://127.0.0.1:8080
    curl 'http://127.0.0.1:8080/spaces/SPACE_ID/integrations?search=git'
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from gitbook_async import (
    APITimeoutError,
    GitBookClient,
    GitBookError,
    Integration,
    InvalidArgumentError,
    NotFoundError,
)

GITBOOK = web.AppKey("gitbook", GitBookClient)
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


async def list_integrations(request: web.Request) -> web.Response:
    """``GET /spaces/{space_id}/integrations[?search=...]``: the space's integrations as JSON."""
    gitbook = request.app[GITBOOK]
    space_id = request.match_info["space_id"]
    paginator = gitbook.spaces.list_integrations(
        space_id, search=request.query.get("search"), max_items=MAX_ITEMS
    )
    items = [summary(integration) for integration in await paginator.collect()]
    return web.json_response({"space_id": space_id, "items": items})


@web.middleware
async def gitbook_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn the SDK's errors into HTTP answers (the messages never contain the token)."""
    try:
        response = await handler(request)
    except InvalidArgumentError as error:
        return web.json_response({"error": str(error)}, status=400)
    except NotFoundError:
        return web.json_response({"error": "no such space"}, status=404)
    except APITimeoutError:  # the deadline (or the last attempt) ran out
        return web.json_response({"error": "GitBook did not answer in time"}, status=504)
    except GitBookError as error:  # GitBook down, rate limited, ...: not this app's fault
        return web.json_response({"error": type(error).__name__}, status=502)
    return response


def create_app(
    *, token: str | None = None, base_url: str | None = None, deadline: float = DEADLINE
) -> web.Application:
    """Build the app; the token and base URL default to ``$GITBOOK_API_TOKEN``/``_BASE_URL``.

    ``deadline`` bounds each GitBook request a handler makes (each page of a listing).
    """

    async def gitbook_client(app: web.Application) -> AsyncIterator[None]:
        async with GitBookClient(
            token, base_url=base_url, user_agent="example-app/1.0", max_concurrency=MAX_CONCURRENCY
        ) as client:
            # Same pool and rate budget, handler-sized defaults; closes with `client`.
            app[GITBOOK] = client.with_options(deadline=deadline)
            yield  # the app serves requests here; the client closes when it shuts down

    app = web.Application(middlewares=[gitbook_errors])
    app.cleanup_ctx.append(gitbook_client)
    app.router.add_get("/spaces/{space_id}/integrations", list_integrations)
    return app


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=8080)
