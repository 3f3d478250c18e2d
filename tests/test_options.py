"""Per-call options (``_options``): checks before anything is sent, the merge, the repr text."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp
import pytest

from gitbook_async import ConfigurationError, GitBookClient, InvalidArgumentError
from gitbook_async._constants import DEFAULT_CONNECT_TIMEOUT
from gitbook_async._options import CallOptions, check_headers, check_query, client_timeout
from gitbook_async.testing import DEMO_SPACE_ID, FakeGitBook

from .conftest import TOKEN

SPACE: Final = DEMO_SPACE_ID

SECRET_VALUE: Final = "s3cr3t-header-value"
"""A header value no error message may echo."""

TIMEOUT_5: Final = aiohttp.ClientTimeout(total=5.0, sock_connect=5.0)
TIMEOUT_9: Final = aiohttp.ClientTimeout(total=9.0)

# --- timeout ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "total", "sock_connect"),
    [
        (5, 5.0, 5.0),
        (2.5, 2.5, 2.5),
        (120.0, 120.0, DEFAULT_CONNECT_TIMEOUT),
    ],
)
def test_a_number_timeout_is_the_total_of_one_attempt(
    given: float, total: float, sock_connect: float
) -> None:
    """A number is the attempt's total; connecting may take at most the connect default of it."""
    options = CallOptions.of(timeout=given)
    assert options.timeout is not None
    assert (options.timeout.total, options.timeout.sock_connect) == (total, sock_connect)


def test_a_client_timeout_is_kept_as_given() -> None:
    """An ``aiohttp.ClientTimeout`` is used unchanged."""
    assert CallOptions.of(timeout=TIMEOUT_9).timeout is TIMEOUT_9
    assert client_timeout(TIMEOUT_9) is TIMEOUT_9


@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf, True, "5", [5]], ids=repr)
def test_a_bad_timeout_is_refused(timeout: Any) -> None:
    """Zero, negative, non-finite, bool and non-number timeouts raise InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError, match="timeout"):
        CallOptions.of(timeout=timeout)


# --- max_retries and deadline -----------------------------------------------------------------


@pytest.mark.parametrize("max_retries", [0, 1, 10])
def test_max_retries_takes_an_int_from_zero(max_retries: int) -> None:
    """``max_retries`` is any int >= 0."""
    assert CallOptions.of(max_retries=max_retries).max_retries == max_retries


@pytest.mark.parametrize("max_retries", [-1, True, 1.0, "2"], ids=repr)
def test_a_bad_max_retries_is_refused(max_retries: Any) -> None:
    """Negative, bool, float and str ``max_retries`` raise InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError, match="max_retries"):
        CallOptions.of(max_retries=max_retries)


@pytest.mark.parametrize(("deadline", "seconds"), [(1, 1.0), (0.25, 0.25), (3600.0, 3600.0)])
def test_a_deadline_is_positive_finite_seconds(deadline: float, seconds: float) -> None:
    """A positive finite number is the deadline, as a float."""
    checked = CallOptions.of(deadline=deadline).deadline
    assert checked == seconds
    assert type(checked) is float


@pytest.mark.parametrize("deadline", [0, -0.5, math.nan, math.inf, True, "1"], ids=repr)
def test_a_bad_deadline_is_refused(deadline: Any) -> None:
    """Zero, negative, non-finite, bool and str deadlines raise InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError, match="deadline"):
        CallOptions.of(deadline=deadline)


# --- extra_headers ----------------------------------------------------------------------------


def test_no_option_is_the_shared_empty_value() -> None:
    """A call without options gets the empty options, which merge to the defaults themselves."""
    defaults = CallOptions(timeout=TIMEOUT_5, max_retries=3)
    options = CallOptions.of()
    assert options == CallOptions()
    assert options.over(defaults) is defaults


def test_headers_are_kept_as_pairs_in_order() -> None:
    """Accepted headers become pairs, in the order given."""
    options = CallOptions.of(extra_headers={"X-B": "2", "X-A": "1", "Accept": "text/plain"})
    assert options.headers == (("X-B", "2"), ("X-A", "1"), ("Accept", "text/plain"))


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "authorization",
        "AUTHORIZATION",
        " Authorization ",
        "Host",
        "HOST",
        "Proxy-Authorization",
        "proxy-AUTHORIZATION",
    ],
)
def test_headers_the_client_sets_are_refused_in_any_case(name: str) -> None:
    """Authorization, Host and Proxy-Authorization are refused however spelled; no value shown."""
    with pytest.raises(InvalidArgumentError, match="the client sets it") as caught:
        CallOptions.of(extra_headers={name: SECRET_VALUE})
    assert SECRET_VALUE not in str(caught.value)


@pytest.mark.parametrize(
    "name",
    ["X-A\r\nX-Evil", "X-A\nB", "X-A\rB", "X-\x00A", "", "X-A: b"],
    ids=["crlf", "lf", "cr", "nul", "empty", "colon"],
)
def test_a_header_name_that_could_forge_headers_is_refused(name: str) -> None:
    """A name with CR, LF, NUL or a colon (or an empty one) raises InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError, match="not a valid header name") as caught:
        CallOptions.of(extra_headers={name: SECRET_VALUE})
    assert SECRET_VALUE not in str(caught.value)


@pytest.mark.parametrize(
    "value",
    [f"{SECRET_VALUE}\r\nX-Evil: 1", f"{SECRET_VALUE}\n", f"\r{SECRET_VALUE}", f"{SECRET_VALUE}\0"],
    ids=["crlf", "lf", "cr", "nul"],
)
def test_a_header_value_with_a_line_break_is_refused_without_echoing_it(value: str) -> None:
    """A value with CR, LF or NUL raises InvalidArgumentError naming the header, not the value."""
    with pytest.raises(InvalidArgumentError, match=r"extra_headers\['X-Trace'\]") as caught:
        CallOptions.of(extra_headers={"X-Trace": value})
    assert SECRET_VALUE not in str(caught.value)
    assert SECRET_VALUE not in repr(caught.value)


@pytest.mark.parametrize(
    "headers",
    [{b"X-A": "1"}, {1: "1"}, {"X-A": 1}, {"X-A": b"1"}, {"X-A": None}],
    ids=["bytes-name", "int-name", "int-value", "bytes-value", "none-value"],
)
def test_non_string_header_names_and_values_are_refused(headers: Any) -> None:
    """A name or value that is not a str raises InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError, match="extra_headers"):
        CallOptions.of(extra_headers=headers)


@pytest.mark.parametrize("headers", [[("X-A", "1")], [], "", "X-A: 1", 0], ids=repr)
def test_extra_headers_that_are_not_a_mapping_are_refused_even_when_empty(headers: Any) -> None:
    """A list of pairs, a string or a number (even a falsy one) raises InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError, match="extra_headers must be a mapping"):
        CallOptions.of(extra_headers=headers)


def test_default_headers_are_checked_with_the_configuration_error() -> None:
    """``check_headers`` raises the error class it is given, with the name it is given."""
    with pytest.raises(ConfigurationError, match="default_headers may not set 'host'"):
        check_headers({"host": "x"}, name="default_headers", error=ConfigurationError)
    assert check_headers(None, name="default_headers", error=ConfigurationError) == ()


# --- extra_query ------------------------------------------------------------------------------


def test_query_parameters_are_kept_as_pairs_in_order() -> None:
    """Accepted query parameters become pairs, in the order given (empty values too)."""
    options = CallOptions.of(extra_query={"b": "2", "a": "", "é": "ü"})
    assert options.query == (("b", "2"), ("a", ""), ("é", "ü"))


@pytest.mark.parametrize("name", ["search", "limit", "page"])
def test_query_parameters_the_call_sets_are_refused(name: str) -> None:
    """A listing's own parameters may not come through ``extra_query``."""
    with pytest.raises(InvalidArgumentError, match=f"may not set '{name}'"):
        CallOptions.of(extra_query={name: "x"}, reserved_query=("search", "limit", "page"))
    assert check_query({name: "x"}, name="extra_query") == ((name, "x"),)  # not reserved


@pytest.mark.parametrize(
    "query",
    [{"a": "\ud800"}, {"\udfff": "a"}, {"a": 1}, {2: "a"}, {"a": None}, {"": "a"}],
    ids=["surrogate-value", "surrogate-name", "int-value", "int-name", "none-value", "empty-name"],
)
def test_unsendable_query_parameters_are_refused(query: Any) -> None:
    """Lone surrogates (yarl would drop them), non-str names/values and empty names are refused."""
    with pytest.raises(InvalidArgumentError, match="extra_query"):
        CallOptions.of(extra_query=query)


@pytest.mark.parametrize("query", [[("a", "1")], [], "a=1"], ids=repr)
def test_extra_query_that_is_not_a_mapping_is_refused(query: Any) -> None:
    """A list of pairs or a query string raises InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError, match="extra_query must be a mapping"):
        CallOptions.of(extra_query=query)


# --- over() and describe() --------------------------------------------------------------------

DEFAULTS: Final = CallOptions(
    timeout=TIMEOUT_5,
    max_retries=3,
    deadline=30.0,
    headers=(("X-Team", "docs"), ("X-Trace", "default")),
    query=(("lang", "en"),),
)


@pytest.mark.parametrize(
    ("call", "merged"),
    [
        (CallOptions(), DEFAULTS),
        (CallOptions(timeout=TIMEOUT_9), CallOptions(
            timeout=TIMEOUT_9, max_retries=3, deadline=30.0,
            headers=DEFAULTS.headers, query=DEFAULTS.query,
        )),
        (CallOptions(max_retries=0), CallOptions(
            timeout=TIMEOUT_5, max_retries=0, deadline=30.0,
            headers=DEFAULTS.headers, query=DEFAULTS.query,
        )),
        (CallOptions(deadline=1.5), CallOptions(
            timeout=TIMEOUT_5, max_retries=3, deadline=1.5,
            headers=DEFAULTS.headers, query=DEFAULTS.query,
        )),
        (CallOptions(headers=(("X-Trace", "call"),)), CallOptions(
            timeout=TIMEOUT_5, max_retries=3, deadline=30.0,
            headers=(("X-Team", "docs"), ("X-Trace", "default"), ("X-Trace", "call")),
            query=DEFAULTS.query,
        )),
        (CallOptions(query=(("lang", "fr"), ("x", "1"))), CallOptions(
            timeout=TIMEOUT_5, max_retries=3, deadline=30.0,
            headers=DEFAULTS.headers, query=(("lang", "en"), ("lang", "fr"), ("x", "1")),
        )),
    ],
    ids=["nothing", "timeout", "max_retries", "deadline", "headers", "query"],
)  # fmt: skip
def test_over_fills_unset_fields_and_adds_up_headers_and_query(
    call: CallOptions, merged: CallOptions
) -> None:
    """Unset fields take the defaults; headers and query add up, the call's after the defaults'."""
    assert call.over(DEFAULTS) == merged


def test_over_with_empty_defaults_keeps_the_call() -> None:
    """Merged over empty defaults, a call's options are unchanged."""
    call = CallOptions.of(timeout=TIMEOUT_9, max_retries=1, extra_headers={"X-A": "1"})
    assert call.over(CallOptions()) == call


@pytest.mark.parametrize(
    ("options", "text"),
    [
        (CallOptions(), ""),
        (CallOptions(timeout=TIMEOUT_9), "timeout=9.0"),
        (CallOptions(max_retries=0, deadline=2.0), "max_retries=0, deadline=2.0"),
        (
            CallOptions(timeout=TIMEOUT_5, max_retries=1, deadline=3.0, headers=DEFAULTS.headers),
            "timeout=5.0, max_retries=1, deadline=3.0, default_headers=['X-Team', 'X-Trace']",
        ),
    ],
)
def test_describe_names_what_is_set(options: CallOptions, text: str) -> None:
    """``describe()`` lists the set options as keyword arguments; header names, never values."""
    assert options.describe() == text


def test_describe_never_shows_header_values() -> None:
    """A header value set as a default does not appear in ``describe()``."""
    options = CallOptions.of(extra_headers={"X-Api-Key": SECRET_VALUE})
    assert SECRET_VALUE not in options.describe()


# --- through a client: checked before anything is sent ---------------------------------------

Call = Callable[[GitBookClient], Awaitable[object]]

BAD_OPTIONS: Final[list[dict[str, Any]]] = [
    {"timeout": 0},
    {"max_retries": -1},
    {"deadline": math.inf},
    {"extra_headers": {"Authorization": f"Bearer {SECRET_VALUE}"}},
    {"extra_headers": {"X-Trace": f"{SECRET_VALUE}\r\nX-Evil: 1"}},
    {"extra_query": {"a": "\ud800"}},
]


async def _blocks(client: GitBookClient, options: dict[str, Any]) -> object:
    return await client.spaces.list_integration_blocks(DEMO_SPACE_ID, **options)


async def _scripts(client: GitBookClient, options: dict[str, Any]) -> object:
    return await client.spaces.list_integration_scripts(DEMO_SPACE_ID, **options)


async def _integrations(client: GitBookClient, options: dict[str, Any]) -> object:
    return client.spaces.list_integrations(DEMO_SPACE_ID, **options)  # raises at the call


async def _raw_blocks(client: GitBookClient, options: dict[str, Any]) -> object:
    return await client.spaces.with_raw_response.list_integration_blocks(DEMO_SPACE_ID, **options)


async def _raw_integrations(client: GitBookClient, options: dict[str, Any]) -> object:
    return await client.spaces.with_raw_response.list_integrations(DEMO_SPACE_ID, **options)


async def _many(client: GitBookClient, options: dict[str, Any]) -> object:
    return client.spaces.list_integrations_many([DEMO_SPACE_ID], **options)


@pytest.mark.parametrize("method", [_blocks, _scripts, _integrations, _raw_blocks,
                                    _raw_integrations, _many])  # fmt: skip
@pytest.mark.parametrize("options", BAD_OPTIONS, ids=lambda o: next(iter(o)))
async def test_bad_options_fail_before_anything_is_sent(
    method: Callable[[GitBookClient, dict[str, Any]], Awaitable[object]],
    options: dict[str, Any],
    fake_gitbook: FakeGitBook,
    live_client: GitBookClient,
) -> None:
    """Every method refuses a bad option with InvalidArgumentError; the server sees nothing."""
    with pytest.raises(InvalidArgumentError) as caught:
        await method(live_client, options)
    assert fake_gitbook.requests == []
    assert SECRET_VALUE not in str(caught.value)
    assert SECRET_VALUE not in repr(caught.value)


@pytest.mark.parametrize("name", ["Authorization", "host", "PROXY-AUTHORIZATION"])
async def test_reserved_default_headers_are_a_configuration_error(
    name: str, fake_gitbook: FakeGitBook, live_client: GitBookClient
) -> None:
    """``default_headers`` of a client or of ``with_options()`` refuse reserved headers."""
    with pytest.raises(ConfigurationError, match="default_headers may not set") as caught:
        GitBookClient(TOKEN, base_url=fake_gitbook.url, default_headers={name: SECRET_VALUE})
    assert SECRET_VALUE not in str(caught.value)
    with pytest.raises(ConfigurationError, match="default_headers may not set") as caught:
        live_client.with_options(default_headers={name: SECRET_VALUE})
    assert SECRET_VALUE not in str(caught.value)
    assert fake_gitbook.requests == []


async def test_with_options_describes_its_overrides_without_values(
    live_client: GitBookClient,
) -> None:
    """A derived client's repr names what ``with_options()`` changed, header names only."""
    derived = live_client.with_options(
        timeout=7, deadline=20, default_headers={"X-Api-Key": SECRET_VALUE}
    )
    text = repr(derived)
    assert "with_options(timeout=7.0, deadline=20.0, default_headers=['X-Api-Key'])" in text
    assert SECRET_VALUE not in text


async def test_a_misspelled_option_is_refused_before_anything_is_sent() -> None:
    """``timout=`` (a typo) raises InvalidArgumentError naming the known options."""
    async with FakeGitBook(token=TOKEN) as fake:
        fake.add_space(SPACE)
        async with GitBookClient(TOKEN, base_url=fake.url) as gitbook:
            with pytest.raises(InvalidArgumentError, match=r"'timout'.*timeout, max_retries"):
                await gitbook.spaces.list_integration_blocks(SPACE, timout=1)  # type: ignore[call-arg]
        assert fake.requests == []


async def test_only_a_listing_reserves_its_query_parameters() -> None:
    """``extra_query`` may set ``limit`` on the blocks endpoint, which sets no query itself."""
    async with FakeGitBook(token=TOKEN) as fake:
        fake.add_space(SPACE)
        async with GitBookClient(TOKEN, base_url=fake.url) as gitbook:
            await gitbook.spaces.list_integration_blocks(SPACE, extra_query={"limit": "3"})
            with pytest.raises(InvalidArgumentError, match="'limit'"):
                gitbook.spaces.list_integrations(SPACE, extra_query={"limit": "3"})
        assert fake.requests[0].query.get("limit") == "3"


def test_the_repr_of_options_names_headers_without_their_values() -> None:
    """A user's header values (API keys through a gateway) never show in a repr."""
    options = CallOptions.of(extra_headers={"X-Gateway-Key": "gw-secret"})
    assert "X-Gateway-Key" in repr(options)
    assert "gw-secret" not in repr(options)
