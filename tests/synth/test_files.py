"""Every file follows the canonical formats, and the planted bad rows are exactly the rows
the ingest contract refuses, at the row numbers it reports."""

from __future__ import annotations

import collections
import ipaddress
import re
from datetime import datetime

import pycountry
import pytest

from tests.synth.conftest import Op, Row

FIELDS = {
    "accounts": (
        ("platform", "account_id"),
        ("display_name", "email", "phone", "created_at", "registration_ip", "country"),
    ),
    "messages": (
        ("platform", "message_id", "sent_at", "sender", "recipient", "text"),
        ("conversation_id", "attachment_sha256", "attachment_name"),
    ),
    "payments": (
        (
            "provider",
            "transaction_id",
            "sent_at",
            "sender_name",
            "receiver_name",
            "amount",
            "currency",
        ),
        (
            "sender_account",
            "sender_phone",
            "sender_country",
            "sender_city",
            "receiver_account",
            "receiver_phone",
            "receiver_country",
            "receiver_city",
            "narrative",
            "status",
        ),
    ),
    "logins": (("platform", "account_id", "at", "ip"), ("user_agent", "device_id", "port")),
    "locations": (("subject_type", "subject", "at", "lat", "lon"), ("accuracy_m", "source_note")),
}
TIME_FIELD = {"messages": "sent_at", "payments": "sent_at", "logins": "at", "locations": "at"}
# The ingest's patterns (store/normalise_sql.py).
_DT = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
ISO_WITH_OFFSET = re.compile(_DT + r"(Z|z|[+-]\d{2}(:?\d{2})?)$")
ISO_NAIVE = re.compile(_DT + r"$")
DECIMAL = re.compile(r"^[+-]?\d{1,30}(\.\d{1,8})?$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def problem(
    kind: str, rec: dict[str, str | None] | None, naive_file: bool
) -> tuple[str, str | None] | None:
    """The quarantine reason the ingest contract gives a record, or None if it is stored."""
    if rec is None:
        return "malformed_record", None
    required, _ = FIELDS[kind]
    for f in required:
        if rec.get(f) in (None, ""):
            return "missing_field", f
    if kind in TIME_FIELD:
        f = TIME_FIELD[kind]
        text = str(rec[f])
        if ISO_WITH_OFFSET.match(text):
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        elif ISO_NAIVE.match(text):
            if not naive_file:
                return "naive_timestamp", f
        else:
            return "bad_timestamp", f
    if kind == "payments":
        if not DECIMAL.match(str(rec["amount"])):
            return "bad_amount", "amount"
        cur = str(rec["currency"]).upper()
        if len(cur) != 3 or pycountry.currencies.get(alpha_3=cur) is None:
            return "bad_currency", "currency"
    if kind == "logins":
        try:
            ipaddress.ip_address(str(rec["ip"]))
        except ValueError:
            return "bad_ip", "ip"
    if kind == "locations":
        for f, bound in (("lat", 90), ("lon", 180)):
            try:
                ok = -bound <= float(str(rec[f])) <= bound
            except ValueError:
                ok = False
            if not ok:
                return "bad_coordinate", f
    if (
        kind == "messages"
        and rec.get("attachment_sha256")
        and not SHA256.match(str(rec["attachment_sha256"]))
    ):
        return "bad_hash", "attachment_sha256"
    return None


def test_manifest(op: Op) -> None:
    m = op.manifest
    assert m["schema_version"] == 1
    assert m["generator"] == "threadline.synth"
    assert isinstance(m["seed"], int)
    kinds = collections.Counter(s["kind"] for s in op.sources)
    assert set(kinds) == set(FIELDS)
    assert all(kinds[k] >= 2 for k in FIELDS)
    assert {s["format"] for s in op.sources} == {"csv", "jsonl"}
    for s in op.sources:
        assert set(s) == {"path", "kind", "format", "agency", "seizure", "timezone"}
        path = op.root / str(s["path"])
        assert path.is_file()
        assert path.stat().st_size > 0
        assert str(s["path"]).endswith("." + str(s["format"]))
        assert s["timezone"] in (None, "Asia/Manila")
        assert s["agency"]
        assert s["seizure"]
    assert sum(1 for s in op.sources if s["timezone"]) >= 1


def test_manifest_lists_media_folders_and_hash_lists(op: Op) -> None:
    media = [s for s in op.all_sources if s["kind"] == "media"]
    lists = [s for s in op.all_sources if s["kind"] == "hashlist"]
    assert media
    assert lists
    for s in media:
        assert s["format"] == "folder"
        assert (op.root / str(s["path"])).is_dir()
        assert ":" in str(s["found_on"])  # platform:account of a seller's phone
    for s in lists:
        assert (op.root / str(s["path"])).is_file()


def test_columns_are_canonical(op: Op) -> None:
    for s in op.sources:
        required, optional = FIELDS[str(s["kind"])]
        if s["format"] == "csv":
            with (op.root / str(s["path"])).open(encoding="utf-8") as fh:
                header = fh.readline().rstrip("\n").split(",")
            assert set(required) <= set(header), s["path"]
            assert set(header) <= set(required) | set(optional), s["path"]
        for r in op.rows(s):
            if r.fields is not None:
                assert set(r.fields) <= set(required) | set(optional), (s["path"], r.number)


def test_no_blank_lines(op: Op) -> None:
    for s in op.sources:
        data = (op.root / str(s["path"])).read_bytes()
        assert b"\n\n" not in data, s["path"]
        assert data.endswith(b"\n"), s["path"]
        assert not data.startswith(b"\n"), s["path"]


def test_planted_errors_are_exactly_the_refused_rows(op: Op) -> None:
    planted = op.planted_rows()
    found: dict[tuple[object, object], tuple[str, str | None]] = {}
    for s in op.sources:
        for r in op.rows(s):
            p = problem(str(s["kind"]), r.fields, s["timezone"] is not None)
            if p is not None:
                found[(s["path"], r.number)] = p
    assert set(found) == set(planted)
    for key, (reason, field) in found.items():
        assert planted[key]["reason"] == reason, key
        assert planted[key]["field"] == field, key
    reasons = collections.Counter(e["reason"] for e in planted.values())
    expected = {
        "missing_field",
        "bad_timestamp",
        "naive_timestamp",
        "bad_amount",
        "bad_currency",
        "bad_ip",
        "bad_coordinate",
        "malformed_record",
    }
    assert set(reasons) == expected
    assert reasons["naive_timestamp"] == 2
    fmt = {s["path"]: s["format"] for s in op.sources}
    assert {fmt[e["path"]] for e in planted.values() if e["reason"] == "malformed_record"} == {
        "csv",
        "jsonl",
    }


def test_error_rate_is_small(small: Op) -> None:
    rows = sum(1 for s in small.sources for _ in small.rows(s))
    assert 0.0002 < len(small.planted_rows()) / rows < 0.002


def test_duplicates_are_identical_records(op: Op) -> None:
    dups = op.truth("planted_duplicates")
    assert dups
    by_key: dict[tuple[str, str], list[tuple[str, dict[str, str | None]]]] = (
        collections.defaultdict(list)
    )
    for s, r in op.good("messages"):
        assert r.fields is not None
        by_key[(str(r.fields["platform"]), str(r.fields["message_id"]))].append(
            (str(s["path"]), r.fields)
        )
    repeated = {k: v for k, v in by_key.items() if len(v) > 1}
    assert {(d["key"][0], d["key"][1]) for d in dups} == set(repeated)
    assert len(dups) == len(repeated)
    for d in dups:
        copies = repeated[(d["key"][0], d["key"][1])]
        assert sorted(p for p, _ in copies) == sorted(d["paths"])
        a, b = ({k: v for k, v in c.items() if v is not None} for _, c in copies)
        assert a == b
    assert any("[LIVE]" in str(v[0][1]["text"]) for v in repeated.values())


@pytest.mark.parametrize("kind", ["accounts", "logins", "locations"])
def test_no_accidental_duplicate_records(op: Op, kind: str) -> None:
    seen = collections.Counter(
        tuple(sorted(r.fields.items())) for _, r in op.good(kind) if r.fields
    )
    assert max(seen.values()) == 1


def test_values_are_well_formed(op: Op) -> None:
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?$")
    for kind in FIELDS:
        for s, r in op.good(kind):
            assert r.fields is not None
            for f in ("sent_at", "at", "created_at"):
                if r.fields.get(f):
                    assert iso.match(str(r.fields[f])), (s["path"], r.number, f)
                    assert (s["timezone"] is None) == (not ISO_NAIVE.match(str(r.fields[f]))), (
                        s["path"],
                        r.number,
                    )
            if kind == "payments":
                assert DECIMAL.match(str(r.fields["amount"]))
                assert float(str(r.fields["amount"])) > 0
            if kind == "locations":
                assert r.fields["subject_type"] in ("account", "phone", "device")
            if kind == "logins" and r.fields.get("port"):
                assert 1024 <= int(str(r.fields["port"])) <= 65535
            for f in ("sender_country", "receiver_country", "country"):
                if r.fields.get(f):
                    assert pycountry.countries.lookup(str(r.fields[f]))


def _texts(op: Op) -> list[Row]:
    return [r for _, r in op.good("messages")]


def test_message_text_is_quoted_properly(small: Op) -> None:
    texts = [str(r.fields["text"]) for r in _texts(small) if r.fields]
    assert any("\n" in t for t in texts)
    assert any("," in t for t in texts)
    assert any('"' in t for t in texts)
