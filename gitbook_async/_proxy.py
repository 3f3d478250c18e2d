"""The proxy a client's requests go through: given, or read from the environment once."""

from __future__ import annotations

import aiohttp
import attrs
from yarl import URL

from gitbook_async._errors import ConfigurationError

__all__ = ["ProxySetting"]


@attrs.frozen(kw_only=True, repr=False)
class ProxySetting:
    """The proxy every request of a client goes through, resolved once.

    Attributes:
        url: The proxy URL without credentials.
        authorization: The ``Proxy-Authorization`` value (``"Basic ..."``, UTF-8), or None.
        password: The proxy's password ("" without one), kept only to be redacted.
        source: Where it came from, for messages (``"proxy="`` or ``"$HTTPS_PROXY"``).

    The credentials are sent as a header, not as aiohttp's ``proxy_auth=``/``BasicAuth``
    (deprecated since aiohttp 3.14: a ``DeprecationWarning`` on every request).
    """

    url: URL
    authorization: str | None
    password: str = ""
    source: str

    @classmethod
    def resolve(cls, proxy: str | None, *, trust_env: bool, base_url: str) -> ProxySetting | None:
        """Return the proxy for ``base_url``: ``proxy`` if given, else the environment's.

        With ``trust_env``, ``$HTTP_PROXY``/``$HTTPS_PROXY`` (and ``.netrc`` credentials for
        the proxy) apply unless ``$NO_PROXY`` names the host, as aiohttp reads them (it
        ignores ``$ALL_PROXY`` and ``https://`` proxy URLs there); the environment is read
        once, here.

        Raises:
            ConfigurationError: ``proxy`` is not an http(s) URL with a host.

        """
        if proxy is not None:
            if not isinstance(proxy, str):
                raise ConfigurationError("proxy must be a URL string such as http://host:3128")
            try:
                parsed = URL(proxy)
            except (ValueError, TypeError):
                raise ConfigurationError("proxy is not a valid URL") from None
            if parsed.scheme not in ("http", "https") or not parsed.host:
                raise ConfigurationError(
                    "proxy must be an http:// or https:// URL with a host, such as "
                    "http://proxy.example:3128 (credentials as http://user:pass@host:port)"
                )
            if parsed.user is None:
                return cls(url=parsed.with_user(None), authorization=None, source="proxy=")
            return cls._with_credentials(
                parsed.with_user(None), parsed.user, parsed.password or "", source="proxy="
            )
        if not trust_env:
            return None
        target = URL(base_url)
        try:
            url, auth = aiohttp.helpers.get_env_proxy_for_url(target)
        except LookupError:
            return None
        source = f"${target.scheme.upper()}_PROXY"
        if auth is None:
            return cls(url=url.with_user(None), authorization=None, source=source)
        return cls._with_credentials(url.with_user(None), auth.login, auth.password, source=source)

    @classmethod
    def _with_credentials(cls, url: URL, user: str, password: str, *, source: str) -> ProxySetting:
        try:
            authorization = aiohttp.encode_basic_auth(user, password)
        except ValueError:  # a ":" in the user name (never echoed: it may be a secret)
            raise ConfigurationError(
                f"the proxy user name ({source}) must not contain ':'"
            ) from None
        return cls(url=url, authorization=authorization, password=password, source=source)

    def secrets(self) -> tuple[str, ...]:
        """Return the proxy's credentials, to redact from every text the client shows."""
        if self.authorization is None:
            return ()
        encoded = self.authorization.split(" ", 1)[1]
        return tuple(s for s in (self.password, encoded) if s)

    def __str__(self) -> str:
        return f"{self.url} (from {self.source})"

    def __repr__(self) -> str:
        return f"<ProxySetting {self}>"
