"""Serving the app: in the foreground (``serve``) or on a background thread (tests, plugin).

One process holds all state, so the server is multi-threaded, never
multi-process. waitress was chosen by measurement (benchmarks/servers.py,
docs/benchmarks.md).
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from .app import create_app
from .settings import Settings


class MockServer:
    """The mock on a real WSGI server, on a background thread: ``start()``, ``url``, ``stop()``."""

    def __init__(self, settings: Settings | None = None, app: Any = None) -> None:
        self.settings = settings or Settings(port=0)
        self.app = app or create_app(self.settings)
        self._sockets: dict = {}
        self._server = create_server(
            self.app,
            map=self._sockets,
            host=self.settings.host,
            port=self.settings.port,
            threads=self.settings.threads,
            ident="flowservice-mock",
            clear_untrusted_proxy_headers=True,
        )
        self._thread: threading.Thread | None = None
        # The mock's engine, when the app is the mock (the record proxy is served the same way).
        extensions = getattr(self.app, "extensions", {})
        self._platform = extensions.get("flowservice")

    @property
    def port(self) -> int:
        return self._server.effective_port

    @property
    def url(self) -> str:
        host = self._server.effective_host
        return f"http://{host}:{self.port}"

    def start(self) -> "MockServer":
        self._thread = threading.Thread(target=self._server.run, name="flowservice-mock", daemon=True)
        self._thread.start()
        if self._platform is not None:
            self._platform.runner.start()
        return self

    def stop(self) -> None:
        # close() alone leaves run() going while a keep-alive connection is open: close every
        # channel from inside waitress's own loop thread instead.
        if self._platform is not None:
            self._platform.runner.stop()
        self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._sockets))
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()

    def __enter__(self) -> "MockServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    app = create_app(settings)
    try:
        server = create_server(
            app,
            host=settings.host,
            port=settings.port,
            threads=settings.threads,
            ident="flowservice-mock",
        )
    except OSError as exc:
        print(f"flowservice-mock: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    _tune_collector()
    app.extensions["flowservice"].runner.start()
    signal.signal(signal.SIGTERM, lambda *_: server.close() or sys.exit(0))
    print(
        f"flowservice-mock serving on http://{server.effective_host}:{server.effective_port} "
        f"(profile {settings.profile}); Ctrl-C stops it",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def _tune_collector() -> None:
    """Fewer, cheaper garbage collections for a long-lived server (docs/benchmarks.md).

    Everything built at start-up (the app, the catalogue, compiled schemas) lives as long as the
    process, so it is frozen out of the collector's scans; and a request allocates hundreds of
    short-lived containers, so the youngest generation is collected every 20,000 allocations
    rather than every 700.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
