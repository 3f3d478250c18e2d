"""Builders of wire-format dicts (camelCase, as GitBook sends them) and the seeded demo data.

Every builder fills every field the 0.137.0 spec defines, optional ones included, with
believable values derived deterministically from the name (no randomness), so two runs
produce byte-identical JSON. Builders return fresh dicts: mutate or ``del`` keys freely.
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from gitbook_async.testing._catalog import BY_NAME, CATALOG, PUBLISHERS, SCOPES, TARGETS, Entry

DEMO_TOKEN = "gb_api_demo_4f8b2c1e9d7a"
"""The bearer token the demo server (``FakeGitBook.with_demo_data()``) accepts."""
DEMO_SPACE_ID = "demo-space"
"""Demo space with 25 integrations (two pages at the default page size), blocks and scripts."""
DEMO_EMPTY_SPACE_ID = "empty-space"
"""Demo space with no integrations, blocks or scripts."""
DEMO_LARGE_SPACE_ID = "large-space"
"""Demo space with 250 integrations (for pagination walks and benchmarks)."""
DEMO_TEAM_SPACE_ID = "team-space"
"""Small demo space with a handful of collaboration integrations."""

_API = "https://api.gitbook.com/v1"
_APP = "https://app.gitbook.com"
_INTEGRATIONS_HOST = "https://integrations.gitbook.com/v1/integrations"
_SOURCE_REPO = "https://github.com/GitbookIO/integrations/tree/main/integrations"
_BASE_TIME = datetime(2023, 1, 9, 8, 0, tzinfo=timezone.utc)
_TIME_SPREAD_SECONDS = 600 * 24 * 3600
_LARGE_SPACE_SIZE = 250
_DEMO_SPACE_SIZE = 25


def make_organization(id: str, *, title: str = "GitBook", **overrides: Any) -> dict[str, Any]:
    """Build an ``Organization`` wire dict with every field filled; ``overrides`` replace keys.

    Keys of ``overrides`` are wire names (``createdAt``, ``internal_billingMigration``, ...).
    """
    h = _hash(id)
    slug = "".join(c for c in title.lower() if c.isalnum())[:24] or "org"
    pair = _price_pair
    org: dict[str, Any] = {
        "object": "organization",
        "id": id,
        "title": title,
        "createdAt": _timestamp(id, "created"),
        "emailDomains": [f"{slug}.com", f"{slug}.io"],
        "hostname": slug.ljust(3, "x"),
        "type": "business" if h % 5 else "community",
        "useCase": ["productDocs", "internalDocs", "docsSite", "openSourceDocs"][h % 4],
        "communityType": ["openSource", "nonProfit", "education"][h % 3],
        "defaultRole": None if h % 3 == 0 else ["read", "comment", "edit"][h % 3],
        "defaultContent": {"type": "site", "site": f"site_{_token(id, 'site')}"},
        "sso": h % 2 == 0,
        "ai": True,
        "inviteLinks": h % 3 != 0,
        "plan": ["pro_2024", "plus_2024", "enterprise_2024", "free_2024"][h % 4],
        "billing": {
            "interval": "yearly" if h % 2 else "monthly",
            "endDate": None if h % 4 == 0 else _timestamp(id, "billing-end", start_days=700),
            "hasPaymentFailed": False,
            "isScheduledToCancel": h % 7 == 0,
            "pricing": {
                "members": {"plus_2024": pair(10, 8), "pro_2024": pair(15, 12.5)},
                "sites": {"premium": pair(79, 65), "ultimate": pair(299, 249)},
            },
            "usageAddons": {"siteAiAnswers": {"enabled": True}, "siteVisitors": {"enabled": False}},
        },
        "urls": {
            "location": f"{_API}/orgs/{id}",
            "app": f"{_APP}/o/{id}/",
            "logo": f"https://files.gitbook.com/v0/b/orgs/{id}/logo.png",
        },
        "trial": {
            "status": "ended",
            "endDate": _timestamp(id, "trial-end"),
            "decision": "downgrade",
        },
        "customHostname": f"docs.{slug}.com",
        "blocked": {"reason": "security"},
        "internal_isOnNewTrial": True,
        "internal_billingMigration": {
            "deadline": _timestamp(id, "migration", start_days=600),
            "discountPercent": 20,
            "discountEndDate": _timestamp(id, "discount", start_days=800),
        },
        "permissions": {
            "view": True,
            "admin": False,
            "ownTeam": False,
            "createContent": True,
            "createOpenAPISpec": True,
            "ingestConversations": False,
            "viewBilling": False,
            "listMembers": True,
            "listTeams": True,
            "listIntegrations": True,
            "listInstallations": True,
            "installIntegration": h % 2 == 0,
        },
    }
    org.update(overrides)
    return org


def make_block(
    integration_name: str,
    block_id: str,
    *,
    title: str,
    description: str = "",
    url_patterns: Iterable[str] = (),
) -> dict[str, Any]:
    """Build an ``IntegrationBlock`` wire dict (``title`` is 2..40 characters in the spec)."""
    return {
        "id": block_id,
        "title": title,
        "description": description,
        "icon": f"{_INTEGRATIONS_HOST}/{integration_name}/assets/{block_id}.svg",
        "urlUnfurl": list(url_patterns),
        "markdown": {"codeblock": integration_name, "body": "content"},
    }


def make_block_group(integration_name: str, blocks: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Build one item of the ``integration-blocks`` listing: an integration and its blocks."""
    return {"name": integration_name, "blocks": [dict(block) for block in blocks]}


def make_script(url: str, *, cookies: bool = False, csp: str | None = None) -> dict[str, Any]:
    """Build a ``SpaceIntegrationScript`` wire dict; ``csp`` is left out when ``None``."""
    script: dict[str, Any] = {"script": url, "cookies": cookies}
    if csp is not None:
        script["contentSecurityPolicy"] = csp
    return script


def make_integration(
    name: str,
    *,
    title: str | None = None,
    owner: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Build an ``Integration`` wire dict with every field filled; ``overrides`` replace keys.

    Known names (``slack``, ``github``, ``mermaid``, ...) get their real title, category and
    scopes; other names get generic but valid values. ``owner`` defaults to the
    integration's publisher (GitBook's organization for most). Keys of ``overrides`` are
    wire names (``contentSecurityPolicy``, ...).
    """
    entry = BY_NAME.get(name) or Entry(
        name, _titleize(name), "other", "embed", f"{name}.example.com", f"The {name} integration."
    )
    return _integration(entry, name, title=title or entry.title, owner=owner, **overrides)


def _integration(
    entry: Entry, name: str, *, title: str, owner: Mapping[str, Any] | None, **overrides: Any
) -> dict[str, Any]:
    """Build an integration named ``name`` that behaves like the catalog ``entry``."""
    title = title[:30]
    h = _hash(name)
    version = 1 + h % 40
    versioned = f"{_INTEGRATIONS_HOST}/{name}/versions/{version}"
    home = f"https://{entry.domain}"
    integration: dict[str, Any] = {
        "object": "integration",
        "name": name,
        "version": version,
        "title": title,
        "description": entry.description[:100],
        "summary": _summary(entry, title),
        "previewImages": [f"{versioned}/assets/preview-{n}.png" for n in (1, 2, 3)],
        "target": TARGETS.get(entry.kind, "organization"),
        "verified": h % 4 != 0,
        "visibility": "public",
        "scopes": list(SCOPES[entry.kind]),
        "categories": [entry.category],
        "blocks": [
            make_block(
                name,
                "embed",
                title=f"{title} embed"[:40],
                description=f"Embed {title} content in a page."[:150],
                url_patterns=[f"{home}/**", f"https://www.{entry.domain}/**"],
            )
        ],
        "contentSources": [
            {
                "id": "import",
                "title": f"{title} import"[:40],
                "description": f"Generate pages from your {title} data."[:150],
                "icon": f"{versioned}/assets/source.svg",
                "configuration": {"componentId": "configure-source"},
            }
        ],
        "configurations": {
            "account": _schema_configuration(entry, title),
            "space": {"componentId": "configureSpace"},
            "site": (
                _schema_configuration(entry, title) if h % 2 else {"componentId": "configureSite"}
            ),
        },
        "externalLinks": [
            {"url": home, "label": "Website"},
            {"url": f"https://docs.gitbook.com/integrations/{name}", "label": "Documentation"},
            {"url": f"{_SOURCE_REPO}/{name}", "label": "Source code"},
        ],
        "owner": copy.deepcopy(dict(owner)) if owner is not None else _publisher(name),
        "urls": {
            "location": f"{_API}/integrations/{name}",
            "icon": f"{versioned}/icon.png",
            "app": f"{_APP}/integrations/{name}",
            "assets": f"{versioned}/assets",
            "publicEndpoint": f"{_INTEGRATIONS_HOST}/{name}/integration",
        },
        "permissions": {"admin": False},
        "contentSecurityPolicy": _csp(entry, h),
    }
    integration.update(overrides)
    return integration


def demo_spaces() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Return the demo data set: space id -> ``{"integrations", "blocks", "scripts"}``."""
    demo = [make_integration(entry.name) for entry in CATALOG[:_DEMO_SPACE_SIZE]]
    acme = make_organization("Wl7CsFnBkYpR3qhTzE0v", title="Acme Robotics")
    large = []
    for i in range(_LARGE_SPACE_SIZE):
        entry = CATALOG[i % len(CATALOG)]
        visibility = ["private", "unlisted"][i % 2]
        name, title = f"{entry.name}-{i:03d}", f"{entry.title} {i}"
        large.append(_integration(entry, name, title=title, owner=acme, visibility=visibility))
    team = [make_integration(name) for name in ("slack", "github", "jira", "linear", "mermaid")]
    return {
        DEMO_SPACE_ID: {
            "integrations": demo,
            "blocks": _blocks_of(demo),
            "scripts": _scripts_of(demo),
        },
        DEMO_EMPTY_SPACE_ID: {"integrations": [], "blocks": [], "scripts": []},
        DEMO_LARGE_SPACE_ID: {
            "integrations": large,
            "blocks": _blocks_of(large),
            "scripts": _scripts_of(large),
        },
        DEMO_TEAM_SPACE_ID: {"integrations": team, "blocks": _blocks_of(team), "scripts": []},
    }


def _blocks_of(integrations: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Block groups of the integrations whose blocks are meant to be used in pages."""
    return [
        make_block_group(i["name"], i["blocks"])
        for i in integrations
        if "space:content:read" in i["scopes"] and i["blocks"]
    ]


def _scripts_of(integrations: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Scripts injected by the integrations that have the script-injection scope."""
    scripts: list[dict[str, Any]] = []
    for integration in integrations:
        if "site:script:inject" in integration["scopes"]:
            url = f"{integration['urls']['publicEndpoint']}/script.js"
            csp = integration["contentSecurityPolicy"]
            scripts.append(
                make_script(
                    url,
                    cookies="site:script:cookies" in integration["scopes"],
                    csp=csp if isinstance(csp, str) else None,
                )
            )
    return scripts


def _publisher(name: str) -> dict[str, Any]:
    org_id, title = PUBLISHERS.get(name, ("gitbook-x7Qm2NvR8sLk", "GitBook"))
    return make_organization(org_id, title=title)


def _schema_configuration(entry: Entry, title: str) -> dict[str, Any]:
    return {
        "properties": {
            "workspace": {
                "type": "string",
                "title": "Workspace",
                "description": f"The {title} workspace to connect."[:100],
                "default": "",
                "completion_url": f"{_INTEGRATIONS_HOST}/{entry.name}/integration/workspaces",
                "enum": ["production", "staging"],
            },
            "sample_rate": {
                "type": "number",
                "title": "Sample rate",
                "description": "Share of events to send, between 0 and 1.",
                "default": 1,
            },
            "enabled": {
                "type": "boolean",
                "title": "Enabled",
                "description": "Turn the integration on or off without uninstalling it.",
                "default": True,
            },
            "authorize": {
                "type": "button",
                "title": "Authorization",
                "description": f"Connect your {title} account."[:100],
                "callback_url": f"{_INTEGRATIONS_HOST}/{entry.name}/integration/oauth",
                "button_text": "Authorize",
            },
        },
        "required": ["workspace"],
    }


def _summary(entry: Entry, title: str) -> str:
    return (
        f"# {title}\n\n{entry.description}\n\n## Getting started\n\n"
        f"Install the integration, then connect your [{title}](https://{entry.domain}) account."
    )


def _csp(entry: Entry, h: int) -> str | dict[str, str]:
    # Both forms the spec allows: a raw policy string, or a directive -> sources object.
    if h % 2:
        return f"script-src 'self' https://{entry.domain}; connect-src https://*.{entry.domain}"
    return {
        "default-src": "'self'",
        "script-src": f"'self' https://{entry.domain}",
        "connect-src": f"https://*.{entry.domain}",
        "img-src": f"'self' data: https://*.{entry.domain}",
        "frame-src": f"https://{entry.domain}",
    }


def _price_pair(monthly: float, yearly: float) -> dict[str, float]:
    return {"monthly": monthly, "yearly": yearly}


def _titleize(name: str) -> str:
    title = " ".join(part.capitalize() for part in name.replace("_", "-").split("-") if part)
    return title.ljust(2, "_")


def _hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _token(seed: str, salt: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    h, out = _hash(f"{seed}/{salt}"), []
    for _ in range(20):
        h = (h * 1103515245 + 12345) % 2**31
        out.append(alphabet[h % len(alphabet)])
    return "".join(out)


def _timestamp(seed: str, salt: str, *, start_days: int = 0) -> str:
    """Return a reproducible ``2024-03-12T09:41:07.123Z``-style timestamp derived from the seed."""
    h = _hash(f"{seed}/{salt}")
    moment = _BASE_TIME + timedelta(
        days=start_days, seconds=h % _TIME_SPREAD_SECONDS, milliseconds=h % 1000
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
