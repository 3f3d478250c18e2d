"""Reading response bodies strictly: JSON as RFC 8259 defines it, error bodies, redaction.

Pure functions of bytes; no I/O. ``read_json`` and ``refuse_content_type`` never raise:
they give the value, or a ``BadBody`` that says whether another attempt could help (a body
cut short) or not.
"""

from __future__ import annotations

import codecs
import functools
import json
import math
import re
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote

import attrs

from gitbook_async._errors import ResponseValidationError

__all__ = [
    "BadBody",
    "error_message_of",
    "excerpt",
    "read_json",
    "redact",
    "refuse_content_type",
]

REDACTED: Final = "[REDACTED]"
"""What replaces a secret in any text taken from a response."""


def redact(text: str, secrets: Sequence[str]) -> str:
    """Replace every secret (and its percent-encoded forms) in ``text`` with ``[REDACTED]``.

    Percent-escapes are case-insensitive (RFC 3986 section 2.1): ``%2f`` is redacted as
    ``%2F`` is. A secret holding a lone surrogate is encoded with ``surrogatepass``.
    """
    for secret in secrets:
        if secret:
            for form in _forms(secret):
                text = text.replace(form, REDACTED)
    return text


@functools.lru_cache(maxsize=16)
def _forms(secret: str) -> tuple[str, ...]:
    """Return the texts a secret may appear as: itself, percent-encoded (upper, lower case)."""
    encoded = quote(secret, safe="", errors="surrogatepass")
    lowered = _ESCAPE.sub(lambda match: match.group().lower(), encoded)
    return tuple(dict.fromkeys((secret, encoded, lowered)))


_ESCAPE: Final = re.compile(r"%[0-9A-F]{2}")


def excerpt(body: bytes, limit: int, secrets: Sequence[str] = ()) -> str:
    """Return the body as text, redacted, cut to ``limit`` characters (``...`` marks a cut)."""
    longest = max((len(quote(s, safe="", errors="surrogatepass")) for s in secrets), default=0)
    text = body[: 4 * (limit + longest) + 4].decode("utf-8", errors="replace").strip()
    text = redact(text, secrets)
    return text if len(text) <= limit else text[:limit] + "..."


@attrs.frozen(kw_only=True)
class BadBody:
    """A 2xx body that is not usable JSON.

    Attributes:
        transient: Whether another attempt may help (JSON syntax cut short on the way).
        problem: What is wrong, in words, e.g. ``"not valid UTF-8 (...)"``.
        path: JSON path of the offending value (``""``: the document).
        status: The HTTP status of the response.
        endpoint: The endpoint label, e.g. ``GET /spaces/{spaceId}/integrations``.
        advice: What the user can do.

    """

    transient: bool
    problem: str
    path: str = ""
    status: int = 200
    endpoint: str = ""
    advice: str = "The server sent something that is not JSON; report it if it persists."

    def error(self, secrets: Sequence[str] = ()) -> ResponseValidationError:
        """Build the ``ResponseValidationError`` for this body, secrets redacted."""
        problem = redact(self.problem, secrets)
        where = f" at {self.path}" if self.path else ""
        return ResponseValidationError(
            f"{self.endpoint} answered HTTP {self.status} with a body that is {problem}"
            f"{where}. {self.advice}",
            endpoint=self.endpoint,
            errors=((self.path, problem),),
        )


class _NotFiniteError(ValueError):
    """A literal JSON does not allow (RFC 8259 section 6): NaN, Infinity, 1e400."""


def _refuse_constant(literal: str) -> float:
    raise _NotFiniteError(literal)


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NotFiniteError(literal)
    return value


def refuse_content_type(body: bytes, content_type: str) -> BadBody | None:
    """Return the ``BadBody`` of a body whose content type is not JSON (None: it may be).

    An absent content type is accepted: some proxies drop it.
    """
    if not content_type or "json" in content_type.lower():
        return None
    return BadBody(
        transient=False,
        problem=f"{content_type!r} instead of JSON: {excerpt(body, 200)!r}",
        advice="A proxy or captive portal may be in the way; check base_url.",
    )


def read_json(body: bytes) -> Any | BadBody:
    """Decode a JSON body strictly (RFC 8259), or return the ``BadBody`` saying why not.

    Refused: invalid UTF-8, JSON syntax errors (transient: a body cut short), nesting
    deeper than the decoder's recursion limit, NaN and infinities (also as overflowing
    literals like ``1e400``) and integers over Python's digit limit.
    """
    try:
        # Decoded here, strictly: json.loads(bytes) would accept UTF-16/32 and encoded
        # surrogates (RFC 8259 section 8.1: JSON between systems is UTF-8).
        text = body[3:] if body.startswith(codecs.BOM_UTF8) else body
        return json.loads(
            text.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float
        )
    except json.JSONDecodeError as exc:
        return BadBody(
            transient=True,
            problem=f"not valid JSON ({exc})",
            advice="The response may have been cut off. Retrying usually helps.",
        )
    except _NotFiniteError as exc:
        return BadBody(
            transient=False,
            problem=f"not JSON: the number {exc.args[0]!r} is not finite (RFC 8259 section 6)",
            path=_path_of_literal(body, exc.args[0]),
        )
    except UnicodeDecodeError as exc:
        return BadBody(
            transient=False,
            problem=f"not valid UTF-8 (byte {exc.object[exc.start]:#04x} at {exc.start})",
        )
    except ValueError as exc:  # int(): more digits than sys.get_int_max_str_digits()
        return BadBody(transient=False, problem=f"not readable: {exc}".split(";", 1)[0])
    except RecursionError:
        return BadBody(transient=False, problem="nested too deeply to read")


def _path_of_literal(body: bytes, literal: str) -> str:
    """Find the JSON path of the first value spelled ``literal`` (found by a second parse)."""
    marker = _Marker()
    try:
        tree = json.loads(
            body,
            parse_constant=lambda text: marker if text == literal else 0.0,
            parse_float=lambda text: marker if text == literal else 0.0,
        )
    except (ValueError, RecursionError):  # pragma: no cover - the first parse got this far
        return ""
    stack: list[tuple[str, Any]] = [("", tree)]
    while stack:
        path, value = stack.pop()
        if value is marker:
            return path
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                stack.append((f"{path}.{key}" if path else str(key), item))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                stack.append((f"{path}[{index}]", value[index]))
    return ""  # pragma: no cover - the literal is in the document


class _Marker:
    """Stands in for the offending literal while its path is searched."""


def error_message_of(body: bytes, content_type: str) -> tuple[int | str | None, str | None]:
    """GitBook's ``{"error": {"code", "message"}}`` of an error body, or ``(None, None)``."""
    if "json" not in content_type.lower() and not body.lstrip().startswith(b"{"):
        return None, None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
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
