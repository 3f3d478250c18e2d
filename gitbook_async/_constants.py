"""Every tunable default and fixed limit of the SDK, in one place."""

from __future__ import annotations

import re
from typing import Final

DEFAULT_BASE_URL: Final = "https://api.gitbook.com"
"""Origin of GitBook's public API; the version prefix is added by the client."""

API_PREFIX: Final = "/v1"
"""Path prefix of the API version this SDK speaks."""

LOGGER_NAME: Final = "gitbook_async"
"""The stdlib logger every part of the SDK logs to (``logging.getLogger(LOGGER_NAME)``)."""

TOKEN_ENV_VAR: Final = "GITBOOK_API_TOKEN"
"""Environment variable read when no token is passed to the client."""

BASE_URL_ENV_VAR: Final = "GITBOOK_BASE_URL"
"""Environment variable read when no base URL is passed to the client."""

DEFAULT_TIMEOUT: Final = 60.0
"""Default ``timeout`` of ``GitBookClient``: seconds one HTTP attempt may take, from
acquiring a connection to the last body byte."""

DEFAULT_MAX_RETRIES: Final = 3
"""Default ``max_retries`` of ``GitBookClient``: retries after a transient failure
(connection error, timeout, 408, 429, 5xx); 0 disables retrying."""

DEFAULT_MAX_CONCURRENCY: Final = 16
"""Default ``max_concurrency`` of ``GitBookClient``: requests in flight at once."""

DEFAULT_PREFETCH: Final = 1
"""Default ``prefetch`` of a walk: pages requested ahead of the one being consumed."""

PAGINATOR_PREFETCH: Final = 0
"""Default ``prefetch`` of an ``AsyncPaginator`` built directly on a fetch function: each
page is fetched only when the previous one is used up."""

BATCH_PREFETCH: Final = 0
"""``prefetch`` of each walk of ``list_integrations_many``: the spaces already run
concurrently, so each walk fetches its pages one at a time."""

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

FINISH_GRACE: Final = 0.005
"""Seconds a walk being closed (``aclose()``, ``async with``) lets a prefetch request in
flight finish before cancelling it: a response read to the end returns its connection to
the pool instead of closing it."""

RECENT_CURSORS_KEPT: Final = 16
"""Cursors a walk remembers exactly to catch a looping server at its first repeat (a loop of
up to this many pages; Brent's detection catches longer ones within three turns). Few, so
that a walk of any length holds the same memory; each check scans them (no set)."""

DEFAULT_BACKOFF_BASE: Final = 0.5
"""Seconds of the backoff step before the first retry; the step doubles each retry."""

DEFAULT_BACKOFF_MAX: Final = 8.0
"""Cap on the backoff step, in seconds."""

DEFAULT_MAX_WAIT: Final = 60.0
"""Longest server-requested wait (``Retry-After``, rate-limit reset) a call sits out."""

RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses worth another attempt: timeouts, rate limits and transient server failures."""

MAX_SERVER_WAIT: Final = 86_400.0
"""Longest wait read from a header (a day): a later rate-limit reset is unreadable (issue 10)."""

MAX_REDIRECTS: Final = 10
"""Redirects followed for one request before giving up (a redirect loop ends here)."""

ERROR_BODY_CHARS: Final = 2000
"""Characters of an error response's body kept on the exception."""

BUILD_SLICE_ITEMS: Final = 32
"""Items of a page structured between two yields to the event loop (the detailed path):
bounds how long building one page can stall other tasks (issue 12)."""

ACCELERATED_SLICE_ITEMS: Final = 128
"""Items built between two yields to the event loop on the accelerated path (msgspec), about
four times cheaper per item than the detailed path."""

OWNER_MEMO_SIZE: Final = 256
"""Most instances of each memoised class (owners, configurations) an ``OwnerMemo`` keeps
alive itself, the least recently used dropped first; it also finds every instance the
caller still holds (weakly)."""

OWNER_MEMO_PAGES: Final = 2
"""Pages' worth of items whose memoised parts an ``OwnerMemo`` keeps alive (within
``OWNER_MEMO_MIN`` and ``OWNER_MEMO_SIZE``): what repeats across the pages of a walk is
built once while the memo's memory is bounded by the page size, not by the walk."""

OWNER_MEMO_MIN: Final = 16
"""Instances of each memoised class an ``OwnerMemo`` keeps alive before it sees a page."""


LEARNED_FIELDS_PER_CLASS: Final = 64
"""Fields newer than the models the accelerated path learns per model class. A class that
would pass it learns no more: its pages with further new fields take the detailed path."""

LEARNED_KEY_MAX_CHARS: Final = 256
"""Longest wire key the accelerated path learns (GitBook's are under 40 characters)."""

LEARNING_ATTEMPTS: Final = 32
"""Times per process the accelerated path looks for new fields in a body it refused for
one: each look costs about one detailed parse, each success regenerates the mirrors."""


# --- the shared rate budget (gitbook_async/_ratelimit, gitbook_async/redis.py) ---

TOO_MANY_REQUESTS: Final = 429
"""HTTP status of a refusal for exceeding a rate limit."""

DEFAULT_RELEASE_SPREAD: Final = 0.1
"""Seconds over which the tasks (or, with Redis, the processes) released together at a
reset or after a pause spread out, so that they do not start as one herd."""

DEFAULT_LEASE_SECONDS: Final = 300.0
"""How long a reservation counts if its holder never settles it (e.g. a process that died)."""

NEWS_TIMEOUT: Final = 1.0
"""Longest wait for news (an answer, a given-back reservation) before a limiter looks at
the budget again itself: a safety net against a lost message, not the way news travels."""

REDIS_PREFIX: Final = "gitbook-async:ratelimit:"
"""Prefix of the Redis keys that hold the budgets (and of the channel that carries news)."""

REDIS_KEY_TTL: Final = 86_400.0
"""Seconds a budget stays in Redis after its last change."""

REDIS_CONNECT_TIMEOUT: Final = 2.0
"""Seconds to connect to Redis (and to wait for an answer) before it counts as unreachable."""

REDIS_RETRY_INTERVAL: Final = 5.0
"""After Redis failed, seconds of local accounting before it is tried again (``"local"``)."""

REDIS_BATCH: Final = 16
"""Most reservations one Redis round trip takes for the waiting tasks of one process."""

REDIS_SETTLE_DELAY: Final = 0.01
"""Seconds a process lets answers gather before it settles them in Redis in one call (a call
that reserves for waiting tasks goes at once and carries them along)."""

REDIS_NEWS_CHANNEL: Final = "news"
"""Suffix (after the key prefix) of the pub/sub channel on which the scripts announce news."""
