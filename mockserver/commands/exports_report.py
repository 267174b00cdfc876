"""Printing runs and the files they wrote, for the ``clock`` and ``run`` commands."""

from __future__ import annotations

from datetime import datetime, timezone


def print_runs(runs: list[dict], *, still_running: bool = False) -> None:
    if not runs:
        print("no run")
    for run in runs:
        at = datetime.fromtimestamp(run["createdAt"] / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        what = f"audience {run['segmentId']}" if "segmentId" in run else f"dataset {run.get('datasetId')}"
        print(f"run {run['runId']} of flow {run['flowId']} ({what}) at {at}: {run['status']}")
        if run.get("error"):
            print(f"  error: {run['error']}")
        for item in run.get("files", []):
            print(f"  {item['location']}  {item['rows']} rows, {item['bytes']} bytes")
    if still_running:
        print("(some exports are still running: GET /_mock/exports shows them when done)")
