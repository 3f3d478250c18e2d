"""Pure URL rules: the base URL, redirects, endpoint paths, space ids, the User-Agent."""

from __future__ import annotations

import ipaddress
import platform
import re
from collections.abc import Sequence
from typing import Final
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from gitbook_async._constants import API_PREFIX, ENTITY_ID_PATTERN
from gitbook_async._errors import ConfigurationError, InvalidArgumentError
from gitbook_async._version import __version__

__all__ = [
    "api_path",
    "is_loopback_host",
    "normalize_base_url",
    "redirect_refusal",
    "same_origin",
    "user_agent",
    "validate_space_id",
    "with_query",
]

_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain"})
_CONTROL: Final = re.compile(r"[\x00-\x20\x7f]")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def user_agent(extra: str | None = None, *, http_library: str = "") -> str:
    """Build the User-Agent: ours first (with ``http_library``, e.g. ``aiohttp 3.14.5``)."""
    details = "; ".join(filter(None, [f"python {platform.python_version()}", http_library]))
    base = f"gitbook-async/{__version__} ({details})"
    return f"{base} {extra}" if extra else base


def is_loopback_host(host: str) -> bool:
    """Tell whether ``host`` names this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_base_url(base_url: object, *, allow_insecure_http: bool = False) -> str:
    """Check and normalise the API origin: no trailing slash, no ``/v1`` (we add it).

    Raises:
        ConfigurationError: not a string, not a well-formed http(s) URL (a bad IPv6
            literal, a port outside 1..65535, spaces), credentials, a query or a fragment,
            or plain http to a non-loopback host without opting in.

    """
    usage = "base_url must be an http(s) URL such as 'https://api.gitbook.com'"
    if not isinstance(base_url, str):
        raise ConfigurationError(f"{usage}, got {base_url!r}")
    try:
        parts = urlsplit(base_url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"{usage}, got {base_url!r} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise ConfigurationError(f"{usage}, got {base_url!r}")
    if _CONTROL.search(base_url.strip()):
        raise ConfigurationError(f"{usage} without spaces or control characters")
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


def same_origin(first: str, second: str) -> bool:
    """Tell whether two absolute URLs share scheme, host and port (RFC 6454)."""
    return _origin(first) == _origin(second)


def redirect_refusal(base_url: str, target: str) -> str | None:
    """Why a redirect to ``target`` must not be followed, or None to follow it.

    A client never downgrades: plain http to a non-loopback host is refused unless
    ``base_url`` itself is such a URL (only possible with ``allow_insecure_http=True``).
    """
    scheme, host, _ = _origin(target)
    if scheme not in _DEFAULT_PORTS or not host:
        return f"refusing to follow a redirect to {target!r}: not an http(s) URL"
    base_scheme, base_host, _ = _origin(base_url)
    insecure_base = base_scheme == "http" and not is_loopback_host(base_host)
    if scheme == "http" and not is_loopback_host(host) and not insecure_base:
        return (
            f"refusing to follow a redirect to plain http on {host!r}: a client of "
            f"{base_url} never downgrades to an unencrypted connection"
        )
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", "", None)
    scheme = parts.scheme.lower()
    return (scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme))


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


def with_query(url: str, query: Sequence[tuple[str, str]]) -> str:
    """Return ``url`` with ``query`` appended, percent-encoded (for logs, events, errors)."""
    if not query:
        return url
    # For display: a value that cannot be sent (a lone surrogate) is shown escaped.
    return f"{url}?{urlencode(query, quote_via=quote, errors='backslashreplace')}"
