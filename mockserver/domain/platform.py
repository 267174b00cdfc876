"""The emulated service as one object: catalogue, store, clock, ids and the resources."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from ..checks.faults import FaultRules
from ..checks.journal import Journal
from ..clock import Clock
from ..engine.runner import Runner
from ..platform_data import list_datasets
from ..settings import Settings
from ..store import IdFactory, MemoryStore
from .adhoc import AdhocActivation
from .catalog import Catalog
from .connections import Connections
from .context import Caller
from .dataprep import DataPrep
from .flows import Flows
from .runs import Runs
from .source_connections import SourceConnections
from .target_connections import TargetConnections


class Platform:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        catalog: Catalog | None = None,
        store: MemoryStore | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.catalog = catalog or Catalog()
        self.store = store or MemoryStore()
        self.clock = clock or Clock()
        self.ids = IdFactory(self.settings.seed)
        self.connections = Connections(self)
        self.source_connections = SourceConnections(self)
        self.target_connections = TargetConnections(self)
        self.flows = Flows(self)
        # What the HTTP edge records and injects (mockserver.api.wire): per platform, so that a
        # fresh platform starts with an empty journal and no faults. Not touched by reset().
        self.journal = Journal(self.settings.journal_size, self.settings.journal_body_limit,
                               self.catalog.all_secret_keys(), self.settings.reveal_secrets)
        self.faults = FaultRules(self.settings.seed)
        if self.settings.faults_file:
            self.faults.load_file(self.settings.faults_file)
        self.dataprep = DataPrep(self)
        self.runs = Runs(self)
        self.adhoc = AdhocActivation(self)
        self.runner = Runner(self)
        self._data: Any = None

    @cached_property
    def datasets(self) -> list[dict]:
        """The Catalog datasets flows can export (the configs endpoint lists them); no pyarrow."""
        return list_datasets(self.settings.data_dir)

    @property
    def data(self) -> Any:
        """The Platform data flows export: the data directory's, or demo data made on first use."""
        if self._data is None:
            from ..platform_data import PlatformData  # pyarrow loads with the first export

            if self.settings.data_dir:
                self._data = PlatformData.open(self.settings.data_dir)
            else:
                # Demo memberships are spread around the day the clock shows when first asked.
                today = self.clock.now() // 86400 * 86400
                self._data = PlatformData.demo(seed=self.settings.seed or 0, reference_time=today)
        return self._data

    def reset(self, org: str | None = None, sandbox: str | None = None) -> int:
        """Forget tenants (all, or those matching); a full reset also restarts the id sequence and
        lets the demo data be made again around the clock's day when next used."""
        removed = self.store.reset(org, sandbox)
        if org is None and sandbox is None:
            self.ids.reseed(self.settings.seed)
            self._data = None
        return removed

    # --- references between resources ------------------------------------------------------

    def flows_referencing(self, caller: Caller, key: str, entity_id: str) -> list[dict]:
        """Flows whose ``key`` (sourceConnectionIds or targetConnectionIds) holds ``entity_id``."""
        return [f for f in caller.tenant.values("flows") if entity_id in f.get(key, ())]

    def flows_using_base_connection(self, caller: Caller, base_id: str) -> list[dict]:
        users = [
            flow for flow in caller.tenant.values("flows")
            for ref in (flow["inheritedAttributes"]["sourceConnections"]
                        + flow["inheritedAttributes"]["targetConnections"])
            if (ref.get("baseConnection") or {}).get("id") == base_id
        ]
        return users
