"""Cursors: the resume codec, the "can this cursor be sent" check, and loop detection.

A resume cursor points inside a page: GitBook's cursor of that page plus how many of its
items were already taken, so a walk stopped mid-page continues exactly there. It is prefixed
(``gbasync1.``) so that it cannot be mistaken for a server cursor.
"""

from __future__ import annotations

import base64
import binascii
import collections
import json
from typing import Final

from gitbook_async._checks import check_int
from gitbook_async._constants import RECENT_CURSORS_KEPT
from gitbook_async._errors import InvalidArgumentError, PaginationError

__all__ = [
    "CursorHistory",
    "Position",
    "decode_position",
    "encode_position",
    "unsendable_cursor",
]

RESUME_PREFIX: Final = "gbasync1."
Position = tuple[str | None, int]
"""(GitBook's cursor of a page, or None for the first page; items of it already taken)."""


def encode_position(server_cursor: str | None, skip: int) -> str | None:
    """Return the cursor naming a position: GitBook's own when ``skip`` is 0.

    A server cursor that itself starts with the resume prefix is wrapped too, so that
    ``page=`` reads it back as the server's cursor.
    """
    if skip == 0 and (server_cursor is None or not server_cursor.startswith(RESUME_PREFIX)):
        return server_cursor
    payload = json.dumps({"page": server_cursor, "skip": skip}, separators=(",", ":"))
    return RESUME_PREFIX + base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_position(cursor: str | None) -> Position:
    """Return the position a cursor names (a server cursor names its page's start).

    Raises:
        InvalidArgumentError: ``cursor`` is a damaged resume cursor.

    """
    if cursor is None or not cursor.startswith(RESUME_PREFIX):
        return cursor, 0
    encoded = cursor[len(RESUME_PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        server_cursor, skip = data["page"], data["skip"]
        if not (server_cursor is None or isinstance(server_cursor, str)):
            raise TypeError(server_cursor)
        check_int("skip", skip)
    except (ValueError, binascii.Error, KeyError, TypeError):
        raise InvalidArgumentError(
            f"page={cursor!r} looks like a gitbook-async resume cursor but is damaged; pass a "
            "cursor exactly as Page.next_page or resume_cursor gave it"
        ) from None
    return server_cursor, skip


def unsendable_cursor(cursor: str) -> bool:
    r"""Whether ``cursor`` cannot reach the server unchanged.

    A string that is not valid Unicode text (a lone surrogate, e.g. ``"\ud800abc"``, which
    JSON's ``\u`` escapes can produce) has no UTF-8 form: the URL library would drop what it
    cannot encode and ask for another page than the one named.
    """
    try:
        cursor.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unsendable_error(cursor: str) -> PaginationError:
    """Build the error for a server cursor that ``unsendable_cursor`` refuses."""
    return PaginationError(
        f"the server returned the cursor {cursor!r}, which is not valid Unicode text and "
        "cannot be sent unchanged; stopping instead of asking for another page. Report it "
        "to the server's maintainers.",
        cursor=cursor,
    )


def loop_error(cursor: str) -> PaginationError:
    """Build the error for a server cursor the walk already used (or an empty one)."""
    return PaginationError(
        f"the server returned the cursor {cursor!r} twice; stopping instead of looping "
        "forever. Restart the walk, and report it if it persists.",
        cursor=cursor,
    )


class CursorHistory:
    """Tells whether a cursor repeats one the walk already used, in constant memory.

    The last ``RECENT_CURSORS_KEPT`` cursors are remembered exactly, so a loop of up to that
    many pages is caught at its first repeat; a longer loop is caught by Brent's cycle
    detection (one more cursor, the tortoise, kept at power-of-two steps) within three
    turns of it. A walk of a million pages keeps the same few strings.
    """

    __slots__ = ("_power", "_recent", "_steps", "_tortoise")

    def __init__(self, start: str | None) -> None:
        self._recent: collections.deque[str] = collections.deque(maxlen=RECENT_CURSORS_KEPT)
        self._tortoise = start
        self._power = self._steps = 1
        if start is not None:
            self._recent.append(start)

    def repeats(self, cursor: str) -> bool:
        """Record ``cursor``; return True if the walk has been there before."""
        if cursor == self._tortoise or cursor in self._recent:
            return True
        self._recent.append(cursor)
        if self._steps == self._power:
            self._tortoise, self._power, self._steps = cursor, self._power * 2, 0
        self._steps += 1
        return False
