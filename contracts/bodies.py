"""Ids of the published catalogue and request bodies taken from the official examples."""

from __future__ import annotations

import re
import time

PROFILE_STORE = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
DATA_LAKE = "23598e46-f560-407b-88d5-ea6207e49db0"
S3 = "4fce964d-3f37-408f-9778-e597338a21ee"
S3_SEGMENT_FLOW = "1a0514a6-33d4-4c7f-aff8-594799c47549"
S3_DATASET_FLOW = "269ba276-16fc-47db-92b0-c1049a3c131f"
CAMPAIGN = "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"
LEGACY_FLOW = "71471eba-b620-49e4-90fd-23f1fa0174d8"
#: The batch destinations of the seed's table (CA).
SEED_SPECS = {
    CAMPAIGN, "4890fc95-5a1f-4983-94bb-e060c08e3f81", "e258278b-a4cf-43ac-b158-4fa0ca0d948b",
    "c1e44b6b-e7c8-404b-9031-58f0ef760604", "a5e28ddf-e265-426e-83a1-9d03a3a6822b",
    "f599a5b3-60a7-4951-950a-cc4115c7ea27", "64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0",
}
UNKNOWN_ID = "00000000-0000-4000-8000-0000c0ffee00"
#: DY: an etag is a quoted string (Cosmos DB's shape in every example).
ETAG = re.compile(r'^"[^"]+"$')
ERROR_TYPE = re.compile(r"^https://ns\.adobe\.com/aep/errors/FLOW-(\d{4})-(\d{3})$")
SELECTORS = "/transformations/0/params/segmentSelectors/selectors"
PROFILE_SELECTORS = "/transformations/0/params/profileSelectors/selectors"


def spec(spec_id: str) -> dict:
    return {"id": spec_id, "version": "1.0"}


def s3_connection() -> dict:
    return {"name": "S3 account", "connectionSpec": spec(S3),
            "auth": {"specName": "Access Key",
                     "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": "s" * 40}}}


def s3_target(base_id: str, **params) -> dict:
    return {"name": "S3 location", "baseConnectionId": base_id, "connectionSpec": spec(S3),
            "params": {"mode": "Server-to-server", "bucketName": "contract-bucket", "path": "exports",
                       "compression": "GZIP", "fileType": "CSV", **params}}


def profile_source() -> dict:
    return {"name": "Profiles", "description": "Profile Store", "connectionSpec": spec(PROFILE_STORE)}


def dataset_source(dataset_id: str = "616d53e0a6de2719486fb024") -> dict:
    return {"name": "Datasets", "connectionSpec": spec(DATA_LAKE),
            "params": {"datasets": [{"dataSetId": dataset_id, "name": "Contract dataset"}]}}


def audience_flow(source_id: str, target_id: str, flow_spec: str = S3_SEGMENT_FLOW) -> dict:
    return {"name": "Audiences to S3", "flowSpec": spec(flow_spec),
            "sourceConnectionIds": [source_id], "targetConnectionIds": [target_id],
            "transformations": [{"name": "GeneralTransform", "params": {
                "mandatoryFields": [], "primaryFields": [], "profileMapping": {},
                "segmentSelectors": {"selectors": []}}}]}


def selector(segment_id: str, frequency: str = "DAILY", mode: str = "DAILY_FULL_EXPORT") -> dict:
    start = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    return {"type": "PLATFORM_SEGMENT", "value": {
        "id": segment_id, "name": f"Audience {segment_id}", "exportMode": mode,
        "schedule": {"frequency": frequency, "triggerType": "SCHEDULED", "startDate": start, "startTime": "10:00"},
        "filenameTemplate": "%DESTINATION%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"}}
