"""Malformed rows planted on purpose, each with exactly one problem the ingest must catch.

A planted row is an extra record inserted after a good one and derived from it, so every
row the truth refers to stays intact; the reason codes are the ingest's quarantine codes.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np

REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("platform", "account_id"),
    "messages": ("platform", "message_id", "sent_at", "sender", "recipient", "text"),
    "payments": (
        "provider",
        "transaction_id",
        "sent_at",
        "sender_name",
        "receiver_name",
        "amount",
        "currency",
    ),
    "logins": ("platform", "account_id", "at", "ip"),
    "locations": ("subject_type", "subject", "at", "lat", "lon"),
}
TIME_FIELD = {"messages": "sent_at", "payments": "sent_at", "logins": "at", "locations": "at"}
REASONS = (
    "missing_field",
    "bad_timestamp",
    "naive_timestamp",
    "bad_amount",
    "bad_currency",
    "bad_ip",
    "bad_coordinate",
    "malformed_record",
)
_BAD_CURRENCY = {"USD": "US$", "EUR": "€", "GBP": "£", "PHP": "₱", "AUD": "AU$", "CAD": "CA$"}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def reasons_for(kind: str, naive_file: bool) -> tuple[str, ...]:
    """The reason codes that can be planted in a file of this kind."""
    out = ["missing_field", "malformed_record"]
    if kind in TIME_FIELD:
        out.append("bad_timestamp")
        if not naive_file:
            out.append("naive_timestamp")
    if kind == "payments":
        out += ["bad_amount", "bad_currency"]
    if kind == "logins":
        out.append("bad_ip")
    if kind == "locations":
        out.append("bad_coordinate")
    return tuple(out)


def _bad_time(rng: np.random.Generator, iso: str) -> str:
    y, mo, d, hh, mm = iso[0:4], iso[5:7], iso[8:10], iso[11:13], iso[14:16]
    style = int(rng.integers(3))
    if style == 0:
        return f"{d}/{mo}/{y} {hh}:{mm}"
    if style == 1:
        return f"{_MONTHS[int(mo) - 1]} {int(d)} {y} {hh}:{mm}"
    return f"{mo}-{d}-{y[2:]} {hh}{mm}H"


def corrupt(
    rng: np.random.Generator, kind: str, reason: str, row: dict[str, str | None]
) -> tuple[dict[str, str | None], str | None]:
    """A copy of a good row with one problem; returns the row and the field at fault."""
    bad = dict(row)
    if reason == "missing_field":
        name = REQUIRED[kind][int(rng.integers(len(REQUIRED[kind])))]
        bad[name] = None
        return bad, name
    if reason in ("bad_timestamp", "naive_timestamp"):
        name = TIME_FIELD[kind]
        iso = str(row[name])
        bad[name] = _bad_time(rng, iso) if reason == "bad_timestamp" else iso[:19]
        return bad, name
    if reason == "bad_amount":
        amount = str(row["amount"])
        bad["amount"] = amount.replace(".", ",") if "." in amount else f"{row['currency']} {amount}"
        return bad, "amount"
    if reason == "bad_currency":
        bad["currency"] = _BAD_CURRENCY.get(str(row["currency"]), "Dollars")
        return bad, "currency"
    if reason == "bad_ip":
        ip = str(row["ip"])
        bad["ip"] = (
            ip.rsplit(".", 1)[0] + f".{int(rng.integers(256, 1000))}"
            if rng.random() < 0.7
            else "unknown"
        )
        return bad, "ip"
    if reason == "bad_coordinate":
        if rng.random() < 0.5:
            bad["lat"] = f"{rng.uniform(91, 99):.6f}"
            return bad, "lat"
        lat = float(str(row["lat"]))
        bad["lat"] = f"{int(abs(lat))}°{int(abs(lat) % 1 * 60)}'{'N' if lat >= 0 else 'S'}"
        return bad, "lat"
    raise ValueError(reason)


def render_csv(values: list[str | None]) -> str:
    """One CSV record with RFC 4180 quoting (as the bulk writer quotes)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return buf.getvalue()


def render_json(names: list[str], row: dict[str, str | None]) -> str:
    """A row as one JSON Lines record, leaving out empty fields."""
    obj = {n: row[n] for n in names if row.get(n) is not None}
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def malformed(
    rng: np.random.Generator, fmt: str, names: list[str], row: dict[str, str | None]
) -> str:
    """A record that cannot be read: wrong column count (CSV) or not a JSON object (JSONL)."""
    values = [row[n] for n in names]
    if fmt == "csv":
        if rng.random() < 0.5:
            return render_csv(values[:-1])  # a truncated record
        # A stray trailing field. It is never empty: readers (DuckDB among them) accept
        # "a,b," as "a,b", which would make the planted reason ambiguous.
        filler = next((v for v in reversed(values) if v), "x")
        return render_csv([*values, filler])
    text = render_json(names, row).rstrip("\n")
    if rng.random() < 0.7:
        cut = max(2, int(len(text) * rng.uniform(0.3, 0.8)))
        return text[:cut] + "\n"
    return json.dumps([v for v in values if v is not None], ensure_ascii=False) + "\n"
