"""One settings object, built from defaults, environment variables and CLI flags.

Every behaviour that the sources leave open or disagree on is a field here, so
a user can pick the era of the documentation their client was written for.
docs/fidelity.md explains each choice; README.md lists the variables.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

from .store.base import REDIS_SCHEMES
from .text import parse_int, parse_number, shown

#: Response profiles: how PATCH of a flow and DELETE answer (docs/fidelity.md, §7.5).
PROFILES = ("default", "seed", "current")
#: The HTTP servers ``serve`` can run on (docs/benchmarks.md, "Server choice").
SERVERS = ("waitress", "granian")

ENV_PREFIX = "FLOWSERVICE_MOCK_"
#: The integer limits on requests (each at least 1).
LIMITS = ("max_body_bytes", "max_depth", "max_patch_operations", "max_entity_bytes",
          "max_query_length", "max_id_length", "max_headers")
_INTEGERS = frozenset({"port", "threads", "workers", "journal_size", "journal_body_limit", "export_max_rows", *LIMITS})
#: The HTTP server's integer limits (request_timeout may be 0, the others at least 1).
SERVER_INTEGERS = ("connection_limit", "channel_timeout", "request_timeout", "max_request_header_size")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    #: "default": PATCH of a flow 202 with {id, etag}, DELETE 202 empty;
    #: "seed": PATCH of a flow 202 without body, DELETE 202;
    #: "current": PATCH of a flow 200 with {id, etag}, DELETE 204.
    #: PATCH of the other entities answers 200 with {id, etag} in every profile.
    profile: str = "default"
    #: Seed for ids and etags; None means random (uuid4).
    seed: int | None = None
    #: Answer 400 (FLOW-2105) when x-sandbox-name is absent instead of using "prod".
    require_sandbox_header: bool = False
    #: Sandboxes that exist; an unknown name gets 404 (FLOW-2100). Empty: every name exists.
    sandboxes: tuple[str, ...] = ()
    #: Accept an If-Match without the surrounding double quotes (the real service answers 412).
    lenient_if_match: bool = False
    #: Return auth params marked as secrets in clear on GET (the mock masks them by default).
    reveal_secrets: bool = False
    #: Worker threads of the WSGI server (granian: its blocking threads, per process).
    threads: int = 8
    #: The HTTP server of ``serve`` (the in-thread MockServer of tests always runs waitress).
    server: str = "waitress"
    #: Processes serving at once (granian only; more than one needs a shared store: redis://).
    workers: int = 1
    #: Exchanges the request journal keeps (a ring: the oldest go first); 0 turns it off.
    journal_size: int = 1000
    #: Bytes of each request and response body the journal keeps (longer ones keep head and tail).
    journal_body_limit: int = 8192
    #: Journal the mock's own /_mock/ requests too (off: they would crowd out the client's).
    journal_admin: bool = False
    #: A JSON file of fault rules to load at start (a list of rules, as POST /_mock/faults takes).
    faults_file: str | None = None
    #: Where the state lives: ``memory``, ``sqlite:PATH`` (one file, survives restarts) or
    #: ``redis://HOST:PORT/DB`` (several processes share it). docs/design.md, "Store backends".
    store: str = "memory"
    #: A snapshot (``GET /_mock/state``) to load at start, replacing the tenants it holds.
    load_state: str | None = None
    #: The key snapshots seal secrets with (any text); None: a key made for the store and kept in it.
    secrets_key: str | None = None
    #: A JSON file of permissions to load at start (a document as PUT /_mock/permissions takes);
    #: None: every client holds every permission (docs/fidelity.md, "Access control").
    permissions_file: str | None = None
    #: Platform data to export (written by ``flowservice-mock seed`` / ``load``); None: small demo data.
    data_dir: str | None = None
    #: The local folder export files land in (one sub-folder per bucket, container or SFTP root).
    storage_root: str = "flowservice-mock-exports"
    #: An S3-compatible endpoint; when set, S3 destinations upload there instead of the local folder.
    s3_endpoint_url: str | None = None
    #: When the simulated daily segment evaluation finishes (UTC); AFTER_SEGMENT_EVAL runs then.
    segment_evaluation_time: str = "02:00"
    #: Rows per export file before it is split (the real service: 5,000,000).
    export_max_rows: int = 5_000_000
    #: Run due exports as the clock passes them, checked every this many seconds; 0: only when
    #: the clock is moved or runs are read.
    scheduler_interval: float = 1.0
    #: What the HTTP server lets a client hold (docs/design.md, "Slow and idle clients"): open
    #: connections at once; seconds a connection may stay silent before it is closed; seconds a
    #: client may take to send one whole request, headers and body (0: no limit); bytes of a
    #: request's headers (431 above).
    connection_limit: int = 1000
    channel_timeout: int = 30
    request_timeout: int = 30
    max_request_header_size: int = 65536
    #: Limits on what a client may send (docs/fidelity.md, "Limits"): bytes of a request body
    #: (413 above), nesting of a body and of an entity as stored, operations of one JSON Patch,
    #: characters of a query string and of an id in a path, and request headers.
    max_body_bytes: int = 1_048_576
    max_depth: int = 200
    max_patch_operations: int = 1000
    max_entity_bytes: int = 1_048_576
    max_query_length: int = 8192
    max_id_length: int = 256
    max_headers: int = 100

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {self.profile!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, not {self.port}")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if self.server not in SERVERS:
            raise ValueError(f"server must be one of {', '.join(SERVERS)}, not {self.server!r}")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.workers > 1 and (self.server != "granian" or not self.store.startswith(REDIS_SCHEMES)):
            raise ValueError("workers above 1 need --server granian and a shared store (--store redis://HOST:PORT/DB): "
                             "each process would otherwise hold a state of its own")
        if self.journal_size < 0 or self.journal_body_limit < 0:
            raise ValueError("journal_size and journal_body_limit must not be negative")
        if self.export_max_rows < 1:
            raise ValueError("export_max_rows must be at least 1")
        if self.scheduler_interval < 0:
            raise ValueError("scheduler_interval must not be negative")
        if not (self.store == "memory" or self.store.startswith(("sqlite:", *REDIS_SCHEMES))):
            raise ValueError(f"store must be memory, sqlite:PATH or redis://HOST:PORT/DB, not {self.store!r}")
        for name in SERVER_INTEGERS:
            least = 0 if name == "request_timeout" else 1
            if getattr(self, name) < least:
                raise ValueError(f"{name} must be at least {least}")
        for name in LIMITS:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not _HH_MM.match(self.segment_evaluation_time):
            raise ValueError(f"segment_evaluation_time must be HH:MM (UTC), not {self.segment_evaluation_time!r}")

    @property
    def patch_status(self) -> int:
        return 200 if self.profile == "current" else 202

    @property
    def patch_has_body(self) -> bool:
        return self.profile != "seed"

    @property
    def delete_status(self) -> int:
        return 204 if self.profile == "current" else 202

    def with_overrides(self, **overrides: Any) -> "Settings":
        """A copy with the given fields changed; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Settings from ``FLOWSERVICE_MOCK_<FIELD>`` variables (upper-case field names)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _parse(f.name, raw)
        return cls(**values)


def _parse(name: str, raw: str) -> Any:
    try:
        return _parse_value(name, raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a number, not {shown(raw)}") from None


def _parse_value(name: str, raw: str) -> Any:
    if name in _INTEGERS:
        return parse_int(raw)
    if name in SERVER_INTEGERS:
        return parse_int(raw)
    if name == "scheduler_interval":
        return parse_number(raw)
    if name == "seed":
        return parse_int(raw) if raw.strip() else None
    if name in ("faults_file", "permissions_file", "data_dir", "s3_endpoint_url", "load_state", "secrets_key"):
        return raw.strip() or None
    if name in ("require_sandbox_header", "lenient_if_match", "reveal_secrets", "journal_admin"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if name == "sandboxes":
        return tuple(s.strip() for s in raw.split(",") if s.strip())
    return raw
