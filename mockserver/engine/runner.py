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

import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..store import Tenant
from . import plans, schedule

if TYPE_CHECKING:
    from ..domain.platform import Platform

#: Most runs one catch-up creates for one audience of one flow (a year of 3-hourly runs fits);
#: a longer jump of the clock gets the rest from the following catch-ups.
MAX_RUNS_PER_CATCH_UP = 3000


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
        self._jobs: "queue.Queue[Job]" = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._worker: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._exporter: Any = None

    # --- creating runs ------------------------------------------------------------------------

    def catch_up(self) -> list[dict]:
        """Create the runs every enabled flow's schedule reached up to now; returns them."""
        created: list[dict] = []
        with self._catching_up:
            now = self.platform.clock.now()
            for tenant in self.platform.store.tenants():
                for flow in tenant.values("flows"):
                    created.extend(self._catch_up_flow(tenant, flow, now))
        return created

    def _catch_up_flow(self, tenant: Tenant, flow: dict, now: float) -> list[dict]:
        state = _state(tenant, flow["id"])
        # The ticker looks at every flow every second: a flow unchanged since it was last looked
        # at, with nothing due before its known next run, costs one comparison.
        if state.version == (flow["etag"], flow.get("state")) and now < state.next_due:
            return []
        created = []
        next_due = float("inf")
        eval_at = self.platform.settings.segment_evaluation_time
        for entity, item in plans.entities(tenant, flow):
            # A flow starts being looked at when it (or the audience) was added to it.
            added = float(item.get("createTime") or flow["createdAt"] / 1000)
            after = state.watermarks.get(entity, added)
            state.watermarks[entity] = now
            dataset = entity.startswith("dataset:")
            if flow.get("state") == "enabled" and after < now:
                if dataset:
                    due = schedule.due_dataset_runs(flow.get("scheduleParams") or {}, after=after, until=now,
                                                    first_run_done=entity in state.scheduled,
                                                    limit=MAX_RUNS_PER_CATCH_UP)
                else:
                    due = schedule.due_audience_runs(item, after=after, until=now, segment_eval_at=eval_at,
                                                     first_run_done=entity in state.scheduled,
                                                     limit=MAX_RUNS_PER_CATCH_UP)
                for instant in due:
                    created.append(self._queue_run(tenant, flow, entity, item, instant.at,
                                                   full=instant.full, trigger="scheduled"))
                if len(due) == MAX_RUNS_PER_CATCH_UP:
                    # Capped: the rest of the window comes with the next catch-up.
                    state.watermarks[entity] = due[-1].at
                    next_due = -float("inf")
            upcoming = (schedule.next_dataset_run(flow.get("scheduleParams") or {}, after=now) if dataset
                        else schedule.next_audience_run(item, after=now, segment_eval_at=eval_at))
            if upcoming is not None:
                next_due = min(next_due, upcoming)
        state.version = (flow["etag"], flow.get("state"))
        state.next_due = next_due
        return created

    def run_now(self, tenant: Tenant, flow: dict, entity_ids: list[str] | None = None,
                *, trigger: str = "manual") -> list[dict]:
        """Full exports of ``flow`` at the clock's now (ad hoc activation, the CLI's ``run``);
        ``entity_ids`` picks audiences or datasets (all if None). They leave the schedule's
        incremental chain alone: the next scheduled run still exports what changed since the
        last scheduled one."""
        now = self.platform.clock.now()
        chosen = [
            (entity, item) for entity, item in plans.entities(tenant, flow)
            if entity_ids is None or entity.split(":", 1)[1] in entity_ids
        ]
        return [self._queue_run(tenant, flow, entity, item, now, full=True, trigger=trigger)
                for entity, item in chosen]

    def _queue_run(self, tenant: Tenant, flow: dict, entity: str, item: dict, at: float, *,
                   full: bool, trigger: str) -> dict:
        plan = plans.plan(self.platform, tenant, flow, entity, item)
        if trigger == "scheduled":
            state = _state(tenant, flow["id"])
            state.scheduled[entity] = max(at, state.scheduled.get(entity, at))
        run = self.platform.runs.create(tenant, flow, entity=entity, at_ms=int(at * 1000), trigger=trigger)
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
        state = _state(job.tenant, job.plan.flow["id"])
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
            run = runs.fail(job.tenant, run, end_ms, _reason(exc))
        else:
            end_ms = start_ms + max(1, int((time.perf_counter() - started) * 1000))
            run = runs.succeed(job.tenant, run, end_ms, outcome, files)
            if job.scheduled:
                state.exported[job.plan.entity] = job.at
        self.platform.flows.note_run(job.tenant, job.plan.flow["id"], run)

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
            self.catch_up()


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


def _state(tenant: Tenant, flow_id: str) -> _FlowState:
    state = tenant.engine.get(flow_id)
    if state is None:
        state = tenant.engine[flow_id] = _FlowState({}, {}, {})
    return state


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 1000 else text[:997] + "..."

