"""The accelerated structure path: response bytes -> models in C (msgspec), or a refusal.

``decode_models(body, type_, owners=...)`` decodes and validates a response body with msgspec
into private mirror Structs and builds the frozen attrs models from them through generated
builders (``_accel_gen``): the same models, ``to_dict()`` and ``unknown_fields`` as the cattrs
path gives for ``json.loads(body)``. It returns None, *refusing*, for every body it would
read differently, and the caller then takes the cattrs path, whose result or error is
authoritative:

* fields newer than the models (unknown fields: msgspec cannot keep them), tags of the
  spec's unions newer than the models, and shapes a union cannot be told apart by;
* bodies ``json.loads`` reads but msgspec does not: ``NaN``, ``Infinity``, ``1e400``, a
  UTF-8 BOM, lone surrogates, nesting deeper than msgspec's limit;
* anything invalid (wrong types, missing fields, malformed timestamps).

An integration's ``owner`` (an ``Organization``, about half of an item's bytes) is decoded
as ``msgspec.Raw`` and built once per distinct byte string: an ``OwnerMemo`` passed to
every page of a walk keeps up to ``OWNER_MEMO_SIZE`` of them (owners repeat across a walk
far more than within a page). Equal bytes give equal models, so sharing one instance is
invisible: the models are immutable.
"""

from __future__ import annotations

import collections
import functools
import json
import threading
from collections.abc import Callable
from typing import Any, Final, Union

import attrs
import msgspec

from gitbook_async._wire._accel_gen import Builder, Generator, Unsupported
from gitbook_async._wire._converter import structure_response
from gitbook_async._wire._primitives import InvalidWireData, compile_function
from gitbook_async._wire._unions import DISCRIMINATED
from gitbook_async.models import Organization

__all__ = [
    "OWNER_MEMO_SIZE",
    "REFUSALS",
    "OwnerMemo",
    "decode_models",
    "is_accelerated",
    "plan_of",
    "structure_body",
]

OWNER_MEMO_SIZE: Final = 256
"""Most owners an ``OwnerMemo`` keeps (the oldest is dropped first)."""

# The class decoded as raw bytes and built once per distinct bytes (an integration's owner).
MEMOISED: Final = Organization

# What means "this path does not read this body": msgspec's decode and validation errors
# (ValidationError is a DecodeError), msgspec's nesting limit, and invalid data found while
# building (a malformed timestamp, a union no member fits). Anything else is a bug.
REFUSALS: Final = (msgspec.DecodeError, RecursionError, InvalidWireData)


class OwnerMemo:
    """Owners already built, by their exact JSON bytes (at most ``limit``, oldest dropped).

    Pass one to every ``decode_models`` call of a walk, or share one across walks (each
    ``SpacesResource`` does: an account's owners repeat across its spaces). Not shared
    between threads.
    """

    __slots__ = ("_built", "_limit")

    def __init__(self, limit: int = OWNER_MEMO_SIZE) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit!r}")
        # Ordered for O(1) eviction of the oldest: ``next(iter(dict))`` after many deletions
        # from the front scans the dict's dead slots, quadratic over a long walk.
        self._built: collections.OrderedDict[bytes, Any] = collections.OrderedDict()
        self._limit = limit

    def __len__(self) -> int:
        return len(self._built)

    def get(self, key: bytes) -> Any:
        """Return the owner built from ``key``, or None."""
        return self._built.get(key)

    def put(self, key: bytes, owner: Any) -> None:
        """Remember ``owner`` as built from ``key``, dropping the oldest when full."""
        built = self._built
        if len(built) >= self._limit:
            built.popitem(last=False)
        built[key] = owner

    def clear(self) -> None:
        """Forget every owner (e.g. when a walk ends)."""
        self._built.clear()


@attrs.frozen
class _Plan:
    """How to decode one response type: msgspec's decoder and the top builder."""

    decode: Any
    build: Builder


class _Plans:
    """The plans of the response types, made on first use (one generator for all)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: dict[Any, _Plan | None] = {}
        self._generator: Generator | None = None

    def get(self, type_: Any) -> _Plan | None:
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
        if self._generator is None:
            self._generator = Generator(discriminators=DISCRIMINATED, memoised=MEMOISED)
        generator = self._generator
        try:
            mirror, convert = generator.node(type_, top=True)
        except Unsupported:
            return None
        name = f"build_response_{len(self._plans)}"
        source = f"def {name}(m, memo):\n    return {convert('m') if convert else 'm'}\n"
        build: Builder = compile_function(
            name, source, generator.namespace, f"accelerated response {type_!r}"
        )
        return _Plan(msgspec.json.Decoder(mirror).decode, build)


_PLANS: Final = _Plans()

# Numbers the accelerated path must read exactly as json.loads does: integral and not,
# negative zero, beyond 64 bits (older msgspec releases turned those into floats).
_NUMBER_PROBE: Final = b"[1,1.0,-0,-0.0,1e2,0.1,18446744073709551616,-9223372036854775809]"


@functools.cache
def reads_numbers_like_json() -> bool:
    """Tell whether the installed msgspec decodes ``int | float`` values as json.loads does."""
    decoded = msgspec.json.decode(_NUMBER_PROBE, type=tuple[Union[int, float], ...])  # noqa: UP007
    expected = tuple(json.loads(_NUMBER_PROBE))
    return [(type(v), repr(v)) for v in decoded] == [(type(v), repr(v)) for v in expected]


def plan_of(type_: Any) -> _Plan | None:
    """Return the two steps of ``decode_models`` for ``type_`` (None: it always refuses).

    ``plan.decode(body)`` validates in C into mirrors, ``plan.build(mirror, owners)`` builds
    the models: taken apart, a caller can build a page's items in slices. Both raise only
    ``REFUSALS`` for a body this path does not read.
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


def structure_body(
    body: bytes,
    type_: Any,
    *,
    endpoint: str,
    decode: Callable[[bytes], Any],
    owners: OwnerMemo | None = None,
) -> Any:
    """Build models of ``type_`` from a response body: the accelerated path, else cattrs.

    ``decode`` is the caller's strict JSON decoder (bytes -> data, raising its own typed
    error for a body that is no JSON); it runs only when the accelerated path refuses the
    body, and its data then goes through ``structure_response``. A body the accelerated path
    accepts is always strict RFC 8259 JSON that ``decode`` would read the same way. The
    caller checks the content type first. ``owners``: the walk's ``OwnerMemo``.

    Raises:
        ResponseValidationError: the data does not match ``type_`` (JSON paths included).
        Exception: whatever ``decode`` raises for a body that is not JSON.

    """
    result = decode_models(body, type_, owners=owners)
    if result is not None:
        return result
    return structure_response(decode(body), type_, endpoint=endpoint)
