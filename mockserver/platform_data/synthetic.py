"""The deterministic synthetic generator: profiles in vectorised batches, audiences, dataset rows.

Every value is a function of the seed and the profile index (or of the seed and the batch start), so the
same seed and reference time give the same rows, and a batch never needs the ones before it: generation
streams in bounded memory. No Python loop runs per row.
"""

from __future__ import annotations

import random
import uuid
import zlib
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import model, vocabulary

DAY_MS = 86_400_000
#: Qualification and ingestion times are spread over [reference - 30 days, reference + 14 days], so an
#: export run as the mock's clock moves past the reference time still finds new members and rows.
SPREAD_BEFORE_MS = 30 * DAY_MS
SPREAD_AFTER_MS = 14 * DAY_MS

EMAIL_SHARE = 0.8
PHONE_SHARE = 0.7
LOYALTY_SHARE = 0.5
#: Memberships per profile: 0, 1, 2 or 3 audiences.
MEMBERSHIP_COUNT_WEIGHTS = (0.25, 0.35, 0.25, 0.15)
STATUS_WEIGHTS = (0.6, 0.3, 0.1)  # realized, existing, exited
TIER_WEIGHTS = (0.5, 0.3, 0.15, 0.05)

_MASK63 = np.uint64(2**63 - 1)
#: An odd multiplier: i -> i * ODD mod 2**63 is a bijection, so the low half of an ECID is unique per index.
_ODD = np.uint64(0x9E3779B97F4A7C15 & (2**63 - 1))


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, *stream]))


def _splitmix64(x: np.ndarray) -> np.ndarray:
    # A well-mixed 64-bit hash of the index (wrapping uint64 arithmetic is the point).
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _digits(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width=width, padding="0")


def ecids(indexes: np.ndarray, seed: int) -> pa.Array:
    """38-digit ECIDs, unique per index: 19 hashed digits, then 19 digits bijective in the index."""
    with np.errstate(over="ignore"):
        index = indexes.astype(np.uint64)
        high = _splitmix64(index ^ np.uint64(seed & 0xFFFFFFFFFFFF)) % np.uint64(9 * 10**18) + np.uint64(10**18)
        low = ((index + np.uint64(1)) * _ODD) & _MASK63
    return pc.binary_join_element_wise(_digits(high, 19), _digits(low, 19), "")


def _pick(choices: Sequence[str], index: np.ndarray) -> pa.Array:
    return pa.array(choices, pa.string()).take(pa.array(index))


def _null_unless(mask: np.ndarray, values: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), values, pa.scalar(None, values.type))


def _memberships(rng: np.random.Generator, count: int, audience_ids: Sequence[str], reference_ms: int) -> pa.Array:
    k = len(audience_ids)
    per_profile = np.minimum(rng.choice(len(MEMBERSHIP_COUNT_WEIGHTS), count, p=MEMBERSHIP_COUNT_WEIGHTS), k)
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(per_profile, out=offsets[1:])
    total = int(offsets[-1])
    if k:
        # Audiences of unequal size: the first ones are the most likely first membership.
        weights = 1.0 / np.arange(1, k + 1)
        first = rng.choice(k, count, p=weights / weights.sum())
        owner = np.repeat(np.arange(count), per_profile)
        rank = np.arange(total) - offsets[:-1][owner]
        segment = (first[owner] + rank) % k  # distinct audiences within a profile
    else:
        segment = np.zeros(0, dtype=np.int64)
    status = rng.choice(len(model.STATUSES), total, p=STATUS_WEIGHTS)
    qualified = reference_ms + rng.integers(-SPREAD_BEFORE_MS, SPREAD_AFTER_MS, total, endpoint=True)
    item_type = model.membership_type().value_type
    items = pa.StructArray.from_arrays(
        [_pick(audience_ids, segment), _pick(model.STATUSES, status), pa.array(qualified, model.timestamp_type())],
        fields=list(item_type),
    )
    return pa.ListArray.from_arrays(pa.array(offsets), items, type=model.membership_type())


def profile_batch(start: int, count: int, *, seed: int, audience_ids: Sequence[str],
                  reference_time: float) -> pa.RecordBatch:
    """Profiles ``start`` .. ``start + count - 1`` in the canonical schema."""
    rng = _rng(seed, 1, start)
    index = np.arange(start, start + count, dtype=np.int64)
    first_i = rng.integers(0, len(vocabulary.FIRST_NAMES), count)
    last_i = rng.integers(0, len(vocabulary.LAST_NAMES), count)
    city_i = rng.integers(0, len(vocabulary.CITIES), count)
    lower_first = _pick([n.lower() for n in vocabulary.FIRST_NAMES], first_i)
    lower_last = _pick([n.lower() for n in vocabulary.LAST_NAMES], last_i)
    domain = _pick(vocabulary.EMAIL_DOMAINS, rng.integers(0, len(vocabulary.EMAIL_DOMAINS), count))
    address = pc.binary_join_element_wise(lower_first, ".", lower_last, pc.cast(pa.array(index), pa.string()),
                                          "@", domain, "")
    email = _null_unless(rng.random(count) < EMAIL_SHARE, address)
    phone = _null_unless(rng.random(count) < PHONE_SHARE, pc.binary_join_element_wise(
        "+1555", _digits(rng.integers(0, 10**7, count), 7), ""))
    birth_days = rng.integers(-7305, 13514, count).astype(np.int32)  # 1950-01-01 .. 2006-12-31
    has_loyalty = rng.random(count) < LOYALTY_SHARE
    tier = _null_unless(has_loyalty, _pick(vocabulary.LOYALTY_TIERS,
                                           rng.choice(len(vocabulary.LOYALTY_TIERS), count, p=TIER_WEIGHTS)))
    points = pa.array(np.floor(rng.gamma(1.5, 2000.0, count)), pa.float64(), mask=~has_loyalty)
    columns = {
        model.ECID: ecids(index, seed),
        model.EMAIL_ID: email,
        model.FIRST_NAME: _pick(vocabulary.FIRST_NAMES, first_i),
        model.LAST_NAME: _pick(vocabulary.LAST_NAMES, last_i),
        model.BIRTH_DATE: pc.cast(pa.array(birth_days, pa.date32()), pa.string()),
        model.EMAIL: email,
        model.PHONE: phone,
        model.COUNTRY: _pick([c for _, c in vocabulary.CITIES], city_i),
        model.CITY: _pick([c for c, _ in vocabulary.CITIES], city_i),
        model.POSTAL_CODE: _digits(rng.integers(1000, 100_000, count), 5),
        model.LOYALTY_POINTS: points,
        model.LOYALTY_TIER: tier,
        model.MEMBERSHIP: _memberships(rng, count, audience_ids, round(reference_time * 1000)),
    }
    schema = model.profile_schema()
    return pa.RecordBatch.from_arrays([columns[name] for name in schema.names], schema=schema)


def audiences(count: int, *, seed: int, reference_time: float) -> list[dict]:
    """``count`` audiences with ids that are uuids drawn from the seed."""
    rng = random.Random(seed)
    reference_ms = round(reference_time * 1000)
    made = []
    for k in range(count):
        name, description, pql = vocabulary.AUDIENCES[k % len(vocabulary.AUDIENCES)]
        if k >= len(vocabulary.AUDIENCES):
            name = f"{name} #{k // len(vocabulary.AUDIENCES) + 1}"
        created = reference_ms - (90 - k % 60) * DAY_MS
        made.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "name": name,
            "description": description,
            "expression": {"type": "PQL", "format": "pql/text", "value": pql},
            "createdAt": created,
            "updatedAt": created + DAY_MS,
        })
    return made


# --- datasets -----------------------------------------------------------------------------------

DATASET_ROWS = 300


def _ids(rng: np.random.Generator, count: int) -> pa.Array:
    high, low = rng.integers(0, 2**63, count, dtype=np.uint64), rng.integers(0, 2**63, count, dtype=np.uint64)
    return pc.binary_join_element_wise(pc.utf8_lpad(pc.cast(pa.array(high), pa.string()), width=19, padding="0"),
                                       pc.utf8_lpad(pc.cast(pa.array(low), pa.string()), width=19, padding="0"), "-")


def _dataset_columns(kind: str, rng: np.random.Generator, n: int, seed: int, ingest: np.ndarray) -> dict[str, pa.Array]:
    profile_ecids = ecids(rng.integers(0, 1000, n), seed)  # the demo profiles' ECIDs
    if kind == "company":
        return {
            "company.name": pc.binary_join_element_wise(
                _pick(vocabulary.COMPANY_WORDS, rng.integers(0, len(vocabulary.COMPANY_WORDS), n)),
                _pick(vocabulary.COMPANY_SUFFIXES, rng.integers(0, len(vocabulary.COMPANY_SUFFIXES), n)), " "),
            "company.industry": _pick(vocabulary.INDUSTRIES, rng.integers(0, len(vocabulary.INDUSTRIES), n)),
            "company.employeeCount": pa.array(rng.integers(5, 50_000, n)),
            model.COUNTRY: _pick([c for _, c in vocabulary.CITIES], rng.integers(0, len(vocabulary.CITIES), n)),
        }
    if kind == "city":
        city = rng.integers(0, len(vocabulary.CITIES), n)
        return {
            "city.name": _pick([c for c, _ in vocabulary.CITIES], city),
            "city.countryCode": _pick([c for _, c in vocabulary.CITIES], city),
            "city.population": pa.array(rng.integers(50_000, 15_000_000, n)),
        }
    if kind == "device":
        model_i = rng.integers(0, len(vocabulary.DEVICE_MODELS), n)
        return {
            model.ECID: profile_ecids,
            "device.type": _pick([m[0] for m in vocabulary.DEVICE_MODELS], model_i),
            "device.manufacturer": _pick([m[1] for m in vocabulary.DEVICE_MODELS], model_i),
            "device.model": _pick([m[2] for m in vocabulary.DEVICE_MODELS], model_i),
            "environment.operatingSystem": _pick([m[3] for m in vocabulary.DEVICE_MODELS], model_i),
        }
    if kind == "realtime":
        return {
            model.ECID: profile_ecids,
            "eventType": _pick(("segment.realized", "segment.exited", "profile.updated"), rng.integers(0, 3, n)),
            # an event happens before it is ingested
            "timestamp": pa.array(ingest - rng.integers(0, 3_600_000, n), model.timestamp_type()),
        }
    first = rng.integers(0, len(vocabulary.FIRST_NAMES), n)
    return {  # profile attributes
        model.ECID: profile_ecids,
        model.FIRST_NAME: _pick(vocabulary.FIRST_NAMES, first),
        model.LAST_NAME: _pick(vocabulary.LAST_NAMES, rng.integers(0, len(vocabulary.LAST_NAMES), n)),
        model.COUNTRY: _pick([c for _, c in vocabulary.CITIES], rng.integers(0, len(vocabulary.CITIES), n)),
        "person.authenticated": pa.array(rng.random(n) < 0.6),
    }


def dataset_kind(name: str) -> str:
    lowered = name.lower()
    for keyword in ("company", "city", "device", "realtime"):
        if keyword in lowered:
            return keyword
    return "profile"


def dataset_table(dataset: dict, *, seed: int, reference_time: float, rows: int = DATASET_ROWS) -> pa.Table:
    """A few hundred rows for a Catalog dataset, with columns that suit its name and rising ingest times."""
    rng = _rng(seed, 2, zlib.crc32(dataset["id"].encode()))
    reference_ms = round(reference_time * 1000)
    ingest = np.sort(reference_ms + rng.integers(-SPREAD_BEFORE_MS, SPREAD_AFTER_MS, rows, endpoint=True))
    columns = {"_id": _ids(rng, rows)}
    columns.update(_dataset_columns(dataset_kind(dataset.get("name", "")), rng, rows, seed, ingest))
    columns[model.INGEST_TIME] = pa.array(ingest, model.timestamp_type())
    return pa.table(columns)
