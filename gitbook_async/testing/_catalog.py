"""A catalog of real GitBook integrations: names, titles, categories and behaviour kinds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """A real GitBook integration's identity, and which behaviour (``kind``) it has."""

    name: str
    title: str
    category: str
    kind: str  # one of SCOPES' keys: decides scopes, target, blocks and scripts
    domain: str
    description: str


SCOPES: dict[str, list[str]] = {
    "analytics": ["site:views:read", "site:script:inject", "site:script:cookies"],
    "chat": ["site:script:inject", "site:script:cookies", "site:metadata:read"],
    "embed": ["space:content:read"],
    "gitsync": ["space:content:read", "space:content:write", "space:git:sync"],
    "notify": ["space:content:read", "space:metadata:read", "space:views:read"],
    "auth": ["site:visitor:auth", "space:visitor:auth", "site:metadata:read"],
}
"""Scopes an integration of each kind asks for."""
TARGETS = {"analytics": "site", "chat": "site", "embed": "all", "gitsync": "space"}
"""Target of each kind (kinds not listed target the organization)."""

CATALOG: tuple[Entry, ...] = tuple(
    Entry(*row)
    for row in [
        ("amplitude", "Amplitude", "analytics", "analytics", "amplitude.com",
         "Track how readers move through your docs with Amplitude product analytics."),
        ("auth0", "Auth0", "visitor-auth", "auth", "auth0.com",
         "Protect published content with Auth0 visitor authentication."),
        ("codesandbox", "CodeSandbox", "content", "embed", "codesandbox.io",
         "Embed live CodeSandbox projects that readers can run and fork."),
        ("crisp", "Crisp", "collaboration", "chat", "crisp.chat",
         "Add the Crisp chat widget to your published documentation."),
        ("fathom", "Fathom Analytics", "analytics", "analytics", "usefathom.com",
         "Privacy-first, cookie-free page view analytics from Fathom."),
        ("figma", "Figma", "content", "embed", "figma.com",
         "Embed Figma files and frames that stay in sync with the design."),
        ("github", "GitHub Sync", "gitsync", "gitsync", "github.com",
         "Keep a space in bidirectional sync with Markdown files in a GitHub repository."),
        ("gitlab", "GitLab Sync", "gitsync", "gitsync", "gitlab.com",
         "Keep a space in bidirectional sync with Markdown files in a GitLab project."),
        ("google-analytics", "Google Analytics", "analytics", "analytics",
         "analytics.google.com", "Send page views of your published docs to Google Analytics 4."),
        ("google-tag-manager", "Google Tag Manager", "analytics", "analytics",
         "tagmanager.google.com", "Load a Google Tag Manager container on every published page."),
        ("heap", "Heap", "analytics", "analytics", "heap.io",
         "Capture every reader interaction automatically with Heap."),
        ("hotjar", "Hotjar", "analytics", "analytics", "hotjar.com",
         "See heatmaps and session recordings of how readers use your docs."),
        ("hubspot", "HubSpot", "marketing", "chat", "hubspot.com",
         "Add HubSpot chat and tracking to turn readers into leads."),
        ("intercom", "Intercom", "collaboration", "chat", "intercom.com",
         "Show the Intercom Messenger so readers can reach your support team."),
        ("jira", "Jira", "collaboration", "embed", "atlassian.com",
         "Unfurl Jira issues into rich, always up-to-date blocks."),
        ("linear", "Linear", "collaboration", "embed", "linear.app",
         "Embed Linear issues and projects with their live status."),
        ("loom", "Loom", "content", "embed", "loom.com",
         "Embed Loom video walkthroughs directly in your pages."),
        ("lucid", "Lucid", "content", "embed", "lucid.app",
         "Embed Lucidchart and Lucidspark diagrams in your docs."),
        ("mermaid", "Mermaid", "content", "embed", "mermaid.js.org",
         "Render flowcharts, sequence diagrams and more from Mermaid code blocks."),
        ("miro", "Miro", "content", "embed", "miro.com",
         "Embed interactive Miro boards in your documentation."),
        ("mixpanel", "Mixpanel", "analytics", "analytics", "mixpanel.com",
         "Send page views and reader events to Mixpanel."),
        ("okta", "Okta", "visitor-auth", "auth", "okta.com",
         "Protect published content with Okta single sign-on."),
        ("plausible", "Plausible", "analytics", "analytics", "plausible.io",
         "Lightweight, open-source and privacy-friendly analytics."),
        ("posthog", "PostHog", "analytics", "analytics", "posthog.com",
         "Product analytics, session replay and feature flags for your docs."),
        ("segment", "Segment", "analytics", "analytics", "segment.com",
         "Forward reader events to every tool in your Segment workspace."),
        ("slack", "Slack", "collaboration", "notify", "slack.com",
         "Get notified in Slack about content changes and search docs with /gitbook."),
        ("runkit", "RunKit", "content", "embed", "runkit.com",
         "Embed runnable Node.js notebooks from RunKit."),
        ("stackblitz", "StackBlitz", "content", "embed", "stackblitz.com",
         "Embed StackBlitz projects that run in the browser."),
        ("teams", "Microsoft Teams", "collaboration", "notify", "microsoft.com",
         "Get notified in Microsoft Teams about content changes."),
        ("zendesk", "Zendesk", "collaboration", "chat", "zendesk.com",
         "Add the Zendesk Web Widget and sync articles to your help center."),
    ]
)  # fmt: skip
"""Thirty well-known integrations, sorted by name."""
BY_NAME = {entry.name: entry for entry in CATALOG}
"""The catalog by integration name."""
PUBLISHERS = {
    "mermaid": ("mRmd7Kc2pQx9TnVb4hZs", "Mermaid Chart"),
    "plausible": ("pLsb3Hw8qRz1YcXk6mJd", "Plausible Insights"),
    "posthog": ("pHg5Tq2wNc8LxVr0bKsA", "PostHog Inc."),
    "runkit": ("rNk9Vb1xZq4MwTc7hLpE", "RunKit"),
}
"""Integrations published by organizations other than GitBook: name -> (org id, title)."""
