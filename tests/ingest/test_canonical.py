"""Canonical ingest on a real DuckDB case: every kind, malformed input, idempotence."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import CANONICAL, write
from threadline import Case
from threadline.errors import SourceError

MSG_HEADER = "platform,message_id,sent_at,sender,recipient,text\n"


def ingest(case: Case, kind: str, path: Path, **kw: str):  # type: ignore[no-untyped-def]
    (report,) = case.ingest(kind, [path], agency="AG", seizure="EX-1", **kw)
    return report


@pytest.mark.parametrize(
    ("kind", "file", "stored"),
    [
        ("accounts", "accounts.csv", 2),
        ("messages", "messages.csv", 3),
        ("payments", "payments.jsonl", 2),
        ("logins", "logins.csv", 2),
        ("locations", "locations.csv", 1),
        ("media", "media.csv", 1),
        ("hashlist", "hashlist.csv", 1),
    ],
)
def test_each_kind_ingests(case: Case, kind: str, file: str, stored: int) -> None:
    report = ingest(case, kind, CANONICAL / file)
    assert (report.stored, report.quarantined) == (stored, 0)
    assert case.status().counts[kind] == stored
    assert case.quarantine() == []


def test_values_are_normalised_and_originals_kept(case: Case) -> None:
    ingest(case, "accounts", CANONICAL / "accounts.csv")
    ingest(case, "payments", CANONICAL / "payments.jsonl")
    ingest(case, "logins", CANONICAL / "logins.csv")
    accounts = case.engine.query_dicts("SELECT * FROM accounts ORDER BY account_id")
    assert accounts[0]["email"] == "tom.example@mail.test"
    assert accounts[0]["email_original"] == "Tom.Example@Mail.test"
    assert accounts[0]["phone"] == "+447911123456"
    assert accounts[0]["country"] == "GB"
    assert accounts[0]["country_original"] == "UK"
    assert accounts[1]["phone"] == "+639175550199"
    assert accounts[1]["country"] == "PH"
    assert str(accounts[0]["created_at"]) == "2019-05-01 08:00:00"
    pays = case.engine.query_dicts("SELECT * FROM payments ORDER BY transaction_id")
    assert pays[0]["amount"] == Decimal("35.00")
    assert pays[1]["currency"] == "GBP"
    assert pays[1]["currency_original"] == "gbp"
    assert pays[0]["receiver_phone"] == "+639175550199"
    ips = [r[0] for r in case.engine.query('SELECT ip FROM logins ORDER BY "at"')]
    assert ips == ["81.2.69.160", "2001:db8::1"]


def test_rows_keep_their_file_row_numbers(case: Case) -> None:
    ingest(case, "messages", CANONICAL / "messages.csv")
    rows = case.engine.query('SELECT message_id, "row" FROM messages ORDER BY message_id')
    # header is row 1; m-2 spans two physical lines but is one record
    assert rows == [("m-1", 2), ("m-2", 3), ("m-3", 4)]


def test_malformed_rows_are_quarantined_with_file_row_field_reason(
    case: Case, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "m.csv",
        MSG_HEADER
        + "p,1,2020-01-01T00:00:00Z,a,b,fine\n"
        + "p,2,2020-01-01T00:00:00Z,,b,missing sender\n"
        + "p,3,yesterday,a,b,bad time\n"
        + "p,4,2020-01-01T00:00:00,a,b,naive\n"
        + "p,5,2020-01-01T00:00:00Z,a,b,too,many\n"
        + "p,6,2020-02-30T00:00:00Z,a,b,no such day\n"
        + "p,7,2020-01-01T00:00:00Z,a,b,fine again\n",
    )
    report = ingest(case, "messages", path)
    assert (report.rows_read, report.stored, report.quarantined) == (7, 2, 5)
    got = [(q["row"], q["field"], q["reason"]) for q in case.quarantine()]
    assert got == [
        (3, "sender", "missing_field"),
        (4, "sent_at", "bad_timestamp"),
        (5, "sent_at", "naive_timestamp"),
        (6, None, "malformed_record"),
        (7, "sent_at", "bad_timestamp"),
    ]
    assert all(q["path"] == str(path.resolve()) for q in case.quarantine())
    assert "yesterday" in case.quarantine()[1]["original"]
    stored = case.engine.query('SELECT message_id, "row" FROM messages ORDER BY "row"')
    assert stored == [("1", 2), ("7", 8)]


def test_bad_amount_currency_ip_coordinate(case: Case, tmp_path: Path) -> None:
    pay = write(
        tmp_path / "p.csv",
        "provider,transaction_id,sent_at,sender_name,receiver_name,amount,currency\n"
        "r,1,2020-01-01T00:00:00Z,A,B,12.5,USD\n"
        "r,2,2020-01-01T00:00:00Z,A,B,12,5,USD\n"
        "r,3,2020-01-01T00:00:00Z,A,B,1e3,USD\n"
        "r,4,2020-01-01T00:00:00Z,A,B,10,DOLLARS\n",
    )
    ingest(case, "payments", pay)
    logins = write(
        tmp_path / "l.jsonl",
        '{"platform":"p","account_id":"a","at":"2020-01-01T00:00:00Z","ip":"300.1.1.1"}\n'
        '{"platform":"p","account_id":"a","at":"2020-01-01T00:00:00Z","ip":"10.0.0.1"}\n',
    )
    ingest(case, "logins", logins)
    loc = write(
        tmp_path / "loc.csv",
        "subject_type,subject,at,lat,lon\n"
        "phone,+63917,2020-01-01T00:00:00Z,91,120\n"
        "car,x,2020-01-01T00:00:00Z,10,120\n",
    )
    ingest(case, "locations", loc)
    reasons = [(Path(q["path"]).name, q["row"], q["reason"]) for q in case.quarantine()]
    assert reasons == [
        ("p.csv", 3, "malformed_record"),
        ("p.csv", 4, "bad_amount"),
        ("p.csv", 5, "bad_currency"),
        ("l.jsonl", 1, "bad_ip"),
        ("loc.csv", 2, "bad_coordinate"),
        ("loc.csv", 3, "bad_subject_type"),
    ]


def test_naive_timestamps_with_timezone_become_utc(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", MSG_HEADER + "p,1,2020-01-01T10:00:00,a,b,x\n")
    report = ingest(case, "messages", path, timezone="Asia/Manila")
    assert report.stored == 1
    assert str(case.engine.scalar("SELECT sent_at FROM messages")) == "2020-01-01 02:00:00"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"platform,message_id,text\np,1,x\n", r"missing column\(s\) sent_at, sender, recipient"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not UTF-8"),
        (b"\x00\x01\x02\x03garbage\n\x00\x00", "binary data"),
        (b"\xff\xfeplatform\n", "not UTF-8"),
    ],
)
def test_unreadable_files_are_rejected_whole(
    case: Case, tmp_path: Path, content: bytes, message: str
) -> None:
    path = write(tmp_path / "bad.csv", content)
    with pytest.raises(SourceError, match=message) as err:
        ingest(case, "messages", path)
    assert str(path) in str(err.value)
    assert case.status().counts["sources"] == 0
    assert case.quarantine() == []


def test_invalid_utf8_row_is_quarantined_and_the_rest_kept(case: Case, tmp_path: Path) -> None:
    path = write(
        tmp_path / "m.csv",
        MSG_HEADER.encode()
        + b"p,1,2020-01-01T00:00:00Z,a,b,ok\n"
        + b"p,2,2020-01-01T00:00:00Z,a,b,caf\xe9\n"
        + b"p,3,2020-01-01T00:00:00Z,a,b,ok\n",
    )
    report = ingest(case, "messages", path)
    assert (report.stored, report.quarantined) == (2, 1)
    (q,) = case.quarantine()
    assert (q["row"], q["reason"]) == (3, "invalid_encoding")


def test_unterminated_quote_at_the_end_is_not_lost(case: Case, tmp_path: Path) -> None:
    path = write(
        tmp_path / "m.csv",
        MSG_HEADER + "p,1,2020-01-01T00:00:00Z,a,b,ok\n" + 'p,2,2020-01-01T00:00:00Z,a,b,"cut\n',
    )
    report = ingest(case, "messages", path)
    assert report.stored == 1
    (q,) = case.quarantine()
    assert q["reason"] == "malformed_record"
    assert "cut" in q["original"]


def test_jsonl_garbage_lines_are_quarantined(case: Case, tmp_path: Path) -> None:
    good = '{"platform":"p","message_id":"1","sent_at":"2020-01-01T00:00:00Z",'
    good += '"sender":"a","recipient":"b","text":"x"}'
    path = write(
        tmp_path / "m.jsonl",
        good.encode()
        + b"\n\n{not json\n[1]\n\x00\x01\x02binary\n"
        + good.replace('"1"', '"2"').encode(),
    )
    report = ingest(case, "messages", path)
    assert (report.stored, report.quarantined) == (2, 3)
    assert [(q["row"], q["reason"]) for q in case.quarantine()] == [
        (3, "malformed_record"),
        (4, "malformed_record"),
        (5, "malformed_record"),
    ]
    assert case.engine.query('SELECT "row" FROM messages ORDER BY "row"') == [(1,), (6,)]


def test_same_file_twice_adds_nothing(case: Case) -> None:
    first = ingest(case, "messages", CANONICAL / "messages.csv")
    again = ingest(case, "messages", CANONICAL / "messages.csv")
    assert first.stored == 3
    assert again.already_ingested
    counts = case.status().counts
    assert (counts["messages"], counts["sources"]) == (3, 1)


def test_same_record_in_two_sources_is_stored_once_with_both_provenances(
    case: Case, tmp_path: Path
) -> None:
    a = write(tmp_path / "a.csv", MSG_HEADER + "p,1,2020-01-01T00:00:00Z,a,b,x\n")
    b = write(
        tmp_path / "b.csv",
        MSG_HEADER + "p,0,2020-01-01T00:00:00Z,a,b,y\np,1,2020-01-01T00:00:00Z,a,b,x\n",
    )
    ingest(case, "messages", a)
    report = ingest(case, "messages", b)
    assert (report.stored, report.duplicate) == (1, 1)
    assert case.status().counts["messages"] == 2
    prov = case.engine.query(
        'SELECT p.source_id, p."row" FROM provenance p JOIN messages m USING (record_id) '
        "WHERE m.message_id = '1' ORDER BY p.\"row\""
    )
    assert len(prov) == 2
    assert {r[1] for r in prov} == {2, 3}


def test_failure_mid_file_leaves_nothing(case: Case, tmp_path: Path) -> None:
    from threadline.ingest.canonical import SourceOptions, ingest_file
    from threadline.store.loader import InjectedFailure

    path = write(tmp_path / "m.csv", MSG_HEADER + "p,1,2020-01-01T00:00:00Z,a,b,x\n")
    with pytest.raises(InjectedFailure):
        ingest_file(case.engine, "messages", path, SourceOptions("AG", "S"), fail_after_stage=True)
    counts = case.status().counts
    assert (counts["messages"], counts["sources"], counts["quarantine"]) == (0, 0, 0)
    assert counts["audit"] == 1  # only the init entry
    assert ingest(case, "messages", path).stored == 1  # and it can be ingested afterwards


def test_source_record_has_chain_of_custody_fields(case: Case) -> None:
    ingest(case, "messages", CANONICAL / "messages.csv", timezone="Asia/Manila")
    (src,) = case.sources()
    assert src["agency"] == "AG"
    assert src["seizure"] == "EX-1"
    assert src["kind"] == "messages"
    assert src["format"] == "csv"
    assert src["timezone"] == "Asia/Manila"
    assert len(src["sha256"]) == 64
    assert src["size"] == (CANONICAL / "messages.csv").stat().st_size
    assert (src["rows_stored"], src["rows_quarantined"]) == (3, 0)
    assert src["os_user"]
    assert src["ingested_at"] is not None


def test_multi_line_record_beside_empty_fields_is_not_misread_as_lost(
    case: Case, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "m.csv",
        "platform,message_id,sent_at,sender,recipient,text,conversation_id\n"
        'p,1,2020-01-01T00:00:00Z,a,b,"two\nlines",\n'
        "p,2,2020-01-01T00:00:00Z,a,b,one line,\n",
    )
    report = ingest(case, "messages", path)
    assert (report.stored, report.quarantined) == (2, 0)


def test_trailing_empty_fields_lose_nothing(case: Case, tmp_path: Path) -> None:
    """DuckDB's reader drops empty fields past the header; no value is lost by that."""
    path = write(tmp_path / "m.csv", MSG_HEADER + "p,1,2020-01-01T00:00:00Z,a,b,x,,\n")
    assert ingest(case, "messages", path).stored == 1
