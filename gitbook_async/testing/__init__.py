"""An in-process fake of the GitBook API for tests, demos and benchmarks.

It speaks wire JSON only (it never imports the SDK's models) and listens on 127.0.0.1:

```python
from gitbook_async import GitBookClient
from gitbook_async.testing import FakeGitBook, Fault, make_integration


async def test_lists_integrations() -> None:
    async with FakeGitBook(token="test-token") as server:
        server.add_space("space_a", integrations=[make_integration("slack")])
        server.inject(Fault.status(503), times=1)  # the first request fails, then is retried
        async with GitBookClient("test-token", base_url=server.url) as gitbook:
            names = [i.name async for i in gitbook.spaces.list_integrations("space_a")]
        assert names == ["slack"]
        assert len(server.requests) == 2
```
"""

from gitbook_async.testing._app import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    FaultRule,
    RecordedRequest,
)
from gitbook_async.testing._data import (
    DEMO_EMPTY_SPACE_ID,
    DEMO_LARGE_SPACE_ID,
    DEMO_SPACE_ID,
    DEMO_TEAM_SPACE_ID,
    DEMO_TOKEN,
    make_block,
    make_block_group,
    make_integration,
    make_organization,
    make_script,
)
from gitbook_async.testing._extra import (
    EXTRA_INTEGRATION_FIELDS,
    EXTRA_OWNER_FIELDS,
    with_extra_fields,
)
from gitbook_async.testing._faults import Fault, NormalHandler
from gitbook_async.testing._ratelimit import RateLimitStats, RateLimitWindow, WindowStats
from gitbook_async.testing._server import FakeGitBook

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEMO_EMPTY_SPACE_ID",
    "DEMO_LARGE_SPACE_ID",
    "DEMO_SPACE_ID",
    "DEMO_TEAM_SPACE_ID",
    "DEMO_TOKEN",
    "EXTRA_INTEGRATION_FIELDS",
    "EXTRA_OWNER_FIELDS",
    "FakeGitBook",
    "Fault",
    "FaultRule",
    "MAX_PAGE_SIZE",
    "NormalHandler",
    "RateLimitStats",
    "RateLimitWindow",
    "RecordedRequest",
    "WindowStats",
    "make_block",
    "make_block_group",
    "make_integration",
    "make_organization",
    "make_script",
    "with_extra_fields",
]
