"""The engine: as the clock passes a flow's scheduled instants, runs are created and exported.

``catch_up()`` looks at every enabled flow of every tenant and creates a pending run for each
instant its schedule reached since it was last looked at; a single worker thread then exports
the runs one at a time, in order (one at a time keeps memory bounded whatever the data size).
It is called by a background ticker when the server runs, when the clock is moved, and before
runs are read, so an in-process app with no ticker sees the same runs.

What the engine remembers per flow (how far its schedule was looked at, the instant of the
last successful export of each audience or dataset) lives in the tenant, so a reset forgets it
with everything else.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import redaction
from ..domain import runs as runs_module
from ..store import StoreUnavailable, Tenant
from ..domain import schedule
from ..domain.flows import exported
from . import plans

if TYPE_CHECKING:
    from ..platform import Platform

#: Most runs one catch-up creates for one audience of one flow (a year of 3-hourly runs fits);
#: a longer jump of the clock gets the rest from the following catch-ups.
MAX_RUNS_PER_CATCH_UP = 3000
#: Seconds a process holds the right to create scheduled runs (renewed at every look); one that
#: dies holding it delays runs by at most this long.
LEASE_SECONDS = 10.0
#: The collections a schedule's due instants depend on (the flow, what it exports, where to).
SCHEDULE_INPUTS = ("flows", "sourceConnections", "targetConnections")
#: Scheduled runs get their id from their flow, audience or dataset, and instant: creating one
#: twice (two processes, or one before and after a restart) finds it there and skips it.
RUN_NAMESPACE = uuid.UUID("8d7f6c1e-3b1a-4f5e-9c2d-6a0b4e7f1d35")
#: Why a run ends failed when the process exporting it stopped.
INTERRUPTED = "The mock stopped while the run was in progress (its process ended); it was not retried."


@dataclass(frozen=True)
class Job:
    tenant: Tenant
    run_id: str
    plan: plans.Plan
    #: The instant the export happens at (its data is the data as of then).
    at: float
    #: A full export; otherwise what changed since the last successful scheduled export.
    full: bool
    #: Created by the schedule (the others do not move the incremental chain on).
    scheduled: bool


class Runner:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform
        self._catching_up = threading.Lock()
        #: Per tenant (sandbox id): the versions of what schedules read when it was last looked at,
        #: and the earliest instant any of its flows was then due.
        self._looked: dict[str, tuple[tuple, float]] = {}
        self._jobs: "queue.Queue[Job]" = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._worker: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._exporter: Any = None
        #: This process, as the owner of leases and of the runs it exports.
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"

    # --- creating runs ------------------------------------------------------------------------

    def catch_up(self) -> list[dict]:
        """Create the runs every enabled flow's schedule reached up to now; returns them."""
        created: list[dict] = []
        store = self.platform.store
        with self._catching_up:
            self.heartbeat()
            # One process at a time creates scheduled runs (the others find the lease taken).
            if not store.claim("catch-up", LEASE_SECONDS, self.owner):
                return created
            now = self.platform.clock.now()
            for tenant in store.tenants():
                created.extend(self._catch_up_tenant(tenant, now))
        return created

    def _catch_up_tenant(self, tenant: Tenant, now: float) -> list[dict]:
        # A tenant whose flows and connections are as they were when last looked at, with nothing
        # due before the earliest instant found then, costs three version reads, however many
        # flows it has: the ticker's pass and a read of runs stay independent of their number.
        versions = tuple(tenant.version(name) for name in SCHEDULE_INPUTS)
        looked = self._looked.get(tenant.sandbox_id)
        if looked is not None and None not in versions and looked[0] == versions and now < looked[1]:
            return []
        created: list[dict] = []
        next_due = float("inf")
        records = tenant.engine_states()  # one read per tenant, not one per flow
        for flow in tenant.values("flows"):
            state = _state(records.get(flow["id"]))
            created.extend(self._catch_up_flow(tenant, flow, state, now))
            next_due = min(next_due, state.next_due)
        # Read before the flows were: a change made meanwhile shows as a new version next time.
        self._looked[tenant.sandbox_id] = (versions, next_due)
        return created

    def _catch_up_flow(self, tenant: Tenant, flow: dict, state: "_FlowState", now: float) -> list[dict]:
        # The ticker looks at every flow every second: a flow unchanged since it was last looked
        # at, with nothing due before its known next run, costs one comparison.
        if state.version == (flow["etag"], flow.get("state")) and now < state.next_due:
            return []
        created = []
        next_due = float("inf")
        eval_at = self.platform.settings.segment_evaluation_time
        for entity, item in exported(tenant, flow):
            # A flow starts being looked at when it (or the audience) was added to it.
            added = float(item.get("createTime") or flow["createdAt"] / 1000)
            after = state.watermarks.get(entity, added)
            state.watermarks[entity] = now
            dataset = entity.startswith("dataset:")
            if flow.get("state") == "enabled" and after < now:
                if dataset:
                    due = schedule.due_dataset_runs(flow.get("scheduleParams") or {}, after=after, until=now,
                                                    created=added, first_run_done=entity in state.scheduled,
                                                    limit=MAX_RUNS_PER_CATCH_UP)
                else:
                    due = schedule.due_audience_runs(item, after=after, until=now, segment_eval_at=eval_at,
                                                     first_run_done=entity in state.scheduled,
                                                     limit=MAX_RUNS_PER_CATCH_UP)
                for instant in due:
                    state.scheduled[entity] = max(instant.at, state.scheduled.get(entity, instant.at))
                    run = self._queue_run(tenant, flow, entity, item, instant.at,
                                          full=instant.full, trigger="scheduled")
                    if run is not None:
                        created.append(run)
                if len(due) == MAX_RUNS_PER_CATCH_UP:
                    # Capped: the rest of the window comes with the next catch-up.
                    state.watermarks[entity] = due[-1].at
                    next_due = -float("inf")
            if dataset:
                upcoming = schedule.next_dataset_run(flow.get("scheduleParams") or {}, after=now, created=added)
            else:
                upcoming = schedule.next_audience_run(item, after=now, segment_eval_at=eval_at)
            if upcoming is not None:
                next_due = min(next_due, upcoming)
        state.version = (flow["etag"], flow.get("state"))
        state.next_due = next_due
        tenant.save_engine_state(flow["id"], state)
        return created

    def run_now(self, tenant: Tenant, flow: dict, entity_ids: list[str] | None = None,
                *, trigger: str = "manual") -> list[dict]:
        """Full exports of ``flow`` at the clock's now (ad hoc activation, the CLI's ``run``);
        ``entity_ids`` picks audiences or datasets (all if None). They leave the schedule's
        incremental chain alone: the next scheduled run still exports what changed since the
        last scheduled one."""
        now = self.platform.clock.now()
        chosen = [
            (entity, item) for entity, item in exported(tenant, flow)
            if entity_ids is None or entity.split(":", 1)[1] in entity_ids
        ]
        return [run for entity, item in chosen
                if (run := self._queue_run(tenant, flow, entity, item, now, full=True, trigger=trigger)) is not None]

    def _queue_run(self, tenant: Tenant, flow: dict, entity: str, item: dict, at: float, *,
                   full: bool, trigger: str) -> dict | None:
        plan = plans.plan(self.platform, tenant, flow, entity, item)
        run_id = None
        if trigger == "scheduled":
            run_id = str(uuid.uuid5(RUN_NAMESPACE, f"{tenant.sandbox_id}/{flow['id']}/{entity}/{at!r}"))
        run = self.platform.runs.create(tenant, flow, entity=entity, at_ms=int(at * 1000), trigger=trigger,
                                        run_id=run_id, owner=self.owner)
        if run is None:
            return None
        with self._idle:
            self._pending += 1
            self._jobs.put(Job(tenant, run["id"], plan, at, full, trigger == "scheduled"))
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="flowservice-mock-exports", daemon=True)
                self._worker.start()
        return run

    # --- exporting ----------------------------------------------------------------------------

    def _work(self) -> None:
        # The worker ends when there is nothing to do, so an idle mock (or a test's) keeps no thread.
        while True:
            with self._idle:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    self._worker = None
                    return
            try:
                self._execute(job)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _execute(self, job: Job) -> None:
        runs = self.platform.runs
        run = job.tenant.get("runs", job.run_id)
        if run is None:  # the tenant was reset meanwhile
            return
        state = _state(job.tenant.engine_state(job.plan.flow["id"]))
        # Incremental exports start where the last successful one ended, so a failed run's
        # changes are exported by the next run; with no success yet, the export is full.
        since = None if job.full else state.exported.get(job.plan.entity)
        start_ms = int(job.at * 1000)
        run = runs.start(job.tenant, run, start_ms)
        started = time.perf_counter()
        try:
            outcome, files = self.exporter.export(job.plan, at=job.at, since=since, run_id=run["id"])
        except Exception as exc:  # noqa: BLE001 - any failure is the run's, never the server's
            end_ms = start_ms + int((time.perf_counter() - started) * 1000)
            run = runs.fail(job.tenant, run, end_ms, _reason(exc, self._secrets(job.plan)))
        else:
            end_ms = start_ms + max(1, int((time.perf_counter() - started) * 1000))
            run = runs.succeed(job.tenant, run, end_ms, outcome, files)
            if job.scheduled:
                # After any catch-up pass in progress, which holds (and saves) the records it read.
                with self._catching_up:
                    state = _state(job.tenant.engine_state(job.plan.flow["id"]))
                    state.exported[job.plan.entity] = job.at
                    job.tenant.save_engine_state(job.plan.flow["id"], state)
        self.platform.flows.note_run(job.tenant, job.plan.flow["id"], run)

    def _secrets(self, plan: Any) -> list[str]:
        """The secret auth params of the base connection the export logs in with."""
        auth = (plan.base or {}).get("auth") or {}
        catalog = self.platform.catalog
        auth_spec = catalog.auth_spec(plan.spec, auth.get("specName")) if plan.spec else None
        keys = catalog.secret_keys(auth_spec) if auth_spec else frozenset()
        return [v for k, v in (auth.get("params") or {}).items() if k in keys and isinstance(v, str)]

    @property
    def exporter(self) -> Any:
        if self._exporter is None:
            from .exports import Exporter  # pyarrow and the writers load with the first export

            self._exporter = Exporter(self.platform)
        return self._exporter

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until every queued run has finished; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # --- the ticker ---------------------------------------------------------------------------

    def heartbeat(self) -> None:
        """Say this process is alive (its runs in progress are its own, not left by a dead one)."""
        self.platform.store.claim(f"alive:{self.owner}", LEASE_SECONDS * 3, self.owner)

    def recover(self) -> list[dict]:
        """Fail the runs left pending or in progress by a process that stopped (this store's
        earlier life, or another process on it whose lease ran out); returns them."""
        store = self.platform.store
        failed = []
        now_ms = self.platform.clock.now_ms()
        for tenant in store.tenants():
            for run in tenant.values("runs"):
                status = run["metrics"]["statusSummary"]["status"]
                owner = run.get("_owner", "")
                if status not in (runs_module.PENDING, runs_module.IN_PROGRESS) or owner == self.owner:
                    continue
                # A live process renews its "alive" lease; taking it shows its owner is gone.
                if owner and not store.claim(f"alive:{owner}", 0.001, self.owner):
                    continue
                failed.append(self.platform.runs.fail(tenant, run, max(now_ms, run["updatedAt"]), INTERRUPTED))
        return failed

    def start(self) -> None:
        """Check for due runs every ``scheduler_interval`` seconds in a background thread."""
        interval = self.platform.settings.scheduler_interval
        if interval <= 0 or self._ticker is not None:
            return
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick, args=(interval,), name="flowservice-mock-scheduler",
                                        daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(5)
            self._ticker = None

    def _tick(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.platform.refresh()
                self.catch_up()
            except StoreUnavailable:
                continue  # the store is back at a later tick


@dataclass
class _FlowState:
    #: Per audience or dataset: the instant up to which the schedule has been looked at.
    watermarks: dict[str, float]
    #: Per audience or dataset: the instant of the last run created (the schedule's "first run").
    scheduled: dict[str, float]
    #: Per audience or dataset: the instant of the last successful export (incrementals start there).
    exported: dict[str, float]
    #: The flow's etag and state when last looked at, and its next run then.
    version: tuple[str, str | None] = ("", None)
    next_due: float = float("inf")


def _state(record: Any) -> _FlowState:
    """The engine's record of a flow as the store gave it: the object itself from memory, its
    JSON from a file or Redis, None when there is none. Callers save what they change."""
    if isinstance(record, _FlowState):
        return record
    if record is None:
        return _FlowState({}, {}, {})
    # JSON has no infinity: a missing next_due means "look again", the safe side.
    return _FlowState(record["watermarks"], record["scheduled"], record["exported"],
                      tuple(record.get("version") or ("", None)), record.get("next_due") or -float("inf"))


def _reason(exc: BaseException, secrets: list[str]) -> str:
    """The failure as the run's metrics tell it, without the credentials the export logged in with."""
    text = redaction.scrub(str(exc).strip() or type(exc).__name__, secrets)
    return text if len(text) < 1000 else text[:997] + "..."

