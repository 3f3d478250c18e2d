"""The spec's enumerated strings, as open enums (an unknown value stays a plain string)."""

from __future__ import annotations

from gitbook_async.models._base import OpenEnum

__all__ = [
    "BillingCreditsBundle",
    "BillingInterval",
    "BillingProduct",
    "BillingTrialDecision",
    "BillingTrialStatus",
    "BlockSource",
    "IntegrationCategory",
    "IntegrationScope",
    "IntegrationTarget",
    "IntegrationVisibility",
    "MemberRole",
    "MergeRuleType",
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
    PAGE_FEEDBACK_READ = "page:feedback:read"
    SITE_METADATA_READ = "site:metadata:read"
    SITE_VIEWS_READ = "site:views:read"
    SITE_SCRIPT_INJECT = "site:script:inject"
    SITE_SCRIPT_COOKIES = "site:script:cookies"
    SITE_VISITOR_AUTH = "site:visitor:auth"
    SITE_VISITOR_CLAIMS = "site:visitor:claims"
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
    """Why an organization is blocked (API 0.137.0; newer versions send free text)."""

    SECURITY = "security"


class BillingTrialDecision(OpenEnum):
    """What an organization chose when its trial ended."""

    DOWNGRADE = "downgrade"


class BlockSource(OpenEnum):
    """Who blocked an organization (added in API 0.202.0)."""

    BACKOFFICE = "backoffice"
    EXTERNAL = "external"
    INTERNAL = "internal"


class BillingCreditsBundle(OpenEnum):
    """The AI credit bundle an organization tops up every month (added in API 0.202.0).

    ``none`` means pay as you go. The spec declares this a string but lists the bundle sizes
    as JSON numbers; the members hold them as strings, and fields of this type also accept
    a JSON number (kept as an ``int``), whichever a server sends.
    """

    NONE = "none"
    BUNDLE_135001500 = "135001500"
    BUNDLE_240006000 = "240006000"
    BUNDLE_4200018000 = "4200018000"
    BUNDLE_6000040000 = "6000040000"


class MergeRuleType(OpenEnum):
    """The kind of a merge rule for change requests (added in API 0.202.0)."""

    REQUIRE_SPECIFIC_REVIEWERS = "require_specific_reviewers"
    REQUIRE_ONE_OF_SPECIFIC_REVIEWERS = "require_one_of_specific_reviewers"
    ALLOW_BYPASS = "allow_bypass"
    REQUIRE_AT_LEAST_ONE_REVIEW = "require_at_least_one_review"
    REQUIRE_AT_LEAST_ONE_APPROVED_REVIEW = "require_at_least_one_approved_review"
    REQUIRE_ALL_REVIEWS_APPROVED = "require_all_reviews_approved"
    REQUIRE_AGENT_REVIEW = "require_agent_review"
    REQUIRE_UP_TO_DATE_CHANGE_REQUEST = "require_up_to_date_change_request"
    REQUIRE_CHANGE_REQUEST_SUBJECT = "require_change_request_subject"
    REQUIRE_CHANGE_REQUEST_DESCRIPTION = "require_change_request_description"
    REQUIRE_AUTHOR_TO_MERGE = "require_author_to_merge"
    CUSTOM = "custom"
