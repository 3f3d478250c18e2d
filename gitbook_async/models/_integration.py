"""Integrations and their parts: blocks, content sources, configurations, links, URLs."""

from collections.abc import Mapping
from typing import ClassVar

import attrs

from gitbook_async.models._base import GitBookModel, wire_key
from gitbook_async.models._enums import (
    IntegrationCategory,
    IntegrationScope,
    IntegrationTarget,
    IntegrationVisibility,
)
from gitbook_async.models._organization import Organization

__all__ = [
    "BooleanConfigurationProperty",
    "ButtonConfigurationProperty",
    "ConfigurationProperty",
    "ContentSecurityPolicyDirectives",
    "Integration",
    "IntegrationBlock",
    "IntegrationBlockMarkdown",
    "IntegrationConfiguration",
    "IntegrationConfigurationComponent",
    "IntegrationConfigurationSchema",
    "IntegrationConfigurations",
    "IntegrationContentSecurityPolicy",
    "IntegrationContentSource",
    "IntegrationExternalLink",
    "IntegrationPermissions",
    "IntegrationUrls",
    "NumberConfigurationProperty",
    "StringConfigurationProperty",
]


@attrs.frozen(kw_only=True)
class IntegrationBlockMarkdown(GitBookModel):
    """How a custom block is written in Markdown: as a fenced code block.

    Attributes:
        codeblock: The code block syntax (language tag) that identifies the block.
        body: The block property used as the code block's body.

    """

    codeblock: str
    body: str


@attrs.frozen(kw_only=True)
class IntegrationBlock(GitBookModel):
    """A custom content block an integration provides (``IntegrationBlock``).

    Attributes:
        id: The block's id within the integration; also names its UI component.
        title: A short title.
        description: A longer description.
        icon: URL of the block's icon.
        url_unfurl: URL patterns that GitBook turns into this block.
        markdown: How the block is written in Markdown, if it can be.

    """

    id: str
    title: str
    description: str | None = None
    icon: str | None = None
    url_unfurl: tuple[str, ...] | None = None
    markdown: IntegrationBlockMarkdown | None = None


@attrs.frozen(kw_only=True)
class IntegrationConfigurationComponent(GitBookModel):
    """A configuration rendered by a ContentKit component (``IntegrationConfigurationComponent``).

    Attributes:
        component_id: The id of the ContentKit component in the integration.

    """

    component_id: str


@attrs.frozen(kw_only=True)
class ConfigurationProperty(GitBookModel):
    """One property of a configuration schema.

    The subclasses model the property types the spec defines (``string``, ``number``,
    ``boolean``, ``button``); a property of a type added to GitBook later is a plain
    ``ConfigurationProperty`` whose other fields are in ``unknown_fields``.

    Attributes:
        type: The property type.
        title: A short label.
        description: A longer explanation.

    """

    type: str
    title: str | None = None
    description: str | None = None


@attrs.frozen(kw_only=True)
class StringConfigurationProperty(ConfigurationProperty):
    """A text property of a configuration schema.

    Attributes:
        default: The default value.
        completion_url: URL called for auto-completion suggestions.
        enum: The only values allowed, when restricted.

    """

    default: str | None = None
    completion_url: str | None = attrs.field(default=None, metadata=wire_key("completion_url"))
    enum: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class NumberConfigurationProperty(ConfigurationProperty):
    """A numeric property of a configuration schema.

    Attributes:
        default: The default value.

    """

    default: float | None = None


@attrs.frozen(kw_only=True)
class BooleanConfigurationProperty(ConfigurationProperty):
    """A yes/no property of a configuration schema.

    Attributes:
        default: The default value.

    """

    default: bool | None = None


@attrs.frozen(kw_only=True)
class ButtonConfigurationProperty(ConfigurationProperty):
    """A button in a configuration form that calls the integration back.

    Attributes:
        callback_url: URL called when the button is pressed.
        button_text: The button's label.

    """

    callback_url: str = attrs.field(metadata=wire_key("callback_url"))
    button_text: str = attrs.field(metadata=wire_key("button_text"))


@attrs.frozen(kw_only=True)
class IntegrationConfigurationSchema(GitBookModel):
    """A configuration described as a schema of properties (``IntegrationConfigurationSchema``).

    Attributes:
        properties: The properties by name (read-only mapping).
        required: Names of the properties that must be filled.

    """

    properties: Mapping[str, ConfigurationProperty] = attrs.field(hash=False)
    required: tuple[str, ...] | None = None


IntegrationConfiguration = IntegrationConfigurationSchema | IntegrationConfigurationComponent
"""A configuration: a schema of properties, or a ContentKit component (``componentId``)."""


@attrs.frozen(kw_only=True)
class IntegrationConfigurations(GitBookModel):
    """The configurations an integration asks for, per installation level.

    Attributes:
        account: Configuration of the installation on the organization.
        space: Configuration of the installation on a space.
        site: Configuration of the installation on a site.

    """

    # The same for every installation of an integration, repeated as the same bytes across
    # a listing's pages: the accelerated wire path builds each distinct one once.
    _wire_memoise: ClassVar[bool] = True

    account: IntegrationConfiguration | None = None
    space: IntegrationConfiguration | None = None
    site: IntegrationConfiguration | None = None


@attrs.frozen(kw_only=True)
class IntegrationContentSource(GitBookModel):
    """A content source an integration provides (``IntegrationContentSource``).

    Attributes:
        id: The source's id within the integration.
        title: A short title.
        configuration: The component that configures the source.
        description: A longer description.
        icon: URL of the source's icon.

    """

    id: str
    title: str
    configuration: IntegrationConfigurationComponent
    description: str | None = None
    icon: str | None = None


@attrs.frozen(kw_only=True)
class IntegrationExternalLink(GitBookModel):
    """A link the integration's developer configured.

    Attributes:
        url: Where it points.
        label: Its text.

    """

    url: str
    label: str


@attrs.frozen(kw_only=True)
class IntegrationUrls(GitBookModel):
    """Links of an integration.

    Attributes:
        location: The integration in the API.
        app: The integration in the GitBook app.
        assets: Base URL of its assets.
        public_endpoint: Its public HTTP endpoint.
        icon: Its icon.
        public_content_endpoint: Where its rendered content (e.g. web frames) is served, on
            an origin without the cookies of ``public_endpoint``; equal to it when there is
            no separate origin. Required by API 0.202.0, absent before, hence optional.

    """

    location: str
    app: str
    assets: str
    public_endpoint: str
    icon: str | None = None
    public_content_endpoint: str | None = None


@attrs.frozen(kw_only=True)
class IntegrationPermissions(GitBookModel):
    """What the token's user may do with the integration.

    Attributes:
        admin: Whether the user administers it.

    """

    admin: bool


@attrs.frozen(kw_only=True)
class ContentSecurityPolicyDirectives(GitBookModel):
    """A Content Security Policy given directive by directive (wire keys are kebab-case).

    Each attribute is the directive of the same name with ``-`` written ``_``, e.g.
    ``script_src`` is ``script-src``; None when the integration does not set it.
    """

    _wire_case: ClassVar[str] = "kebab"

    base_uri: str | None = None
    block_all_mixed_content: str | None = None
    child_src: str | None = None
    connect_src: str | None = None
    default_src: str | None = None
    font_src: str | None = None
    form_action: str | None = None
    frame_ancestors: str | None = None
    frame_src: str | None = None
    img_src: str | None = None
    manifest_src: str | None = None
    media_src: str | None = None
    navigate_to: str | None = None
    object_src: str | None = None
    plugin_types: str | None = None
    prefetch_src: str | None = None
    referrer: str | None = None
    report_to: str | None = None
    report_uri: str | None = None
    require_sri_for: str | None = None
    require_trusted_types_for: str | None = None
    sandbox: str | None = None
    script_src: str | None = None
    script_src_attr: str | None = None
    script_src_elem: str | None = None
    style_src: str | None = None
    style_src_attr: str | None = None
    style_src_elem: str | None = None
    trusted_types: str | None = None
    upgrade_insecure_requests: str | None = None
    worker_src: str | None = None


IntegrationContentSecurityPolicy = str | ContentSecurityPolicyDirectives
"""A Content Security Policy: one header value, or directive by directive."""


@attrs.frozen(kw_only=True)
class Integration(GitBookModel):
    """An integration enabled in a space (``Integration``).

    Attributes:
        object: Always ``"integration"``.
        name: Its unique name, e.g. ``"slack"``.
        version: Its version number.
        title: Its display title.
        scopes: Permissions it is granted.
        categories: Marketplace categories it is listed in.
        visibility: Who can find and install it.
        target: What it is installed on.
        verified: Whether GitBook verified it.
        preview_images: URLs of images that showcase it (up to three).
        external_links: Links its developer configured.
        owner: The organization that publishes it.
        permissions: What the token's user may do with it.
        urls: Its links.
        description: A one-line description.
        summary: A long Markdown summary.
        blocks: Custom blocks it provides.
        content_sources: Content sources it provides.
        configurations: Configurations it asks for, per installation level.
        content_security_policy: The CSP applied to its scripts and ContentKit UI.

    """

    object: str
    name: str
    version: float
    title: str
    scopes: tuple[IntegrationScope | str, ...]
    categories: tuple[IntegrationCategory | str, ...]
    visibility: IntegrationVisibility | str
    target: IntegrationTarget | str
    verified: bool
    preview_images: tuple[str, ...]
    external_links: tuple[IntegrationExternalLink, ...]
    owner: Organization
    permissions: IntegrationPermissions
    urls: IntegrationUrls
    description: str | None = None
    summary: str | None = None
    blocks: tuple[IntegrationBlock, ...] | None = None
    content_sources: tuple[IntegrationContentSource, ...] | None = None
    configurations: IntegrationConfigurations | None = None
    content_security_policy: IntegrationContentSecurityPolicy | None = None
