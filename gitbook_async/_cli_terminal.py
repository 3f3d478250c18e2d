"""The CLI's terminal output: a progress line on stderr, with the SDK's warnings above it.

Part of the CLI (``_cli.py``); like it, it uses nothing of the SDK but the public API (here:
only the ``gitbook_async`` logger's name).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

__all__ = ["AboveStatusLine", "StatusLine", "sdk_warnings_to_terminal"]


class StatusLine:
    """The progress line on a terminal's stderr, and the lines printed above it.

    A warning (a retry, a rate-limit wait) starts on a line of its own and the progress is
    drawn again below it. When the walk ends, the progress line is erased if the output
    goes to the same screen (stdout is a terminal too), else it stays as a summary.
    """

    _ERASE = "\r\x1b[K"  # carriage return, then erase to the end of the line

    def __init__(self, *, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self._shown = ""

    def show(self, text: str) -> None:
        """Draw ``text`` as the progress line (it only grows, so no erasing is needed)."""
        if self.enabled:
            sys.stderr.write(f"\r{text}")
            sys.stderr.flush()
            self._shown = text

    def above(self, line: str) -> None:
        """Print ``line`` on its own line, keeping the progress line below it."""
        if self._shown:
            sys.stderr.write(f"{self._ERASE}{line}\n\r{self._shown}")
        else:
            sys.stderr.write(f"{line}\n")
        sys.stderr.flush()

    def make_room(self) -> None:
        """Erase the progress line if output is about to go to the same screen."""
        if self._shown and sys.stdout.isatty():
            sys.stderr.write(self._ERASE)
            sys.stderr.flush()
            self._shown = ""

    def finish(self) -> None:
        """End the progress line: erase it before output to the screen, else keep it."""
        self.make_room()
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._shown = ""


class AboveStatusLine(logging.Handler):
    """Print the SDK's log lines (warnings; more with ``GITBOOK_LOG``) above the progress line."""

    def __init__(self, status: StatusLine, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.status = status

    def emit(self, record: logging.LogRecord) -> None:
        """Print one line, e.g. ``warning: ...`` or ``debug: ...``."""
        try:
            self.status.above(f"{record.levelname.lower()}: {record.getMessage()}")
        except Exception:  # a logging handler must not raise into the SDK
            self.handleError(record)


@contextlib.contextmanager
def sdk_warnings_to_terminal(status: StatusLine) -> Iterator[None]:
    """Show the SDK's INFO lines (retries, rate-limit waits) only when stderr is a terminal.

    On a pipe or file (or with ``--quiet``), stderr carries exactly one ``error:`` line on
    failure and nothing else; without this, logging's last-resort handler would print every
    retry there. With ``GITBOOK_LOG`` set, the SDK's log is shown as asked: on a terminal
    above the progress line (each line once), elsewhere through ``GITBOOK_LOG``'s own handler.
    """
    logger = logging.getLogger("gitbook_async")
    # A handler on the SDK's logger can only be GITBOOK_LOG's (the CLI adds its own below).
    asked_for_log = bool(logger.handlers)
    if asked_for_log and not status.enabled:
        yield  # GITBOOK_LOG was set: its own stderr log stays, as the user asked
        return
    # Retries and budget waits are INFO lines (normal operation): a person at a terminal
    # sees them above the progress line; a pipe stays quiet.
    level = min(logging.INFO, logger.getEffectiveLevel()) if asked_for_log else logging.INFO
    handler = AboveStatusLine(status, level) if status.enabled else logging.NullHandler()
    # On a terminal the status-aware handler replaces GITBOOK_LOG's, so no line is doubled.
    saved_handlers, saved_propagate = logger.handlers[:], logger.propagate
    saved_level = logger.level
    if status.enabled:
        logger.setLevel(level)
    for other in saved_handlers:
        logger.removeHandler(other)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        for other in saved_handlers:
            logger.addHandler(other)
        logger.propagate = saved_propagate
        logger.setLevel(saved_level)
