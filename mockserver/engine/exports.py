"""One run's export: the plan's data, through the writers, into the destination's storage.

Ties together the Platform data (mockserver/platform_data), the selection and writers
(export.py, writers.py), file names (naming.py) and storage (storage.py). Imported with the
first export, so the server starts without pyarrow or boto3.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..domain.flows import NEW_CARDS_PROVIDER_ID
from ..domain.runs import Outcome
from . import naming, plans
from .export import Column, ExportResult, audience_input_columns, export_audience, export_dataset
from .storage import LocalStorage, PartSink, S3Storage

if TYPE_CHECKING:
    from ..platform import Platform

SKIP_REASONS = {
    "mandatory": "Records didn't match attribute filter.",
    "duplicate": "Records were duplicates of the deduplication key.",
}
#: Destinations whose files go to the S3 endpoint when one is set.
S3_SPEC_NAMES = ("Amazon S3",)


class Exporter:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform
        self.local = LocalStorage(platform.settings.storage_root)

    def export(self, plan: plans.Plan, *, at: float, since: float | None, run_id: str) -> tuple[Outcome, list[dict]]:
        """Write the plan's files; returns what the run's metrics report and the files written.
        Raises on any failure, with nothing committed."""
        storage, location, open_part = self._target(plan, at, run_id)
        opened: list[PartSink] = []
        ready: list[PartSink] = []

        def open_deferred(part: int) -> PartSink:
            opened.append(open_part(part))
            return _Deferred(opened[-1], ready)

        try:
            if plan.kind == "dataset":
                result = self._dataset(plan, at, since, open_deferred)
            else:
                result = self._audience(plan, at, since, open_deferred)
            files = [{"part": f.part, "location": f.location, "rows": f.rows, "bytes": f.bytes}
                     for f in result.files]
            if plan.manifest:
                opened.append(self._manifest(storage, location, plan, at, run_id, result))
                files.append({"part": 0, "location": opened[-1].location, "rows": 0,
                              "bytes": opened[-1].size, "manifest": True})
                ready.append(opened[-1])
            # Nothing is published until everything is written: a failed manifest leaves no data file.
            for sink in ready:
                sink.commit()
        except BaseException:
            for sink in opened:
                sink.abort()
            raise
        skipped = tuple((SKIP_REASONS.get(reason, reason), count) for reason, count in result.skipped.items() if count)
        outcome = Outcome(
            input_records=result.input_rows, output_records=result.output_rows,
            skipped_records=result.skipped_rows, output_bytes=sum(f.bytes for f in result.files),
            output_files=len(result.files), skipped_reasons=skipped,
        )
        return outcome, files

    # --- what is exported ---------------------------------------------------------------------

    def _audience(self, plan: plans.Plan, at: float, since: float | None, open_part: Any) -> ExportResult:
        data = self.platform.data
        columns = [Column(source, name) for source, name in plan.columns]
        mandatory, dedup = list(plan.mandatory), list(plan.dedup)
        available = set(data.profile_schema().names)
        # Attributes no profile has are exported empty (export.py fills them), not read.
        wanted = [c for c in audience_input_columns(columns, mandatory, dedup) if c in available]
        return export_audience(
            data.profile_readers(columns=wanted), audience_id=plan.entity_id, columns=columns,
            mandatory=mandatory, dedup=dedup, since=since, until=at, file_format=plan.file_format,
            compression=plan.compression, csv_options=plan.csv_options,
            max_rows=self.platform.settings.export_max_rows, open_part=open_part,
        )

    def _dataset(self, plan: plans.Plan, at: float, since: float | None, open_part: Any) -> ExportResult:
        data = self.platform.data
        if data.dataset(plan.entity_id) is None:
            raise LookupError(f"Dataset {plan.entity_id} has no data in this mock (see `flowservice-mock load`).")
        return export_dataset(
            data.dataset_batches(plan.entity_id), since=since, until=at, file_format=plan.file_format,
            compression=plan.compression, max_rows=self.platform.settings.export_max_rows, open_part=open_part,
        )

    # --- where it goes --------------------------------------------------------------------------

    def _target(self, plan: plans.Plan, at: float, run_id: str) -> tuple[Any, naming.Location, Any]:
        flow, spec = plan.flow, plan.spec
        names = {
            "destination_name": spec["name"].replace(" ", ""),
            "flow_id": flow["id"], "flow_name": flow.get("name", ""),
            "org_name": flow["imsOrgId"].split("@", 1)[0], "sandbox_name": flow["sandboxName"],
        }
        dataset = plan.kind == "dataset"
        extension = naming.extension(plan.file_format, plan.compression, dataset=dataset)
        if dataset:
            meta = self.platform.data.dataset(plan.entity_id) or {}
            root = naming.destination_root(spec, plan.params)
            schedule = flow.get("scheduleParams") or {}
            template = schedule.get("folderNameTemplate") or schedule.get("foldernameTemplate")
            folder = naming.dataset_folder(template, dataset_id=plan.entity_id, dataset_name=meta.get("name", ""),
                                           at=at, **names)
            location = naming.Location(root.container, root.key(folder))

            def name(part: int) -> str:
                return naming.dataset_file_name(run_id, part=part, extension=extension)
        else:
            segment_name = plan.item.get("name") or ""
            location = naming.destination_root(spec, plan.params, segment_id=plan.entity_id,
                                               segment_name=segment_name)
            legacy = spec.get("providerId") != NEW_CARDS_PROVIDER_ID
            template = plan.item.get("filenameTemplate")

            def name(part: int) -> str:
                return naming.audience_file_name(template, legacy=legacy, segment_id=plan.entity_id,
                                                 segment_name=segment_name, at=at, extension=extension,
                                                 part=part, **names)
        storage = self._storage(plan)

        def open_part(part: int) -> PartSink:
            return storage.open(location.container, location.key(name(part)))

        return storage, location, open_part

    def _storage(self, plan: plans.Plan) -> Any:
        endpoint = self.platform.settings.s3_endpoint_url
        s3 = plan.spec["name"] in S3_SPEC_NAMES or plan.params.get("mode") == "S3"
        if not (endpoint and s3):
            return self.local
        auth = (plan.base.get("auth") or {}).get("params") or {}
        # Role-based S3 auth carries no keys: the endpoint's own credentials rules apply.
        return S3Storage(endpoint, auth.get("s3AccessKey") or "flowservice-mock",
                         auth.get("s3SecretKey") or "flowservice-mock")

    def _manifest(self, storage: Any, location: naming.Location, plan: plans.Plan, at: float,
                  run_id: str, result: ExportResult) -> PartSink:
        """``manifest-<flowId>-<runId>.json`` next to the files (docs/fidelity.md, "Manifests"),
        written but not yet committed."""
        body = {
            "flowRunId": run_id,
            "scheduledTime": datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "exportResults": [
                {"sinkPath": "/" + location.prefix, "name": f.location.rsplit("/", 1)[1], "size": f.bytes}
                for f in result.files
            ],
        }
        data = json.dumps(body, indent=2).encode()
        sink = storage.open(location.container, location.key(f"manifest-{plan.flow['id']}-{run_id}.json"))
        try:
            sink.write(data)
            sink.close()
        except BaseException:
            sink.abort()
            raise
        return sink


class _Deferred:
    """A part whose ``commit()`` waits until the whole export, manifest included, is written."""

    def __init__(self, sink: PartSink, ready: list[PartSink]) -> None:
        self._sink = sink
        self._ready = ready

    def commit(self) -> None:
        self._ready.append(self._sink)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sink, name)
