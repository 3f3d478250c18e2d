"""Tests for gitbook_async/models/_base.py: which attrs fields are wire fields, and their keys."""

from __future__ import annotations

import attrs
import pytest

from gitbook_async import models
from gitbook_async.models import (
    ContentSecurityPolicyDirectives,
    GitBookModel,
    Integration,
    ListNext,
    OrganizationPermissions,
)
from gitbook_async.models._base import wire_fields, wire_names

MODEL_CLASSES = [
    cls
    for cls in (getattr(models, name) for name in models.__all__)
    if isinstance(cls, type) and issubclass(cls, GitBookModel) and cls is not GitBookModel
]


def test_wire_fields_pair_each_init_field_with_its_wire_key() -> None:
    """Every __init__ field but unknown_fields, in declaration order, with its wire key."""
    assert [(field.name, key) for field, key in wire_fields(ListNext)] == [("page", "page")]
    fields = {field.name: key for field, key in wire_fields(OrganizationPermissions)}
    assert list(fields)[:4] == ["view", "admin", "own_team", "create_content"]
    assert fields["own_team"] == "ownTeam"


def test_the_declared_wire_key_wins_over_the_class_rule() -> None:
    """A field's wire_key(...) metadata is its key; the class's case rule covers the rest."""
    keys = {field.name: key for field, key in wire_fields(OrganizationPermissions)}
    assert keys["create_open_api_spec"] == "createOpenAPISpec"
    css = {field.name: key for field, key in wire_fields(ContentSecurityPolicyDirectives)}
    assert css["script_src_elem"] == "script-src-elem"


def test_the_pairs_hold_the_attrs_attributes() -> None:
    """The first of each pair is the class's own attrs attribute (type, default, metadata)."""
    by_name = {a.name: a for a in attrs.fields(Integration)}
    for field, _ in wire_fields(Integration):
        assert field is by_name[field.name]


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_bookkeeping_fields_are_not_wire_fields(cls: type[GitBookModel]) -> None:
    """unknown_fields and the init=False explicit-null record never appear on the wire."""
    names = [field.name for field, _ in wire_fields(cls)]
    assert "unknown_fields" not in names
    assert "_wire_nulls" not in names


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_wire_names_is_wire_fields_by_attribute_name(cls: type[GitBookModel]) -> None:
    """wire_names() is the same knowledge as wire_fields(), keyed by attribute name."""
    assert dict(wire_names(cls)) == {field.name: key for field, key in wire_fields(cls)}
    assert list(wire_names(cls)) == [field.name for field, _ in wire_fields(cls)]


def test_wire_fields_are_computed_once_per_class() -> None:
    """A second call returns the cached tuple itself."""
    assert wire_fields(Integration) is wire_fields(Integration)
