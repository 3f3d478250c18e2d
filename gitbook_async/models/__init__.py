"""Frozen, slotted attrs models of GitBook's responses, named after the spec's schemas.

Attributes are snake_case; the camelCase wire names are mapped by the SDK's converter.
Every model has ``unknown_fields`` (fields newer than this SDK) and ``to_dict()`` (the
wire-format JSON, ready to store).
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any
from typing import Final as _Final

from gitbook_async.models._base import GitBookModel, OpenEnum, wire_fields, wire_names

if _TYPE_CHECKING:
    from gitbook_async.models._enums import (
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
    )
    from gitbook_async.models._integration import (
        BooleanConfigurationProperty,
        ButtonConfigurationProperty,
        ConfigurationProperty,
        ContentSecurityPolicyDirectives,
        Integration,
        IntegrationBlock,
        IntegrationBlockMarkdown,
        IntegrationConfiguration,
        IntegrationConfigurationComponent,
        IntegrationConfigurations,
        IntegrationConfigurationSchema,
        IntegrationContentSecurityPolicy,
        IntegrationContentSource,
        IntegrationExternalLink,
        IntegrationPermissions,
        IntegrationUrls,
        NumberConfigurationProperty,
        StringConfigurationProperty,
    )
    from gitbook_async.models._merge_rules import (
        CustomMergeRule,
        MergeRule,
        MergeRulesConfigurationNone,
        MergeRulesConfigurationRules,
        MergeRulesStandaloneConfiguration,
        UsersMergeRule,
    )
    from gitbook_async.models._organization import (
        BillingMeterAddon,
        Organization,
        OrganizationBilling,
        OrganizationBillingMigration,
        OrganizationBlocked,
        OrganizationMemberPricing,
        OrganizationPermissions,
        OrganizationPricePair,
        OrganizationPricing,
        OrganizationSitePricing,
        OrganizationTrial,
        OrganizationUrls,
        SitePointer,
    )
    from gitbook_async.models._spaces import (
        IntegrationList,
        ListNext,
        SpaceIntegrationBlocks,
        SpaceIntegrationScript,
    )

# The models load on first use (PEP 562), not at ``import gitbook_async``: about half of the
# package's import time is the creation of these attrs classes, which the first response
# needs but an app's startup does not. ``tests/test_models_base.py`` checks this table
# against the imports above.
_LAZY: _Final[dict[str, str]] = {
    "BillingCreditsBundle": "_enums",
    "BillingInterval": "_enums",
    "BillingProduct": "_enums",
    "BillingTrialDecision": "_enums",
    "BillingTrialStatus": "_enums",
    "BlockSource": "_enums",
    "IntegrationCategory": "_enums",
    "IntegrationScope": "_enums",
    "IntegrationTarget": "_enums",
    "IntegrationVisibility": "_enums",
    "MemberRole": "_enums",
    "MergeRuleType": "_enums",
    "OrganizationBlockReason": "_enums",
    "OrganizationCommunityType": "_enums",
    "OrganizationType": "_enums",
    "OrganizationUseCase": "_enums",
    "BooleanConfigurationProperty": "_integration",
    "ButtonConfigurationProperty": "_integration",
    "ConfigurationProperty": "_integration",
    "ContentSecurityPolicyDirectives": "_integration",
    "Integration": "_integration",
    "IntegrationBlock": "_integration",
    "IntegrationBlockMarkdown": "_integration",
    "IntegrationConfiguration": "_integration",
    "IntegrationConfigurationComponent": "_integration",
    "IntegrationConfigurations": "_integration",
    "IntegrationConfigurationSchema": "_integration",
    "IntegrationContentSecurityPolicy": "_integration",
    "IntegrationContentSource": "_integration",
    "IntegrationExternalLink": "_integration",
    "IntegrationPermissions": "_integration",
    "IntegrationUrls": "_integration",
    "NumberConfigurationProperty": "_integration",
    "StringConfigurationProperty": "_integration",
    "CustomMergeRule": "_merge_rules",
    "MergeRule": "_merge_rules",
    "MergeRulesConfigurationNone": "_merge_rules",
    "MergeRulesConfigurationRules": "_merge_rules",
    "MergeRulesStandaloneConfiguration": "_merge_rules",
    "UsersMergeRule": "_merge_rules",
    "BillingMeterAddon": "_organization",
    "Organization": "_organization",
    "OrganizationBilling": "_organization",
    "OrganizationBillingMigration": "_organization",
    "OrganizationBlocked": "_organization",
    "OrganizationMemberPricing": "_organization",
    "OrganizationPermissions": "_organization",
    "OrganizationPricePair": "_organization",
    "OrganizationPricing": "_organization",
    "OrganizationSitePricing": "_organization",
    "OrganizationTrial": "_organization",
    "OrganizationUrls": "_organization",
    "SitePointer": "_organization",
    "IntegrationList": "_spaces",
    "ListNext": "_spaces",
    "SpaceIntegrationBlocks": "_spaces",
    "SpaceIntegrationScript": "_spaces",
}

__all__ = [
    "BillingCreditsBundle",
    "BillingInterval",
    "BillingMeterAddon",
    "BillingProduct",
    "BillingTrialDecision",
    "BillingTrialStatus",
    "BlockSource",
    "BooleanConfigurationProperty",
    "ButtonConfigurationProperty",
    "ConfigurationProperty",
    "ContentSecurityPolicyDirectives",
    "CustomMergeRule",
    "GitBookModel",
    "Integration",
    "IntegrationBlock",
    "IntegrationBlockMarkdown",
    "IntegrationCategory",
    "IntegrationConfiguration",
    "IntegrationConfigurationComponent",
    "IntegrationConfigurationSchema",
    "IntegrationConfigurations",
    "IntegrationContentSecurityPolicy",
    "IntegrationContentSource",
    "IntegrationExternalLink",
    "IntegrationList",
    "IntegrationPermissions",
    "IntegrationScope",
    "IntegrationTarget",
    "IntegrationUrls",
    "IntegrationVisibility",
    "ListNext",
    "MemberRole",
    "MergeRule",
    "MergeRuleType",
    "MergeRulesConfigurationNone",
    "MergeRulesConfigurationRules",
    "MergeRulesStandaloneConfiguration",
    "NumberConfigurationProperty",
    "OpenEnum",
    "Organization",
    "OrganizationBilling",
    "OrganizationBillingMigration",
    "OrganizationBlockReason",
    "OrganizationBlocked",
    "OrganizationCommunityType",
    "OrganizationMemberPricing",
    "OrganizationPermissions",
    "OrganizationPricePair",
    "OrganizationPricing",
    "OrganizationSitePricing",
    "OrganizationTrial",
    "OrganizationType",
    "OrganizationUrls",
    "OrganizationUseCase",
    "SitePointer",
    "SpaceIntegrationBlocks",
    "SpaceIntegrationScript",
    "StringConfigurationProperty",
    "UsersMergeRule",
    "wire_fields",
    "wire_names",
]


def __getattr__(name: str) -> _Any:
    """Import the model module that defines ``name`` on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
