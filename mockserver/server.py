"""Serving the app: in the foreground (``serve``) or on a background thread (tests, plugin).

One process holds all state, so the server is multi-threaded, never
multi-process. waitress was chosen by measurement (benchmarks/servers.py,
docs/benchmarks.md).

Slow and idle clients cannot starve the others (docs/design.md, "Slow and idle clients"):
waitress reads each request whole on its I/O thread before a worker sees it, and the settings
bound how many connections it holds (``connection_limit``), how long one may stay silent
(``channel_timeout``), how long one request may take to arrive (``request_timeout``, the one
limit waitress lacks, added here) and how large its headers may be (``max_request_header_size``).
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
import time
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from .app import create_app
from .settings import Settings
from .store import StoreUnavailable


class MockServer:
    """The mock on a real WSGI server, on a background thread: ``start()``, ``url``, ``stop()``."""

    def __init__(self, settings: Settings | None = None, app: Any = None) -> None:
        self.settings = settings or Settings(port=0)
        self.app = app or create_app(self.settings)
        self._sockets: dict = {}
        self._server = build_server(self.app, self.settings, self._sockets)
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
    try:
        app = create_app(settings)
        platform = app.extensions["flowservice"]
        if settings.load_state:
            loaded = platform.load_state_file(settings.load_state)
            print(f"flowservice-mock: loaded {loaded} tenants from {settings.load_state}", flush=True)
    except (StoreUnavailable, ValueError) as exc:
        print(f"flowservice-mock: {exc}", file=sys.stderr)
        return 1
    if settings.server == "granian":
        from . import granian_serving

        _tune_collector()
        return granian_serving.serve(settings, app)
    try:
        server = build_server(app, settings, {})
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
        platform.close()
    return 0


#: File descriptors the process needs besides its connections: listening sockets, the trigger's
#: pipe, data files being read, export files being written, outgoing S3 connections.
SPARE_FILES = 64
#: How often (seconds) the server looks for connections past their timeouts; waitress's default
#: is 30, which would let a 30-second timeout take up to a minute.
CLEANUP_INTERVAL = 1

logger = logging.getLogger("flowservice-mock")


def server_options(settings: Settings) -> dict[str, Any]:
    """waitress's keyword arguments for the settings: one place for ``serve`` and ``MockServer``."""
    return {
        "host": settings.host,
        "port": settings.port,
        "threads": settings.threads,
        "ident": "flowservice-mock",
        "clear_untrusted_proxy_headers": True,
        "connection_limit": settings.connection_limit,
        "channel_timeout": settings.channel_timeout,
        "cleanup_interval": CLEANUP_INTERVAL,
        "max_request_header_size": settings.max_request_header_size,
        # select() cannot watch descriptors numbered 1024 or more; poll() has no such limit.
        "asyncore_use_poll": True,
    }


def build_server(app: Any, settings: Settings, sockets: dict) -> Any:
    """The app on waitress with the settings' limits, its channels registered in ``sockets``.

    What ``waitress.create_server`` does for TCP addresses, with the mock's server class (the
    request deadline). Raises ``OSError`` when the address cannot be listened on.
    """
    ensure_file_limit(settings.connection_limit)
    adj = Adjustments(**server_options(settings))
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    servers = []
    for sockinfo in adj.listen:
        server = _Server(app, sockets, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
        server.request_timeout = settings.request_timeout
        servers.append(server)
    if len(servers) == 1:
        return servers[0]
    listening = [(server.effective_host, server.effective_port) for server in servers]
    return MultiSocketServer(sockets, adj, listening, dispatcher, servers[-1].log_info)


def ensure_file_limit(connection_limit: int) -> int | None:
    """Raise the soft limit of open files toward the hard one if ``connection_limit`` needs it.

    Returns the soft limit in force (None where there is none to read: not POSIX, or
    unlimited); logs one line when it stays below what the connections need.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    needed = connection_limit + SPARE_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    if soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    if soft < needed:
        logger.warning(
            "flowservice-mock: open files are limited to %d (hard limit %s), fewer than "
            "connection_limit %d needs (%d): raise `ulimit -n` or lower connection_limit",
            soft, "unlimited" if hard == resource.RLIM_INFINITY else hard, connection_limit, needed)
    return soft


class _Channel(HTTPChannel):
    """waitress's connection, noting when the request it is reading began."""

    #: time.time() of the first bytes of the request being read (``self.request``).
    request_started = 0.0

    def received(self, data: bytes) -> bool:
        partial = self.request
        result = super().received(data)
        if self.request is not None and self.request is not partial:
            self.request_started = time.time()
        return result

    def time_out(self) -> None:
        """Answer 408 and close: the client took too long to send its request."""
        try:
            self.write_soon(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                            b"Content-Length: 0\r\n\r\n")
        except ClientDisconnected:
            pass
        self.will_close = True


class _Server(TcpWSGIServer):
    """waitress's TCP server, also closing connections whose request takes too long to arrive.

    waitress's ``channel_timeout`` counts silence, so a client sending a byte every second keeps
    its connection (and a place under ``connection_limit``) for as long as its headers may grow.
    """

    channel_class = _Channel
    #: Seconds from a request's first byte to its last; 0: no limit.
    request_timeout = 0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        if not self.request_timeout:
            return
        cutoff = now - self.request_timeout
        for channel in list(self.active_channels.values()):
            if channel.request is None or channel.will_close:
                continue
            if channel.requests:
                # A request pipelined behind one being served: its time starts when that ends.
                channel.request_started = now
            elif channel.request_started < cutoff:
                channel.time_out()


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
