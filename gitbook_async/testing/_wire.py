"""Wire-format helpers of the fake server: JSON bodies, GitBook errors and page cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard

from aiohttp import web

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
"""The ``Content-Type`` GitBook sends with every JSON body."""

PAGE_CURSOR_KEY = web.RequestKey("gitbook_fake_page_cursor", str)
"""Request key under which a list handler publishes the cursor of the page it served."""

_CURSOR_VERSION = 1
_CURSOR_KIND_INTEGRATIONS = "integrations"


def dumps(value: object) -> bytes:
    """Encode ``value`` as compact UTF-8 JSON (what GitBook sends: no spaces, no escaping)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(
    body: bytes, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Build a response carrying already encoded JSON ``body``."""
    response = web.Response(body=body, status=status, headers=headers)
    response.headers["Content-Type"] = JSON_CONTENT_TYPE
    return response


def error_body(status: int, message: str) -> bytes:
    """Encode GitBook's error shape: ``{"error": {"code": status, "message": message}}``."""
    return dumps({"error": {"code": status, "message": message}})


def error_response(
    status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Build a GitBook-shaped JSON error response."""
    return json_response(error_body(status, message), status=status, headers=headers)


@dataclass(frozen=True)
class Cursor:
    """Position in a listing: where the next page starts and which query it belongs to.

    A cursor is bound to one space, one (normalised) search string and one page size, so
    a client that changes any of them mid-walk gets a 400 instead of a silently skewed page.
    """

    space_id: str
    offset: int
    limit: int
    search: str | None

    def encode(self) -> str:
        """Return the opaque ``next.page`` token: unpadded urlsafe base64 of a small JSON."""
        raw = dumps(
            {
                "v": _CURSOR_VERSION,
                "k": _CURSOR_KIND_INTEGRATIONS,
                "sp": self.space_id,
                "o": self.offset,
                "l": self.limit,
                "q": self.search,
            }
        )
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        """Parse a token made by `encode`; return ``None`` for anything else."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
        except (binascii.Error, ValueError):
            return None
        if not isinstance(data, dict) or data.get("v") != _CURSOR_VERSION:
            return None
        space_id, offset = data.get("sp"), data.get("o")
        limit, search = data.get("l"), data.get("q")
        if (
            data.get("k") != _CURSOR_KIND_INTEGRATIONS
            or not isinstance(space_id, str)
            or not _is_int(offset)
            or not _is_int(limit)
            or not (search is None or isinstance(search, str))
            or offset < 0
            or limit < 1
        ):
            return None
        return cls(space_id=space_id, offset=offset, limit=limit, search=search)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
