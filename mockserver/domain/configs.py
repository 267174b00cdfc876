"""``GET /connectionSpecs/{id}/configs``: the datasets eligible for export."""

from __future__ import annotations

from typing import Mapping

from ..text import parse_int, shown
from .catalog import DATA_LAKE_SPEC_ID, Catalog
from .errors import invalid_request

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
EXPECTED = {"outputType": "activationDatasets", "outputField": "datasets"}


def eligible_datasets(catalog: Catalog, spec: dict, args: Mapping[str, str], datasets: list[dict]) -> dict:
    """Datasets a dataset flow of ``spec`` (the Data Lake, or a destination exporting datasets) can export."""
    if spec["id"] != DATA_LAKE_SPEC_ID and not catalog.workflow_requirements(spec, "DATASETS"):
        raise invalid_request(
            1100,
            f"The request could not be processed. Connection spec {spec['id']} ({spec['name']}) "
            "does not export datasets.",
        )
    for name, expected in EXPECTED.items():
        value = args.get(name)
        if value is None:
            raise invalid_request(
                2119,
                f"The request context does not contain the required query parameter {name}. "
                "Please provide the missing query parameter and try again.",
            )
        if value != expected:
            raise invalid_request(1452, f"Invalid value {value} for field {name}.")
    start = _int(args.get("start"), "start", 0, 0, None)
    limit = _int(args.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    page = datasets[start:start + limit]
    return {
        "items": page,
        "pageInfo": {
            "start": start,
            "end": start + len(page) - 1 if page else start,
            "total": len(datasets),
            "hasNext": start + len(page) < len(datasets),
        },
    }


def _int(text: str | None, name: str, default: int, low: int, high: int | None) -> int:
    if text is None:
        return default
    try:
        return parse_int(text, low, high)
    except ValueError:
        raise invalid_request(1452, f"Invalid value {shown(text)} for field {name}.") from None
