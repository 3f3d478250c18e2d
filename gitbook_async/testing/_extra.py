"""Fields newer than the models: what ``FakeGitBook(extra_fields=True)`` adds to every item.

GitBook adds fields to its responses without notice; a client (and the code built on it)
must keep working when it meets keys it does not know. With ``extra_fields=True`` every
integration the fake lists carries two top-level fields and its ``owner`` one field that
no version of the spec the SDK was built from defines: a string, an object and a boolean,
with believable values derived from the item, and the owner's from the owner (so two runs
send identical bytes, and one organization the same bytes wherever it appears).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any, Final

EXTRA_INTEGRATION_FIELDS: Final = ("supportUrl", "marketplace")
"""The top-level keys ``with_extra_fields`` adds to an integration."""
EXTRA_OWNER_FIELDS: Final = ("verifiedPublisher",)
"""The keys ``with_extra_fields`` adds to an integration's ``owner``."""

_CHANNELS: Final = ("stable", "beta", "preview")


def with_extra_fields(integration: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of an integration wire dict with fields newer than the models.

    Adds ``supportUrl`` (a string), ``marketplace`` (an object: ``featured``, ``installs``,
    ``rating``, ``releaseChannel``) and, in ``owner`` when present, ``verifiedPublisher``
    (a boolean). The original dict (and its owner) is left unchanged.
    """
    name = str(integration.get("name", ""))
    h = zlib.crc32(name.encode("utf-8"))
    item = dict(integration)
    item["supportUrl"] = f"https://www.gitbook.com/integrations/{name}/support"
    item["marketplace"] = {
        "featured": h % 7 == 0,
        "installs": 100 + h % 250_000,
        "rating": round(3.0 + (h % 21) / 10, 1),
        "releaseChannel": _CHANNELS[h % len(_CHANNELS)],
    }
    owner = integration.get("owner")
    if isinstance(owner, Mapping):
        # A fact about the organization, so derived from it: one owner, one set of bytes.
        owner_hash = zlib.crc32(str(owner.get("id", "")).encode("utf-8"))
        item["owner"] = {**owner, "verifiedPublisher": owner_hash % 3 != 0}
    return item
