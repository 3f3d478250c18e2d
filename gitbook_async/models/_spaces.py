"""What the space endpoints return: the integrations listing, blocks and scripts."""

import attrs

from gitbook_async.models._base import GitBookModel
from gitbook_async.models._integration import Integration, IntegrationBlock

__all__ = ["IntegrationList", "ListNext", "SpaceIntegrationBlocks", "SpaceIntegrationScript"]


@attrs.frozen(kw_only=True)
class ListNext(GitBookModel):
    """The pointer to the next page of a GitBook list.

    Attributes:
        page: The cursor to pass as ``page=`` for the next page.

    """

    page: str


@attrs.frozen(kw_only=True)
class IntegrationList(GitBookModel):
    """One page of ``GET /spaces/{spaceId}/integrations`` as sent on the wire.

    Most code never sees this: ``list_integrations()`` turns it into ``Page`` objects and
    items.

    Attributes:
        items: The integrations on this page.
        next: The next page's cursor, absent on the last page.
        count: The total number of matching integrations, when the server says.

    """

    items: tuple[Integration, ...]
    next: ListNext | None = None
    count: float | None = None


@attrs.frozen(kw_only=True)
class SpaceIntegrationBlocks(GitBookModel):
    """The custom blocks one integration installed in a space provides.

    Attributes:
        name: The integration's name.
        blocks: Its blocks.

    """

    name: str
    blocks: tuple[IntegrationBlock, ...]


@attrs.frozen(kw_only=True)
class SpaceIntegrationScript(GitBookModel):
    """A script an integration embeds in the space's published content.

    Attributes:
        script: URL of the script.
        cookies: Whether the script may use cookies (visitors should be told).
        content_security_policy: CSP to apply when loading the script.

    """

    script: str
    cookies: bool
    content_security_policy: str | None = None
