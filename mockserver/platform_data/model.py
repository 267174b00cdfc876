"""The canonical data model shared with the exporter: column names, statuses, Arrow types, file layout.

Profiles are one flat table whose column names are XDM dotted paths (``person.name.firstName``), so an
export mapping's source path is a column name. Arrow types are built on demand: importing this module
must not import pyarrow (``flowservice-mock serve`` starts without it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

ECID = "identityMap.ECID"
EMAIL_ID = "identityMap.Email"
FIRST_NAME = "person.name.firstName"
LAST_NAME = "person.name.lastName"
BIRTH_DATE = "person.birthDate"
EMAIL = "personalEmail.address"
PHONE = "mobilePhone.number"
COUNTRY = "homeAddress.countryCode"
CITY = "homeAddress.city"
POSTAL_CODE = "homeAddress.postalCode"
LOYALTY_POINTS = "loyalty.points"
LOYALTY_TIER = "loyalty.tier"
MEMBERSHIP = "segmentMembership"
INGEST_TIME = "_acp_system_metadata.ingestTime"

#: XDM segmentMembership statuses; "realized" and "existing" are members, "exited" left.
STATUSES = ("realized", "existing", "exited")
MEMBER_STATUSES = ("realized", "existing")

#: String columns of the canonical profile, in order (segmentMembership and the number come apart).
PROFILE_STRING_COLUMNS = (
    ECID, EMAIL_ID, FIRST_NAME, LAST_NAME, BIRTH_DATE, EMAIL, PHONE, COUNTRY, CITY, POSTAL_CODE, LOYALTY_TIER,
)
PROFILE_NUMBER_COLUMNS = (LOYALTY_POINTS,)

# Data directory layout (written by ``seed``/``load``, read by ``serve --data-dir``).
PROFILES_FILE = "profiles.parquet"
AUDIENCES_FILE = "audiences.json"
DATASETS_FILE = "datasets.json"
DATASETS_DIR = "datasets"

#: Rows per Parquet row group and per generated batch: large enough for vectorised work to pay,
#: small enough to bound memory whatever the profile count.
ROW_GROUP_ROWS = 100_000


def timestamp_type() -> "pa.DataType":
    import pyarrow as pa

    return pa.timestamp("ms", tz="UTC")


def membership_type() -> "pa.DataType":
    import pyarrow as pa

    # "element" is the name Parquet gives list items, so data read back has the very same type.
    return pa.list_(pa.field("element", pa.struct([
        pa.field("segmentId", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("lastQualificationTime", timestamp_type(), nullable=False),
    ])))


def profile_schema() -> "pa.Schema":
    """The schema of the generated profiles (loaded files keep any extra column after these)."""
    import pyarrow as pa

    fields = [pa.field(name, pa.string(), nullable=name != ECID) for name in PROFILE_STRING_COLUMNS]
    fields.insert(PROFILE_STRING_COLUMNS.index(LOYALTY_TIER), pa.field(LOYALTY_POINTS, pa.float64()))
    fields.append(pa.field(MEMBERSHIP, membership_type()))
    return pa.schema(fields)
