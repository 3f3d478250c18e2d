"""An organization's merge rules for change requests (added in API 0.202.0)."""

import attrs

from gitbook_async.models._base import GitBookModel
from gitbook_async.models._enums import MergeRuleType

__all__ = [
    "CustomMergeRule",
    "MergeRule",
    "MergeRulesConfigurationNone",
    "MergeRulesConfigurationRules",
    "MergeRulesStandaloneConfiguration",
    "UsersMergeRule",
]


@attrs.frozen(kw_only=True)
class MergeRule(GitBookModel):
    """One condition a change request must meet before it can be merged (``MergeRule``).

    The subclasses model the rules that carry more than their kind (``UsersMergeRule``,
    ``CustomMergeRule``); every other rule, including one GitBook added after this SDK,
    is a plain ``MergeRule`` whose other fields are in ``unknown_fields``.

    Attributes:
        rule: The kind of rule.

    """

    rule: MergeRuleType | str


@attrs.frozen(kw_only=True)
class UsersMergeRule(MergeRule):
    """A merge rule about named users: the reviewers it requires, or who may bypass the rules.

    Attributes:
        users: The users' ids.

    """

    users: tuple[str, ...]


@attrs.frozen(kw_only=True)
class CustomMergeRule(MergeRule):
    """A merge rule written in GitBook's custom expression syntax (``rule`` is ``custom``).

    Attributes:
        expression: The condition; the change request can be merged when it holds.
        message: What to tell the author when it does not hold.

    """

    expression: str
    message: str | None = None


@attrs.frozen(kw_only=True)
class MergeRulesStandaloneConfiguration(GitBookModel):
    """How an organization gates the merging of change requests.

    The subclasses model the configuration types the spec defines (``rules`` and
    ``none``); a type GitBook added after this SDK is a plain
    ``MergeRulesStandaloneConfiguration`` whose other fields are in ``unknown_fields``.

    Attributes:
        type: The configuration type.

    """

    type: str


@attrs.frozen(kw_only=True)
class MergeRulesConfigurationRules(MergeRulesStandaloneConfiguration):
    """Merging needs every one of a list of rules to pass (``type`` is ``rules``).

    Attributes:
        rules: The rules.

    """

    rules: tuple[MergeRule, ...]


@attrs.frozen(kw_only=True)
class MergeRulesConfigurationNone(MergeRulesStandaloneConfiguration):
    """Merge rules are off: change requests merge without review (``type`` is ``none``)."""
