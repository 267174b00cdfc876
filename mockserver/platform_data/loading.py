"""``load``: a data directory from user files (profiles, audiences, dataset rows)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from . import files, model
from .datadir import DATASET_ID, Staging, packaged_datasets, read_json
from .errors import DataError
from .parquet_files import ahead, read_parquet, write_parquet
from .uniqueness import RepeatFinder

SCHEMA_BASE = "https://ns.adobe.com/flowservicemock/schemas/"


def load(data_dir: str | Path, *, profiles: str | Path | None = None, audiences: str | Path | None = None,
         datasets: Mapping[str, str | Path] | None = None) -> None:
    """Replace the profiles, the audiences and/or the rows of some datasets of ``data_dir`` by those of
    user files; what is not named is kept. Every file is checked before anything in ``data_dir`` changes.
    Without an audiences file, each segment id the profiles name that no audience has gets one."""
    datasets = dict(datasets or {})
    if profiles is None and audiences is None and not datasets:
        raise DataError("nothing to load: name a profiles file, an audiences file or a dataset")
    for dataset_id, path in datasets.items():
        if not DATASET_ID.match(dataset_id):
            raise DataError(f"dataset id {dataset_id!r}: use letters, digits, '-' and '_'")
        files.file_format(Path(path))
    root = Path(data_dir)
    now_ms = int(time.time() * 1000)
    loaded_audiences = _read_audiences(Path(audiences), now_ms) if audiences is not None else None
    with Staging(root) as staging:
        segment_ids: set[str] = set()
        if profiles is not None:
            segment_ids = _write_profiles(Path(profiles), staging)
        if loaded_audiences is not None:
            staging.write_json(model.AUDIENCES_FILE, loaded_audiences)
        elif segment_ids:
            known = read_json(root / model.AUDIENCES_FILE, [])
            have = {a.get("id") for a in known}
            added = [_unnamed_audience(s, now_ms) for s in sorted(segment_ids - have)]
            if added or not (root / model.AUDIENCES_FILE).exists():
                staging.write_json(model.AUDIENCES_FILE, known + added)
        if datasets:
            _write_datasets(root, datasets, staging, now_ms)


def _write_profiles(path: Path, staging: Staging) -> set[str]:
    segment_ids: set[str] = set()
    keys = RepeatFinder()

    def checked(batches):
        for batch in batches:
            segments = pc.list_flatten(batch.column(model.MEMBERSHIP)).field("segmentId")
            segment_ids.update(pc.unique(segments).to_pylist())
            keys.add(batch.column(model.ECID))
            yield batch

    written = staging.path(model.PROFILES_FILE)
    write_parquet(written, ahead(checked(files.profile_batches(path))), model.profile_schema())
    repeated = keys.repeated(b.column(0) for b in read_parquet(written, files.BATCH_ROWS, [model.ECID]))
    if repeated:
        raise DataError(f"{path}: {repeated} profile(s) repeat an {model.ECID} already seen")
    return segment_ids


def _read_audiences(path: Path, now_ms: int) -> list[dict]:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
        raise DataError(f"{path}: audiences are JSON (a list, or {{\"segments\": [...]}}) or JSON lines")
    import json

    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            value = json.loads(text)
        else:
            value = [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise DataError(f"{path}: not JSON ({exc})") from None
    if isinstance(value, dict):  # the Segmentation Service's list answer
        value = value.get("segments", value.get("children"))
    if not isinstance(value, list):
        raise DataError(f"{path}: expected a list of audiences")
    seen: set[str] = set()
    audiences = []
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise DataError(f"{path}: audience {number} has no id")
        if item["id"] in seen:
            raise DataError(f"{path}: audience id {item['id']} appears twice")
        seen.add(item["id"])
        audiences.append({
            "name": item["id"], "description": "",
            "expression": {"type": "PQL", "format": "pql/text", "value": ""},
            "createdAt": now_ms, "updatedAt": now_ms, **item,
        })
    return audiences


def _unnamed_audience(segment_id: str, now_ms: int) -> dict:
    return {"id": segment_id, "name": f"Audience {segment_id}", "description": "Named by a loaded profile's membership",
            "expression": {"type": "PQL", "format": "pql/text", "value": ""}, "createdAt": now_ms, "updatedAt": now_ms}


def _write_datasets(root: Path, datasets: Mapping[str, str | Path], staging: Staging, now_ms: int) -> None:
    listed = read_json(root / model.DATASETS_FILE, [])
    index = {d["id"]: i for i, d in enumerate(listed)}
    packaged = {d["id"]: d for d in packaged_datasets()}
    for dataset_id, path in datasets.items():
        path = Path(path)
        table_rows = files.dataset_batches(path, now_ms)
        write_parquet(staging.path(f"{model.DATASETS_DIR}/{dataset_id}.parquet"), table_rows,
                      pa.schema([pa.field(model.INGEST_TIME, model.timestamp_type())]))
        if dataset_id not in index:
            index[dataset_id] = len(listed)
            listed.append(packaged.get(dataset_id) or _new_dataset(dataset_id, path, now_ms))
    staging.write_json(model.DATASETS_FILE, listed)


def _new_dataset(dataset_id: str, path: Path, now_ms: int) -> dict:
    """A Catalog entry shaped like the packaged ones, for a dataset id the mock did not know."""
    name = path.name.split(".")[0]
    return {
        "id": dataset_id, "name": name, "description": f"Loaded from {path.name}", "tags": {},
        "schemaRef": {"id": f"{SCHEMA_BASE}{uuid.uuid5(uuid.NAMESPACE_URL, dataset_id).hex}",
                      "contentType": "application/vnd.adobe.xed-full+json;version=1"},
        "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
        "aspect": "production", "state": "DRAFT", "version": "1.0.0", "created": now_ms, "updated": now_ms,
        "createdClient": "flowservice-mock", "createdUser": "flowservice-mock@AdobeID",
        "updatedUser": "flowservice-mock@AdobeID", "viewId": uuid.uuid5(uuid.NAMESPACE_OID, dataset_id).hex[:24],
        "files": f"@/dataSetFiles?dataSetId={dataset_id}", "enableErrorDiagnostics": False,
    }
