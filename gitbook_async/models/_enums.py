"""The spec's enumerated strings, as open enums (an unknown value stays a plain string)."""

from __future__ import annotations

from gitbook_async.models._base import OpenEnum

__all__ = [
    "BillingInterval",
    "BillingProduct",
    "BillingTrialDecision",
    "BillingTrialStatus",
    "IntegrationCategory",
    "IntegrationScope",
    "IntegrationTarget",
    "IntegrationVisibility",
    "MemberRole",
    "OrganizationBlockReason",
    "OrganizationCommunityType",
    "OrganizationType",
    "OrganizationUseCase",
]


class IntegrationTarget(OpenEnum):
    """What an integration is installed on and configured for."""

    ALL = "all"
    SITE = "site"
    SPACE = "space"
    ORGANIZATION = "organization"


class IntegrationVisibility(OpenEnum):
    """Who can find and install an integration."""

    PUBLIC = "public"
    PRIVATE = "private"
    UNLISTED = "unlisted"


class IntegrationScope(OpenEnum):
    """A permission an integration is granted."""

    SPACE_VIEWS_READ = "space:views:read"
    SPACE_CONTENT_READ = "space:content:read"
    SPACE_CONTENT_WRITE = "space:content:write"
    SPACE_METADATA_READ = "space:metadata:read"
    SPACE_METADATA_WRITE = "space:metadata:write"
    SPACE_SCRIPT_INJECT = "space:script:inject"
    SPACE_SCRIPT_COOKIES = "space:script:cookies"
    SPACE_GIT_SYNC = "space:git:sync"
    SPACE_VISITOR_AUTH = "space:visitor:auth"
    SITE_METADATA_READ = "site:metadata:read"
    SITE_VIEWS_READ = "site:views:read"
    SITE_SCRIPT_INJECT = "site:script:inject"
    SITE_SCRIPT_COOKIES = "site:script:cookies"
    SITE_VISITOR_AUTH = "site:visitor:auth"
    SITE_ADAPTIVE_READ = "site:adaptive:read"
    SITE_ADAPTIVE_WRITE = "site:adaptive:write"
    SITE_AI_ASK = "site:ai:ask"
    OPENAPI_READ = "openapi:read"
    OPENAPI_WRITE = "openapi:write"
    CONVERSATIONS_INGEST = "conversations:ingest"


class IntegrationCategory(OpenEnum):
    """A marketplace category an integration is listed in."""

    ANALYTICS = "analytics"
    COLLABORATION = "collaboration"
    CONTENT = "content"
    GITSYNC = "gitsync"
    MARKETING = "marketing"
    VISITOR_AUTH = "visitor-auth"
    OTHER = "other"


class OrganizationType(OpenEnum):
    """Whether an organization is a business or a community."""

    BUSINESS = "business"
    COMMUNITY = "community"


class OrganizationUseCase(OpenEnum):
    """What an organization said it uses GitBook for."""

    INTERNAL_DOCS = "internalDocs"
    DOCS_SITE = "docsSite"
    AUDIENCE_CONTROLLED_SITE = "audienceControlledSite"
    PRODUCT_DOCS = "productDocs"
    TEAM_KNOWLEDGE_BASE = "teamKnowledgeBase"
    DESIGN_SYSTEM = "designSystem"
    OPEN_SOURCE_DOCS = "openSourceDocs"
    NOTES = "notes"
    OTHER = "other"


class OrganizationCommunityType(OpenEnum):
    """The kind of community of a community organization."""

    NON_PROFIT = "nonProfit"
    OPEN_SOURCE = "openSource"
    EDUCATION = "education"


class MemberRole(OpenEnum):
    """A member's role in an organization, from most to least powerful."""

    ADMIN = "admin"
    CREATE = "create"
    EDIT = "edit"
    REVIEW = "review"
    COMMENT = "comment"
    READ = "read"


class BillingProduct(OpenEnum):
    """A GitBook plan (product) an organization is on."""

    FREE_2024 = "free_2024"
    PLUS_2024 = "plus_2024"
    PRO_2024 = "pro_2024"
    ENTERPRISE_2024 = "enterprise_2024"
    COMMUNITY_2024 = "community_2024"
    FREE = "free"
    PLUS = "plus"
    PRO = "pro"
    INTERNAL = "internal"


class BillingInterval(OpenEnum):
    """How often a subscription is billed."""

    MONTHLY = "monthly"
    YEARLY = "yearly"


class BillingTrialStatus(OpenEnum):
    """Where an organization stands with its trial."""

    NOTAPPLICABLE = "notapplicable"
    NONE = "none"
    ACTIVE = "active"
    ENDED = "ended"
    EXPIRED = "expired"


class OrganizationBlockReason(OpenEnum):
    """Why an organization is blocked."""

    SECURITY = "security"


class BillingTrialDecision(OpenEnum):
    """What an organization chose when its trial ended."""

    DOWNGRADE = "downgrade"
