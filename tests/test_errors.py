"""The exception hierarchy: every public error pickles, keeps its attributes, drops no text."""

from __future__ import annotations

import inspect
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

import gitbook_async
from gitbook_async import (
    APIConnectionError,
    APIStatusError,
    GitBookError,
    PaginationError,
    RateLimitError,
    ResponseValidationError,
)
from gitbook_async._errors import Headers

PUBLIC_ERRORS = sorted(
    (
        value
        for value in vars(gitbook_async).values()
        if inspect.isclass(value) and issubclass(value, GitBookError)
    ),
    key=lambda cls: cls.__name__,
)
HEADERS = Headers([("Retry-After", "7"), ("X-Request-Id", "req_1"), ("Vary", "a"), ("vary", "b")])


def build(cls: type[GitBookError]) -> GitBookError:
    """An instance of ``cls`` with every attribute set to a non-default value."""
    if issubclass(cls, RateLimitError):
        return cls("slow down", headers=HEADERS, code="rate", url="https://x/", retry_after=7.0)
    if issubclass(cls, APIStatusError):
        return cls("nope", status=418, code=5, headers=HEADERS, url="https://x/", body="{}")
    if issubclass(cls, APIConnectionError):
        return cls("down", method="GET", url="https://x/")
    if issubclass(cls, ResponseValidationError):
        return cls("bad", endpoint="GET /a", errors=(("items[0].a", "expected int"),))
    if issubclass(cls, PaginationError):
        return cls("loop", cursor="c2")
    return cls("plain")


def test_every_public_error_is_covered() -> None:
    """The list below the package is not empty and holds the base class (a guard)."""
    assert GitBookError in PUBLIC_ERRORS
    assert len(PUBLIC_ERRORS) >= 18


@pytest.mark.parametrize("cls", PUBLIC_ERRORS, ids=lambda cls: cls.__name__)
def test_every_public_error_pickles_with_its_attributes(cls: type[GitBookError]) -> None:
    """pickle round-trips each error class: same type, str(), args and attributes."""
    error = build(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def test_headers_stay_case_insensitive_and_read_only_after_pickling() -> None:
    """Kept headers pickle, answer any case, and join repeated values."""
    copy = pickle.loads(pickle.dumps(HEADERS))
    assert copy == HEADERS
    assert copy["retry-after"] == "7"
    assert copy["VARY"] == "a, b"
    assert len(copy) == 3
    assert not hasattr(copy, "__setitem__")
    assert "Headers(" in repr(copy)


def test_a_plain_mapping_of_headers_is_frozen_on_the_error() -> None:
    """An error built with a dict keeps a picklable Headers copy."""
    error = APIStatusError("x", status=500, headers={"A": "1"})
    assert isinstance(error.headers, Headers)
    assert error.headers["a"] == "1"


def _raise_in_a_worker(kind: str) -> Any:
    raise build(getattr(gitbook_async, kind))


def test_an_error_crosses_a_process_boundary() -> None:
    """A RateLimitError raised in a worker process arrives whole in the parent."""
    # spawn, not fork: forking a process that runs threads is unsafe (and warns on 3.12+).
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        future = pool.submit(_raise_in_a_worker, "RateLimitError")
        with pytest.raises(RateLimitError) as caught:
            future.result(timeout=60)
    assert caught.value.retry_after == 7.0
    assert caught.value.headers["retry-after"] == "7"
