"""``serve --server granian``: the app on granian's WSGI interface (a Rust HTTP front end).

granian's main process holds the listening address and forks worker processes that serve;
the state lives in a worker. With one worker the app built (and checked) here before the fork
is the one the worker serves, state loaded at start included. With several, every worker
builds its own app on the shared store (Redis), so that each has its own engine owner.
Each worker runs the engine's ticker. The line saying where the mock serves is printed once the
address answers, so that a caller who reads it may connect at once: a worker that answers says
so through a pipe. (A thread of this process that looked for itself could hold a lock, the
import lock say, at the instant granian forks, and leave the worker waiting for it forever; the
one thread here waits in a read, holding none.)
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from typing import Any

from .settings import Settings

#: What a forked worker takes from the process that forked it (fork keeps module globals).
_HANDOVER: dict[str, Any] = {}
#: Seconds the address may take to answer after granian starts.
READY_TIMEOUT = 20.0


def worker_app() -> Any:
    """granian's factory, called in each worker: the app, with its ticker running."""
    app = _HANDOVER.pop("app", None)
    if app is None:
        from .app import create_app

        app = create_app(_HANDOVER["settings"])
    app.extensions["flowservice"].runner.start()
    threading.Thread(target=_tell_when_answering, args=(_HANDOVER["settings"], _HANDOVER["ready"]),
                     daemon=True).start()
    return app


def _tell_when_answering(settings: Settings, ready: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((settings.host, settings.port), timeout=0.5):
                os.write(ready, b"1")
                return
        except OSError:
            time.sleep(0.02)


def serve(settings: Settings, app: Any) -> int:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    port = settings.port
    try:
        port = _claimable(settings.host, port)
    except OSError as exc:
        print(f"flowservice-mock: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    _HANDOVER["settings"] = settings.with_overrides(port=port)
    if settings.workers == 1:
        _HANDOVER["app"] = app
    else:
        app.extensions["flowservice"].close()  # the workers open the store again, each its own
    server = Granian(
        "mockserver.granian_serving:worker_app", factory=True, interface=Interfaces.WSGI,
        address=settings.host, port=port, workers=settings.workers, blocking_threads=settings.threads,
        http=HTTPModes.http1, backlog=max(128, settings.connection_limit), log_level="error",
        # A client that takes longer than request_timeout to send its headers is cut off.
        http1_settings=HTTP1Settings(header_read_timeout=max(1, settings.request_timeout or 3600) * 1000),
    )
    readable, _HANDOVER["ready"] = os.pipe()
    threading.Thread(target=_announce, args=(settings, port, readable), daemon=True).start()
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    return 0


def _claimable(host: str, port: int) -> int:
    """The port to serve on (a free one for 0); OSError when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, port))
        return probe.getsockname()[1]


def _announce(settings: Settings, port: int, readable: int) -> None:
    if not os.read(readable, 1):
        return
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"flowservice-mock serving on http://{shown}:{port} (profile {settings.profile}, granian, "
          f"{settings.workers} worker{'s' if settings.workers > 1 else ''}); Ctrl-C stops it", flush=True)
