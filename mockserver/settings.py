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

#: Response profiles: how PATCH of a flow and DELETE answer (docs/fidelity.md, §7.5).
PROFILES = ("default", "seed", "current")

ENV_PREFIX = "FLOWSERVICE_MOCK_"
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
    #: Worker threads of the WSGI server.
    threads: int = 8
    #: Exchanges the request journal keeps (a ring: the oldest go first); 0 turns it off.
    journal_size: int = 1000
    #: Bytes of each request and response body the journal keeps (longer ones keep head and tail).
    journal_body_limit: int = 8192
    #: Journal the mock's own /_mock/ requests too (off: they would crowd out the client's).
    journal_admin: bool = False
    #: A JSON file of fault rules to load at start (a list of rules, as POST /_mock/faults takes).
    faults_file: str | None = None
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

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {self.profile!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, not {self.port}")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if self.journal_size < 0 or self.journal_body_limit < 0:
            raise ValueError("journal_size and journal_body_limit must not be negative")
        if self.export_max_rows < 1:
            raise ValueError("export_max_rows must be at least 1")
        if self.scheduler_interval < 0:
            raise ValueError("scheduler_interval must not be negative")
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
    if name in ("port", "threads", "journal_size", "journal_body_limit", "export_max_rows"):
        return int(raw)
    if name == "scheduler_interval":
        return float(raw)
    if name == "seed":
        return int(raw) if raw.strip() else None
    if name in ("faults_file", "data_dir", "s3_endpoint_url"):
        return raw.strip() or None
    if name in ("require_sandbox_header", "lenient_if_match", "reveal_secrets", "journal_admin"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if name == "sandboxes":
        return tuple(s.strip() for s in raw.split(",") if s.strip())
    return raw
