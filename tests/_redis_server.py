"""A real Redis for the tests: Debian's ``redis-server``, one per test session.

It listens on a free port of 127.0.0.1, keeps nothing on disk (``--save "" --appendonly
no``, in a temporary directory) and is stopped by its PID at the end of the session.
Without the binary the Redis tests skip, saying so; with ``CI=true`` they fail instead
(.ci/run installs the package).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final, NoReturn

import pytest

STARTUP_TIMEOUT: Final = 10.0


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _pings(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: Redis tests must run; .ci/run installs redis-server)")
    pytest.skip(f"{reason}; install Debian's redis-server package to run the Redis tests")


class RedisServer:
    """A ``redis-server`` process on 127.0.0.1:``port``, data in ``directory``."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._process.pid

    def wait_ready(self) -> bool:
        """Wait until the server answers PING; False if it exited or never answered."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            if _pings(self.port):
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL) and reap it."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A running redis-server for the whole session (skips, or fails on CI, without one)."""
    binary = shutil.which("redis-server")
    if binary is None:
        _missing("redis-server is not installed")
    with tempfile.TemporaryDirectory(prefix="gitbook-async-redis-") as directory:
        server = RedisServer(binary, Path(directory))
        try:
            if not server.wait_ready():
                _missing(f"redis-server did not answer PING on 127.0.0.1:{server.port}")
            yield server
        finally:
            server.stop()
