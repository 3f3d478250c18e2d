"""``_urls``: the base URL, redirects, endpoint paths, space ids, queries and the User-Agent.

Pure string rules, each a table: what is accepted (and how it is normalised), what is
refused (and with which error), and the hostile values (control characters, non-ASCII,
lone surrogates, injection attempts) that must never reach the wire unchanged.
"""

from __future__ import annotations

import platform
from typing import Any

import pytest

from gitbook_async import ConfigurationError, InvalidArgumentError, __version__
from gitbook_async._urls import (
    api_path,
    is_loopback_host,
    normalize_base_url,
    redirect_refusal,
    same_origin,
    user_agent,
    validate_space_id,
    with_query,
)

# -- user_agent ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "http_library", "expected"),
    [
        pytest.param(None, "", f"gitbook-async/{__version__} (python {{py}})", id="ours"),
        pytest.param(
            "my-app/1.0",
            "",
            f"gitbook-async/{__version__} (python {{py}}) my-app/1.0",
            id="with-product",
        ),
        pytest.param(
            None,
            "aiohttp 3.14.5",
            f"gitbook-async/{__version__} (python {{py}}; aiohttp 3.14.5)",
            id="with-http-library",
        ),
        pytest.param("", "", f"gitbook-async/{__version__} (python {{py}})", id="empty-product"),
    ],
)
def test_user_agent(extra: str | None, http_library: str, expected: str) -> None:
    """Ours first (version, Python, HTTP library), the caller's product token after it."""
    wanted = expected.format(py=platform.python_version())
    assert user_agent(extra, http_library=http_library) == wanted


# -- is_loopback_host ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("localhost.localdomain", True),
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("128.0.0.1", False),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("127.0.0.1.nip.io", False),  # a name that only looks like an address
        ("", False),
        ("l\u043ecalhost", False),  # Cyrillic o
        ("\ud800", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    """Only this machine's names and 127.0.0.0/8, ::1 are loopback; look-alikes are not."""
    assert is_loopback_host(host) is loopback


# -- normalize_base_url --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://api.gitbook.com", "https://api.gitbook.com"),
        ("https://api.gitbook.com/", "https://api.gitbook.com"),
        ("https://api.gitbook.com/v1", "https://api.gitbook.com"),
        ("https://api.gitbook.com/v1/", "https://api.gitbook.com"),
        ("https://proxy.example/gitbook/v1/", "https://proxy.example/gitbook"),
        ("https://api.gitbook.com:8443", "https://api.gitbook.com:8443"),
        ("  https://api.gitbook.com\n", "https://api.gitbook.com"),  # a pasted line break
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost", "http://localhost"),
        ("http://[::1]:8080/v1", "http://[::1]:8080"),
        ("https://b\u00fccher.example", "https://b\u00fccher.example"),
    ],
)
def test_a_base_url_is_normalised(base_url: str, expected: str) -> None:
    """The origin (and a path prefix) is kept, without a trailing slash or ``/v1``."""
    assert normalize_base_url(base_url) == expected


@pytest.mark.parametrize(
    ("base_url", "fragment"),
    [
        pytest.param(None, "base_url must be an http(s) URL", id="none"),
        pytest.param(b"https://api.gitbook.com", "base_url must be", id="bytes"),
        pytest.param("", "base_url must be", id="empty"),
        pytest.param("api.gitbook.com", "base_url must be", id="no-scheme"),
        pytest.param("ftp://api.gitbook.com", "base_url must be", id="ftp"),
        pytest.param("https://", "base_url must be", id="no-host"),
        pytest.param("https://h:0", "base_url must be", id="port-zero"),
        pytest.param("https://h:65536", "base_url must be", id="port-too-high"),
        pytest.param("https://h:-1", "base_url must be", id="port-negative"),
        pytest.param("http://[::1", "base_url must be", id="bad-ipv6"),
        pytest.param("https://h/a b", "without spaces or control characters", id="space"),
        pytest.param("https://h/\x00", "without spaces or control characters", id="nul"),
        pytest.param("https://h/\r\nX: y", "without spaces or control characters", id="crlf"),
        pytest.param("https://h/\x7f", "without spaces or control characters", id="del"),
        pytest.param("https://user:pw@h", "must not contain credentials", id="credentials"),
        pytest.param("https://token@h", "must not contain credentials", id="username"),
        pytest.param("https://h/?token=x", "must not contain credentials", id="query"),
        pytest.param("https://h/#top", "must not contain credentials", id="fragment"),
        pytest.param("http://example.com", "refusing to send the API token", id="plain-http"),
        pytest.param("http://10.0.0.1", "refusing to send the API token", id="plain-http-lan"),
    ],
)
def test_an_unusable_base_url_is_a_configuration_error(base_url: Any, fragment: str) -> None:
    """Malformed, credential-bearing or unencrypted-to-elsewhere base URLs are refused."""
    with pytest.raises(ConfigurationError) as raised:
        normalize_base_url(base_url)
    assert fragment in str(raised.value)


def test_the_credentials_error_never_echoes_them() -> None:
    """A base URL with a password is refused without repeating the password."""
    with pytest.raises(ConfigurationError) as raised:
        normalize_base_url("https://user:hunter2@api.gitbook.com")
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize("base_url", ["http://example.com", "http://10.0.0.1:8080/v1"])
def test_plain_http_elsewhere_needs_the_opt_in(base_url: str) -> None:
    """``allow_insecure_http=True`` accepts plain http to a host that is not loopback."""
    assert normalize_base_url(base_url, allow_insecure_http=True).startswith("http://")


# -- same_origin ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("https://a.example/x", "https://a.example/y?z", True),
        ("https://a.example", "https://a.example:443", True),
        ("http://a.example", "http://a.example:80", True),
        ("https://A.EXAMPLE", "HTTPS://a.example", True),
        ("https://a.example", "http://a.example", False),
        ("https://a.example", "https://b.example", False),
        ("https://a.example", "https://a.example:8443", False),
        ("https://a.example", "https://a.example.evil", False),
        ("https://a.example", "https://a.example@evil.example", False),
        ("https://a.example", "https://a.example:99999", False),  # unreadable port
        ("https://a.example", "not a url", False),
    ],
)
def test_same_origin(first: str, second: str, same: bool) -> None:
    """Origins compare scheme, host (any case) and port (default ports filled in), RFC 6454."""
    assert same_origin(first, second) is same
    assert same_origin(second, first) is same


# -- redirect_refusal ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "target", "refused"),
    [
        pytest.param("https://api.gitbook.com", "https://api.gitbook.com/v1/x", None, id="same"),
        pytest.param(
            "https://api.gitbook.com", "https://cdn.example/x", None, id="https-elsewhere"
        ),
        pytest.param(
            "https://api.gitbook.com",
            "http://cdn.example/x",
            "refusing to follow a redirect to plain http",
            id="downgrade",
        ),
        pytest.param("https://api.gitbook.com", "http://127.0.0.1:9/x", None, id="to-loopback"),
        pytest.param(
            "http://internal.example",
            "http://other.example/x",
            None,
            id="already-insecure-base",
        ),
        pytest.param(
            "http://127.0.0.1:8765",
            "http://example.com/x",
            "refusing to follow a redirect to plain http",
            id="loopback-base-to-plain-http",
        ),
        pytest.param(
            "https://api.gitbook.com", "ftp://files.example/x", "not an http(s) URL", id="ftp"
        ),
        pytest.param(
            "https://api.gitbook.com",
            "javascript:alert(1)",
            "not an http(s) URL",
            id="javascript",
        ),
        pytest.param("https://api.gitbook.com", "https://", "not an http(s) URL", id="no-host"),
        pytest.param(
            "https://api.gitbook.com", "https://h:99999/x", "not an http(s) URL", id="bad-port"
        ),
    ],
)
def test_redirect_refusal(base: str, target: str, refused: str | None) -> None:
    """A redirect is never followed to another scheme, or down to plain http elsewhere."""
    reason = redirect_refusal(base, target)
    if refused is None:
        assert reason is None
    else:
        assert reason is not None
        assert refused in reason


# -- validate_space_id ---------------------------------------------------------------------


@pytest.mark.parametrize("space_id", ["demo-space", "a", "A_b-9", "x" * 200])
def test_a_space_id_of_letters_digits_underscores_and_dashes_is_kept(space_id: str) -> None:
    """GitBook's EntityId pattern: returned unchanged."""
    assert validate_space_id(space_id) == space_id


@pytest.mark.parametrize(
    "space_id",
    [
        pytest.param("", id="empty"),
        pytest.param(None, id="none"),
        pytest.param(42, id="int"),
        pytest.param(b"demo", id="bytes"),
        pytest.param("a/b", id="slash"),
        pytest.param("..", id="dot-dot"),
        pytest.param("a?b=c", id="query"),
        pytest.param("a#b", id="fragment"),
        pytest.param("a%2Fb", id="percent"),
        pytest.param("a b", id="space"),
        pytest.param("a\r\nb", id="crlf"),
        pytest.param("demo\n", id="trailing-newline"),
        pytest.param("d\u00e9mo", id="non-ascii"),
        pytest.param("\uff44emo", id="fullwidth"),
        pytest.param("demo\ud800", id="lone-surrogate"),
    ],
)
def test_any_other_space_id_is_an_invalid_argument(space_id: Any) -> None:
    """Anything else (path or query injection, non-ASCII, not a string) is refused, unsent."""
    with pytest.raises(InvalidArgumentError, match="space_id must be a GitBook id"):
        validate_space_id(space_id)


# -- api_path ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "ids", "expected"),
    [
        ("/spaces/{spaceId}/integrations", {"spaceId": "demo"}, "/v1/spaces/demo/integrations"),
        ("/spaces/{spaceId}", {"spaceId": "a/b?c#d"}, "/v1/spaces/a%2Fb%3Fc%23d"),
        ("/spaces/{spaceId}", {"spaceId": "d\u00e9mo"}, "/v1/spaces/d%C3%A9mo"),
        ("/orgs/{orgId}/spaces/{spaceId}", {"orgId": "o", "spaceId": "s"}, "/v1/orgs/o/spaces/s"),
    ],
)
def test_api_path(template: str, ids: dict[str, str], expected: str) -> None:
    """The ``/v1`` prefix, and each id percent-encoded whole (a slash cannot add a segment)."""
    assert api_path(template, **ids) == expected


# -- with_query ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param([], "/v1/x", id="no-query"),
        pytest.param([("limit", "100")], "/v1/x?limit=100", id="one"),
        pytest.param(
            [("search", "a b"), ("page", "c/d+e")],
            "/v1/x?search=a%20b&page=c%2Fd%2Be",
            id="spaces-slash-plus",
        ),
        pytest.param([("page", "x&limit=1")], "/v1/x?page=x%26limit%3D1", id="injection"),
        pytest.param([("search", "\u00e9")], "/v1/x?search=%C3%A9", id="non-ascii"),
        pytest.param([("page", "a\r\nb")], "/v1/x?page=a%0D%0Ab", id="crlf"),
        pytest.param([("limit", "1"), ("limit", "2")], "/v1/x?limit=1&limit=2", id="repeated"),
    ],
)
def test_with_query(query: list[tuple[str, str]], expected: str) -> None:
    """The query appended in order, every value percent-encoded (spaces as %20, not +)."""
    assert with_query("/v1/x", query) == expected


def test_with_query_renders_a_cursor_with_a_lone_surrogate() -> None:
    """A page cursor a server sent as JSON ``"\\ud800"`` can still be shown in a log line."""
    assert with_query("/v1/x", [("page", "a\ud800b")]).startswith("/v1/x?page=a")
