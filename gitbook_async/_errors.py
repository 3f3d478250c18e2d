"""The exception hierarchy: every failure of a public call is one of these.

```
GitBookError
├── ConfigurationError ............ bad client settings (no token, unsafe base URL)
├── InvalidArgumentError .......... a bad argument, caught before any request (also a ValueError)
├── ClientClosedError ............. the client was used after ``aclose()``
├── APIConnectionError ............ the request did not get a complete response
│   ├── APITimeoutError ........... ... because it took too long
│   └── ResponseTooLargeError ..... ... because the body was over ``max_response_bytes``
├── APIStatusError ................ the server answered with an error status
│   ├── BadRequestError ........... 400
│   ├── AuthenticationError ....... 401
│   ├── PermissionDeniedError ..... 403
│   ├── NotFoundError ............. 404
│   ├── ConflictError ............. 409
│   ├── UnprocessableEntityError .. 422
│   ├── RateLimitError ............ 429
│   └── ServerError ............... 5xx
├── ResponseValidationError ....... a 2xx body that is not JSON or does not match the models
├── PaginationError ............... the server's cursors would make a walk loop or stall
└── RateLimiterUnavailableError ... a shared rate limiter's store (Redis) cannot be reached
```

Messages never contain the API token: the transport builds them from the method, the
token-free URL and the server's own error text, with the token redacted from every text
taken from a response. Every error pickles with its attributes (batch jobs send errors
across processes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final, TypeVar, overload

T = TypeVar("T")

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "GitBookError",
    "InvalidArgumentError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiterUnavailableError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServerError",
    "UnprocessableEntityError",
]


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive response headers that pickle (unlike aiohttp's proxy).

    Repeated headers are joined with ``", "`` (RFC 9110, section 5.3).
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        merged: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in merged:
                merged[key] = (merged[key][0], f"{merged[key][1]}, {value}")
            else:
                merged[key] = (name, value)
        self._items = merged

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    @overload
    def get(self, name: str, /) -> str | None: ...

    @overload
    def get(self, name: str, /, default: str | T) -> str | T: ...

    def get(self, name: str, /, default: object = None) -> object:
        """Return the value of header ``name`` (any case), or ``default``."""
        found = self._items.get(name.lower())
        return default if found is None else found[1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Headers, (list(self.items()),))


_NO_HEADERS: Final = Headers()


def _rebuild(cls: type[GitBookError], args: tuple[Any, ...]) -> GitBookError:
    """Recreate an error without calling ``__init__`` (its state is restored after)."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class GitBookError(Exception):
    """Base class of every exception raised by ``gitbook_async``."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's default reduce calls cls(*args), which fails for required keyword-only
        # arguments; rebuild from args and restore the attributes instead.
        return (_rebuild, (type(self), self.args), self.__dict__)


class ConfigurationError(GitBookError):
    """Raised when the client's settings cannot work, e.g. no API token anywhere."""


class InvalidArgumentError(GitBookError, ValueError):
    """Raised before any request when an argument is invalid (a malformed space id, a bad limit)."""


class ClientClosedError(GitBookError):
    """Raised when a closed ``GitBookClient`` is asked to send a request."""


class APIConnectionError(GitBookError):
    """Raised when no complete HTTP response was received (DNS, refused, reset, bad body).

    Attributes:
        method: HTTP method of the failed request.
        url: URL of the failed request (never contains the token).

    """

    def __init__(self, message: str, *, method: str = "GET", url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url


class APITimeoutError(APIConnectionError):
    """Raised when a request took longer than its timeout, after any retries were spent."""


class ResponseTooLargeError(APIConnectionError):
    """Raised when a response body is larger than the client's ``max_response_bytes``."""


class APIStatusError(GitBookError):
    """Raised when GitBook answers with a non-success HTTP status.

    Attributes:
        status: The HTTP status code.
        code: The ``error.code`` from GitBook's error body, or None when the body had none.
        message: GitBook's ``error.message``, or a description of the body when it was not
            GitBook's JSON error shape (an HTML page from a proxy, an empty body).
        headers: The response headers (read-only), e.g. ``Retry-After``.
        method: HTTP method of the request.
        url: URL of the request (never contains the token).
        body: The raw response body text, at most a few kilobytes of it.

    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | str | None = None,
        headers: Mapping[str, str] = _NO_HEADERS,
        method: str = "GET",
        url: str = "",
        body: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.method = method
        self.url = url
        self.body = body

    def __str__(self) -> str:
        return f"{self.method} {self.url} -> HTTP {self.status}: {self.message}"

    def __repr__(self) -> str:
        # The status first (Exception's repr shows only the message); never headers or body.
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, method={self.method!r}, url={self.url!r})"
        )


class BadRequestError(APIStatusError):
    """Raised on HTTP 400: GitBook rejected the request's parameters."""


class AuthenticationError(APIStatusError):
    """Raised on HTTP 401: the token is missing, malformed, expired or revoked."""


class PermissionDeniedError(APIStatusError):
    """Raised on HTTP 403: the token is valid but may not read this resource."""


class NotFoundError(APIStatusError):
    """Raised on HTTP 404: the space (or the endpoint) does not exist for this token."""


class ConflictError(APIStatusError):
    """Raised on HTTP 409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIStatusError):
    """Raised on HTTP 422: the request was well-formed but semantically invalid."""


class RateLimitError(APIStatusError):
    """Raised on HTTP 429: the token's rate limit is exhausted.

    Attributes:
        retry_after: Seconds the server asked us to wait, when it said (``Retry-After`` or
            the rate-limit reset), else None.

    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 429,
        code: int | str | None = None,
        headers: Mapping[str, str] = _NO_HEADERS,
        method: str = "GET",
        url: str = "",
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, status=status, code=code, headers=headers, method=method, url=url, body=body
        )
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, retry_after={self.retry_after!r})"


class ServerError(APIStatusError):
    """Raised on HTTP 5xx: GitBook (or a proxy in front of it) failed."""


class ResponseValidationError(GitBookError):
    """Raised when a successful response is not valid JSON or does not match the models.

    Attributes:
        endpoint: The endpoint that answered, e.g. ``GET /spaces/{spaceId}/integrations``.
        errors: ``(json_path, problem)`` pairs, e.g.
            ``("items[3].owner.billing.interval", "expected a string, got number")``.
        path: The JSON path of the first problem (``""`` for the document itself).

    """

    def __init__(
        self, message: str, *, endpoint: str, errors: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.errors = errors
        self.path = errors[0][0] if errors else ""


class RateLimiterUnavailableError(GitBookError):
    """Raised when a shared rate limiter's store (e.g. Redis) cannot be reached.

    Nothing was sent: check the store's address and that it is running, or let the limiter
    fall back to per-process accounting (``RedisRateLimiter(on_unavailable="local")``).
    """


class PaginationError(GitBookError):
    """Raised when a paginated walk cannot continue safely, e.g. the server repeats a cursor.

    Attributes:
        cursor: The offending cursor.

    """

    def __init__(self, message: str, *, cursor: str | None = None) -> None:
        super().__init__(message)
        self.cursor = cursor


STATUS_ERRORS: Final[Mapping[int, type[APIStatusError]]] = MappingProxyType(
    {
        400: BadRequestError,
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        409: ConflictError,
        422: UnprocessableEntityError,
        429: RateLimitError,
    }
)
"""HTTP status -> exception class for the statuses with a class of their own (5xx aside)."""


def error_class_for_status(status: int) -> type[APIStatusError]:
    """Return the exception class for an HTTP error status."""
    if status >= 500:
        return ServerError
    return STATUS_ERRORS.get(status, APIStatusError)
