"""A real redis-server for the tests of the Redis store: started on a free loopback port in a
temporary folder, without persistence, and stopped at the end of the session.

The tests that use it skip, saying why, when ``redis-server`` is not on PATH; ``.ci/run`` installs
Debian's ``redis-server`` when it is missing. A conftest imports the fixture::

    from tests.redis_server import redis_server  # noqa: F401 - a fixture
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from .support import stop_process

#: Databases of the session's server (it has 64): the store's own tests take 1 to 3, the contract
#: suite's redis targets 4, the API tests' apps 16 and up.
REDIS_CONTRACT_DATABASE = 4
REDIS_API_DATABASES = tuple(range(16, 64))
MISSING = "redis-server is not on PATH (.ci/run installs Debian's redis-server; apt-get install redis-server)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One redis-server process; ``stop()`` and ``start()`` again keep its port (an outage)."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = Path(directory)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self._log = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 10.0) -> "RedisServer":
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.skip(MISSING)
        self._log = open(self.directory / "redis-server.log", "ab")
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--databases", "64", "--loglevel", "warning"],
            cwd=self.directory, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self._log)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                log = (self.directory / "redis-server.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: {log[-2000:]}")
            if self._pong():
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout} s")
            time.sleep(0.02)

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, kill: bool = False) -> None:
        """Stop it (``kill``: SIGKILL, as a crash) and wait until it is gone."""
        process, self.process = self.process, None
        if process is not None:
            stop_process(process, kill)
        if self._log is not None:
            self._log.close()
            self._log = None

    def flush(self, db: int | None = None) -> None:
        """Empty one database, or every one (between tests)."""
        command = b"FLUSHALL\r\n" if db is None else f"SELECT {db}\r\nFLUSHDB\r\n".encode()
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(command)
            replies = b""
            while replies.count(b"\r\n") < command.count(b"\r\n"):
                chunk = conn.recv(64)
                if not chunk:
                    break
                replies += chunk


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """The session's redis-server (a :class:`RedisServer`); skips when there is none to run."""
    if shutil.which("redis-server") is None:
        pytest.skip(MISSING)
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
