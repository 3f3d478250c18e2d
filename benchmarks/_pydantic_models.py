"""Pydantic v2 models mirroring ``gitbook_async.models``, for benchmark 2 only.

Benchmark-only (the ``bench`` extra): the SDK does not depend on pydantic. The mirror is
field for field, with the same required/optional split and the same behaviour where it
costs time: the models' own wire names as aliases, strict primitives (``StrictStr``,
``StrictBool``, ``StrictFloat`` accepting integers), open enums (a known value becomes the
member, another string stays a string), discriminated subclasses (configuration
properties, configurations, merge rules) chosen by the same keys, unknown fields kept
(``extra="allow"``), frozen instances and tuples for arrays.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
)

from gitbook_async import (
    BillingCreditsBundle,
    BillingInterval,
    BillingProduct,
    BillingTrialDecision,
    BillingTrialStatus,
    BlockSource,
    IntegrationCategory,
    IntegrationScope,
    IntegrationTarget,
    IntegrationVisibility,
    MemberRole,
    MergeRuleType,
    OrganizationBlockReason,
    OrganizationCommunityType,
    OrganizationType,
    OrganizationUseCase,
    models,
)
from gitbook_async.models import GitBookModel, wire_fields

__all__ = ["PydanticIntegration", "PydanticIntegrationList", "PydanticOrganization"]


def _wire_keys() -> dict[str, str]:
    """Return ``{attribute name: wire key}`` over every model class of the SDK.

    Read from the models' own declarations (``wire_fields``), so the mirror cannot drift
    from them. One table serves every mirror class because no attribute name has two wire
    keys across the models; should one ever, this fails at import and that mirror class
    needs its own table.

    Raises:
        ValueError: an attribute name has different wire keys in two model classes.

    """
    table: dict[str, str] = {}
    for name in models.__all__:
        cls = getattr(models, name)
        if not (isinstance(cls, type) and issubclass(cls, GitBookModel)):
            continue
        for field, key in wire_fields(cls):
            if table.setdefault(field.name, key) != key:
                raise ValueError(f"{field.name} is {table[field.name]!r} and {key!r} on the wire")
    return table


# A field name missing here raises KeyError when its mirror class is built.
_WIRE_KEYS: Final = _wire_keys()


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow", alias_generator=_WIRE_KEYS.__getitem__)


# Open enums: the member for a known value, the plain string otherwise (tried in order).
_IN_ORDER: Final = Field(union_mode="left_to_right")
Scope = Annotated[IntegrationScope | StrictStr, _IN_ORDER]
Category = Annotated[IntegrationCategory | StrictStr, _IN_ORDER]
Visibility = Annotated[IntegrationVisibility | StrictStr, _IN_ORDER]
Target = Annotated[IntegrationTarget | StrictStr, _IN_ORDER]
OrgType = Annotated[OrganizationType | StrictStr, _IN_ORDER]
Product = Annotated[BillingProduct | StrictStr, _IN_ORDER]
UseCase = Annotated[OrganizationUseCase | StrictStr, _IN_ORDER]
CommunityType = Annotated[OrganizationCommunityType | StrictStr, _IN_ORDER]
Role = Annotated[MemberRole | StrictStr, _IN_ORDER]
Interval = Annotated[BillingInterval | StrictStr, _IN_ORDER]
TrialStatus = Annotated[BillingTrialStatus | StrictStr, _IN_ORDER]
TrialDecision = Annotated[BillingTrialDecision | StrictStr, _IN_ORDER]
BlockReason = Annotated[OrganizationBlockReason | StrictStr, _IN_ORDER]
Source = Annotated[BlockSource | StrictStr, _IN_ORDER]
CreditsBundle = Annotated[BillingCreditsBundle | StrictStr | StrictInt, _IN_ORDER]
RuleType = Annotated[MergeRuleType | StrictStr, _IN_ORDER]


def _tag_of(key: str, known: frozenset[str], value: Any) -> str | None:
    """The tag of a discriminated value: its ``key`` if known, else ``"other"``."""
    found = value.get(key) if isinstance(value, dict) else getattr(value, key, None)
    return found if found in known else "other"


# --- merge rules --------------------------------------------------------------------------


class PydanticMergeRule(_Model):
    rule: RuleType


class PydanticUsersMergeRule(PydanticMergeRule):
    users: tuple[StrictStr, ...]


class PydanticCustomMergeRule(PydanticMergeRule):
    expression: StrictStr
    message: StrictStr | None = None


_USERS_RULES: Final = frozenset(
    {"require_specific_reviewers", "require_one_of_specific_reviewers", "allow_bypass"}
)


def _merge_rule_tag(value: Any) -> str | None:
    rule = value.get("rule") if isinstance(value, dict) else getattr(value, "rule", None)
    if rule in _USERS_RULES:
        return "users"
    return "custom" if rule == "custom" else "other"


AnyMergeRule = Annotated[
    Annotated[PydanticUsersMergeRule, Tag("users")]
    | Annotated[PydanticCustomMergeRule, Tag("custom")]
    | Annotated[PydanticMergeRule, Tag("other")],
    Discriminator(_merge_rule_tag),
]


class PydanticMergeRulesConfiguration(_Model):
    type: StrictStr


class PydanticMergeRulesConfigurationRules(PydanticMergeRulesConfiguration):
    rules: tuple[AnyMergeRule, ...]


class PydanticMergeRulesConfigurationNone(PydanticMergeRulesConfiguration):
    pass


_MERGE_CONFIGURATIONS: Final = frozenset({"rules", "none"})


def _merge_configuration_tag(value: Any) -> str | None:
    return _tag_of("type", _MERGE_CONFIGURATIONS, value)


AnyMergeRulesConfiguration = Annotated[
    Annotated[PydanticMergeRulesConfigurationRules, Tag("rules")]
    | Annotated[PydanticMergeRulesConfigurationNone, Tag("none")]
    | Annotated[PydanticMergeRulesConfiguration, Tag("other")],
    Discriminator(_merge_configuration_tag),
]


# --- organization -------------------------------------------------------------------------


class PydanticSitePointer(_Model):
    type: StrictStr
    site: StrictStr


class PydanticPricePair(_Model):
    monthly: StrictFloat
    yearly: StrictFloat


class PydanticMemberPricing(_Model):
    plus_2024: PydanticPricePair
    pro_2024: PydanticPricePair


class PydanticSitePricing(_Model):
    premium: PydanticPricePair
    ultimate: PydanticPricePair


class PydanticPricing(_Model):
    members: PydanticMemberPricing
    sites: PydanticSitePricing


class PydanticMeterAddon(_Model):
    enabled: StrictBool


class PydanticBilling(_Model):
    interval: Interval
    end_date: datetime | None
    has_payment_failed: StrictBool
    is_scheduled_to_cancel: StrictBool
    pricing: PydanticPricing
    usage_addons: dict[str, PydanticMeterAddon]
    can_checkout: StrictBool | None = None
    can_change_interval: StrictBool | None = None
    can_use_saml: StrictBool | None = None
    credits_bundle: CreditsBundle | None = None
    ai_credit_alert_threshold: StrictFloat | None = None
    min_users: StrictFloat | None = None
    max_users: StrictFloat | None = None
    min_premium_sites: StrictFloat | None = None
    max_premium_sites: StrictFloat | None = None
    min_ultimate_sites: StrictFloat | None = None
    max_ultimate_sites: StrictFloat | None = None
    paid_members: StrictFloat | None = None
    paid_premium_sites: StrictFloat | None = None
    paid_ultimate_sites: StrictFloat | None = None


class PydanticOrganizationUrls(_Model):
    location: StrictStr
    app: StrictStr
    logo: StrictStr | None = None


class PydanticTrial(_Model):
    status: TrialStatus
    end_date: datetime | None = None
    decision: TrialDecision | None = None
    count: StrictInt | None = None


class PydanticBlocked(_Model):
    reason: BlockReason
    source: Source | None = None


class PydanticBillingMigration(_Model):
    deadline: datetime | None = None
    discount_percent: StrictFloat | None = None
    discount_end_date: datetime | None = None


class PydanticOrganizationPermissions(_Model):
    view: StrictBool
    admin: StrictBool
    own_team: StrictBool
    create_content: StrictBool
    create_open_api_spec: StrictBool
    view_billing: StrictBool
    list_members: StrictBool
    list_teams: StrictBool
    list_integrations: StrictBool
    list_installations: StrictBool
    install_integration: StrictBool
    ingest_conversations: StrictBool | None = None
    access: StrictBool | None = None


class PydanticOrganization(_Model):
    object: StrictStr
    id: StrictStr
    title: StrictStr
    created_at: datetime
    email_domains: tuple[StrictStr, ...]
    invite_links: StrictBool
    type: OrgType
    plan: Product
    urls: PydanticOrganizationUrls
    trial: PydanticTrial
    permissions: PydanticOrganizationPermissions
    hostname: StrictStr | None = None
    use_case: UseCase | None = None
    community_type: CommunityType | None = None
    default_role: Role | None = None
    default_content: PydanticSitePointer | None = None
    sso: StrictBool | None = None
    ai: StrictBool | None = None
    billing: PydanticBilling | None = None
    custom_hostname: StrictStr | None = None
    blocked: PydanticBlocked | None = None
    internal_is_on_new_trial: StrictBool | None = None
    internal_billing_migration: PydanticBillingMigration | None = None
    audit_logs: StrictBool | None = None
    merge_rules: AnyMergeRulesConfiguration | None = None


# --- integration --------------------------------------------------------------------------


class PydanticBlockMarkdown(_Model):
    codeblock: StrictStr
    body: StrictStr


class PydanticBlock(_Model):
    id: StrictStr
    title: StrictStr
    description: StrictStr | None = None
    icon: StrictStr | None = None
    url_unfurl: tuple[StrictStr, ...] | None = None
    markdown: PydanticBlockMarkdown | None = None


class PydanticConfigurationComponent(_Model):
    component_id: StrictStr


class PydanticConfigurationProperty(_Model):
    type: StrictStr
    title: StrictStr | None = None
    description: StrictStr | None = None


class PydanticStringProperty(PydanticConfigurationProperty):
    default: StrictStr | None = None
    completion_url: StrictStr | None = None
    enum: tuple[StrictStr, ...] | None = None


class PydanticNumberProperty(PydanticConfigurationProperty):
    default: StrictFloat | None = None


class PydanticBooleanProperty(PydanticConfigurationProperty):
    default: StrictBool | None = None


class PydanticButtonProperty(PydanticConfigurationProperty):
    callback_url: StrictStr
    button_text: StrictStr


_PROPERTY_TYPES: Final = frozenset({"string", "number", "boolean", "button"})


def _property_tag(value: Any) -> str | None:
    return _tag_of("type", _PROPERTY_TYPES, value)


AnyConfigurationProperty = Annotated[
    Annotated[PydanticStringProperty, Tag("string")]
    | Annotated[PydanticNumberProperty, Tag("number")]
    | Annotated[PydanticBooleanProperty, Tag("boolean")]
    | Annotated[PydanticButtonProperty, Tag("button")]
    | Annotated[PydanticConfigurationProperty, Tag("other")],
    Discriminator(_property_tag),
]


class PydanticConfigurationSchema(_Model):
    properties: dict[str, AnyConfigurationProperty]
    required: tuple[StrictStr, ...] | None = None


def _configuration_tag(value: Any) -> str | None:
    # The SDK's rule: "properties" makes a schema, else "componentId" makes a component.
    if isinstance(value, dict):
        if "properties" in value:
            return "schema"
        return "component" if "componentId" in value else None
    return "schema" if isinstance(value, PydanticConfigurationSchema) else "component"


AnyConfiguration = Annotated[
    Annotated[PydanticConfigurationSchema, Tag("schema")]
    | Annotated[PydanticConfigurationComponent, Tag("component")],
    Discriminator(_configuration_tag),
]


class PydanticConfigurations(_Model):
    account: AnyConfiguration | None = None
    space: AnyConfiguration | None = None
    site: AnyConfiguration | None = None


class PydanticContentSource(_Model):
    id: StrictStr
    title: StrictStr
    configuration: PydanticConfigurationComponent
    description: StrictStr | None = None
    icon: StrictStr | None = None


class PydanticExternalLink(_Model):
    url: StrictStr
    label: StrictStr


class PydanticIntegrationUrls(_Model):
    location: StrictStr
    app: StrictStr
    assets: StrictStr
    public_endpoint: StrictStr
    icon: StrictStr | None = None
    public_content_endpoint: StrictStr | None = None


class PydanticIntegrationPermissions(_Model):
    admin: StrictBool


class PydanticCSPDirectives(_Model):
    base_uri: StrictStr | None = None
    block_all_mixed_content: StrictStr | None = None
    child_src: StrictStr | None = None
    connect_src: StrictStr | None = None
    default_src: StrictStr | None = None
    font_src: StrictStr | None = None
    form_action: StrictStr | None = None
    frame_ancestors: StrictStr | None = None
    frame_src: StrictStr | None = None
    img_src: StrictStr | None = None
    manifest_src: StrictStr | None = None
    media_src: StrictStr | None = None
    navigate_to: StrictStr | None = None
    object_src: StrictStr | None = None
    plugin_types: StrictStr | None = None
    prefetch_src: StrictStr | None = None
    referrer: StrictStr | None = None
    report_to: StrictStr | None = None
    report_uri: StrictStr | None = None
    require_sri_for: StrictStr | None = None
    require_trusted_types_for: StrictStr | None = None
    sandbox: StrictStr | None = None
    script_src: StrictStr | None = None
    script_src_attr: StrictStr | None = None
    script_src_elem: StrictStr | None = None
    style_src: StrictStr | None = None
    style_src_attr: StrictStr | None = None
    style_src_elem: StrictStr | None = None
    trusted_types: StrictStr | None = None
    upgrade_insecure_requests: StrictStr | None = None
    worker_src: StrictStr | None = None


class PydanticIntegration(_Model):
    object: StrictStr
    name: StrictStr
    version: StrictFloat
    title: StrictStr
    scopes: tuple[Scope, ...]
    categories: tuple[Category, ...]
    visibility: Visibility
    target: Target
    verified: StrictBool
    preview_images: tuple[StrictStr, ...]
    external_links: tuple[PydanticExternalLink, ...]
    owner: PydanticOrganization
    permissions: PydanticIntegrationPermissions
    urls: PydanticIntegrationUrls
    description: StrictStr | None = None
    summary: StrictStr | None = None
    blocks: tuple[PydanticBlock, ...] | None = None
    content_sources: tuple[PydanticContentSource, ...] | None = None
    configurations: PydanticConfigurations | None = None
    content_security_policy: StrictStr | PydanticCSPDirectives | None = None


class PydanticListNext(_Model):
    page: StrictStr


class PydanticIntegrationList(_Model):
    items: tuple[PydanticIntegration, ...]
    next: PydanticListNext | None = None
    count: StrictFloat | None = None
