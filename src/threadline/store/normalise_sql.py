"""Portable SQL that checks and normalises canonical fields, compiled from the model.

Selector-like values (phones, e-mails, IPs, countries, currencies) are normalised in Python
once per distinct value and joined back as lookup tables; everything else is an expression.
"""

from __future__ import annotations

from dataclasses import dataclass

from threadline.schema import Field, Kind, ValueType
from threadline.store.engine import Dialect, quote_ident, quote_literal

LOOKUP_TYPES = (
    ValueType.COUNTRY,
    ValueType.PHONE,
    ValueType.EMAIL,
    ValueType.IP,
    ValueType.CURRENCY,
)

# Hours 00-23 and offsets within +-14:00 only: the engines would read 24:00 as the next day
# (9999-12-31T24:00 became year 10000) and take +25:00 as written.
_DATE_TIME = r"^\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?"
ISO_WITH_OFFSET = _DATE_TIME + r"(Z|z|[+-](0\d|1[0-4])(:?[0-5]\d)?)$"
ISO_NAIVE = _DATE_TIME + r"$"
DECIMAL_TEXT = r"^[+-]?\d{1,30}(\.\d{1,8})?$"
HEX_LENGTH = {ValueType.SHA256: 64, ValueType.SHA1: 40, ValueType.MD5: 32, ValueType.PDQ: 64}
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
SUBJECT_TYPES = ("account", "phone", "device")

# Why a row was refused, per value type, when the field has text that does not normalise.
REASON_BY_TYPE = {
    ValueType.TIMESTAMP: "bad_timestamp",
    ValueType.DECIMAL: "bad_amount",
    ValueType.CURRENCY: "bad_currency",
    ValueType.IP: "bad_ip",
    ValueType.LATITUDE: "bad_coordinate",
    ValueType.LONGITUDE: "bad_coordinate",
    ValueType.SUBJECT_TYPE: "bad_subject_type",
    ValueType.PHONE: "bad_phone",
    ValueType.EMAIL: "bad_email",
    ValueType.COUNTRY: "bad_country",
    ValueType.INTEGER: "bad_integer",
    ValueType.BOOLEAN: "bad_boolean",
    ValueType.SHA256: "bad_hash",
    ValueType.SHA1: "bad_hash",
    ValueType.MD5: "bad_hash",
    ValueType.PDQ: "bad_hash",
}
# Identifiers are useless when wrong: refuse the row even when the field is optional.
ALWAYS_CHECKED = frozenset(HEX_LENGTH)


def lookup_alias(field: Field) -> str:
    """The alias under which a field's lookup table is joined to the staged rows."""
    return f"lk_{field.name}"


def lookup_table(vtype: ValueType, stage: str) -> str:
    """The staging table holding a value type's normalised values for lookup."""
    return f"{stage}_lk_{vtype.value}"


@dataclass(frozen=True)
class FieldSql:
    """The normalised value of a field and the reason it fails, as SQL over ``f`` (raw)."""

    value: str
    invalid: str  # true when the field has text but no valid normalised value
    reason: str


def field_sql(
    field: Field, dialect: Dialect, timezone: str | None, raw: str | None = None
) -> FieldSql:
    """Compile a field's normalisation to SQL; ``raw`` is the trimmed text expression."""
    x = raw or f"f.{quote_ident(field.name)}"
    t = field.type
    if t in LOOKUP_TYPES:
        value = f"{lookup_alias(field)}.value"
    elif t is ValueType.TIMESTAMP:
        naive = "NULL"
        if timezone:
            local = _Local(x, dialect, timezone)
            naive = f"CASE WHEN {local.gap} OR {local.ambiguous} THEN NULL ELSE {local.utc} END"
        value = (
            f"CASE WHEN {dialect.regexp_matches(x, ISO_WITH_OFFSET)} "
            f"THEN {dialect.offset_to_utc(x)} "
            f"WHEN {dialect.regexp_matches(x, ISO_NAIVE)} THEN {naive} END"
        )
    elif t is ValueType.DECIMAL:
        value = (
            f"CASE WHEN {dialect.regexp_matches(x, DECIMAL_TEXT)} "
            f"THEN CAST({x} AS DECIMAL(38, 8)) END"
        )
    elif t in (ValueType.LATITUDE, ValueType.LONGITUDE):
        bound = 90 if t is ValueType.LATITUDE else 180
        value = (
            f"CASE WHEN TRY_CAST({x} AS DOUBLE) BETWEEN -{bound} AND {bound} "
            f"THEN TRY_CAST({x} AS DOUBLE) END"
        )
    elif t is ValueType.SUBJECT_TYPE:
        value = f"CASE WHEN lower({x}) IN {_tuple(SUBJECT_TYPES)} THEN lower({x}) END"
    elif t in HEX_LENGTH:
        pattern = f"^[0-9a-f]{{{HEX_LENGTH[t]}}}$"
        value = f"CASE WHEN {dialect.regexp_matches(f'lower({x})', pattern)} THEN lower({x}) END"
    elif t is ValueType.INTEGER:
        value = f"TRY_CAST({x} AS BIGINT)"
    elif t is ValueType.BOOLEAN:
        value = (
            f"CASE WHEN lower({x}) IN {_tuple(TRUE_WORDS)} THEN true "
            f"WHEN lower({x}) IN {_tuple(FALSE_WORDS)} THEN false END"
        )
    else:
        return FieldSql(value=x, invalid="false", reason="")
    reason = REASON_BY_TYPE[t]
    if t is ValueType.TIMESTAMP and timezone is None:
        reason_sql = (
            f"CASE WHEN {dialect.regexp_matches(x, ISO_NAIVE)} "
            f"THEN 'naive_timestamp' ELSE 'bad_timestamp' END"
        )
    elif t is ValueType.TIMESTAMP and timezone:
        local = _Local(x, dialect, timezone)
        is_naive = dialect.regexp_matches(x, ISO_NAIVE)
        reason_sql = (
            f"CASE WHEN {is_naive} AND {local.gap} THEN 'nonexistent_local_time' "
            f"WHEN {is_naive} AND {local.ambiguous} THEN 'ambiguous_local_time' "
            "ELSE 'bad_timestamp' END"
        )
    else:
        reason_sql = quote_literal(reason)
    invalid = f"({raw_column(field)} IS NOT NULL AND v.{quote_ident(field.name)} IS NULL)"
    return FieldSql(value=value, invalid=invalid, reason=reason_sql.replace(x, raw_column(field)))


@dataclass(frozen=True)
class _Local:
    """A naive local time at a zone: its UTC instant, and whether the zone's clock skips it.

    The engines resolve a time in a spring-forward gap or an autumn overlap silently to one
    instant; evidence must not rest on that guess, so both are flagged instead.
    """

    text: str
    dialect: Dialect
    timezone: str

    @property
    def local(self) -> str:
        return f"TRY_CAST({self.text} AS TIMESTAMP)"

    @property
    def utc(self) -> str:
        return self.dialect.local_to_utc(self.local, self.timezone)

    def _back(self, shift: str = "") -> str:
        return self.dialect.utc_to_local(f"({self.utc}{shift})", self.timezone)

    @property
    def gap(self) -> str:
        """True where the wall time never happened (the clock jumped over it)."""
        return f"coalesce({self._back()} <> {self.local}, false)"

    @property
    def ambiguous(self) -> str:
        """True where the wall time happened twice (the clock was turned back over it)."""
        # Transitions move clocks by 30 minutes (Lord Howe), one hour or two (Troll).
        shifts = [
            f" {sign} INTERVAL {n}" for n in ("30 MINUTE", "1 HOUR", "2 HOUR") for sign in "+-"
        ]
        same = " OR ".join(f"{self._back(s)} = {self.local}" for s in shifts)
        return f"coalesce({same}, false)"


def raw_column(field: Field) -> str:
    """The field's text as read, in the intermediate ``v`` relation."""
    return f"v.{quote_ident('_raw_' + field.name)}"


REASON_TEXT = {
    "malformed_record": "the record cannot be read (wrong number of fields or not a JSON object)",
    "missing_field": "is missing",
    "duplicate_key": "is named twice in the JSON object (engines read the first value, "
    "Python and jq the last): the record is ambiguous",
    "naive_timestamp": "has no UTC offset and the source was ingested without --timezone",
    "bad_timestamp": "is not an ISO 8601 timestamp (hours 00-23, offsets within +-14:00)",
    "nonexistent_local_time": "is a local time the --timezone clock skipped (DST gap); "
    "give the offset",
    "ambiguous_local_time": "is a local time the --timezone clock showed twice (DST "
    "change); give the offset",
    "bad_amount": "is not a decimal amount (digits, optional point, at most 8 decimals)",
    "bad_currency": "is not an ISO 4217 currency code",
    "bad_ip": "is not an IPv4 or IPv6 address",
    "bad_coordinate": "is not a coordinate in range",
    "bad_subject_type": "is not one of account, phone, device",
    "bad_phone": "is not a phone number",
    "bad_email": "is not an e-mail address",
    "bad_country": "is not a country",
    "bad_integer": "is not an integer",
    "bad_boolean": "is not true/false",
    "bad_hash": "is not a hexadecimal digest of the right length",
}


def _tuple(words: tuple[str, ...]) -> str:
    return "(" + ", ".join(quote_literal(w) for w in words) + ")"


def checks(kind: Kind, sqls: dict[str, FieldSql]) -> list[tuple[str, str, str]]:
    """Ordered (condition, reason SQL, field SQL) for refusing a row; the first match wins."""
    out: list[tuple[str, str, str]] = []
    for f in kind.fields:
        if f.required:
            out.append((f"{raw_column(f)} IS NULL", "'missing_field'", quote_literal(f.name)))
    if kind.one_of:
        none = " AND ".join(f"{raw_column(kind.field(n))} IS NULL" for n in kind.one_of)
        out.append((none, "'missing_field'", quote_literal("|".join(kind.one_of))))
    for f in kind.fields:
        s = sqls[f.name]
        if s.reason and (f.required or f.type in ALWAYS_CHECKED):
            out.append((s.invalid, s.reason, quote_literal(f.name)))
    return out


def record_id_sql(kind: Kind, dialect: Dialect, alias: str = "n") -> str:
    """Content-derived record id: sha256 of the kind and its key fields (or all fields)."""
    names = kind.key or kind.field_names
    parts = " || chr(31) || ".join(
        f"coalesce(CAST({alias}.{quote_ident(n)} AS VARCHAR), '\\N')" for n in names
    )
    return dialect.sha256(f"{quote_literal(kind.name)} || chr(31) || {parts}")
