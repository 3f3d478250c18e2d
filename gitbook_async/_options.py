"""Per-call options as one immutable value, merged with the client's defaults in one place.

A call's keyword arguments (``timeout=``, ``max_retries=``, ``deadline=``,
``extra_headers=``, ``extra_query=``) are checked into a ``CallOptions`` once, before
anything is sent; ``options.over(defaults)`` merges it with the client's defaults (the
client does that, once per call), and the merged value travels whole to the transport.
Adding an option means editing this value, its merge and the code that uses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final, Generic, Protocol, TypedDict, TypeVar

import aiohttp
import attrs

from gitbook_async._body import BadBody
from gitbook_async._checks import check_int, check_seconds
from gitbook_async._constants import DEFAULT_CONNECT_TIMEOUT
from gitbook_async._errors import GitBookError, InvalidArgumentError
from gitbook_async._response import Response

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

__all__ = [
    "CallOptions",
    "Decoder",
    "Pairs",
    "Request",
    "RequestOptions",
    "Sender",
    "Timeout",
    "check_headers",
    "check_query",
    "client_timeout",
    "encodable",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

Timeout = float | aiohttp.ClientTimeout | None
"""Seconds for one attempt, an ``aiohttp.ClientTimeout``, or None (the client's)."""

Pairs = tuple[tuple[str, str], ...]
"""Header or query pairs, in the order they were given (immutable)."""

RESERVED_HEADERS: Final = frozenset({"authorization", "host", "proxy-authorization"})
"""Headers the client sets itself: the token, the origin and the proxy's credentials."""


def client_timeout(timeout: float | aiohttp.ClientTimeout) -> aiohttp.ClientTimeout:
    """Return ``timeout`` as an ``aiohttp.ClientTimeout``.

    A number is the ``total`` seconds of one attempt; connecting may take at most
    ``DEFAULT_CONNECT_TIMEOUT`` of it.

    Raises:
        InvalidArgumentError: ``timeout`` is neither a positive finite number nor an
            ``aiohttp.ClientTimeout``.

    """
    if isinstance(timeout, aiohttp.ClientTimeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidArgumentError(
            f"timeout must be a positive number of seconds or an aiohttp.ClientTimeout, "
            f"got {timeout!r}"
        )
    seconds = check_seconds("timeout", timeout, allow_zero=False)
    return aiohttp.ClientTimeout(total=seconds, sock_connect=min(DEFAULT_CONNECT_TIMEOUT, seconds))


def check_headers(
    headers: Mapping[str, str] | None, *, name: str, error: type[GitBookError]
) -> Pairs:
    """Check headers a user adds to requests and return them as pairs.

    Raises:
        InvalidArgumentError: (or ``error``) a name or value that is not a string, holds a
            CR, LF or NUL (it could forge headers), or a header the client sets itself
            (``Authorization``, ``Host``, ``Proxy-Authorization``). Values are never echoed.

    """
    if headers is None:
        return ()
    if not isinstance(headers, Mapping):
        raise error(f"{name} must be a mapping of header names to values")
    pairs: list[tuple[str, str]] = []
    for key, value in headers.items():
        if not isinstance(key, str) or not key or not _single_line(key) or ":" in key:
            raise error(f"{name}: {key!r} is not a valid header name")
        if key.strip().lower() in RESERVED_HEADERS:
            raise error(
                f"{name} may not set {key!r}: the client sets it (use token= for the API "
                "token, base_url= for the host, proxy= for proxy credentials)"
            )
        if not isinstance(value, str) or not _single_line(value):
            raise error(
                f"{name}[{key!r}] must be a single-line string (no CR, LF or NUL); "
                "the value is not shown"
            )
        pairs.append((key, value))
    return tuple(pairs)


def check_query(
    query: Mapping[str, str] | None, *, name: str, reserved: Iterable[str] = ()
) -> Pairs:
    """Check query parameters a user adds to one call and return them as pairs.

    Raises:
        InvalidArgumentError: a name or value that is not a string, cannot be encoded as
            UTF-8 (a lone surrogate would be dropped silently on its way), or a parameter
            the call sets itself (``reserved``, e.g. ``page`` of a listing).

    """
    if query is None:
        return ()
    if not isinstance(query, Mapping):
        raise InvalidArgumentError(f"{name} must be a mapping of parameter names to strings")
    taken = frozenset(reserved)
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        if not isinstance(key, str) or not key or not encodable(key):
            raise InvalidArgumentError(f"{name}: {key!r} is not a valid parameter name")
        if key in taken:
            raise InvalidArgumentError(
                f"{name} may not set {key!r}: this call sets it (use its own argument)"
            )
        if not isinstance(value, str) or not encodable(value):
            raise InvalidArgumentError(
                f"{name}[{key!r}] must be a string that can be encoded as UTF-8"
            )
        pairs.append((key, value))
    return tuple(pairs)


def _single_line(text: str) -> bool:
    return "\r" not in text and "\n" not in text and "\x00" not in text


def encodable(text: str) -> bool:
    """Tell whether ``text`` can be sent: it encodes as UTF-8 (no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@attrs.frozen(kw_only=True)
class CallOptions:
    """How one call is sent; every field None or empty means "the client's default".

    Build one with ``CallOptions.of(...)`` (which checks the values); the client merges it
    with its defaults through ``over()``, and the transport reads the merged value.

    Attributes:
        timeout: Bound on each attempt (connecting, sending, reading the whole body).
        max_retries: Retries after a transient failure.
        deadline: Seconds bounding the whole call: every attempt, backoff and rate-budget
            wait included.
        headers: Extra request headers, after the client's defaults (later pairs win).
        query: Extra query parameters, after the call's own.

    """

    timeout: aiohttp.ClientTimeout | None = None
    max_retries: int | None = None
    deadline: float | None = None
    headers: Pairs = attrs.field(default=(), repr=lambda pairs: repr([n for n, _ in pairs]))
    query: Pairs = ()

    @classmethod
    def of(
        cls, *, reserved_query: Iterable[str] = (), **options: Unpack[RequestOptions]
    ) -> CallOptions:
        """Check a call's keyword arguments (``RequestOptions``) and return them as options.

        ``reserved_query``: query parameters the call sets itself (``extra_query`` may not).

        Raises:
            InvalidArgumentError: a bad ``timeout``, ``max_retries``, ``deadline``, header
                or query parameter (before anything is sent).

        """
        unknown = options.keys() - _OPTION_NAMES
        if unknown:
            raise InvalidArgumentError(
                f"unexpected keyword argument {sorted(unknown)[0]!r}; the call options are "
                f"{', '.join(RequestOptions.__annotations__)}"
            )
        if not any(value is not None for value in options.values()):
            return _NONE  # the common call: nothing to check, nothing to merge
        timeout = options.get("timeout")
        max_retries = options.get("max_retries")
        deadline = options.get("deadline")
        if max_retries is not None:
            check_int("max_retries", max_retries)
        headers = options.get("extra_headers")
        return cls(
            timeout=None if timeout is None else client_timeout(timeout),
            max_retries=max_retries,
            deadline=None if deadline is None else check_deadline(deadline),
            headers=check_headers(headers, name="extra_headers", error=InvalidArgumentError),
            query=check_query(
                options.get("extra_query"), name="extra_query", reserved=reserved_query
            ),
        )

    def over(self, defaults: CallOptions) -> CallOptions:
        """Return these options with ``defaults`` filling every field left unset.

        Headers and query parameters add up, the defaults' first: a later header of the same
        name replaces an earlier one when sent; query parameters are all sent, in order.
        """
        if self is _NONE:
            return defaults
        return CallOptions(
            timeout=defaults.timeout if self.timeout is None else self.timeout,
            max_retries=defaults.max_retries if self.max_retries is None else self.max_retries,
            deadline=defaults.deadline if self.deadline is None else self.deadline,
            headers=defaults.headers + self.headers if self.headers else defaults.headers,
            query=defaults.query + self.query if self.query else defaults.query,
        )

    def describe(self) -> str:
        """Return the options that are set as keyword arguments (for a client's repr)."""
        parts = []
        if self.timeout is not None:
            parts.append(f"timeout={self.timeout.total!r}")
        if self.max_retries is not None:
            parts.append(f"max_retries={self.max_retries!r}")
        if self.deadline is not None:
            parts.append(f"deadline={self.deadline!r}")
        if self.headers:
            names = ", ".join(repr(name) for name, _ in self.headers)
            parts.append(f"default_headers=[{names}]")
        return ", ".join(parts)


_NONE: Final = CallOptions()
"""No option set (the default of every call)."""


def check_deadline(deadline: object) -> float:
    """Return a deadline in seconds, checked.

    Raises:
        InvalidArgumentError: ``deadline`` is not a positive finite number.

    """
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)):
        raise InvalidArgumentError(
            f"deadline must be a positive number of seconds, got {deadline!r}"
        )
    return check_seconds("deadline", deadline, allow_zero=False)


class Decoder(Protocol[T_co]):
    """Reads a successful response's body: the value, or ``BadBody`` when it is unusable.

    It may raise ``ResponseValidationError`` for a body that is JSON of the wrong shape.
    """

    def __call__(self, body: bytes, /) -> T_co | BadBody:
        """Decode ``body``."""
        ...


class RequestOptions(TypedDict, total=False):
    """The per-call options every endpoint method takes as keyword arguments.

    Attributes:
        timeout: Seconds (or an ``aiohttp.ClientTimeout``) for each attempt.
        max_retries: Retries after a transient failure (None keeps the client's policy).
        deadline: Seconds bounding the whole call: every attempt, backoff and rate-budget
            wait included; it ends with ``APITimeoutError`` naming the attempts made.
        extra_headers: Headers added to the request (not ``Authorization``, ``Host`` or
            ``Proxy-Authorization``; no CR/LF).
        extra_query: Query parameters added to the request.

    """

    timeout: Timeout
    max_retries: int | None
    deadline: float | None
    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, str] | None


_OPTION_NAMES: Final = frozenset(RequestOptions.__annotations__)
"""The keyword arguments ``RequestOptions`` names (checked once per call)."""


@attrs.frozen
class Request(Generic[T]):
    """One call as a resource describes it: what to GET, how to read it, its own options.

    Attributes:
        path: The path under the API origin, e.g. ``/v1/spaces/abc/integrations``.
        params: The call's own query parameters.
        endpoint: The endpoint's label for messages, e.g. ``GET /spaces/{spaceId}/...``.
        decode: Reads a successful response's body.
        options: The call's options, before the client's defaults fill them in.

    """

    path: str
    params: Pairs
    endpoint: str
    decode: Decoder[T]
    options: CallOptions = _NONE


class Sender(Protocol):
    """What a resource needs from its client: send one request, return the response."""

    async def __call__(self, request: Request[T], /) -> Response[T]:
        """Send ``request`` with the client's defaults; raise our errors."""
        ...
