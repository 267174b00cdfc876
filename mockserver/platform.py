"""The composition root: the emulated service as one object, wiring the catalogue, the store, the
clock, ids, the resources, the engine, the journal, fault rules and permissions.

It lives above the rooms it wires (``domain``, ``engine``, ``checks``), so that none of them
imports another's internals through it: the domain imports neither the engine nor the checks.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .checks.faults import FaultRules
from .checks.journal import Journal
from .clock import Clock
from .domain.adhoc import AdhocActivation
from .domain.catalog import Catalog
from .domain.connections import Connections
from .domain.context import Caller
from .domain.dataprep import DataPrep
from .domain.flows import Flows
from .domain.listing import Listings
from .domain.permissions import Permissions
from .domain.references import FlowReferences
from .domain.runs import Runs
from .domain.source_connections import SourceConnections
from .domain.target_connections import TargetConnections
from .engine.runner import Runner
from .platform_data import list_datasets
from .settings import Settings
from .store import IdFactory, MemoryStore, Store, open_store


class Platform:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        catalog: Catalog | None = None,
        store: Store | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.catalog = catalog or Catalog()
        #: StoreUnavailable when the store cannot be opened (``serve`` turns it into one line).
        self.store: Store = store or open_store(self.settings.store)
        self.clock = clock or Clock()
        # In memory the sequence is the process's own; a lasting store's is shared (store/ids.py).
        lasting = type(self.store) is not MemoryStore
        self.ids = IdFactory(self.settings.seed,
                             counter=(lambda: self.store.next_sequence("ids")) if lasting else None)
        self.connections = Connections(self)
        self.source_connections = SourceConnections(self)
        self.target_connections = TargetConnections(self)
        self.flows = Flows(self)
        # What the HTTP edge records and injects (mockserver.api.wire): per platform, so that a
        # fresh platform starts with an empty journal and no faults. Not touched by reset().
        #: Sorted selections of recent list requests, kept while their collection is unchanged.
        self.listings = Listings()
        #: Which flows use each connection, per tenant, kept while its flows are unchanged.
        self.references = FlowReferences()
        self.journal = Journal(self.settings.journal_size, self.settings.journal_body_limit,
                               self.catalog.all_secret_keys(), self.settings.reveal_secrets)
        self.faults = FaultRules(self.settings.seed)
        if self.settings.faults_file:
            self.faults.load_file(self.settings.faults_file)
        # Who holds which permissions (configuration, like the fault rules: reset() leaves it).
        self.permissions = Permissions(self.settings.permissions_file)
        self.dataprep = DataPrep(self)
        self.runs = Runs(self)
        self.adhoc = AdhocActivation(self)
        self.runner = Runner(self)
        self._data: Any = None
        # The clock, fault rules and permissions live in the store, so that every process on it
        # (and the next one to start) sees the same; each process reloads them when they change.
        self._shared = {"clock": self.clock, "faults": self.faults, "permissions": self.permissions}
        self._meta_seen = -1
        self._adopt_shared_state()
        if lasting:
            self.runner.heartbeat()
            self.runner.recover()

    def _adopt_shared_state(self) -> None:
        """Take what the store holds; what it does not hold yet is this process's start-up state."""
        for key, holder in self._shared.items():
            stored = self.store.meta(key)
            if stored is not None and not (key != "clock" and self._configured(key)):
                holder.load(stored)
            elif holder.state() not in (None, []) or stored is not None:
                self.store.set_meta(key, holder.state())
            holder.on_change = lambda key=key, holder=holder: self._publish(key, holder)
        self._meta_seen = self.store.meta_version()

    def _configured(self, key: str) -> bool:
        """Whether the settings give this process its own start-up rules (a faults or permissions file)."""
        return bool(self.settings.faults_file if key == "faults" else self.settings.permissions_file)

    def _publish(self, key: str, holder: Any) -> None:
        self.store.set_meta(key, holder.state())
        self._meta_seen = self.store.meta_version()

    def refresh(self) -> None:
        """Reload the shared state when another process changed it (one look at the store)."""
        version = self.store.meta_version()
        if version != self._meta_seen:
            self._meta_seen = version
            for key, holder in self._shared.items():
                holder.load(self.store.meta(key))

    @cached_property
    def datasets(self) -> list[dict]:
        """The Catalog datasets flows can export (the configs endpoint lists them); no pyarrow."""
        return list_datasets(self.settings.data_dir)

    @property
    def data(self) -> Any:
        """The Platform data flows export: the data directory's, or demo data made on first use."""
        if self._data is None:
            from .platform_data import PlatformData  # pyarrow loads with the first export

            if self.settings.data_dir:
                self._data = PlatformData.open(self.settings.data_dir)
            else:
                # Demo memberships are spread around the day the clock shows when first asked.
                today = self.clock.now() // 86400 * 86400
                self._data = PlatformData.demo(seed=self.settings.seed or 0, reference_time=today)
        return self._data

    def close(self, timeout: float = 5.0) -> None:
        """Stop the ticker, let queued runs end (up to ``timeout`` seconds), release the store."""
        self.runner.stop()
        self.runner.wait(timeout)
        self.store.close()

    def reset(self, org: str | None = None, sandbox: str | None = None) -> int:
        """Forget tenants (all, or those matching); a full reset also restarts the id sequence and
        lets the demo data be made again around the clock's day when next used."""
        removed = self.store.reset(org, sandbox)
        if org is None and sandbox is None:
            self.ids.reseed(self.settings.seed)
            self.store.reset_sequence("ids")
            self._data = None
        return removed

    # --- snapshots (mockserver/snapshot.py) --------------------------------------------------

    def state_document(self, org: str | None = None, sandbox: str | None = None) -> dict:
        from . import snapshot

        return snapshot.dump(self, org, sandbox)

    def load_state(self, document: Any) -> int:
        from . import snapshot

        return snapshot.load(self, document)

    def load_state_file(self, path: str) -> int:
        """Load a snapshot file; ValueError with the reason when it cannot be read or loaded."""
        from . import snapshot
        from .domain.errors import FlowServiceError

        try:
            return snapshot.load(self, snapshot.read_file(path))
        except FlowServiceError as exc:
            raise ValueError(f"cannot load the snapshot {path}: {exc.message}") from None

    # --- references between resources ------------------------------------------------------

    def flows_referencing(self, caller: Caller, key: str, entity_id: str) -> list[dict]:
        """Flows whose ``key`` (sourceConnectionIds or targetConnectionIds) holds ``entity_id``."""
        return self.references.flows(caller.tenant, key, entity_id)

    def flows_using_base_connection(self, caller: Caller, base_id: str) -> list[dict]:
        return self.references.flows(caller.tenant, "baseConnection", base_id)
