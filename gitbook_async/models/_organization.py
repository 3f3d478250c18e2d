"""The organization that owns an integration: identity, plan, billing, trial and permissions."""

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

import attrs

from gitbook_async.models._base import GitBookModel, wire_key
from gitbook_async.models._enums import (
    BillingCreditsBundle,
    BillingInterval,
    BillingProduct,
    BillingTrialDecision,
    BillingTrialStatus,
    BlockSource,
    MemberRole,
    OrganizationBlockReason,
    OrganizationCommunityType,
    OrganizationType,
    OrganizationUseCase,
)
from gitbook_async.models._merge_rules import MergeRulesStandaloneConfiguration

__all__ = [
    "BillingMeterAddon",
    "Organization",
    "OrganizationBilling",
    "OrganizationBillingMigration",
    "OrganizationBlocked",
    "OrganizationMemberPricing",
    "OrganizationPermissions",
    "OrganizationPricePair",
    "OrganizationPricing",
    "OrganizationSitePricing",
    "OrganizationTrial",
    "OrganizationUrls",
    "SitePointer",
]


@attrs.frozen(kw_only=True)
class SitePointer(GitBookModel):
    """A reference to a GitBook site (``SitePointer``).

    Attributes:
        type: Always ``"site"``.
        site: The site's id.

    """

    type: str
    site: str


@attrs.frozen(kw_only=True)
class OrganizationPricePair(GitBookModel):
    """A price in USD billed monthly and yearly (``OrganizationPricePair``).

    Attributes:
        monthly: Price when billed monthly.
        yearly: Price per month when billed yearly.

    """

    monthly: float
    yearly: float


@attrs.frozen(kw_only=True)
class OrganizationMemberPricing(GitBookModel):
    """Per-member prices of the organization plans (``OrganizationPricing.members``).

    Attributes:
        plus_2024: Price of the Plus plan.
        pro_2024: Price of the Pro plan.

    """

    plus_2024: OrganizationPricePair = attrs.field(metadata=wire_key("plus_2024"))
    pro_2024: OrganizationPricePair = attrs.field(metadata=wire_key("pro_2024"))


@attrs.frozen(kw_only=True)
class OrganizationSitePricing(GitBookModel):
    """Prices of the site plans (``OrganizationPricing.sites``).

    Attributes:
        premium: Price of a Premium site.
        ultimate: Price of an Ultimate site.

    """

    premium: OrganizationPricePair
    ultimate: OrganizationPricePair


@attrs.frozen(kw_only=True)
class OrganizationPricing(GitBookModel):
    """What the organization would pay for members and sites (``OrganizationPricing``).

    Attributes:
        members: Prices of the member plans.
        sites: Prices of the site plans.

    """

    members: OrganizationMemberPricing
    sites: OrganizationSitePricing


@attrs.frozen(kw_only=True)
class BillingMeterAddon(GitBookModel):
    """A usage-based add-on of a subscription (``BillingMeterAddon``).

    Attributes:
        enabled: Whether the add-on is switched on.

    """

    enabled: bool


@attrs.frozen(kw_only=True)
class OrganizationBilling(GitBookModel):
    """Subscription details, shown only to members of the organization (``OrganizationBilling``).

    Attributes:
        interval: How often the subscription is billed.
        end_date: When the current period ends; None when it has no end.
        has_payment_failed: True when the last payment could not be collected.
        is_scheduled_to_cancel: True when the subscription ends with the current period.
        pricing: The organization's prices.
        usage_addons: Usage-based add-ons by name (read-only mapping).
        can_checkout: Whether the organization may start a checkout to subscribe or change
            its plan (False until other billing problems are resolved). Since API 0.202.0.
        can_change_interval: Whether the billing interval may be changed. Since 0.202.0.
        can_use_saml: Whether the plan allows SAML single sign-on (wire name
            ``canUseSAML``). Since 0.202.0.
        credits_bundle: The AI credit bundle topped up every month; ``none`` is pay as you
            go; None when AI usage is not billed or the server predates 0.202.0. A JSON
            number the server sends stays an ``int`` (see ``BillingCreditsBundle``).
        ai_credit_alert_threshold: Percentage (0-100) of AI credits left at which a
            low-balance alert is sent; None when alerts are off. Since 0.202.0.
        min_users: Fewest members the plan allows. Since 0.202.0.
        max_users: Most members the plan allows. Since 0.202.0.
        min_premium_sites: Fewest Premium sites the plan allows. Since 0.202.0.
        max_premium_sites: Most Premium sites the plan allows. Since 0.202.0.
        min_ultimate_sites: Fewest Ultimate sites the plan allows. Since 0.202.0.
        max_ultimate_sites: Most Ultimate sites the plan allows. Since 0.202.0.
        paid_members: Members paid for in the current subscription. Since 0.202.0.
        paid_premium_sites: Premium sites paid for in the current subscription.
            Since 0.202.0.
        paid_ultimate_sites: Ultimate sites paid for in the current subscription.
            Since 0.202.0.

    The fields added in API 0.202.0 are optional here, though that version requires some,
    because servers of earlier versions do not send them.

    """

    interval: BillingInterval | str
    end_date: datetime | None
    has_payment_failed: bool
    is_scheduled_to_cancel: bool
    pricing: OrganizationPricing
    usage_addons: Mapping[str, BillingMeterAddon] = attrs.field(hash=False)
    can_checkout: bool | None = None
    can_change_interval: bool | None = None
    can_use_saml: bool | None = attrs.field(default=None, metadata=wire_key("canUseSAML"))
    credits_bundle: BillingCreditsBundle | str | int | None = None
    ai_credit_alert_threshold: float | None = None
    min_users: float | None = None
    max_users: float | None = None
    min_premium_sites: float | None = None
    max_premium_sites: float | None = None
    min_ultimate_sites: float | None = None
    max_ultimate_sites: float | None = None
    paid_members: float | None = None
    paid_premium_sites: float | None = None
    paid_ultimate_sites: float | None = None


@attrs.frozen(kw_only=True)
class OrganizationUrls(GitBookModel):
    """Links of an organization.

    Attributes:
        location: The organization in the API.
        app: The organization in the GitBook app.
        logo: The organization's logo, if it has one.

    """

    location: str
    app: str
    logo: str | None = None


@attrs.frozen(kw_only=True)
class OrganizationTrial(GitBookModel):
    """The organization's trial.

    Attributes:
        status: Where the trial stands.
        end_date: When the trial ends or ended, if there was one.
        decision: What was chosen when the trial ended, if anything.
        count: How many trials the organization has used (API 0.202.0 and later).

    """

    status: BillingTrialStatus | str
    end_date: datetime | None = None
    decision: BillingTrialDecision | str | None = None
    count: int | None = None


@attrs.frozen(kw_only=True)
class OrganizationBlocked(GitBookModel):
    """Present when the organization is blocked.

    Attributes:
        reason: Why it is blocked: ``security`` in API 0.137.0, a short free text in newer
            versions (so any string is kept).
        source: Who blocked it (API 0.202.0 and later).

    """

    reason: OrganizationBlockReason | str
    source: BlockSource | str | None = None


@attrs.frozen(kw_only=True)
class OrganizationBillingMigration(GitBookModel):
    """GitBook-internal state of a move to new pricing (``internal_billingMigration``).

    Attributes:
        deadline: When the organization moves to new pricing if it has not already.
        discount_percent: Discount earned by migrating early.
        discount_end_date: When that discount ends.

    """

    deadline: datetime | None = None
    discount_percent: float | None = None
    discount_end_date: datetime | None = None


@attrs.frozen(kw_only=True)
class OrganizationPermissions(GitBookModel):
    """What the token's user may do in the organization.

    Attributes:
        view: View the organization.
        admin: Manage its title, members and settings.
        own_team: The user owns a team.
        create_content: Create spaces and collections.
        create_open_api_spec: Create OpenAPI specifications (wire name ``createOpenAPISpec``).
        ingest_conversations: Ingest conversations. API 0.202.0 no longer sends it, so it
            is None there.
        view_billing: See billing details.
        list_members: List members.
        list_teams: List teams.
        list_integrations: List integrations.
        list_installations: List integration installations.
        install_integration: Install integrations.
        access: Open the organization in the GitBook app (API 0.202.0 and later).

    """

    view: bool
    admin: bool
    own_team: bool
    create_content: bool
    create_open_api_spec: bool = attrs.field(metadata=wire_key("createOpenAPISpec"))
    view_billing: bool
    list_members: bool
    list_teams: bool
    list_integrations: bool
    list_installations: bool
    install_integration: bool
    # Required in API 0.137.0, gone in 0.202.0: optional so that newer servers still parse.
    ingest_conversations: bool | None = None
    access: bool | None = None


@attrs.frozen(kw_only=True)
class Organization(GitBookModel):
    """A GitBook organization (``Organization``), e.g. the owner of an integration.

    Attributes:
        object: Always ``"organization"``.
        id: The organization's id.
        title: Its name.
        created_at: When it was created (aware datetime).
        email_domains: Email domains whose users may join it.
        invite_links: Whether invite links are enabled.
        type: Business or community.
        plan: The plan it is on.
        urls: Its links.
        trial: Its trial state.
        permissions: What the token's user may do in it.
        hostname: Default hostname of its public content (``<hostname>.gitbook.io``).
        use_case: What it uses GitBook for.
        community_type: The kind of community, for community organizations.
        default_role: Role given to new members; None when absent or null (guests).
        default_content: The content shown by default.
        sso: Whether SSO is enforced.
        ai: Whether all AI features are enabled.
        billing: Subscription details (members only).
        custom_hostname: Custom hostname linked to it.
        blocked: Block details, when it is blocked.
        internal_is_on_new_trial: Deprecated by GitBook; always true when present.
        internal_billing_migration: GitBook-internal pricing migration state.
        audit_logs: Whether the organization's audit logs can be viewed now (API 0.202.0
            and later).
        merge_rules: How merging change requests is gated (required by API 0.202.0, absent
            from earlier versions, hence optional).

    """

    # The owner of every integration of a listing, repeated as the same bytes across its
    # pages: the accelerated wire path builds each distinct owner once.
    _wire_memoise: ClassVar[bool] = True

    object: str
    id: str
    title: str
    created_at: datetime
    email_domains: tuple[str, ...]
    invite_links: bool
    type: OrganizationType | str
    plan: BillingProduct | str
    urls: OrganizationUrls
    trial: OrganizationTrial
    permissions: OrganizationPermissions
    hostname: str | None = None
    use_case: OrganizationUseCase | str | None = None
    community_type: OrganizationCommunityType | str | None = None
    default_role: MemberRole | str | None = None
    default_content: SitePointer | None = None
    sso: bool | None = None
    ai: bool | None = None
    billing: OrganizationBilling | None = None
    custom_hostname: str | None = None
    blocked: OrganizationBlocked | None = None
    internal_is_on_new_trial: bool | None = attrs.field(
        default=None, metadata=wire_key("internal_isOnNewTrial")
    )
    internal_billing_migration: OrganizationBillingMigration | None = attrs.field(
        default=None, metadata=wire_key("internal_billingMigration")
    )
    audit_logs: bool | None = None
    merge_rules: MergeRulesStandaloneConfiguration | None = None
