"""Pure decisions about requests and responses: URLs, headers, error decoding. No I/O here."""

from __future__ import annotations

import ipaddress
import json
import platform
import time
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote, urlsplit, urlunsplit

import aiohttp
import attrs

from gitbook_async._config import requested_wait
from gitbook_async._constants import API_PREFIX, ENTITY_ID_PATTERN
from gitbook_async._errors import (
    APIStatusError,
    ConfigurationError,
    InvalidArgumentError,
    RateLimitError,
    ResponseValidationError,
    error_class_for_status,
)
from gitbook_async._version import __version__

__all__ = [
    "RawResponse",
    "api_path",
    "decode_json",
    "error_from_response",
    "is_malformed_json",
    "normalize_base_url",
    "user_agent",
    "validate_space_id",
]

_BODY_EXCERPT_CHARS: Final = 2000
_INVALID_JSON: Final = "invalid JSON"
_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain"})


@attrs.frozen
class RawResponse:
    """A complete HTTP response, body read, as the transport hands it over."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ("" when absent)."""
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


def user_agent(extra: str | None = None) -> str:
    """Build the User-Agent: ours first, then the caller's product token if any."""
    base = (
        f"gitbook-async/{__version__} "
        f"(python {platform.python_version()}; aiohttp {aiohttp.__version__})"
    )
    return f"{base} {extra}" if extra else base


def is_loopback_host(host: str) -> bool:
    """Tell whether ``host`` names this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_base_url(base_url: str, *, allow_insecure_http: bool = False) -> str:
    """Check and normalise the API origin: no trailing slash, no ``/v1`` (we add it).

    Raises:
        ConfigurationError: the URL is not http(s), carries credentials, a query or a
            fragment, or is plain http to a non-loopback host without opting in.

    """
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"base_url must be an http(s) URL such as 'https://api.gitbook.com', got {base_url!r}"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError(
            "base_url must not contain credentials, a query or a fragment; "
            "pass the token with token= instead"
        )
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(parts.hostname):
        raise ConfigurationError(
            f"refusing to send the API token over plain http to {parts.hostname!r}; use https, "
            "or pass allow_insecure_http=True if this really is a trusted network"
        )
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def validate_space_id(space_id: object) -> str:
    """Return ``space_id`` if it matches GitBook's EntityId pattern.

    Raises:
        InvalidArgumentError: not a non-empty string of letters, digits, ``_`` and ``-``
            (which also rules out path and query injection).

    """
    if not isinstance(space_id, str) or not ENTITY_ID_PATTERN.fullmatch(space_id):
        raise InvalidArgumentError(
            f"space_id must be a GitBook id (letters, digits, '_' and '-'), got {space_id!r}"
        )
    return space_id


def api_path(template: str, **ids: str) -> str:
    """Fill an endpoint template like ``/spaces/{spaceId}/integrations`` (ids pre-validated)."""
    return API_PREFIX + template.format(**{k: quote(v, safe="") for k, v in ids.items()})


def decode_json(response: RawResponse, *, endpoint: str) -> Any:
    """Decode a successful response's JSON body.

    Raises:
        ResponseValidationError: the body is not JSON (an HTML page, a truncated body).

    """
    if response.content_type and "json" not in response.content_type:
        raise ResponseValidationError(
            f"{endpoint} answered HTTP {response.status} with {response.content_type!r} instead "
            f"of JSON: {_excerpt(response.body, 200)!r}. A proxy or captive portal may be in "
            "the way; check base_url.",
            endpoint=endpoint,
        )
    try:
        return json.loads(response.body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise ResponseValidationError(
            f"{endpoint} answered HTTP {response.status} with a body that is not valid JSON "
            f"({exc}); the response may have been cut off. Retrying usually helps.",
            endpoint=endpoint,
            errors=(("", f"{_INVALID_JSON}: {exc}"),),
        ) from None


def is_malformed_json(error: ResponseValidationError) -> bool:
    """Tell whether ``error`` is about a body that is not JSON at all (e.g. cut short)."""
    return bool(error.errors) and error.errors[0][1].startswith(_INVALID_JSON)


def error_from_response(response: RawResponse) -> APIStatusError:
    """Build the typed error for a non-2xx response from GitBook's ``{"error": ...}`` body."""
    code, message = _gitbook_error(response)
    if message is None:
        reason = _STATUS_REASONS.get(response.status, "unexpected status")
        if response.body.strip():
            kind = response.content_type or "unknown content type"
            message = f"{reason} ({kind} body: {_excerpt(response.body, 200)!r})"
        else:
            message = f"{reason} (empty body)"
    cls = error_class_for_status(response.status)
    error = cls(
        message,
        status=response.status,
        code=code,
        headers=response.headers,
        method=response.method,
        url=response.url,
        body=_excerpt(response.body, _BODY_EXCERPT_CHARS),
    )
    if isinstance(error, RateLimitError):
        error.retry_after = requested_wait(response.headers, time.time())
    return error


def _gitbook_error(response: RawResponse) -> tuple[int | str | None, str | None]:
    if "json" not in response.content_type and not response.body.lstrip().startswith(b"{"):
        return None, None
    try:
        data = json.loads(response.body)
    except ValueError:
        return None, None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None, None
    code = error.get("code")
    message = error.get("message")
    return (
        code if isinstance(code, (int, str)) and not isinstance(code, bool) else None,
        message if isinstance(message, str) and message else None,
    )


def _excerpt(body: bytes, limit: int) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    return text if len(text) <= limit else text[:limit] + "..."


_STATUS_REASONS: Final[Mapping[int, str]] = {
    400: "Bad request",
    401: "Unauthorized: check the API token",
    403: "Forbidden: the token may not access this resource",
    404: "Not found",
    408: "Request timeout",
    409: "Conflict",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
