"""The accelerated structure path: response bytes -> models in C (msgspec), or a refusal.

``decode_models(body, type_, owners=...)`` decodes and validates a response body with msgspec
into private mirror Structs and builds the frozen attrs models from them through generated
builders (``_accel_gen``): the same models, ``to_dict()`` and ``unknown_fields`` as the cattrs
path gives for ``json.loads(body)``. It returns None, *refusing*, for every body it would
read differently, and the caller then takes the cattrs path, whose result or error is
authoritative:

* tags of the spec's unions newer than the models, and shapes a union cannot be told apart by;
* bodies ``json.loads`` reads but msgspec does not: ``NaN``, ``Infinity``, ``1e400``, a
  UTF-8 BOM, lone surrogates, nesting deeper than msgspec's limit;
* anything invalid (wrong types, missing fields, malformed timestamps).

Fields newer than the models are the normal case (GitBook adds some in most releases): a body
refused for one is read once by the detailed path to see which classes get which new keys;
the mirrors of those classes then *learn* them (kept as plain JSON, for ``unknown_fields``)
and the body is decoded again, so a walk pays for that once, not on every page. Learning is
bounded (``LEARNED_FIELDS_PER_CLASS``, ``LEARNED_KEY_MAX_CHARS``, ``LEARNING_ATTEMPTS``):
beyond it such bodies take the detailed path, which is said once in the log.

Parts that repeat across a walk as the same bytes (memoised classes: an integration's
``owner``, an ``Organization`` about half of an item's bytes, and its ``configurations``, the
same for every installation of an integration) are decoded as ``msgspec.Raw`` and built once
per distinct bytes and class. An ``OwnerMemo`` passed to every page of a walk finds every
such part still alive (weakly) and keeps alive about two pages' worth itself
(``OWNER_MEMO_PAGES``, at most ``OWNER_MEMO_SIZE`` per class): owners of dropped pages are
freed, so its memory is bounded by the page, not the walk. Equal bytes give equal models, so
sharing one instance is invisible: the models are immutable.

Nothing is generated, and msgspec is not imported, before the first call that needs it.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeVar

from gitbook_async._constants import (
    LEARNED_FIELDS_PER_CLASS,
    LEARNED_KEY_MAX_CHARS,
    LEARNING_ATTEMPTS,
    LOGGER_NAME,
    OWNER_MEMO_MIN,
    OWNER_MEMO_PAGES,
    OWNER_MEMO_SIZE,
)
from gitbook_async._wire._memo import OwnerMemo
from gitbook_async._wire._primitives import InvalidWireData
from gitbook_async.models._base import GitBookModel

if TYPE_CHECKING:
    from gitbook_async._wire._accel_gen import Builder, Generator

__all__ = [
    "OWNER_MEMO_MIN",
    "OWNER_MEMO_PAGES",
    "OWNER_MEMO_SIZE",
    "REFUSALS",
    "OwnerMemo",
    "Refused",
    "decode_data",
    "decode_models",
    "is_accelerated",
    "plan_of",
    "structure",
]

_LOGGER: Final = logging.getLogger(LOGGER_NAME)
T = TypeVar("T")


class Refused(InvalidWireData):
    """The accelerated path does not read this body (msgspec refused it)."""


# What means "this path does not read this body": msgspec's refusals (turned into
# ``Refused``), invalid data found while building (a malformed timestamp, a union no member
# fits) and msgspec's nesting limit. Anything else is a bug.
REFUSALS: Final = (InvalidWireData, RecursionError)

# How msgspec starts the message of a body with a key its Struct does not know.
_UNKNOWN_FIELD: Final = "Object contains unknown field"


class _Plan:
    """How to read one response type on the accelerated path: decode, then build.

    One per type for the life of the process: learning swaps its decoder, and ``build``
    takes a mirror of any generation (it dispatches on the mirror's class).
    """

    __slots__ = ("_decoder", "_plans", "_type", "build")

    def __init__(
        self, plans: _Plans, type_: Any, decoder: Callable[[bytes], Any], build: Builder
    ) -> None:
        self._plans = plans
        self._type = type_
        self._decoder = decoder
        self.build: Builder = build
        """``build(mirror, owners)``: the models of a mirror ``decode`` gave.

        Raises ``REFUSALS`` for data it does not read (e.g. an owner kept raw)."""

    def decode(self, body: bytes) -> Any:
        """Validate ``body`` in C into mirrors (learning fields newer than the models).

        Raises:
            Refused: msgspec does not read ``body`` (or the mirrors do not know a field).

        """
        plans = self._plans
        try:
            return self._decoder(body)
        except plans.validation_error as exc:
            unknown = str(exc).startswith(_UNKNOWN_FIELD)
        except plans.decode_error:
            unknown = False
        # Raised here, after the except blocks: an exception raised inside one would keep
        # msgspec's (and this frame) in a reference cycle.
        if unknown and plans.learn(self._type, body):
            try:
                return self._decoder(body)
            except plans.decode_error:
                pass
        raise Refused(f"the accelerated path does not read this {_name(self._type)} body")


def _name(type_: Any) -> str:
    return getattr(type_, "__name__", None) or repr(type_)


class _Plans:
    """The plans of the response types, made on first use, and what the mirrors learned."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._plans: dict[Any, _Plan | None] = {}
        self._generator: Generator | None = None
        self._learned: dict[type, tuple[str, ...]] = {}
        self._closed: set[type] = set()
        self._attempts = 0
        # The builder of every mirror Struct of every generation (bounded: a generation is
        # made only when learning succeeds, at most LEARNING_ATTEMPTS times).
        self._builders: dict[Any, Builder] = {}
        self.validation_error: type[Exception] = Exception
        self.decode_error: type[Exception] = Exception

    def get(self, type_: Any) -> _Plan | None:
        """Return the plan of ``type_`` (made now if needed), or None if it has none."""
        try:
            return self._plans[type_]
        except KeyError:
            pass
        with self._lock:
            if type_ not in self._plans:
                self._plans[type_] = self._make(type_)
        return self._plans[type_]

    def _make(self, type_: Any) -> _Plan | None:
        if not reads_numbers_like_json():
            return None
        steps = self._steps(self._current(), type_)
        return None if steps is None else _Plan(self, type_, *steps)

    def _current(self) -> Generator:
        if self._generator is None:
            self._generator = self._new_generator(self._learned)
        return self._generator

    def _new_generator(self, learned: Mapping[type, tuple[str, ...]]) -> Generator:
        import msgspec

        from gitbook_async._wire._accel_gen import Generator
        from gitbook_async._wire._unions import DISCRIMINATED

        self.validation_error = msgspec.ValidationError
        self.decode_error = msgspec.DecodeError
        return Generator(
            discriminators=DISCRIMINATED, learned=learned, build_memoised=self._build_memoised
        )

    def _steps(
        self, generator: Generator, type_: Any
    ) -> tuple[Callable[[bytes], Any], Builder] | None:
        """Return the decoder and the builder of ``type_`` (a model or tuple of models), or None."""
        import msgspec

        from gitbook_async._wire._accel_gen import Unsupported
        from gitbook_async._wire._shapes import is_model, tuple_item

        item = tuple_item(type_)
        try:
            if is_model(type_):
                mirror, _ = generator.node(type_, top=True)
            elif item is not None and is_model(item):
                mirror = tuple[generator.node(item, top=True)[0], ...]  # type: ignore[misc]
            else:
                return None
        except (Unsupported, ValueError, TypeError):  # ValueError: msgspec refused a struct
            return None
        self._builders.update(generator.builders)
        decoder: Callable[[bytes], Any] = msgspec.json.Decoder(mirror).decode
        build = _build_one(self._builders) if item is None else _build_each(self._builders)
        return decoder, build

    def _build_memoised(self, cls: type) -> Builder:
        """Return the builder of a memoised class from its raw JSON (once per distinct bytes).

        The memo is keyed by class and bytes: equal bytes (``{}``) may be instances of two
        memoised classes.
        """

        def build_memoised(raw: Any, memo: OwnerMemo) -> Any:
            key = bytes(raw)
            table = memo._tables.get(cls)
            if table is None:
                found = None
            else:  # the common case inline: one of the most recently used
                recent = table._recent
                found = recent.get(key)
                if found is not None:
                    recent.move_to_end(key)
                    return found
                found = table.get(key)
            if found is None:
                plan = self.get(cls)
                if plan is None:  # pragma: no cover - a class with a mirror has a plan
                    raise Refused(f"no plan for {cls.__name__}")
                found = plan.build(plan.decode(key), memo)
                memo.put(cls, key, found)
            return found

        return build_memoised

    # --- learning ---------------------------------------------------------------------------

    def learn(self, type_: Any, body: bytes) -> bool:
        """Learn the fields newer than the models that ``body`` (of ``type_``) brings.

        Returns whether the mirrors changed (then every plan has a new decoder).
        """
        with self._lock:
            if self._attempts >= LEARNING_ATTEMPTS:
                if self._attempts == LEARNING_ATTEMPTS:
                    self._attempts += 1
                    _LOGGER.warning(
                        "responses keep bringing fields this SDK version does not know; it "
                        "stopped learning them after %d attempts: such responses now take "
                        "the slower detailed path (upgrade gitbook-async)",
                        LEARNING_ATTEMPTS,
                    )
                return False
            self._attempts += 1
            found = _new_keys(body, type_)
            if not found:
                return False
            learned = self._extend(found)
            if learned is None:
                return False
            self._regenerate(learned)
            return True

    def _extend(self, found: Mapping[type, list[str]]) -> dict[type, tuple[str, ...]] | None:
        """Return the learned keys plus those of ``found`` that may be learned; None if none."""
        union_keys = self._current().union_keys
        learned = dict(self._learned)
        added: dict[str, int] = {}
        for cls, keys in found.items():
            if cls in self._closed:
                continue
            old = learned.get(cls, ())
            forbidden = union_keys.get(cls, frozenset())
            new = [k for k in keys if k not in old and k not in forbidden and _learnable(k)]
            if not new:
                continue
            if len(old) + len(new) > LEARNED_FIELDS_PER_CLASS:
                self._closed.add(cls)
                _LOGGER.warning(
                    "responses bring more than %d fields unknown to %s; the SDK learns no "
                    "more of them: responses with new ones take the slower detailed path",
                    LEARNED_FIELDS_PER_CLASS,
                    cls.__name__,
                )
                continue
            learned[cls] = (*old, *new)
            added[cls.__name__] = len(new)
        if not added:
            return None
        _LOGGER.info(
            "learned fields newer than this SDK version's models (kept in unknown_fields): %s",
            ", ".join(f"{name} +{count}" for name, count in sorted(added.items())),
        )
        return learned

    def _regenerate(self, learned: dict[type, tuple[str, ...]]) -> None:
        """Make the next generation and give every plan its decoder.

        A plan whose type the new generation cannot mirror keeps its decoder.
        """
        generator = self._new_generator(learned)
        for type_, plan in self._plans.items():
            if plan is None:
                continue
            steps = self._steps(generator, type_)
            if steps is not None:
                plan._decoder = steps[0]
        self._generator = generator
        self._learned = learned


def _build_one(builders: Mapping[Any, Builder]) -> Builder:
    def build(mirror: Any, memo: Any) -> Any:
        builder = builders.get(type(mirror))
        if builder is None:
            raise Refused(f"no builder for {type(mirror).__name__}")
        return builder(mirror, memo)

    return build


def _build_each(builders: Mapping[Any, Builder]) -> Builder:
    build = _build_one(builders)

    def build_tuple(mirror: Any, memo: OwnerMemo) -> tuple[Any, ...]:
        memo.fit(len(mirror))
        return tuple([build(item, memo) for item in mirror])

    return build_tuple


def _learnable(key: str) -> bool:
    """Whether a wire key may become a mirror field.

    It must be short, and one msgspec's ``rename`` takes (it refuses quotes, backslashes,
    control characters and lone surrogates).
    """
    if len(key) > LEARNED_KEY_MAX_CHARS:
        return False
    import msgspec

    try:
        msgspec.defstruct("Probe", [("probe", int)], rename={"probe": key})
    except (ValueError, UnicodeError):
        return False
    return True


def _new_keys(body: bytes, type_: Any) -> dict[type, list[str]] | None:
    """Read ``body`` on the detailed path; return the unknown keys of each model class."""
    import msgspec

    from gitbook_async._errors import ResponseValidationError
    from gitbook_async._wire._converter import structure_response

    try:
        models = structure_response(msgspec.json.decode(body), type_, endpoint="learning")
    except (msgspec.DecodeError, RecursionError, ResponseValidationError):
        return None
    found: dict[type, dict[str, None]] = {}
    _collect(models, found)
    return {cls: list(keys) for cls, keys in found.items()}


def _collect(value: Any, found: dict[type, dict[str, None]]) -> None:
    """Add the unknown keys of every model in ``value`` to ``found``, by class."""
    from gitbook_async._wire._fields import model_fields

    if isinstance(value, GitBookModel):
        cls = type(value)
        if value.unknown_fields:
            found.setdefault(cls, {}).update(dict.fromkeys(value.unknown_fields))
        for field in model_fields(cls):
            _collect(getattr(value, field.name), found)
    elif isinstance(value, tuple):
        for item in value:
            _collect(item, found)
    elif isinstance(value, MappingProxyType):
        for item in value.values():
            _collect(item, found)


_PLANS: Final = _Plans()

# Numbers the accelerated path must read exactly as json.loads does: integral and not,
# negative zero, beyond 64 bits (older msgspec releases turned those into floats).
_NUMBER_PROBE: Final = b"[1,1.0,-0,-0.0,1e2,0.1,18446744073709551616,-9223372036854775809]"


@functools.cache
def reads_numbers_like_json() -> bool:
    """Tell whether the installed msgspec decodes numbers as json.loads does.

    Both as ``int | float`` (float fields) and untyped (learned fields).
    """
    import json
    from typing import Union

    import msgspec

    typed = msgspec.json.decode(_NUMBER_PROBE, type=tuple[Union[int, float], ...])  # noqa: UP007
    plain = msgspec.json.decode(_NUMBER_PROBE)
    expected = [(type(v), repr(v)) for v in json.loads(_NUMBER_PROBE)]
    return all([(type(v), repr(v)) for v in found] == expected for found in (typed, plain))


def plan_of(type_: Any) -> _Plan | None:
    """Return the two steps of ``decode_models`` for ``type_`` (None: it always refuses).

    ``plan.decode(body)`` validates in C into mirrors, ``plan.build(mirror, owners)`` builds
    the models: taken apart, a caller can build a page's items in slices (the plan of the
    item type builds the items of the page's mirror). Both raise only ``REFUSALS`` for a
    body this path does not read. Only models and tuples of models have a plan.
    """
    return _PLANS.get(type_)


def is_accelerated(type_: Any) -> bool:
    """Tell whether ``decode_models`` can read ``type_`` (else it always refuses)."""
    return _PLANS.get(type_) is not None


def decode_models(body: bytes, type_: Any, *, owners: OwnerMemo | None = None) -> Any:
    """Decode a response body into models of ``type_``, or return None to refuse.

    On success the result equals what the cattrs path gives for ``json.loads(body)``; on
    None the caller must take that path (it also reports any error). ``owners`` memoises
    owners across the pages of a walk; without it they are shared within the page only.
    """
    plan = _PLANS.get(type_)
    if plan is None:
        return None
    try:
        return plan.build(plan.decode(body), OwnerMemo() if owners is None else owners)
    except REFUSALS:
        return None


def structure(data: Any, type_: type[T]) -> T:
    """Build models from wire-format JSON data (``type_`` may be e.g. ``tuple[Model, ...]``).

    Plain JSON data (e.g. stored ``to_dict()`` output) take the accelerated path; anything
    it refuses, the detailed path (``structure_response``).

    Raises:
        ResponseValidationError: ``data`` does not match ``type_``; ``errors`` holds the
            JSON path and the problem of each bad value.

    """
    from gitbook_async._wire._converter import structure_response

    result: T | None = decode_data(data, type_)
    if result is None:
        result = structure_response(data, type_, endpoint="structure()")
    return result


def decode_data(data: Any, type_: Any) -> Any:
    """Build models of ``type_`` from decoded JSON data on the accelerated path, or refuse.

    The data are encoded to JSON bytes and read as a body; only data made of plain JSON
    values (dicts with string keys, lists, strings, numbers, booleans, None: what encodes
    and decodes back equal) are read, so a tuple, a datetime or a NaN that the cattrs path
    rejects is refused here too. Returns None to refuse.
    """
    if _PLANS.get(type_) is None:
        return None
    import msgspec

    try:
        body = msgspec.json.encode(data)
        if msgspec.json.decode(body) != data:
            return None
    except (TypeError, ValueError, OverflowError, RecursionError, msgspec.MsgspecError):
        return None
    return decode_models(body, type_)
