"""A Griffe extension for the API reference: show the public surface only (issue 13).

Two things would otherwise present private plumbing as API in rendered signatures:

- Some public classes are handed to users, never built by them: the errors the SDK raises,
  the paginator and its iterators, ``SpacesResource`` (``client.spaces``) and
  ``SpacesResourceWithRawResponse`` (``client.spaces.with_raw_response``), the response
  metadata (``APIResponse``, ``ResponseMetadata``) and the events hooks receive
  (``RequestEvent``, ``ResponseEvent``, ``RetryEvent``), the fake server's records. Their
  constructors take internals (``transport: JSONTransport``, ``headers=_NO_HEADERS``).
  mkdocs.yml lists them under ``handed_out``; their ``__init__`` is dropped, so the
  reference shows their attributes and methods but no constructor.
- Defaults and annotations that name a module-level constant or type alias the package does
  not export (``max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES``,
  ``timeout: Timeout``) get the value written in place of the name
  (``= 32 * 2 ** 20``, ``float | aiohttp.ClientTimeout | None``).

Configured in mkdocs.yml::

    extensions:
      - tools/griffe_public_api.py:
          handed_out: [SpacesResource, AsyncPaginator, ...]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import griffe

PACKAGE = "gitbook_async"
PUBLIC_MODULES = ("", "redis", "testing")  # gitbook_async and its public modules: their __all__


class HideConstructors(griffe.Extension):
    """Keep private names out of the signatures the reference renders (see the module doc)."""

    def __init__(self, handed_out: Iterable[str] = ()) -> None:
        super().__init__()
        self.handed_out = frozenset(handed_out)

    def on_class(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        """Drop the constructor of a listed class once Griffe has loaded it."""
        ours = cls.path.split(".")[0] == PACKAGE
        if cls.name in self.handed_out and ours and "__init__" in cls.members:
            cls.del_member("__init__")

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Write the values of unexported constants and aliases into every signature."""
        if pkg.name != PACKAGE:
            return
        public: set[str] = set()
        for name in PUBLIC_MODULES:
            module = pkg.get_member(name) if name else pkg
            public.update(str(export) for export in (module.exports or ()))
        for function in _functions(pkg):
            for parameter in function.parameters:
                parameter.default = _inline(parameter.default, pkg, public)
                parameter.annotation = _inline(parameter.annotation, pkg, public)


def _functions(obj: griffe.Object) -> Iterator[griffe.Function]:
    """Every function and method defined in ``obj`` (imported aliases are skipped)."""
    for member in obj.members.values():
        if member.is_alias:
            continue
        if isinstance(member, griffe.Function):
            yield member
        elif isinstance(member, (griffe.Module, griffe.Class)):
            yield from _functions(member)


def _private_value(name: griffe.ExprName, pkg: griffe.Module, public: set[str]) -> str | None:
    """The source text of the constant or alias ``name`` stands for, if it is not exported."""
    path = name.canonical_path
    if not path.startswith(f"{PACKAGE}.") or name.name in public:
        return None
    try:
        target = pkg.get_member(path.removeprefix(f"{PACKAGE}."))
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    if isinstance(target, griffe.Attribute) and target.value is not None:
        return str(target.value)
    return None


def _inline(value: str | griffe.Expr | None, pkg: griffe.Module, public: set[str]) -> Any:
    """``value`` with every unexported constant or alias replaced by what it stands for."""
    if not isinstance(value, griffe.Expr):
        return value
    names = [value] if isinstance(value, griffe.ExprName) else []
    names += [part for part in value.iterate(flat=True) if isinstance(part, griffe.ExprName)]
    text = None
    for name in names:
        replacement = _private_value(name, pkg, public)
        if replacement is not None:
            if value is name:
                return replacement
            text = re.sub(rf"\b{re.escape(name.name)}\b", replacement, text or str(value))
    return value if text is None else text
