"""Every tunable default and fixed limit of the SDK, in one place."""

from __future__ import annotations

import re
from typing import Final

DEFAULT_BASE_URL: Final = "https://api.gitbook.com"
"""Origin of GitBook's public API; the version prefix is added by the client."""

API_PREFIX: Final = "/v1"
"""Path prefix of the API version this SDK speaks."""

TOKEN_ENV_VAR: Final = "GITBOOK_API_TOKEN"
"""Environment variable read when no token is passed to the client."""

BASE_URL_ENV_VAR: Final = "GITBOOK_BASE_URL"
"""Environment variable read when no base URL is passed to the client."""

DEFAULT_TOTAL_TIMEOUT: Final = 60.0
"""Seconds one HTTP attempt may take from connection to the last body byte."""

DEFAULT_CONNECT_TIMEOUT: Final = 10.0
"""Seconds to acquire a connection (pool wait included) and connect."""

DEFAULT_MAX_RESPONSE_BYTES: Final = 32 * 2**20
"""Largest response body read into memory; a bigger one is an error, not an OOM."""

MAX_PAGE_SIZE: Final = 1000
"""GitBook's cap on the ``limit`` query parameter of list endpoints."""

ENTITY_ID_PATTERN: Final = re.compile(r"[a-zA-Z0-9_-]+")
"""GitBook's ``EntityId`` pattern (``^[a-zA-Z0-9_-]+$`` in the OpenAPI spec)."""

READ_CHUNK_BYTES: Final = 64 * 2**10
"""Chunk size used when streaming a response body of unknown length."""

RECENT_CURSORS_KEPT: Final = 256
"""Cursors a walk remembers exactly to catch a looping server at its first repeat."""
