"""Generate the accelerated path's parts from the attrs models: msgspec mirrors and builders.

For each model class this derives, once per generation, from its attrs fields, types and
wire names:

* a private msgspec ``Struct`` *mirror* (``gc=False``, ``forbid_unknown_fields=True``) that
  msgspec decodes and validates in C: JSON numbers of ``float`` fields as ``int | float`` (so
  ``1`` stays ``1``), optional fields defaulting to ``UNSET`` (so an explicit ``null`` is told
  from an absent key), discriminated base classes as tagged unions, a memoised class (one
  whose ``_wire_memoise`` is true: an integration's ``owner`` and ``configurations``) as
  ``msgspec.Raw`` (a null kept as its bytes), sequences the builder converts as lists
  (temporaries), and the *learned* fields (wire keys newer than the models, given by the
  caller) as plain JSON values, kept for ``unknown_fields``;
* a private non-frozen *twin* subclass (made once per class), whose instances take the
  frozen class by ``__class__`` assignment once filled;
* a generated *builder* ``(mirror, memo) -> model`` that fills a twin from a mirror, applies
  the same conversions as the cattrs path (open enum members, timestamps that keep their
  text, read-only mappings, tuples) and records explicit nulls for ``to_dict()``.

What the cattrs path would read differently is refused, never guessed: msgspec rejects it
(fields not learned, tags newer than the models, wrong types) or a builder raises
``FastPathInvalid``; the caller then takes the cattrs path. A type shape this module cannot
mirror raises ``Unsupported`` at generation: that type always takes the cattrs path.

Wire keys, learned ones above all (they come from the network), never become source text:
builders find them as namespace constants, mirrors through ``rename``.
"""

from __future__ import annotations

import itertools
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Union

import msgspec

from gitbook_async._wire._accel_code import (
    RAW_NULL,
    Convert,
    Unsupported,
    defstruct,
    field_code,
    learned_code,
    make_twin,
    optional_mirror,
)
from gitbook_async._wire._fields import NO_NULLS, model_fields
from gitbook_async._wire._primitives import FastPathInvalid, compile_function, rule_for
from gitbook_async._wire._shapes import (
    is_homogeneous_tuple,
    is_mapping,
    is_model,
    numeric_open_enum_of,
    open_enum_of,
    union_args,
)
from gitbook_async.models._base import EMPTY_FIELDS

__all__ = ["Builder", "Discriminators", "Generator", "Unsupported", "twin_of"]

Builder = Callable[[Any, Any], Any]
"""A generated function ``(mirror value, owner memo) -> model value``."""

Discriminators = Mapping[type, tuple[str, Mapping[str, type]]]
"""Discriminated base classes: ``{base: (tag wire key, {tag value: class})}``."""

Learned = Mapping[type, tuple[str, ...]]
"""Wire keys newer than the models, by the model class that gets them as unknown fields."""


# The msgspec type of each primitive wire type; the conversions come from the one table of
# primitive rules (``_primitives``). msgspec's strict decoding matches those rules: bool is no
# int, an int is no float (``int | float`` keeps the JSON number as sent), strings are strings.
_PRIMITIVE_MIRRORS: Final[Mapping[Any, Any]] = MappingProxyType(
    {
        str: str,
        bool: bool,
        int: int,
        float: Union[int, float],  # noqa: UP007 - a runtime type object for msgspec
        datetime: str,
    }
)
# Primitive types that may sit beside one model class in a union (``str | Directives``).
_PLAIN: Final = frozenset({str, bool, int})
# Learned fields' mirror attributes: no model field starts with an underscore.
_LEARNED_ATTRIBUTE: Final = "_learned{}"

_TWINS: Final[dict[type, type]] = {}


def twin_of(cls: type) -> type:
    """Return the twin class of ``cls`` (made once per process, shared by generations).

    Raises:
        Unsupported: ``cls`` cannot have one (see ``make_twin``).

    """
    twin = _TWINS.get(cls)
    if twin is None:
        twin = _TWINS[cls] = make_twin(cls)
    return twin


def _primitive_mirror(type_: Any) -> Any:
    found = _PRIMITIVE_MIRRORS.get(type_)
    if found is not None:
        return found
    if open_enum_of(type_) is not None:
        return str
    if numeric_open_enum_of(type_) is not None:
        return Union[str, int]  # noqa: UP007
    return None


class Generator:
    """Makes and remembers the mirrors and builders of one *generation* of the models.

    All generated functions share one namespace, so builders can name each other before
    they exist (a class's builder is compiled when its mirror is first needed). A new set of
    learned fields takes a new generator: mirrors and builders of older generations stay
    valid for the mirrors they decoded.
    """

    def __init__(
        self,
        *,
        discriminators: Discriminators,
        learned: Learned | None = None,
        build_memoised: Callable[[type], Builder] | None = None,
    ) -> None:
        """Start a generation.

        ``build_memoised(cls)`` gives the builder of a memoised class from its raw JSON
        (``(msgspec.Raw, memo) -> model``); without it no class is memoised.
        """
        self._discriminators = discriminators
        self._learned: Learned = learned or {}
        self._build_memoised = build_memoised
        self._names = itertools.count()
        self._nodes: dict[tuple[Any, bool], tuple[Any, Convert]] = {}
        self._structs: dict[tuple[type, str | None], tuple[Any, str]] = {}
        self._building: set[tuple[type, str | None]] = set()
        self._learned_names: dict[str, str] = {}
        self._learned_used: dict[type, tuple[str, ...]] = {}
        self.builders: dict[Any, Builder] = {}
        """The builder of every mirror Struct made so far (one per class and tag)."""
        self.union_keys: dict[type, frozenset[str]] = {}
        """For each member of a union told apart by keys: the wire keys of all its members
        (such keys are not to be learned: they decide the member)."""
        self.namespace: dict[str, Any] = {
            "_UNSET": msgspec.UNSET,
            "_RAW_NULL": RAW_NULL,
            "_new": object.__new__,
            "_EMPTY": EMPTY_FIELDS,
            "_NO_NULLS": NO_NULLS,
            "_frozenset": frozenset,
            "_tuple": tuple,
            "_proxy": MappingProxyType,
            "_invalid": FastPathInvalid,
        }

    def constant(self, value: Any, hint: str) -> str:
        """Put ``value`` into the shared namespace under a new name and return the name."""
        name = f"_{hint}{next(self._names)}"
        self.namespace[name] = value
        return name

    # --- types ------------------------------------------------------------------------------

    def node(self, type_: Any, *, top: bool = False) -> tuple[Any, Convert]:
        """Return the mirror type of ``type_`` and the code that converts its values.

        ``top``: the response itself (a memoised class is then decoded, not kept raw).

        Raises:
            Unsupported: a shape this path does not mirror.

        """
        key = (type_, top)
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = self._node(type_, top=top)
        return found

    def _node(self, type_: Any, *, top: bool) -> tuple[Any, Convert]:
        rule = rule_for(type_)
        if rule is not None:
            mirror = _primitive_mirror(type_)
            if mirror is None:
                raise Unsupported(f"no mirror for the primitive {type_!r}")
            name = self.constant(rule.constant, "c") if rule.constant is not None else ""
            if rule.convert_code("v", name) is None:
                return mirror, None
            return mirror, lambda v: f"({rule.convert_code(v, name)})"
        if is_homogeneous_tuple(type_):
            return self._tuple(typing.get_args(type_)[0])
        if is_mapping(type_):
            key_type, value_type = typing.get_args(type_)
            if key_type is not str:
                raise Unsupported(f"mapping keys of {type_!r}")
            mirror, convert = self.node(value_type)
            if convert is None:
                return dict[str, mirror], lambda v: f"_proxy({v})"  # type: ignore[valid-type]
            item = convert("x")
            return dict[str, mirror], lambda v: f"_proxy({{k: {item} for k, x in {v}.items()}})"  # type: ignore[valid-type]
        if is_model(type_):
            return self._model(type_, top=top)
        if union_args(type_):
            return self._union(type_)
        raise Unsupported(f"no mirror for {type_!r}")

    def _tuple(self, item_type: Any) -> tuple[Any, Convert]:
        """Mirror a homogeneous tuple.

        It is decoded as the model's tuple when its items need no conversion, else as a
        list: a temporary, and freed lists return their memory, where freed small tuples
        would pile up in CPython's tuple free lists.
        """
        mirror, convert = self.node(item_type)
        if convert is None:
            return tuple[mirror, ...], None  # type: ignore[valid-type]
        var = f"x{next(self._names)}"  # nested tuples must not share a loop variable
        item = convert(var)
        return list[mirror], lambda v: f"_tuple([{item} for {var} in {v}])"  # type: ignore[valid-type]

    def _model(self, cls: type, *, top: bool) -> tuple[Any, Convert]:
        found = self._discriminators.get(cls)
        if found is not None:
            return self._tagged_union(cls, *found)
        struct, builder = self.struct(cls)
        if not top and self._build_memoised is not None and getattr(cls, "_wire_memoise", False):
            lookup = self.constant(self._build_memoised(cls), "owner")
            return msgspec.Raw, lambda v: f"{lookup}({v}, memo)"
        return struct, lambda v: f"{builder}({v}, memo)"

    def _tagged_union(
        self, base: type, key: str, subclasses: Mapping[str, type]
    ) -> tuple[Any, Convert]:
        """Mirror a discriminated base: one tagged mirror per tag this SDK knows."""
        tag_field = next((f for f in model_fields(base) if f.key == key), None)
        if tag_field is None or tag_field.nullable or not tag_field.required:
            raise Unsupported(f"{base.__name__} has no required tag field {key!r}")
        enum_cls = open_enum_of(tag_field.type)
        if tag_field.type is not str and enum_cls is None:
            raise Unsupported(f"the tag {key!r} of {base.__name__} is no string")
        known = [] if enum_cls is None else [m.value for m in enum_cls]
        variants = [(cls, tag) for tag, cls in subclasses.items()]
        variants += [(base, tag) for tag in known if tag not in subclasses]
        dispatch: dict[type, Builder] = {}
        mirrors = []
        for cls, tag in variants:
            struct, builder = self.struct(cls, tag=(key, tag))
            mirrors.append(struct)
            dispatch[struct] = self.namespace[builder]
        table = self.constant(dispatch, "tagged")
        return Union[tuple(mirrors)], lambda v: f"{table}[type({v})]({v}, memo)"  # noqa: UP007

    def _union(self, type_: Any) -> tuple[Any, Convert]:
        args = union_args(type_)
        models = [a for a in args if is_model(a)]
        plain = [a for a in args if a in _PLAIN]
        if len(models) + len(plain) != len(args) or not models:
            raise Unsupported(f"no mirror for the union {type_!r}")
        if plain and len(models) == 1:  # e.g. a CSP: a string, or an object of directives
            struct, builder = self.struct(models[0])
            name = self.constant(struct, "struct")
            either = (*plain, struct)
            return Union[either], (  # noqa: UP007
                lambda v: f"({builder}({v}, memo) if type({v}) is {name} else {v})"
            )
        if plain or any(m in self._discriminators for m in models):
            raise Unsupported(f"no mirror for the union {type_!r}")
        return self._shape_union(models)

    def _shape_union(self, members: list[type]) -> tuple[Any, Convert]:
        """Mirror a union of model classes told apart by their keys: one merged mirror.

        A value is built as the one member whose required keys are all present and that
        knows (or learned) every present key; when no member or several qualify it is
        refused. Keys of the members are never learned for another member.
        """
        keys = frozenset(f.key for cls in members for f in model_fields(cls))
        for cls in members:
            self.union_keys[cls] = keys | self.union_keys.get(cls, frozenset())
        fields: dict[str, tuple[str, Any, bool]] = {}
        for cls in members:
            for field in model_fields(cls):
                mirror, _ = self.node(field.value_type)
                seen = fields.setdefault(field.name, (field.key, mirror, field.nullable))
                if seen != (field.key, mirror, field.nullable):
                    raise Unsupported(f"members of a union disagree on {field.name!r}")
        struct_fields = [
            (name, optional_mirror(mirror, nullable=nullable, unset=True), msgspec.UNSET)
            for name, (_, mirror, nullable) in fields.items()
        ]
        rename = {name: key for name, (key, _, _) in fields.items()}
        owned: dict[type, set[str]] = {}
        for cls in members:
            self.struct(cls)
            learned = self._learned_used[cls]
            if any(key in keys for key in learned):  # made before the union: cannot merge
                raise Unsupported(f"{cls.__name__} learned a key of another union member")
            owned[cls] = {f.name for f in model_fields(cls)}
            for key in learned:
                attribute = self._learned_attribute(key)
                owned[cls].add(attribute)
                if attribute not in rename:
                    rename[attribute] = key
                    struct_fields.append((attribute, Any, msgspec.UNSET))
        merged = defstruct("ShapeUnion", struct_fields, rename=rename)
        picker = f"pick_{next(self._names)}"
        lines = [f"def {picker}(m, memo):", "    found = None"]
        for cls in members:
            _, builder = self.struct(cls)
            required = [f.name for f in model_fields(cls) if f.required]
            tests = [f"m.{n} is not _UNSET" for n in required]
            tests += [f"m.{n} is _UNSET" for n in rename if n not in owned[cls]]
            lines += [
                f"    if {' and '.join(tests) or 'True'}:",
                "        if found is not None: raise _invalid",
                f"        found = {builder}",
            ]
        lines += ["    if found is None: raise _invalid", "    return found(m, memo)"]
        compile_function(picker, "\n".join(lines) + "\n", self.namespace, "accelerated union")
        return merged, lambda v: f"{picker}({v}, memo)"

    # --- classes ----------------------------------------------------------------------------

    def _learned_attribute(self, key: str) -> str:
        """Return the mirror attribute of a learned wire key (one per key in a generation)."""
        found = self._learned_names.get(key)
        if found is None:
            found = self._learned_names[key] = _LEARNED_ATTRIBUTE.format(len(self._learned_names))
        return found

    def struct(self, cls: type, *, tag: tuple[str, str] | None = None) -> tuple[Any, str]:
        """Return the mirror Struct of ``cls`` and its builder's name.

        ``tag`` is (wire key, value) for a variant of a discriminated union: the mirror is
        tagged with it and the builder sets the tag field itself.

        Raises:
            Unsupported: a field of ``cls`` has a shape this path does not mirror.

        """
        key = (cls, None if tag is None else tag[1])
        if key in self._structs:
            return self._structs[key]
        if key in self._building:
            raise Unsupported(f"{cls.__name__} contains itself")
        self._building.add(key)
        try:
            made = self._make_struct(cls, tag)
        finally:
            self._building.discard(key)
        self._structs[key] = made
        return made

    def _make_struct(self, cls: type, tag: tuple[str, str] | None) -> tuple[Any, str]:
        struct_fields: list[Any] = []
        rename = {}
        twin, target = self.constant(twin_of(cls), "twin"), self.constant(cls, "cls")
        fields = model_fields(cls)
        # Explicit nulls are recorded for optional fields only (as the cattrs path does).
        records_nulls = any(not field.required for field in fields)
        body = [f"    o = _new({twin})", "    nulls = None" if records_nulls else ""]
        tag_key = None
        for field in fields:
            mirror, convert = self.node(field.value_type)
            if tag is not None and field.key == tag[0]:
                tag_key = field.key
                code = convert("t") if convert else "t"
                value = eval(code, self.namespace, {"t": tag[1]})  # our own generated code
                body.append(f"    o.{field.name} = {self.constant(value, 'tag')}")
                continue
            rename[field.name] = field.key
            if not field.required and not field.nullable:
                # Optional fields default to None (``model_fields`` checks it): so must be typed.
                raise Unsupported(f"{cls.__name__}.{field.name}: optional but not nullable")
            mirror = optional_mirror(mirror, nullable=field.nullable, unset=not field.required)
            struct_fields.append(
                (field.name, mirror) if field.required else (field.name, mirror, msgspec.UNSET)
            )
            body += field_code(
                field.name,
                self.constant(field.key, "key"),
                nullable=field.nullable,
                required=field.required,
                convert=convert,
                raw=mirror is msgspec.Raw,
            )
        if tag is not None and tag_key is None:
            raise Unsupported(f"{cls.__name__} has no field {tag[0]!r}")
        learned = self._learned_for(cls)
        pairs = []
        for key in learned:
            attribute = self._learned_attribute(key)
            rename[attribute] = key
            struct_fields.append((attribute, Any, msgspec.UNSET))
            pairs.append((attribute, self.constant(key, "key")))
        body += [
            *learned_code(pairs),
            "    o._wire_nulls = _NO_NULLS if nulls is None else _frozenset(nulls)"
            if records_nulls
            else "    o._wire_nulls = _NO_NULLS",
            f"    o.__class__ = {target}",
            "    return o",
        ]
        options: dict[str, Any] = {"rename": rename}
        if tag is not None:
            options.update(tag_field=tag_key, tag=tag[1])
        struct = defstruct(cls.__name__, struct_fields, **options)
        name = f"build_{cls.__name__}_{next(self._names)}"
        source = f"def {name}(m, memo):\n" + "\n".join(body) + "\n"
        label = f"accelerated build {cls.__module__}.{cls.__qualname__}"
        # One shared namespace: a builder names the builders of nested classes, which may be
        # compiled after it, and finds them at call time.
        self.builders[struct] = compile_function(name, source, self.namespace, label)
        return struct, name

    def _learned_for(self, cls: type) -> tuple[str, ...]:
        """Return the learned keys ``cls``'s mirror gets (none that decides a union member)."""
        forbidden = self.union_keys.get(cls, frozenset())
        known = {f.key for f in model_fields(cls)}
        keys = tuple(k for k in self._learned.get(cls, ()) if k not in forbidden and k not in known)
        self._learned_used[cls] = keys
        return keys
