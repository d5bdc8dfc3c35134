"""The canonical data model: each kind of seized record, its fields and their value types.

The model is data: ingest validates, normalises and stores every kind from this table alone,
so a new kind or field is a change here, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ValueType(StrEnum):
    """How a field's text is checked and normalised at ingest."""

    TEXT = "text"
    TIMESTAMP = "timestamp"  # ISO 8601 -> UTC
    PHONE = "phone"  # -> E.164
    EMAIL = "email"  # trimmed, lower-cased
    IP = "ip"  # IPv4/IPv6, compressed form
    DECIMAL = "decimal"  # exact amount
    CURRENCY = "currency"  # ISO 4217
    COUNTRY = "country"  # ISO 3166-1 alpha-2
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    SUBJECT_TYPE = "subject_type"  # account / phone / device
    SHA256 = "sha256"
    SHA1 = "sha1"
    MD5 = "md5"
    PDQ = "pdq"  # 256-bit hex
    INTEGER = "integer"
    BOOLEAN = "boolean"


# Types whose original text differs from the stored value; the original is kept beside it.
NORMALISED_TYPES = frozenset(
    {
        ValueType.TIMESTAMP,
        ValueType.PHONE,
        ValueType.EMAIL,
        ValueType.IP,
        ValueType.DECIMAL,
        ValueType.CURRENCY,
        ValueType.COUNTRY,
    }
)


@dataclass(frozen=True)
class Field:
    """One canonical field of a kind."""

    name: str
    type: ValueType = ValueType.TEXT
    required: bool = False
    # For phones: the field holding the country that sets the default dialling region.
    region_from: str | None = None


@dataclass(frozen=True)
class Kind:
    """One kind of seized record (a canonical table)."""

    name: str
    fields: tuple[Field, ...]
    # Fields that identify the same record across sources (deduplicated on them);
    # empty: a record is identified by all of its normalised fields.
    key: tuple[str, ...] = ()
    # At least one of these fields must be present.
    one_of: tuple[str, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        """The names of the kind's fields, in order."""
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        """The names of the fields every record must have."""
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        """The field called ``name``; KeyError when the kind has none."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


T = ValueType
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "accounts",
            (
                Field("platform", required=True),
                Field("account_id", required=True),
                Field("display_name"),
                Field("email", T.EMAIL),
                Field("phone", T.PHONE, region_from="country"),
                Field("created_at", T.TIMESTAMP),
                Field("registration_ip", T.IP),
                Field("country", T.COUNTRY),
            ),
        ),
        Kind(
            "messages",
            (
                Field("platform", required=True),
                Field("message_id", required=True),
                Field("sent_at", T.TIMESTAMP, required=True),
                Field("sender", required=True),
                Field("recipient", required=True),
                Field("text", required=True),
                Field("conversation_id"),
                Field("attachment_sha256", T.SHA256),
                Field("attachment_name"),
            ),
            key=("platform", "message_id"),
        ),
        Kind(
            "payments",
            (
                Field("provider", required=True),
                Field("transaction_id", required=True),
                Field("sent_at", T.TIMESTAMP, required=True),
                Field("sender_name", required=True),
                Field("receiver_name", required=True),
                Field("amount", T.DECIMAL, required=True),
                Field("currency", T.CURRENCY, required=True),
                Field("sender_account"),
                Field("sender_phone", T.PHONE, region_from="sender_country"),
                Field("sender_country", T.COUNTRY),
                Field("sender_city"),
                Field("receiver_account"),
                Field("receiver_phone", T.PHONE, region_from="receiver_country"),
                Field("receiver_country", T.COUNTRY),
                Field("receiver_city"),
                Field("narrative"),
                Field("status"),
            ),
            key=("provider", "transaction_id"),
        ),
        Kind(
            "logins",
            (
                Field("platform", required=True),
                Field("account_id", required=True),
                Field("at", T.TIMESTAMP, required=True),
                Field("ip", T.IP, required=True),
                Field("user_agent"),
                Field("device_id"),
                Field("port", T.INTEGER),
            ),
        ),
        Kind(
            "locations",
            (
                Field("subject_type", T.SUBJECT_TYPE, required=True),
                Field("subject", required=True),
                Field("at", T.TIMESTAMP, required=True),
                Field("lat", T.LATITUDE, required=True),
                Field("lon", T.LONGITUDE, required=True),
                Field("accuracy_m", T.DECIMAL),
                Field("source_note"),
            ),
        ),
        Kind(
            "media",
            (
                Field("path"),
                Field("sha256", T.SHA256),
                Field("md5", T.MD5),
                Field("sha1", T.SHA1),
                Field("pdq", T.PDQ),
                Field("size", T.INTEGER),
                Field("found_on"),
                Field("created_at", T.TIMESTAMP),
            ),
            one_of=("path", "sha256"),
        ),
        Kind(
            "hashlist",
            (
                Field("md5", T.MD5),
                Field("sha1", T.SHA1),
                Field("pdq", T.PDQ),
                Field("category"),
                Field("series"),
                Field("victim_identified", T.BOOLEAN),
                Field("list_name"),
                # Project VIC (VICS) extras; PhotoDNA is proprietary and kept as opaque text.
                Field("media_id"),
                Field("size", T.INTEGER),
                Field("photodna"),
                Field("updated_at", T.TIMESTAMP),
                Field("precategorized", T.BOOLEAN),
                Field("exif"),  # JSON text of the list's EXIF properties
                # Exact SHA-256 entries and vPDQ video hashes (threatexchange's compact form:
                # a JSON list of "pdq_hex,quality,seconds" frame strings).
                Field("sha256", T.SHA256),
                Field("vpdq"),
            ),
            one_of=("md5", "sha1", "pdq", "sha256", "vpdq"),
        ),
        # Chat system lines (joins, group creation, security notices): kept, not messages.
        Kind(
            "chat_events",
            (
                Field("platform", required=True),
                Field("conversation_id"),
                Field("at", T.TIMESTAMP, required=True),
                Field("actor"),
                Field("text", required=True),
                Field("event_type"),
                Field("event_id"),
            ),
        ),
    )
}


def kind(name: str) -> Kind:
    """Return the canonical kind called ``name`` or raise a UsageError naming the choices."""
    from threadline.errors import UsageError

    try:
        return KINDS[name]
    except KeyError:
        raise UsageError(f"unknown kind {name!r}; choose one of {', '.join(KINDS)}") from None
