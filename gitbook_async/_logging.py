"""``GITBOOK_LOG``: turn on the SDK's logging to stderr without code (like ``OPENAI_LOG``).

Read once, when ``gitbook_async`` is imported. ``debug`` or ``info`` (any case) sets the
``gitbook_async`` logger to that level and gives it one stderr handler; calling
``configure_logging_from_env()`` again never adds a second one. Records still propagate, so
an application that configures logging itself should configure the ``gitbook_async`` logger
there instead of setting ``GITBOOK_LOG``. The SDK never logs the token (the transport logs
paths, statuses and timings, and redacts every text taken from a response).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Final

from gitbook_async._constants import LOGGER_NAME

__all__ = ["LOG_ENV_VAR", "LOGGER_NAME", "configure_logging_from_env"]

LOG_ENV_VAR: Final = "GITBOOK_LOG"
"""The environment variable naming the SDK's log level."""

LOG_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""How a record looks on stderr."""

_LEVELS: Final[Mapping[str, int]] = {"debug": logging.DEBUG, "info": logging.INFO}
"""The values of ``GITBOOK_LOG`` we know, lower-cased."""


class _StderrHandler(logging.Handler):
    """Write records to whatever ``sys.stderr`` is at the time (tests and apps may swap it)."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        """Write one formatted record and a newline to the current ``sys.stderr``."""
        try:
            stream = sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # a logging handler must not raise into the SDK
            self.handleError(record)


def configure_logging_from_env(environ: Mapping[str, str] | None = None) -> int | None:
    """Apply ``$GITBOOK_LOG`` to the ``gitbook_async`` logger; idempotent.

    An empty or absent value changes nothing. ``debug`` or ``info`` sets the logger's level
    and makes sure it has exactly one stderr handler of ours (a later call only updates its
    level). Any other value changes nothing and logs one warning saying so.

    Args:
        environ: The environment to read (default ``os.environ``).

    Returns:
        The level applied, or None when nothing was changed.

    """
    raw = (os.environ if environ is None else environ).get(LOG_ENV_VAR, "")
    value = raw.strip().lower()
    if not value:
        return None
    logger = logging.getLogger(LOGGER_NAME)
    level = _LEVELS.get(value)
    if level is None:
        logger.warning(
            "%s=%r is not a level gitbook-async knows (use debug or info); ignored",
            LOG_ENV_VAR,
            raw,
        )
        return None
    logger.setLevel(level)
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        logger.addHandler(_StderrHandler())
    return level
