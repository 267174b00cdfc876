"""The run engine in the mock's OpenAPI document: what runs look like, the Ad Hoc Activation API
(``mockserver/api/adhoc.py``) and the engine's admin API (``mockserver/api/engine.py``: clock,
run a flow now, the files exports wrote).

The ad hoc activation operation takes the wording, schemas and examples of the official Ad Hoc
Activation API document (``ad-hoc-activation.yaml``), narrowed to the rules the mock enforces.
"""

from __future__ import annotations

from ..domain import runs
from ..domain.adhoc import DATASET_MEDIA_TYPE, DATASET_READY_AFTER, MAX_AUDIENCES, V2_MEDIA_TYPE
from .spec import (
    ADMIN, EPOCH_MS, JSON, TAG_ADMIN, Schema, _error_response, array, boolean, enum, errors, integer, obj, ok,
    operation, ref, string,
)

TAG = "Ad hoc activation"
ADHOC = "/data/core/activation/disflowprovider/adhocrun"
V2_ACCEPT = f"{V2_MEDIA_TYPE}; version=2"
DATASET_ACCEPT = f"{DATASET_MEDIA_TYPE}; version=1"
NUMBER = {"type": "number"}
COUNT = integer(minimum=0)
STATUS = enum(runs.PENDING, runs.IN_PROGRESS, runs.SUCCESS, runs.FAILED,
              description="`pending` (created), `inProgress` (exporting), then `success` or `failed`.")
TRIGGERS = ("scheduled", "adhoc", "manual")
AUDIENCE_IDS = array(string("An audience ID.", minLength=1, pattern=r"\S"), minItems=1, uniqueItems=True)


# --- runs (§4.5) ---------------------------------------------------------------------------------------

def _entity_summary(*counts: str) -> Schema:
    return obj({"id": string("The audience or dataset: `segment:<id>` or `dataset:<id>`.",
                             pattern=r"^(segment|dataset):.+$"),
                **{name: COUNT for name in counts}}, ["id", *counts])


def _run_schemas() -> dict[str, Schema]:
    duration = obj(
        {"startedAtUTC": EPOCH_MS, "completedAtUTC": EPOCH_MS},
        ["startedAtUTC"],
        "Model for capturing metrics related to the duration of the dataflow run: from `inProgress` on; "
        "`completedAtUTC` once it has finished.",
        title="Duration Summary",
    )
    return {
        "RunStatus": STATUS,
        "DurationSummary": duration,
        "SizeSummary": obj(
            {"inputBytes": COUNT, "outputBytes": COUNT}, ["inputBytes", "outputBytes"],
            "Model for capturing data size metrics: the bytes of the files written (reported as input too, "
            "as in the documented example).",
            title="Size Summary",
        ),
        "FileSummary": obj(
            {"inputFileCount": COUNT, "outputFileCount": COUNT}, ["inputFileCount", "outputFileCount"],
            "Model for capturing file metrics: the data files written (not a manifest).",
            title="File Summary",
        ),
        "RunInfo": obj(
            {"code": string("A platform code, e.g. `ACTIVATION_BATCH-0000-SKIP`.", example=runs.SKIP_CODE),
             "message": string("Detailed description of the encountered error or warning."),
             "count": integer("Number of occurrences for current info code.", minimum=0)},
            ["code", "message"],
            "Details for a particular error or warning that occurred within the dataflow run (skipped or "
            "failed records).",
            title="Info",
        ),
        "RecordSummary": obj(
            {
                "inputRecordCount": COUNT, "createdRecordCount": COUNT, "outputRecordCount": COUNT,
                "skippedRecordCount": COUNT,
                "sourceSummaries": array(obj(
                    {"id": string("The source connection."), "inputRecordCount": COUNT,
                     "skippedRecordCount": COUNT,
                     "entitySummaries": array(_entity_summary("inputRecordCount", "skippedRecordCount"))},
                    ["id", "inputRecordCount", "skippedRecordCount", "entitySummaries"])),
                "targetSummaries": array(obj(
                    {"id": string("The target connection."), "createdRecordCount": COUNT,
                     "outputRecordCount": COUNT,
                     "entitySummaries": array(_entity_summary("createdRecordCount", "outputRecordCount"))},
                    ["id", "createdRecordCount", "outputRecordCount", "entitySummaries"])),
                "skippedInfo": array(ref("RunInfo"), "Why records were skipped, with counts."),
                "failedInfo": array(ref("RunInfo"), "`Job aborted.` on a failed run."),
            },
            description="Model for capturing record metrics: counts and per-source/per-target summaries on "
                        "a successful run, only `failedInfo` on a failed one.",
            title="Record Summary",
        ),
        "RunError": obj(
            {"code": string(example=runs.FAILED_CODE), "message": string(example="Job aborted."),
             "details": string("What made the export fail.")},
            ["code", "message", "details"],
        ),
        "StatusSummary": obj(
            {
                "status": ref("RunStatus"),
                "activityRefs": array(string(), "The ids of the run's activities.", minItems=1),
                "errors": array(ref("RunError"), "On a failed run.", minItems=1),
            },
            ["status", "activityRefs"],
            "Model for capturing details related to the status of the dataflow run.",
            title="Status Summary",
        ),
        "RunMetrics": obj(
            {
                "durationSummary": ref("DurationSummary"),
                "sizeSummary": ref("SizeSummary"),
                "recordSummary": ref("RecordSummary"),
                "fileSummary": ref("FileSummary"),
                "statusSummary": ref("StatusSummary"),
            },
            ["statusSummary"],
            "Various metrics for the dataflow run: `statusSummary` always, `durationSummary` from "
            "`inProgress` on, sizes, records and files once it has succeeded (records alone when it failed).",
        ),
        "RunActivity": obj(
            {
                "id": string(),
                "name": enum(runs.PROCESSOR, runs.PUBLISHER),
                "updatedAtUTC": EPOCH_MS,
                "statusSummary": obj({"status": ref("RunStatus"), "errors": array(ref("RunError")),
                                      "extensions": obj()}, ["status", "extensions"]),
                "durationSummary": ref("DurationSummary"),
                "sizeSummary": ref("SizeSummary"),
                "recordSummary": ref("RecordSummary"),
                "fileSummary": ref("FileSummary"),
            },
            ["id", "name", "updatedAtUTC", "statusSummary"],
            "A step of the run: the processor (which carries the run's metrics once it has succeeded) and "
            "the publisher.",
        ),
        "LastRunDetails": obj(
            {"id": string("The run."), "state": ref("RunStatus"),
             "startedAtUTC": EPOCH_MS, "completedAtUTC": EPOCH_MS},
            ["id", "state", "startedAtUTC", "completedAtUTC"],
            "The flow's last finished run (absent before its first one). Not a change: the flow's etag "
            "stays.",
        ),
    }


# --- the Ad Hoc Activation API ----------------------------------------------------------------------------

_ACTIVATION_INFO = {"b0780cb5-2bb7-4409-bf2c-c625ca818588": ["7f04b2a6-5f7e-4e7f-9b3a-6d3c4e2a1b5c",
                                                             "3a1b2c3d-4e5f-6789-abcd-ef0123456789"]}


def _adhoc_schemas() -> dict[str, Schema]:
    return {
        "ActivationInfoMap": obj(
            description="A map of destination instance IDs (dataflow ids) to arrays of audience IDs to activate. "
                        "Each key is a destination instance ID; each value is a list of audience IDs to activate "
                        f"to that destination (no audience twice; at most {MAX_AUDIENCES} audiences in all).",
            minProperties=1,
            additionalProperties=AUDIENCE_IDS,
            example=_ACTIVATION_INFO,
        ),
        "AdhocActivationRequestV2": obj(
            {"activationInfo": ref("ActivationInfoMap")},
            ["activationInfo"],
            "Request body for v2 of the ad hoc activation API. Use this version by including the "
            f"`Accept: {V2_ACCEPT}` header. Only `activationInfo` is required. No audience export job ID is "
            "needed.",
            title="V2 request (recommended)",
        ),
        "AdhocActivationRequestV1": obj(
            {"activationInfo": ref("ActivationInfoMap"),
             "exportIds": array(string("An audience export job ID.", minLength=1, pattern=r"\S"),
                                "The IDs of the audience export jobs to include in the activation run (not "
                                "checked against anything by the mock).",
                                minItems=1, example=["f3b7b8b4-1b2c-3d4e-5f6a-7b8c9d0e1f2a"])},
            ["activationInfo", "exportIds"],
            "Request body for v1 of the ad hoc activation API. Used when the `Accept` header is omitted. "
            "Requires both `activationInfo` and an `exportIds` array.",
            title="V1 request",
        ),
        "AdhocActivationResponse": obj(
            {"order": array(ref("ActivationOrderItem"),
                            "A list of activation order records, one per audience submitted for activation.")},
            ["order"],
        ),
        "ActivationOrderItem": obj(
            {
                "segment": string("The ID of the audience that was activated.",
                                  example="db8961e9-d52f-45bc-b3fb-76d0382a6851"),
                "order": string("The ID of the destination instance to which the audience was activated.",
                                example="ef2dcbd6-36fc-49a3-afed-d7b8e8f724eb"),
                "statusURL": string(
                    "The URL of the flow run in the Flow Service API. Use this URL to track the progress of the "
                    "activation job. The mock's own URL, so that a client following it stays offline.",
                    pattern=r"^https?://[^/]+/data/foundation/flowservice/runs/[^/]+$",
                    example="http://localhost:8080/data/foundation/flowservice/runs/"
                            "88d6da63-dc97-460e-b781-fc795a7386d9"),
            },
            ["segment", "order", "statusURL"],
        ),
        "AdhocDatasetExportRequest": obj(
            {"activationInfo": obj(
                {"destinations": array(
                    obj({"flowId": string("A dataset dataflow's id.", minLength=1, pattern=r"\S"),
                         "datasets": array(obj({"id": string("A dataset the dataflow exports.", minLength=1,
                                                             pattern=r"\S")}, ["id"]),
                                           "The datasets to export now (no dataset twice).", minItems=1)},
                        ["flowId", "datasets"]),
                    f"The dataflows and their datasets (each dataflow once; at most {MAX_AUDIENCES} datasets "
                    "in all).", minItems=1)},
                ["destinations"])},
            ["activationInfo"],
            f"The dataset form, chosen by `Accept: {DATASET_ACCEPT}`.",
            title="Dataset export request",
            example={"activationInfo": {"destinations": [
                {"flowId": "b0780cb5-2bb7-4409-bf2c-c625ca818588", "datasets": [{"id": "5ba9452f7de80400007fc52a"}]}]}},
        ),
        "AdhocDatasetExportResponse": obj(
            {"destinations": array(obj(
                {"flowId": string("The dataflow."),
                 "datasets": array(obj(
                     {"id": string("The dataset exported."),
                      "statusURL": string("The flow run exporting it (the mock's own URL).",
                                          pattern=r"^https?://[^/]+/data/foundation/flowservice/runs/[^/]+$")},
                     ["id", "statusURL"]))},
                ["flowId", "datasets"]), "One entry per dataflow, in the order asked.")},
            ["destinations"],
        ),
        "AdhocActivationError": obj(
            {"message": string("A human-readable description of the error.")},
            ["message"],
            "An error of the ad hoc activation service (its own shape, not Flow Service's).",
        ),
    }


ADHOC_DESCRIPTION = f"""\
Triggers an on-demand export of the specified audiences to the specified batch file-based destinations. \
The API runs based on the latest segmentation results; it does not trigger a new segmentation evaluation.

**API versions**: Two versions of this endpoint are supported. Use the `Accept` header to select the version.

- **V2 (recommended)**: Include `Accept: {V2_ACCEPT}`. Only `activationInfo` is required in the request body.
- **V1**: Omit the `Accept` header. The request body must include both `activationInfo` and an `exportIds` array.

**Guardrails**, all checked before any run is created (a refused request starts nothing):

- at most {MAX_AUDIENCES} audiences per job;
- each dataflow exists here (404 otherwise), is enabled, maps the audiences, and their schedules cover now \
(the mock's clock);
- no run of the audience is pending or in progress (scheduled or ad hoc);
- at least one hour has passed since the audience's first scheduled export.

Each activated audience gets a full export: a run of the dataflow (trigger `adhoc` in `/_mock/exports`).

**Dataset form**: with `Accept: {DATASET_ACCEPT}` the body names dataset dataflows and the datasets of each \
to export now (`activationInfo.destinations[].datasets[].id`); each gets a full export run, whose `statusURL` \
the answer gives per dataset. The dataflow must be enabled, export the datasets, have no run of them pending \
or in progress, and be at least {DATASET_READY_AFTER} seconds old ("Following order ID(s) are not ready for \
dataset export: ..." before that); its schedule's start does not matter."""


def _adhoc_paths() -> dict[str, Schema]:
    bad_request = _error_response(
        "Bad request. The request body is malformed, a required field is missing, the audience is not mapped to "
        "the destination dataflow, or an ad hoc activation run is already in progress for the audience "
        "(`{message}`); or the gateway's `400003`, a body without `Content-Type: application/json`, a missing "
        "`x-sandbox-name` with `require_sandbox_header`.",
        "AdhocActivationError", "GatewayError", "ContentTypeError", "ProblemDetails",
    )
    bad_request["content"][JSON]["examples"] = {
        "run_already_in_progress": {
            "summary": "Activation run already in progress",
            "value": {"message": "Run already going on for audience {segmentId} for order {dataflowId} "
                                 "with run id {flowRunId}"},
        },
        "segment_not_in_dataflow": {
            "summary": "Audience not mapped to dataflow or out of schedule range",
            "value": {"message": "Segments {segmentName} are not part of this dataflow or out of schedule range!"},
        },
    }
    answers = errors()
    answers["400"] = bad_request
    answers["404"] = _error_response(
        "Not found. The specified destination instance was not found here (`{message}`; dataflows are isolated "
        "per org and sandbox), or a sandbox the `sandboxes` setting does not list (`FLOW-2100-404`).",
        "AdhocActivationError", "ProblemDetails",
    )
    run = operation(
        "runAdhocActivation", "Run an ad hoc activation job", TAG,
        {"200": ok("An array of activation order records, one per audience submitted for activation (the "
                   "dataset form: per dataflow, one status URL per dataset). Use the `statusURL` value to monitor "
                   "activation progress via the Flow Service API.",
                   {"anyOf": [ref("AdhocActivationResponse"), ref("AdhocDatasetExportResponse")]}),
         **answers,
         "406": _error_response(f"A version of `{DATASET_MEDIA_TYPE}` other than 1.", "AdhocActivationError")},
        body={"anyOf": [ref("AdhocActivationRequestV2"), ref("AdhocActivationRequestV1"),
                        ref("AdhocDatasetExportRequest")]},
        description=ADHOC_DESCRIPTION,
    )
    run["parameters"].append({
        "name": "Accept", "in": "header", "required": False,
        "description": f"Specifies the API version: `{V2_ACCEPT}` for v2 (the media type in any case, in a "
                       "comma-separated list too), which only requires `activationInfo`. Any other value, or "
                       "none, means v1: the request body must include both `activationInfo` and `exportIds`. "
                       f"`{DATASET_ACCEPT}` selects the dataset form.",
        "schema": string(example=V2_ACCEPT),
    })
    run["requestBody"]["description"] = "Activation request payload. The structure differs between v1 and v2."
    run["requestBody"]["content"][JSON]["examples"] = {
        "v2_request": {"summary": "V2 request (recommended): no export ID required",
                       "value": {"activationInfo": _ACTIVATION_INFO}},
        "v1_request": {"summary": "V1 request: exportIds required",
                       "value": {"activationInfo": _ACTIVATION_INFO,
                                 "exportIds": ["f3b7b8b4-1b2c-3d4e-5f6a-7b8c9d0e1f2a"]}},
    }
    return {ADHOC: {"post": run}}


# --- the engine's admin API ---------------------------------------------------------------------------------

_WAIT = boolean("Wait (up to 120 s) for the exports started to finish before answering; default true.")


def _admin_schemas() -> dict[str, Schema]:
    clock = {
        "now": {**NUMBER, "minimum": 0, "description": "The mock's now, epoch seconds."},
        "iso": string("The same instant, ISO 8601 in UTC with milliseconds.",
                      pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", example="2030-01-01T10:00:00.000Z"),
        "frozen": boolean("Stopped (`freeze`), or running from where it was set."),
    }
    exported = {
        "runs": array(ref("MockExport"), "The runs started, as `/_mock/exports` shows them."),
        "stillRunning": {"type": "boolean", "enum": [True],
                         "description": "Some exports had not finished after 120 s (they go on)."},
    }
    return {
        "Clock": obj(clock, list(clock)),
        "ClockMove": obj(
            {
                "freeze": boolean("`true` stops the clock, `false` lets it run from where it shows."),
                "set": {"description": "Epoch seconds, or an ISO 8601 date or date-time (UTC without an offset).",
                        "anyOf": [NUMBER, string(minLength=1)], "example": "2030-01-01T10:00:00Z"},
                "advance": {"description": "Seconds, or a duration of weeks, days, hours, minutes and seconds "
                                           "such as `1w`, `36h`, `1d12h30m`.",
                            "anyOf": [{**NUMBER, "minimum": 0},
                                      string(pattern=r"^\s*((\d+(\.\d+)?)\s*[wdhmsWDHMS]\s*)+$")],
                            "example": "1d12h"},
                "reset": boolean("`true`: real time again (`false` does nothing)."),
                "wait": _WAIT,
            },
            description="Moves, applied in the order reset, freeze, set, advance; at least one. Unknown fields "
                        "are refused. The clock stays between 1970 and 9999-01-01 (UTC).",
            additionalProperties=False,
            anyOf=[{"required": [move]} for move in ("freeze", "set", "advance", "reset")],
        ),
        "ClockMoved": obj({**clock, **exported}, [*clock, "runs"],
                          "The clock after the move, and the runs the schedules reached: up to the old now "
                          "(not created yet), then up to the new now."),
        "FlowRunRequest": obj(
            {"ids": array(string(), "Only these audiences or datasets of the flow (absent or `null`: all).",
                          nullable=True),
             "wait": _WAIT},
            description="Other fields are ignored.",
        ),
        "MockExportRuns": obj(exported, ["runs"]),
        "MockExportFile": obj(
            {
                "part": integer("The part number, from 1; 0 for a manifest.", minimum=0),
                "location": string("Where it was written: a local path (under `storage_root`) or "
                                   "`s3://<bucket>/<key>`."),
                "rows": COUNT,
                "bytes": COUNT,
                "manifest": {"type": "boolean", "enum": [True],
                             "description": "A manifest file (`includeFileManifest`)."},
            },
            ["part", "location", "rows", "bytes"],
        ),
        "MockExport": obj(
            {
                "runId": string(), "flowId": string(), "imsOrgId": string(), "sandboxName": string(),
                "segmentId": string("The audience exported (audience flows)."),
                "datasetId": string("The dataset exported (dataset flows)."),
                "trigger": enum(*TRIGGERS, description="What started the run: its schedule, the Ad Hoc "
                                                       "Activation API, or `/_mock/flows/{flowId}/run`."),
                "status": ref("RunStatus"),
                "createdAt": EPOCH_MS,
                "files": array(ref("MockExportFile"), "The files written (none until it has succeeded)."),
                "error": string("Why the export failed (`failed` runs)."),
            },
            ["runId", "flowId", "imsOrgId", "sandboxName", "trigger", "status", "createdAt", "files"],
            "A run of the engine, with what it exported and the files it wrote.",
            oneOf=[{"required": ["segmentId"]}, {"required": ["datasetId"]}],
        ),
        "MockExports": obj({"items": array(ref("MockExport"), "Newest run first.")}, ["items"]),
    }


def _query(name: str, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": string()}


def _bad_request(description: str) -> Schema:
    return _error_response(description, "ProblemDetails")


def _admin_paths() -> dict[str, Schema]:
    run = operation(
        "runMockFlow", "Export a flow now", TAG_ADMIN,
        {"200": ok("The runs started, finished unless `stillRunning`.", ref("MockExportRuns")),
         "400": _bad_request("The body is not a JSON object, `ids` is not an array of strings, `wait` is not a "
                             "boolean, or the flow has nothing to export (among `ids`)."),
         "404": _error_response("No such flow in any organisation or sandbox (`FLOW-1439-404`).",
                                "ProblemDetails")},
        body=ref("FlowRunRequest"), body_required=False, emulated=False,
        description="Full exports of the flow now (the mock's clock), as ad hoc activation makes them but without "
                    "its guardrails (a disabled flow too): every audience or dataset, or those of `ids`. Outside "
                    "the gateway: the flow is found in whichever organisation and sandbox holds it.",
    )
    run["parameters"] = [{"name": "flowId", "in": "path", "required": True, "description": "The dataflow's id.",
                          "schema": string(minLength=1, pattern=r"^[^/]+$")}]
    exports = operation(
        "listMockExports", "The files exports wrote", TAG_ADMIN,
        {"200": ok("Every run, newest first, with what it exported and its files.", ref("MockExports"))},
        emulated=False,
        description="The runs the schedules reached up to now are created first. Other query parameters are "
                    "ignored.",
    )
    exports["parameters"] = [
        _query("flowId", "Only this dataflow's runs."),
        _query("runId", "Only this run."),
        _query("imsOrgId", "Only this org."),
        _query("sandboxName", "Only this sandbox."),
    ]
    return {
        f"{ADMIN}/clock": {
            "get": operation("getMockClock", "The mock's clock", TAG_ADMIN,
                             {"200": ok("Now, as every part of the mock sees it.", ref("Clock"))}, emulated=False),
            "post": operation(
                "moveMockClock", "Freeze, set or advance the clock", TAG_ADMIN,
                {"200": ok("The clock after the move, and the runs its schedules reached.", ref("ClockMoved")),
                 "400": _bad_request("The body is not a JSON object, names no move or an unknown field, a value "
                                     "is malformed (`freeze`, `reset` and `wait` are booleans), or the move would "
                                     "leave 1970 to 9999. Checked before the clock moves: it stays where it "
                                     "was.")},
                body=ref("ClockMove"), emulated=False,
                description="Runs the schedules reached up to the old now first (a move back hides none), then "
                            "those reached up to the new now, and waits for their exports unless `wait` is "
                            "false. A big move of a flow with a frequent schedule creates many runs (at most "
                            "3000 per audience or dataset per catch-up; the rest come with the next ones).",
            ),
        },
        f"{ADMIN}/flows/{{flowId}}/run": {"post": run},
        f"{ADMIN}/exports": {"get": exports},
        f"{ADMIN}/audiences": {"get": operation(
            "listMockAudiences", "The audiences of the Platform data", TAG_ADMIN,
            {"200": ok("The audiences flows can export (demo data, or the data directory's).",
                       obj({"items": array(obj({"id": string(), "name": string(), "description": string()},
                                               ["id", "name"], additionalProperties=True))}, ["items"]))},
            emulated=False,
        )},
    }


# --- the parts build() assembles -----------------------------------------------------------------------------

def schemas() -> dict[str, Schema]:
    return {**_run_schemas(), **_adhoc_schemas(), **_admin_schemas()}


def paths() -> dict[str, Schema]:
    return {**_adhoc_paths(), **_admin_paths()}
