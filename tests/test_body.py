"""``_body``: reading response bodies strictly (RFC 8259), error bodies, excerpts, redaction.

Pure functions of bytes. ``read_json``/``refuse_content_type`` never raise: a body is a value or a
``BadBody`` that says whether another attempt could help. Whatever text leaves this module
(an excerpt, a problem, an error) has the token and its percent-encoded form redacted.
"""

from __future__ import annotations

import json
import sys
from typing import Any
from urllib.parse import quote

import pytest

from gitbook_async import ResponseValidationError
from gitbook_async._body import (
    REDACTED,
    BadBody,
    error_message_of,
    excerpt,
    read_json,
    redact,
    refuse_content_type,
)

TOKEN = "gb_api_s3cret/t+ken=="  # needs percent-encoding: '/', '+' and '='
ENCODED = quote(TOKEN, safe="")
JSON = "application/json"

# -- redact --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        pytest.param("no secret here", [TOKEN], "no secret here", id="nothing-to-redact"),
        pytest.param(f"Bearer {TOKEN}", [TOKEN], f"Bearer {REDACTED}", id="plain"),
        pytest.param(f"?t={ENCODED}&x", [TOKEN], f"?t={REDACTED}&x", id="percent-encoded"),
        pytest.param(f"{TOKEN} {TOKEN}", [TOKEN], f"{REDACTED} {REDACTED}", id="every-occurrence"),
        pytest.param("a b", ["a", "b"], f"{REDACTED} {REDACTED}", id="several-secrets"),
        pytest.param("keep", [""], "keep", id="empty-secret-ignored"),
        pytest.param("keep", [], "keep", id="no-secrets"),
        pytest.param("x t\u00f6k\u00e9n y", ["t\u00f6k\u00e9n"], f"x {REDACTED} y", id="non-ascii"),
        pytest.param(
            "x t%C3%B6k%C3%A9n y", ["t\u00f6k\u00e9n"], f"x {REDACTED} y", id="non-ascii-encoded"
        ),
    ],
)
def test_redact(text: str, secrets: list[str], expected: str) -> None:
    """Each secret and its percent-encoded form become ``[REDACTED]``; the rest is kept."""
    assert redact(text, secrets) == expected


def test_redact_lowercase_percent_encoding() -> None:
    """Percent-encoding is case-insensitive (RFC 3986 section 2.1): ``%2f`` is ``%2F``."""
    assert redact(f"t={ENCODED.lower()}", [TOKEN]) == f"t={REDACTED}"


def test_redact_a_secret_with_a_lone_surrogate() -> None:
    """A token read from a non-UTF-8 environment (``\\udcff``) is redacted, not a crash."""
    assert redact("x \udcff y", ["\udcff"]) == f"x {REDACTED} y"


# -- excerpt -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "limit", "secrets", "expected"),
    [
        pytest.param(b"short", 10, [], "short", id="short"),
        pytest.param(b"  padded \n", 10, [], "padded", id="stripped"),
        pytest.param(b"x" * 50, 10, [], "x" * 10 + "...", id="cut"),
        pytest.param(b"x" * 10, 10, [], "x" * 10, id="exactly-the-limit"),
        pytest.param(b"\xff\xfeok", 10, [], "\ufffd\ufffdok", id="invalid-utf8-replaced"),
        pytest.param("\u00e9".encode() * 20, 5, [], "\u00e9" * 5 + "...", id="counts-characters"),
        pytest.param(f"key={TOKEN}".encode(), 100, [TOKEN], f"key={REDACTED}", id="redacted"),
        pytest.param(
            f"key={ENCODED}".encode(), 100, [TOKEN], f"key={REDACTED}", id="redacted-encoded"
        ),
        pytest.param(
            b"x" * 10 + TOKEN.encode(), 12, [TOKEN], "x" * 10 + "[R...", id="redacted-then-cut"
        ),
    ],
)
def test_excerpt(body: bytes, limit: int, secrets: list[str], expected: str) -> None:
    """Body text for a message: decoded leniently, redacted before it is cut to ``limit``."""
    assert excerpt(body, limit, secrets) == expected


@pytest.mark.parametrize("where", [0, 5, 9, 10, 11, 199])
def test_an_excerpt_never_shows_part_of_a_secret(where: int) -> None:
    """Wherever the token starts, no prefix of it of 4+ characters survives the cut."""
    body = b"x" * where + ENCODED.encode() + b"y" * 300
    shown = excerpt(body, 10, [TOKEN])
    assert not any(ENCODED[:n] in shown for n in range(4, len(ENCODED) + 1))


# -- refuse_content_type -------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/problem+json", ""],
)
def test_a_json_or_absent_content_type_is_accepted(content_type: str) -> None:
    """JSON media types, and no content type at all (some proxies drop it), may be read."""
    assert refuse_content_type(b"{}", content_type) is None


@pytest.mark.parametrize("content_type", ["text/html", "text/plain", "application/xml"])
def test_another_content_type_is_a_permanent_bad_body(content_type: str) -> None:
    """A captive portal's HTML is refused for good, quoting the type and a short excerpt."""
    bad = refuse_content_type(b"<html>" + b"x" * 1000, content_type)
    assert bad is not None
    assert not bad.transient
    assert repr(content_type) in bad.problem
    assert "<html>" in bad.problem
    assert len(bad.problem) < 300


def test_an_upper_case_json_content_type_is_accepted() -> None:
    """``Application/JSON`` names the same media type as ``application/json``."""
    assert refuse_content_type(b"{}", "Application/JSON") is None


# -- read_json: what is accepted -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (b'{"a": [1, 2.5, "x", true, null]}', {"a": [1, 2.5, "x", True, None]}),
        (b"  {}  \n", {}),
        (b"1e308", 1e308),
        (b"-0.0", -0.0),
        (b"123456789012345678901234567890", 123456789012345678901234567890),  # kept exact
        (b'"caf\xc3\xa9 \\u00e9"', "caf\u00e9 \u00e9"),
        (b'{"a": 1, "a": 2}', {"a": 2}),  # duplicate keys: the last wins, as json does
        (b"\xef\xbb\xbf{}", {}),  # a UTF-8 BOM may be ignored (RFC 8259 section 8.1)
    ],
)
def test_read_json_accepts_json(body: bytes, value: Any) -> None:
    """Valid JSON becomes Python values, big integers exact."""
    assert read_json(body) == value


# -- read_json: what is refused ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "transient", "problem", "path"),
    [
        pytest.param(b"", True, "not valid JSON", "", id="empty"),
        pytest.param(b'{"items": [1, 2', True, "not valid JSON", "", id="cut-short"),
        pytest.param(b'{"a":1}{"b":2}', True, "not valid JSON", "", id="extra-data"),
        pytest.param(b'{"a":"\x00"}', True, "not valid JSON", "", id="raw-control-char"),
        pytest.param(b"NaN", False, "'NaN' is not finite", "", id="nan-document"),
        pytest.param(b"[Infinity]", False, "'Infinity' is not finite", "[0]", id="infinity"),
        pytest.param(
            b'{"a": [1, {"b": -Infinity}]}',
            False,
            "'-Infinity' is not finite",
            "a[1].b",
            id="minus-infinity-path",
        ),
        pytest.param(b'{"x": 1e400}', False, "'1e400' is not finite", "x", id="overflow"),
        pytest.param(b'{"x": -1e400}', False, "'-1e400' is not finite", "x", id="overflow-neg"),
        pytest.param(b'{"a b": {"c": NaN}}', False, "'NaN' is not finite", "a b.c", id="odd-key"),
        pytest.param(b"\xff", False, "not valid UTF-8 (byte 0xff at 0)", "", id="invalid-utf8"),
        pytest.param(b'{"\xc3": 1}', False, "not valid UTF-8", "", id="truncated-sequence"),
        pytest.param(b"[" * 100_000, False, "nested too deeply", "", id="deep-nesting"),
        pytest.param(b'{"a":' * 100_000, False, "nested too deeply", "", id="deep-objects"),
        pytest.param(b"1" * 5000, False, "not readable", "", id="too-many-digits"),
    ],
)
def test_read_json_refuses(body: bytes, transient: bool, problem: str, path: str) -> None:
    """Unusable bodies become a BadBody: transient only if cut short, with the value's path."""
    bad = read_json(body)
    assert isinstance(bad, BadBody)
    assert (bad.transient, bad.path) == (transient, path)
    assert problem in bad.problem


def test_the_recursion_limit_is_not_changed_by_a_deep_body() -> None:
    """Refusing deep nesting leaves the interpreter as it was."""
    before = sys.getrecursionlimit()
    assert isinstance(read_json(b"[" * 100_000), BadBody)
    assert sys.getrecursionlimit() == before


def test_read_json_refuses_an_encoded_surrogate() -> None:
    """``\\xed\\xa0\\x80`` (a UTF-16 surrogate encoded as UTF-8) is not valid UTF-8."""
    assert isinstance(read_json(b'"\xed\xa0\x80"'), BadBody)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_read_json_refuses_other_encodings(encoding: str) -> None:
    """JSON between systems is UTF-8 (RFC 8259 section 8.1): UTF-16/32 bodies are refused."""
    assert isinstance(read_json('{"a": 1}'.encode(encoding)), BadBody)


# -- BadBody.error -------------------------------------------------------------------------


def test_a_bad_body_error_names_the_endpoint_status_path_and_advice() -> None:
    """The ResponseValidationError says where, what and what to do, in one sentence."""
    bad = BadBody(
        transient=False,
        problem="not JSON",
        path="a[1]",
        status=200,
        endpoint="GET /x",
        advice="Hm.",
    )
    error = bad.error()
    assert isinstance(error, ResponseValidationError)
    assert str(error) == "GET /x answered HTTP 200 with a body that is not JSON at a[1]. Hm."
    assert error.errors == (("a[1]", "not JSON"),)
    assert error.endpoint == "GET /x"


@pytest.mark.parametrize("shown", [TOKEN, ENCODED])
def test_a_bad_body_error_redacts_the_token(shown: str) -> None:
    """A body echoing the token (plain or percent-encoded) never shows it in the error."""
    bad = refuse_content_type(f"<p>{shown}</p>".encode(), "text/html")
    assert isinstance(bad, BadBody)
    error = bad.error([TOKEN])
    assert TOKEN not in str(error)
    assert ENCODED not in str(error)
    assert all(TOKEN not in problem and ENCODED not in problem for _, problem in error.errors)
    assert REDACTED in str(error)


def test_a_bad_body_is_frozen() -> None:
    """A BadBody is a value."""
    bad = BadBody(transient=True, problem="x")
    with pytest.raises(AttributeError):
        bad.problem = "y"  # type: ignore[misc]


# -- error_message_of ----------------------------------------------------------------------


def _error(code: object = 404, message: object = "Space not found") -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        pytest.param(_error(), JSON, (404, "Space not found"), id="gitbook-error"),
        pytest.param(_error("E_RATE", "slow down"), JSON, ("E_RATE", "slow down"), id="str-code"),
        pytest.param(_error(), "text/plain", (404, "Space not found"), id="json-without-type"),
        pytest.param(b"  " + _error(), "", (404, "Space not found"), id="leading-space"),
        pytest.param(_error(True), JSON, (None, "Space not found"), id="bool-code"),
        pytest.param(_error(1.5), JSON, (None, "Space not found"), id="float-code"),
        pytest.param(_error(404, ""), JSON, (404, None), id="empty-message"),
        pytest.param(_error(404, 5), JSON, (404, None), id="number-message"),
        pytest.param(_error(404, None), JSON, (404, None), id="null-message"),
        pytest.param(b'{"error": "nope"}', JSON, (None, None), id="error-not-an-object"),
        pytest.param(b"[1, 2]", JSON, (None, None), id="array"),
        pytest.param(b"<html>502</html>", "text/html", (None, None), id="html"),
        pytest.param(b"{", JSON, (None, None), id="cut-short"),
        pytest.param(b"\xff", JSON, (None, None), id="invalid-utf8"),
        pytest.param(b"[" * 100_000, JSON, (None, None), id="deep-nesting"),
        pytest.param(b'{"error": {"message": NaN}}', JSON, (None, None), id="nan-message"),
    ],
)
def test_error_message_of(
    body: bytes, content_type: str, expected: tuple[int | str | None, str | None]
) -> None:
    """GitBook's ``{"error": {"code", "message"}}``, each part only if well-typed; never raises."""
    assert error_message_of(body, content_type) == expected
