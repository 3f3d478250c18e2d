"""The one rename rule between model attributes (snake_case) and wire keys, and its exceptions."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from gitbook_async.models import ContentSecurityPolicyDirectives

__all__ = ["wire_name"]

# Wire names that do not follow the snake_case -> camelCase rule, keyed by attribute name.
WIRE_NAME_EXCEPTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "create_open_api_spec": "createOpenAPISpec",
        "internal_is_on_new_trial": "internal_isOnNewTrial",
        "internal_billing_migration": "internal_billingMigration",
        "completion_url": "completion_url",
        "callback_url": "callback_url",
        "button_text": "button_text",
        "plus_2024": "plus_2024",
        "pro_2024": "pro_2024",
        "can_use_saml": "canUseSAML",
    }
)
# Classes whose wire keys are kebab-case (CSP directive names).
KEBAB_CASE_CLASSES: Final = frozenset({ContentSecurityPolicyDirectives})


def wire_name(cls: type, attribute: str) -> str:
    """Return the JSON key of ``cls.attribute`` (the one rename rule of the SDK)."""
    if cls in KEBAB_CASE_CLASSES:
        return attribute.replace("_", "-")
    exception = WIRE_NAME_EXCEPTIONS.get(attribute)
    if exception is not None:
        return exception
    head, *rest = attribute.split("_")
    return head + "".join(part.capitalize() for part in rest)
