"""Walk the integrations of many spaces, resumably: a rerun continues where a run stopped.

Usage (from the repository root)::

    export GITBOOK_API_TOKEN=gb_api_...
    python -m examples.batch_job SPACE_ID [SPACE_ID ...] \\
        --checkpoint job.json --output integrations.jsonl [--concurrency 8] [--limit 100]

Each integration becomes one line of ``--output``: ``{"space_id": ..., "integration": {...}}``
with the integration's wire JSON. After every page, ``--checkpoint`` records each space's
resume cursor and how many bytes of ``--output`` are committed. Run the same command again
after a crash, a Ctrl-C or failed spaces, and it

- skips the spaces already done,
- cuts ``--output`` back to the committed size (a page written just before a crash, but not
  yet checkpointed, is dropped and fetched again),
- continues every other space from its cursor,

so however often a run is interrupted, each integration is written exactly once. Delete both
files to start over.

Failures come in two kinds, reported and checkpointed differently:

- *transient*: the network, a timeout, a 5xx, a 429 or 408 (what the SDK retries). Rerunning
  later is likely to work: the space keeps its cursor and the rerun resumes it.
- *permanent*: the space does not exist (404), the token may not read it (401, 403), the
  request or the response is invalid (400, 422, a response that does not match the models, a
  looping cursor). Rerunning the same command would fail the same way and waste requests, so
  the checkpoint marks the space as failed and reruns skip it (and list it again). Fix the cause
  (the space id, the token), then pass ``--retry-failed`` to try those spaces again.

Exit codes: 0 every space done; 1 some spaces failed transiently (rerun to resume them);
2 usage error; 3 the only failures are permanent (rerunning will not help); 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gitbook_async import (
    APIConnectionError,
    APIStatusError,
    ConfigurationError,
    GitBookClient,
    GitBookError,
    Integration,
    InvalidArgumentError,
    RateLimitError,
    ResponseTooLargeError,
    RetryPolicy,
    ServerError,
)

CHECKPOINT_FORMAT = 1
DEFAULT_CONCURRENCY = 8
DEFAULT_PAGE_SIZE = 100
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_FAILED_PERMANENTLY = 0, 1, 2, 3
REQUEST_TIMEOUT_STATUS = 408


def is_transient(error: GitBookError) -> bool:
    """Tell whether rerunning later may succeed: network trouble, a timeout, 408, 429 or 5xx.

    Everything else (404, 401/403, 400/422, an invalid response, a looping cursor, a response
    over the size cap) would fail again the same way.
    """
    if isinstance(error, ResponseTooLargeError):
        return False
    if isinstance(error, (APIConnectionError, RateLimitError, ServerError)):
        return True
    return isinstance(error, APIStatusError) and error.status == REQUEST_TIMEOUT_STATUS


class Checkpoint:
    """The output file and the progress that makes it resumable.

    Every method is synchronous and called from the event loop between awaits, so a page's
    lines and the checkpoint that commits them are written without another task in between.
    """

    def __init__(self, path: Path, output: Path) -> None:
        self.path = path
        state: dict[str, Any] = {"format": CHECKPOINT_FORMAT, "output_bytes": 0, "spaces": {}}
        if path.exists():
            state = json.loads(path.read_text())
            if state.get("format") != CHECKPOINT_FORMAT:
                raise ValueError(f"{path} is not a checkpoint of this job")
        self.spaces: dict[str, dict[str, Any]] = state["spaces"]
        self._committed: int = state["output_bytes"]
        self._out = output.open("r+b" if output.exists() else "w+b")
        if self._out.seek(0, os.SEEK_END) < self._committed:
            self._out.close()
            raise ValueError(f"{output} is shorter than {path} says: was it edited?")
        self._out.truncate(self._committed)  # drop lines written after the last checkpoint
        self._out.seek(self._committed)

    def is_done(self, space_id: str) -> bool:
        return bool(self.spaces.get(space_id, {}).get("done"))

    def cursor(self, space_id: str) -> str | None:
        cursor: str | None = self.spaces.get(space_id, {}).get("cursor")
        return cursor

    def written(self, space_id: str) -> int:
        count: int = self.spaces.get(space_id, {}).get("written", 0)
        return count

    def failure(self, space_id: str) -> str | None:
        """The permanent failure an earlier run recorded for the space, if any."""
        failed: str | None = self.spaces.get(space_id, {}).get("failed")
        return failed

    def fail_permanently(self, space_id: str, error: GitBookError) -> None:
        """Record that rerunning will not help this space (its cursor is kept)."""
        self.spaces[space_id] = {**self.spaces.get(space_id, {}), "failed": one_line(error)}
        self._save()

    def commit_page(
        self, space_id: str, items: Sequence[Integration], next_page: str | None
    ) -> None:
        """Append a page's lines, make them durable, then move the space's cursor past them."""
        lines = b"".join(
            json.dumps({"space_id": space_id, "integration": item.to_dict()}).encode() + b"\n"
            for item in items
        )
        self._out.write(lines)
        self._out.flush()
        os.fsync(self._out.fileno())  # the lines are on disk before the checkpoint says so
        self._committed += len(lines)
        self.spaces[space_id] = {
            "cursor": next_page,
            "done": next_page is None,
            "written": self.written(space_id) + len(items),
        }
        self._save()

    def _save(self) -> None:
        state = {
            "format": CHECKPOINT_FORMAT,
            "output_bytes": self._committed,
            "spaces": self.spaces,
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w") as file:
            json.dump(state, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)  # atomic: a crash leaves the old or the new state

    def close(self) -> None:
        self._out.close()


async def walk_space(
    gitbook: GitBookClient, checkpoint: Checkpoint, space_id: str, *, limit: int
) -> int:
    """Fetch the rest of one space's integrations, committing page by page."""
    paginator = gitbook.spaces.list_integrations(
        space_id, limit=limit, page=checkpoint.cursor(space_id)
    )
    async with paginator.pages() as pages:
        async for page in pages:
            checkpoint.commit_page(space_id, page.items, page.next_page)
    return checkpoint.written(space_id)


async def run(args: argparse.Namespace, checkpoint: Checkpoint) -> int:
    """Walk every space not done yet, at most ``--concurrency`` at once."""
    spaces = list(dict.fromkeys(args.space_ids))
    skipped = [s for s in spaces if checkpoint.failure(s) and not args.retry_failed]
    todo = [s for s in spaces if not checkpoint.is_done(s) and s not in skipped]
    retry = RetryPolicy() if args.max_retries is None else RetryPolicy(max_retries=args.max_retries)
    transient: list[str] = []
    permanent: list[str] = []
    async with GitBookClient(args.token, base_url=args.base_url, retry=retry) as gitbook:
        walk = functools.partial(walk_space, gitbook, checkpoint, limit=args.limit)
        async with gitbook.map_spaces(todo, walk, concurrency=args.concurrency) as results:
            async for result in results:
                space_id, error = result.space_id, result.error
                if error is None:
                    print(f"{space_id}: {result.value} integrations", file=sys.stderr)
                elif is_transient(error):
                    transient.append(space_id)
                    print(f"{space_id}: failed, resumable: {one_line(error)}", file=sys.stderr)
                else:
                    permanent.append(space_id)
                    checkpoint.fail_permanently(space_id, error)
                    print(f"{space_id}: failed permanently: {one_line(error)}", file=sys.stderr)
    for space_id in skipped:
        print(
            f"{space_id}: skipped, failed permanently before: {checkpoint.failure(space_id)}",
            file=sys.stderr,
        )
    walked = len(todo) - len(transient) - len(permanent)
    already_done = len(spaces) - len(todo) - len(skipped)
    return report(walked, already_done, transient, permanent + skipped)


def report(walked: int, already_done: int, transient: list[str], permanent: list[str]) -> int:
    """Print the run's summary and return the exit code."""
    print(f"{walked} spaces walked, {already_done} already done", file=sys.stderr)
    if transient:
        print(
            f"{len(transient)} failed transiently: rerun the same command to resume them",
            file=sys.stderr,
        )
    if permanent:
        print(
            f"{len(permanent)} failed permanently ({', '.join(permanent)}): a rerun skips them; "
            "fix the cause (space id, token), then rerun with --retry-failed",
            file=sys.stderr,
        )
    if transient:
        return EXIT_FAILED
    return EXIT_FAILED_PERMANENTLY if permanent else EXIT_OK


def one_line(error: BaseException) -> str:
    """The error's message on one line (a checkpoint and a terminal line both want that)."""
    return " ".join(str(error).split()) or type(error).__name__


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("space_ids", nargs="+", metavar="SPACE_ID")
    parser.add_argument("--checkpoint", type=Path, required=True, help="progress file (JSON)")
    parser.add_argument("--output", type=Path, required=True, help="integrations (JSON lines)")
    parser.add_argument("--base-url", help="API origin (default: $GITBOOK_BASE_URL or GitBook)")
    parser.add_argument("--token", help="API token (default: $GITBOOK_API_TOKEN)")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--limit", type=int, default=DEFAULT_PAGE_SIZE, help="page size")
    parser.add_argument("--max-retries", type=int, help="per request (default: the SDK's)")
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="also retry the spaces an earlier run marked as failed permanently",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        checkpoint = Checkpoint(args.checkpoint, args.output)
    except (OSError, ValueError, KeyError) as error:
        print(f"error: cannot resume: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(run(args, checkpoint))
    except (ConfigurationError, InvalidArgumentError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        return 130
    finally:
        checkpoint.close()


if __name__ == "__main__":
    sys.exit(main())
