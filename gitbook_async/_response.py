"""What a call's response said beside its data: status, headers, rate limit, timing.

``ResponseMetadata`` is the part every page keeps (``Page.response``); ``APIResponse`` adds
``parse()`` for ``client.spaces.with_raw_response``; ``Response`` is what the transport
returns: the decoded value and its metadata.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final, Generic, TypeVar

import attrs

from gitbook_async._errors import Headers
from gitbook_async._headers import RateLimit

__all__ = ["APIResponse", "Response", "ResponseMetadata"]

T = TypeVar("T")

REQUEST_ID_HEADERS: Final = ("X-Request-Id", "X-GitBook-Request-Id", "CF-Ray")
"""Headers that may name a request for the server's support, in order of preference."""


@attrs.frozen(kw_only=True, eq=False)
class ResponseMetadata:
    """What the server said about one successful call, beside the data.

    Attributes:
        status: The HTTP status (as on ``APIStatusError.status`` and ``ResponseEvent``).
        headers: The response headers (case-insensitive, read-only; secrets redacted).
        url: The URL that answered (the token is never part of it).
        elapsed: Seconds the answering attempt took, from sending to the last body byte.
        attempts: How many attempts the call took (1 when nothing was retried).
        rate_limit: The rate-limit state this response reported, or None.

    """

    status: int
    headers: Headers
    url: str
    elapsed: float
    attempts: int
    rate_limit: RateLimit | None

    @property
    def request_id(self) -> str | None:
        """The server's id of this request (``X-Request-Id`` and the like), when it sent one."""
        for name in REQUEST_ID_HEADERS:
            value = self.headers.get(name)
            if value:
                return value
        return None

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.status} {self.url} elapsed={self.elapsed:.3f}s "
            f"attempts={self.attempts}>"
        )


@attrs.frozen(kw_only=True, eq=False)
class Response(Generic[T]):
    """The transport's answer to one call: the decoded value and the response's metadata."""

    value: T
    metadata: ResponseMetadata


@attrs.frozen(kw_only=True, eq=False, repr=False)
class APIResponse(ResponseMetadata, Generic[T]):
    """A response with its metadata, from ``client.spaces.with_raw_response.<method>()``.

    ``await response.parse()`` gives what the plain method returns (a list of models, or
    a ``Page``); the metadata is there before parsing.

    Example:
        ```python
        import asyncio

        from gitbook_async import GitBookClient


        async def main() -> None:
            async with GitBookClient() as gitbook:
                response = await gitbook.spaces.with_raw_response.list_integration_blocks(
                    "demo-space"
                )
                print(response.status, response.headers.get("Content-Type"))
                blocks = await response.parse()
                print(len(blocks), "blocks")


        asyncio.run(main())
        ```
    """

    _parse: Callable[[], Awaitable[T]] = attrs.field(alias="parse")

    async def parse(self) -> T:
        """Return the response's data as the plain method returns it (built once)."""
        return await self._parse()

    @classmethod
    def of(cls, metadata: ResponseMetadata, parse: Callable[[], Awaitable[T]]) -> APIResponse[T]:
        """Wrap ``metadata`` with the function that builds the data."""
        fields = {a.name: getattr(metadata, a.name) for a in attrs.fields(ResponseMetadata)}
        return cls(parse=parse, **fields)
