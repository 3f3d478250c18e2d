"""Flatten cattrs' validation error trees into (wire JSON path, problem) pairs."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final, TypeVar

from cattrs import errors as cattrs_errors

from gitbook_async._errors import ResponseValidationError
from gitbook_async._wire._primitives import InvalidWireData
from gitbook_async.models._base import wire_name

__all__ = ["error_paths", "forget_tracebacks", "json_path", "validation_error"]

T = TypeVar("T")


def validation_error(endpoint: str, errors: tuple[tuple[str, str], ...]) -> ResponseValidationError:
    shown = "; ".join(f"{path or '<root>'}: {problem}" for path, problem in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    message = (
        f"{endpoint} returned data that does not match the GitBook API schema: {shown}{more}. "
        "This is a server-side or SDK-version mismatch; please report it with this message."
    )
    return ResponseValidationError(message, endpoint=endpoint, errors=errors)


# A key written after a dot; any other key is written in brackets, as Python writes it.
_IDENTIFIER: Final = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    if _IDENTIFIER.fullmatch(part):
        return f"{path}.{part}" if path else part
    return f"{path}[{part!r}]"


def json_path(parts: Iterable[str | int]) -> str:
    """Render the JSON path of the keys and array indexes ``parts``, from the document root.

    As ``ResponseValidationError.errors`` names places: ``items[3].owner.billing``; a key
    that is not identifier-like in brackets, as Python writes it (``usageAddons['a b']``);
    ``""`` for the document itself. The one renderer of such paths (the tools and tests
    use it too).
    """
    return functools.reduce(_join, parts, "")


def error_paths(exc: BaseException, path: str) -> list[tuple[str, str]]:
    """Flatten a cattrs validation error tree into (wire JSON path, problem) pairs.

    ``path`` is where ``exc`` happened (``""``: the root); the paths extend it as
    ``json_path`` renders them.

    Raises:
        BaseException: a leaf of the tree that is not invalid data (a bug in the SDK), as it is.

    """
    if isinstance(exc, cattrs_errors.ClassValidationError):
        found: list[tuple[str, str]] = []
        for sub in exc.exceptions:
            attribute = _find_note(sub, cattrs_errors.AttributeValidationNote)
            if attribute is None:
                found.extend(error_paths(sub, path))
                continue
            key = wire_name(exc.cl, attribute.name)
            if isinstance(sub, KeyError) and sub.args == (key,):
                found.append((_join(path, key), "required field is missing"))
            else:
                found.extend(error_paths(sub, _join(path, key)))
        return found
    if isinstance(exc, cattrs_errors.IterableValidationError):
        found = []
        for sub in exc.exceptions:
            item = _find_note(sub, cattrs_errors.IterableValidationNote)
            if item is None:
                found.extend(error_paths(sub, path))
            else:
                index = item.index if isinstance(item.index, int) else str(item.index)
                found.extend(error_paths(sub, _join(path, index)))
        return found
    if isinstance(
        exc, cattrs_errors.BaseValidationError
    ):  # pragma: no cover - cattrs adds no other kinds
        return [p for sub in exc.exceptions for p in error_paths(sub, path)]
    if isinstance(exc, InvalidWireData):
        return [(path, str(exc))]
    raise exc  # neither invalid data nor a missing key: a bug, not to be reported as bad data


def _find_note(exc: BaseException, kind: type[T]) -> T | None:
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, kind):
            return note
    return None


def forget_tracebacks(error: BaseException) -> None:
    """Clear the tracebacks of ``error`` and of every exception in its tree.

    cattrs' detailed validation collects each failure with its traceback, whose frames hold
    the list of failures (and the models built so far): a reference cycle per failure,
    freed only by the cyclic garbage collector. Once the paths are read, nothing needs them.
    """
    todo: list[BaseException | None] = [error]
    seen: set[int] = set()
    while todo:
        exc = todo.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        exc.__traceback__ = None
        todo += [exc.__context__, exc.__cause__]
        nested = getattr(exc, "exceptions", None)  # an exception group's members
        if isinstance(nested, tuple):
            todo += nested
