"""``OwnerMemo``: the parts of a walk's items that repeat as the same bytes, built once.

Memoised classes (``_wire_memoise``: an integration's ``owner`` and ``configurations``)
repeat across the pages of a walk, and across the spaces of one account, byte for byte.
The memo is bounded by the pages alive, never by the length of a walk.
"""

from __future__ import annotations

import collections
import weakref
from typing import Any

from gitbook_async._constants import OWNER_MEMO_MIN, OWNER_MEMO_PAGES, OWNER_MEMO_SIZE

__all__ = ["OwnerMemo"]


class _Table:
    """The memo of one class: every instance still alive, the most recent kept alive.

    ``_alive`` maps the exact JSON bytes of every instance built and still referenced
    anywhere to a weak reference to it (dropped when the instance is freed); ``_recent``
    holds the ``limit`` most recently used strongly, so that what repeats across pages
    survives the pages in between.
    """

    __slots__ = ("__weakref__", "_alive", "_limit", "_recent", "_remove")

    def __init__(self, limit: int) -> None:
        # Ordered for O(1) eviction of the least recently used.
        self._recent: collections.OrderedDict[bytes, Any] = collections.OrderedDict()
        self._alive: dict[bytes, weakref.KeyedRef[bytes, Any]] = {}
        self._limit = limit
        table = weakref.ref(self)  # weak: the callbacks must not keep the table in a cycle

        def remove(ref: weakref.KeyedRef[bytes, Any]) -> None:
            alive = table()
            if alive is not None and alive._alive.get(ref.key) is ref:
                del alive._alive[ref.key]

        self._remove = remove

    def __len__(self) -> int:
        return len(self._alive)

    def get(self, key: bytes) -> Any:
        recent = self._recent
        found = recent.get(key)
        if found is not None:
            recent.move_to_end(key)
            return found
        ref = self._alive.get(key)
        if ref is None:
            return None
        found = ref()
        if found is not None:
            self._keep(key, found)
        return found

    def put(self, key: bytes, value: Any) -> None:
        try:
            self._alive[key] = weakref.KeyedRef(value, self._remove, key)
        except TypeError:  # no weak references to it: kept while recent only
            self._alive.pop(key, None)
        self._keep(key, value)

    def _keep(self, key: bytes, value: Any) -> None:
        recent = self._recent
        recent[key] = value
        if len(recent) > self._limit:
            recent.popitem(last=False)

    def clear(self) -> None:
        self._recent.clear()
        self._alive.clear()


class OwnerMemo:
    """Instances of memoised classes already built, by class and exact JSON bytes.

    Memoised classes (``_wire_memoise``: an integration's ``owner`` and ``configurations``)
    repeat across a walk as the same bytes. The memo finds every instance still alive
    (held by items anywhere, through weak references) and itself keeps alive, per class,
    the most recently used ones: about ``OWNER_MEMO_PAGES`` pages' worth (``fit``), at
    least ``OWNER_MEMO_MIN`` and at most ``limit``. Its memory is thus bounded by the page,
    never by the length of a walk. Pass one to every ``decode_models`` call of a walk, or
    share one across walks (each ``SpacesResource`` does: an account's owners repeat across
    its spaces). Not shared between threads.
    """

    __slots__ = ("_kept", "_limit", "_tables")

    def __init__(self, limit: int = OWNER_MEMO_SIZE) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit!r}")
        self._tables: dict[type, _Table] = {}
        self._limit = limit
        self._kept = min(limit, OWNER_MEMO_MIN)

    def __len__(self) -> int:
        """Count the instances the memo finds: every one still alive, of every class."""
        return sum(len(table) for table in self._tables.values())

    def fit(self, items: int) -> None:
        """Keep ``OWNER_MEMO_PAGES`` pages of ``items`` items' worth per class (once larger)."""
        kept = min(self._limit, max(self._kept, OWNER_MEMO_PAGES * items))
        if kept != self._kept:
            self._kept = kept
            for table in self._tables.values():
                table._limit = kept

    def kept(self, cls: type) -> int:
        """How many instances of ``cls`` the memo itself keeps alive now."""
        table = self._tables.get(cls)
        return 0 if table is None else len(table._recent)

    def get(self, cls: type, key: bytes) -> Any:
        """Return the instance of ``cls`` built from ``key`` if it is alive, or None."""
        table = self._tables.get(cls)
        return None if table is None else table.get(key)

    def put(self, cls: type, key: bytes, value: Any) -> None:
        """Remember ``value`` as the ``cls`` built from ``key`` (a most recently used one)."""
        table = self._tables.get(cls)
        if table is None:
            table = self._tables[cls] = _Table(self._kept)
        table.put(key, value)

    def clear(self) -> None:
        """Forget every instance (e.g. when a walk ends)."""
        for table in self._tables.values():
            table.clear()
