"""``_proxy.ProxySetting``: which proxy a client uses, and what of it is a secret."""

from __future__ import annotations

import base64

import pytest

from gitbook_async import ConfigurationError
from gitbook_async._proxy import ProxySetting

from ._proxy import isolate_proxy_env

BASE = "https://api.gitbook.com"


def test_an_explicit_proxy_wins_and_keeps_its_credentials_apart() -> None:
    """``proxy=`` with credentials: the URL loses them, the header and the secrets keep them."""
    setting = ProxySetting.resolve(
        "http://me:s3cret@127.0.0.1:3128", trust_env=False, base_url=BASE
    )
    assert setting is not None
    assert str(setting.url) == "http://127.0.0.1:3128"
    assert setting.authorization == "Basic " + base64.b64encode(b"me:s3cret").decode()
    assert "s3cret" in setting.secrets()
    assert str(setting) == "http://127.0.0.1:3128 (from proxy=)"
    assert "s3cret" not in repr(setting)


@pytest.mark.parametrize(
    ("trust_env", "variable", "no_proxy", "expected"),
    [
        (True, "HTTPS_PROXY", "", "http://127.0.0.1:3128 (from $HTTPS_PROXY)"),
        (True, "HTTPS_PROXY", "api.gitbook.com", None),
        (True, "HTTP_PROXY", "", None),  # an https API reads $HTTPS_PROXY only
        (False, "HTTPS_PROXY", "", None),
    ],
    ids=["env", "no-proxy", "other-scheme", "trust-env-off"],
)
def test_the_environment_is_read_only_with_trust_env(
    monkeypatch: pytest.MonkeyPatch,
    trust_env: bool,
    variable: str,
    no_proxy: str,
    expected: str | None,
) -> None:
    """``$HTTPS_PROXY`` applies to an https API unless ``$NO_PROXY`` names its host."""
    isolate_proxy_env(monkeypatch)
    monkeypatch.setenv(variable, "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    setting = ProxySetting.resolve(None, trust_env=trust_env, base_url=BASE)
    assert (None if setting is None else str(setting)) == expected


@pytest.mark.parametrize(
    "proxy",
    [42, "ftp://127.0.0.1:21", "http://", "not a url at all", "http://a:b:c@[::1"],
    ids=["not-a-string", "ftp", "no-host", "no-scheme", "broken"],
)
def test_an_unusable_proxy_is_a_configuration_error(proxy: object) -> None:
    """A proxy that is not an http(s) URL with a host is refused, its text never echoed."""
    with pytest.raises(ConfigurationError) as caught:
        ProxySetting.resolve(proxy, trust_env=False, base_url=BASE)  # type: ignore[arg-type]
    assert "a:b:c" not in str(caught.value)
