"""Issue 17's input defects, one test each: a stored row, a quarantined row with a reason,
or a whole-file refusal naming the file - never a traceback or an engine's internals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write
from threadline import Case
from threadline.errors import UsageError

HEADER = "platform,message_id,sent_at,sender,recipient,text"
GOOD = [
    "chatapp,m1,2020-01-01T10:00:00Z,alice,bob,hello",
    "chatapp,m2,2020-01-01T10:01:00Z,alice,bob,world",
    "chatapp,m3,2020-01-01T10:02:00Z,bob,alice,again",
]


def ingest(case: Case, kind: str, path: Path, **kw: Any) -> Any:
    (report,) = case.ingest(kind, [path], agency="AG", seizure="EX-1", **kw)
    return report


def stored(case: Case, sql: str = "SELECT message_id, row FROM messages") -> set[Any]:
    return set(case.engine.query(sql))


def quarantined(case: Case) -> list[tuple[int, str, str | None]]:
    return [(q["row"], q["reason"], q["field"]) for q in case.quarantine()]


def source_counts(case: Case) -> tuple[int, int]:
    (row,) = case.engine.query("SELECT rows_stored, rows_quarantined FROM sources")
    return int(row[0]), int(row[1])


# --- times -----------------------------------------------------------------------------


def test_hour_24_is_refused_not_read_as_the_next_year(case: Case, tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", f"{HEADER}\nc,t1,9999-12-31T24:00:00Z,a,b,x\n{GOOD[0]}\n")
    ingest(case, "messages", f)
    assert quarantined(case) == [(2, "bad_timestamp", "sent_at")]
    assert stored(case) == {("m1", 3)}


def test_offset_beyond_14_hours_is_refused(case: Case, tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", f"{HEADER}\nc,t2,2020-01-01T10:00:00+25:00,a,b,x\n")
    ingest(case, "messages", f)
    assert quarantined(case) == [(2, "bad_timestamp", "sent_at")]


def test_dst_gap_and_overlap_are_flagged(case: Case, tmp_path: Path) -> None:
    rows = [
        "c,gap,2021-03-28T02:30:00,a,b,x",  # Berlin clocks jump 02:00 -> 03:00
        "c,twice,2021-10-31T02:30:00,a,b,x",  # Berlin clocks go back 03:00 -> 02:00
        "c,before,2021-03-28T01:59:00,a,b,x",
        "c,after,2021-03-28T03:00:00,a,b,x",
        "c,summer,2021-07-01T12:00:00,a,b,x",
        "c,offset,2021-10-31T02:30:00+01:00,a,b,x",  # an offset settles it
    ]
    f = write(tmp_path / "m.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    ingest(case, "messages", f, timezone="Europe/Berlin")
    assert quarantined(case) == [
        (2, "nonexistent_local_time", "sent_at"),
        (3, "ambiguous_local_time", "sent_at"),
    ]
    got = dict(case.engine.query("SELECT message_id, strftime(sent_at, '%H:%M') FROM messages"))
    assert got == {"before": "00:59", "after": "01:00", "summer": "10:00", "offset": "01:30"}


@pytest.mark.parametrize("zone", ["right/UTC", "posix/Europe/Berlin", "localtime", "Mars/Base"])
def test_non_iana_time_zones_are_a_usage_error(case: Case, tmp_path: Path, zone: str) -> None:
    f = write(tmp_path / "m.csv", f"{HEADER}\n{GOOD[0]}\n")
    with pytest.raises(UsageError, match="unknown IANA time zone"):
        ingest(case, "messages", f, timezone=zone)
    assert case.status().counts["sources"] == 0


# --- selectors -------------------------------------------------------------------------


def test_ipv4_mapped_ipv6_is_stored_as_ipv4(case: Case, tmp_path: Path) -> None:
    f = write(
        tmp_path / "l.csv",
        "platform,account_id,at,ip\nc,a,2020-01-01T00:00:00Z,::ffff:1.2.3.4\n"
        "c,a,2020-01-01T00:01:00Z,1.2.3.4\n",
    )
    ingest(case, "logins", f)
    assert stored(case, "SELECT ip, ip_original FROM logins") == {
        ("1.2.3.4", "::ffff:1.2.3.4"),
        ("1.2.3.4", "1.2.3.4"),
    }


def test_phones_outside_the_numbering_plan_keep_only_their_original(
    case: Case, tmp_path: Path
) -> None:
    f = write(
        tmp_path / "a.csv",
        "platform,account_id,phone,country\n"
        "c,short,12345,GB\nc,digit_short,+44 7911 12345,GB\nc,valid,07911 123456,GB\n",
    )
    report = ingest(case, "accounts", f)
    assert report.stored == 3  # an optional selector that does not validate costs no row
    assert stored(case, "SELECT account_id, phone, phone_original FROM accounts") == {
        ("short", None, "12345"),
        ("digit_short", None, "+44 7911 12345"),
        ("valid", "+447911123456", "07911 123456"),
    }


# --- CSV structure ---------------------------------------------------------------------


def _all_good(case: Case) -> None:
    assert stored(case) == {("m1", 2), ("m2", 3), ("m3", 4)}
    assert quarantined(case) == []
    assert source_counts(case) == (3, 0)


def test_cr_only_csv_is_read(case: Case, tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", ("\r".join([HEADER, *GOOD]) + "\r").encode())
    ingest(case, "messages", f)
    _all_good(case)


def test_mixed_line_endings_are_read(case: Case, tmp_path: Path) -> None:
    body = f"{HEADER}\r\n{GOOD[0]}\n{GOOD[1]}\r{GOOD[2]}\r\n"
    f = write(tmp_path / "m.csv", body.encode())
    ingest(case, "messages", f)
    _all_good(case)


def test_trailing_comma_in_the_header_is_an_unnamed_ignored_column(
    case: Case, tmp_path: Path
) -> None:
    f = write(tmp_path / "m.csv", HEADER + ",\n" + "".join(g + ",\n" for g in GOOD))
    ingest(case, "messages", f)
    _all_good(case)
    (ignored,) = case.engine.query("SELECT ignored_fields FROM sources")[0]
    assert "column_7" in str(ignored)


def test_text_and_Text_both_present(case: Case, tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", HEADER + ",Text\n" + "".join(g + ",OTHER\n" for g in GOOD))
    ingest(case, "messages", f)
    _all_good(case)
    assert stored(case, "SELECT text FROM messages") == {("hello",), ("world",), ("again",)}


def test_unterminated_quote_does_not_swallow_later_records(case: Case, tmp_path: Path) -> None:
    body = f'{HEADER}\n{GOOD[0]}\nchatapp,m9,2020-01-01T10:00:00Z,a,b,"open quote\n{GOOD[1]}\n'
    body += f'{GOOD[2]}\nchatapp,m4,2020-01-01T10:03:00Z,a,b,"quoted, closed"\n'
    f = write(tmp_path / "m.csv", body)
    report = ingest(case, "messages", f)
    assert quarantined(case) == [(3, "malformed_record", None)]
    assert stored(case) == {("m1", 2), ("m2", 4), ("m3", 5), ("m4", 6)}
    assert (report.stored, report.quarantined) == (4, 1)
    assert source_counts(case) == (4, 1)


def test_trailing_blank_lines_are_not_records(case: Case, tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", HEADER + "\n" + "\n".join(GOOD) + "\n\n\n\n")
    report = ingest(case, "messages", f)
    _all_good(case)
    assert report.quarantined == 0


def test_trailing_blank_lines_after_a_stray_quote_are_counted(case: Case, tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", f'{HEADER}\n{GOOD[0]}\nc,m9,2020-01-01T10:00:00Z,a,b,"x\n\n\n')
    report = ingest(case, "messages", f)
    assert len(case.quarantine()) == report.quarantined == source_counts(case)[1] == 1


def test_100_mb_quoted_field_over_100_lines(case: Case, tmp_path: Path) -> None:
    """One quarantined row for the giant record, the next record keeps its row number."""
    f = tmp_path / "m.csv"
    line = "y" * (1024 * 1024 - 1) + "\n"
    with f.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f'{HEADER}\n{GOOD[0]}\nchatapp,big,2020-01-01T10:00:00Z,a,b,"')
        for _ in range(100):
            fh.write(line)
        fh.write(f'"\n{GOOD[1]}\n')
    report = ingest(case, "messages", f)
    assert quarantined(case) == [(3, "record_too_long", None)]
    assert stored(case) == {("m1", 2), ("m2", 4)}
    assert (report.stored, report.quarantined) == (2, 1)
    (original,) = case.engine.query("SELECT length(original) FROM quarantine")[0]
    assert original <= 64 * 1024


# --- JSON Lines ------------------------------------------------------------------------


def test_one_line_crlf_jsonl(case: Case, tmp_path: Path) -> None:
    line = (
        '{"platform":"c","message_id":"1","sent_at":"2020-01-01T10:00:00Z",'
        '"sender":"a","recipient":"b","text":"t"}\r\n'
    )
    f = write(tmp_path / "m.jsonl", line.encode())
    report = ingest(case, "messages", f)
    assert (report.stored, report.quarantined) == (1, 0)
    assert stored(case, "SELECT text, row FROM messages") == {("t", 1)}


def test_duplicate_key_is_quarantined_with_its_reason(case: Case, tmp_path: Path) -> None:
    body = (
        '{"platform":"c","message_id":"1","sent_at":"2020-01-01T10:00:00Z","sender":"a",'
        '"recipient":"b","text":"first","text":"last"}\n'
        '{"platform":"c","message_id":"2","sent_at":"2020-01-01T10:00:00Z","sender":"a",'
        '"recipient":"b","text":"once","extra":1,"extra":2}\n'
    )
    report = ingest(case, "messages", write(tmp_path / "m.jsonl", body))
    assert quarantined(case) == [(1, "duplicate_key", "text")]
    assert stored(case, "SELECT text, row FROM messages") == {("once", 2)}
    assert (report.stored, report.quarantined) == (1, 1)


@pytest.mark.parametrize("number", ["1e2", "100.0", "12345678901234567890123", "-0", "1.50"])
def test_numeric_ids_keep_their_source_text(case: Case, tmp_path: Path, number: str) -> None:
    body = (
        f'{{"platform":"c","message_id":{number},"sent_at":"2020-01-01T10:00:00Z",'
        '"sender":"a","recipient":"b","text":"t"}\n'
    )
    ingest(case, "messages", write(tmp_path / "m.jsonl", body))
    assert stored(case) == {(number, 1)}


def test_telegram_numeric_ids_are_not_floats(tmp_path: Path) -> None:
    from threadline.ingest.formats import ParseOptions, parse

    doc = (
        '{"name": "x", "type": "personal_chat", "id": 222, "messages": ['
        '{"id": 1e2, "type": "message", "date": "2021-01-20T17:05:00", '
        '"date_unixtime": "1611133500", "from": "A", "from_id": "user111", "text": "hi"}]}'
    )
    (messages, *_) = [
        p
        for p in parse(write(tmp_path / "t.json", doc), "telegram", ParseOptions())
        if p.kind == "messages"
    ]
    records = messages.records
    table = records.read_all() if hasattr(records, "read_all") else records
    (row,) = table.to_pylist()
    # ijson reads numbers as Decimal: digits and exponent as written (case of E aside)
    assert row["message_id"] == "222:1E+2"


# --- seized media folders --------------------------------------------------------------


def test_media_folder_links_are_recorded_not_followed_and_specials_listed(
    case: Case, tmp_path: Path
) -> None:
    import os

    seized = tmp_path / "seized"
    seized.mkdir()
    (seized / "note.txt").write_text("an ordinary file\n", encoding="utf-8")
    outside = write(tmp_path / "outside" / "host.txt", "not seized\n")
    (seized / "to_outside").symlink_to(outside)
    (seized / "to_zero").symlink_to("/dev/zero")
    (seized / "to_dir").symlink_to(outside.parent, target_is_directory=True)
    os.mkfifo(seized / "pipe")
    (report,) = case.ingest_media([seized], agency="AG", seizure="EX-1", workers=1)
    rows = {
        Path(p).name: (status, reason, sha)
        for p, status, reason, sha in case.engine.query(
            "SELECT path, status, reason, sha256 FROM media_files"
        )
    }
    assert rows["note.txt"][0] == "not_media"
    assert rows["note.txt"][2]
    for link, target in [("to_outside", outside), ("to_zero", "/dev/zero")]:
        status, reason, sha = rows[link]
        assert (status, sha) == ("symlink", None)
        assert f"symbolic link to {target}" in reason
    assert rows["to_dir"][0] == "symlink"
    assert rows["pipe"][:1] == ("special",)
    assert "FIFO" in rows["pipe"][1]
    hashed = {sha for (sha,) in case.engine.query("SELECT sha256 FROM media WHERE sha256 NOTNULL")}
    assert len(hashed) == 1  # only note.txt was read
    assert "host.txt" not in str(case.engine.query("SELECT list(path) FROM media_files"))
    assert any("pipe" in n and "FIFO" in n for n in report.notes)
    assert any("to_zero" in n for n in report.notes)


# --- the case directory itself ---------------------------------------------------------

_DELETING_INGEST = """
import shutil, sys
from pathlib import Path
from threadline import cli
from threadline.store import custody

original = custody.record_source
def record_then_delete(engine, *args, **kwargs):
    original(engine, *args, **kwargs)
    shutil.rmtree(Path(sys.argv[2]))  # the case directory goes while the file is loading
custody.record_source = record_then_delete
sys.argv = ["threadline", *sys.argv[1:]]
cli.main()
"""


def test_deleting_the_case_during_an_ingest_is_not_success(tmp_path: Path) -> None:
    import subprocess
    import sys

    Case.init(tmp_path / "case").close()
    f = write(tmp_path / "m.csv", HEADER + "\n" + "\n".join(GOOD) + "\n")
    args = ["ingest", str(tmp_path / "case"), "messages", str(f), "--agency", "A", "--seizure", "S"]
    done = subprocess.run(
        [sys.executable, "-c", _DELETING_INGEST, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    print(done.stdout[-500:], done.stderr[-500:])
    assert not (tmp_path / "case").exists()
    assert done.returncode == 3
    assert "deleted or moved during the ingest" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def read_only_case(tmp_path: Path) -> Any:
    import os
    import subprocess

    src, mnt = tmp_path / "src", tmp_path / "mnt"
    mnt.mkdir()
    Case.init(src / "case").close()
    if os.geteuid() != 0:
        (src / "case").chmod(0o555)
        yield mnt.parent / "src" / "case"
        (src / "case").chmod(0o755)
        return
    # root ignores file modes: a read-only bind mount is what a read-only case looks like
    ok = subprocess.run(["mount", "--bind", str(src), str(mnt)], check=False).returncode == 0
    ok = ok and (
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mnt)], check=False).returncode == 0
    )
    if not ok:
        subprocess.run(["umount", str(mnt)], check=False)
        pytest.skip("cannot make a read-only mount here (not permitted)")
    yield mnt / "case"
    subprocess.run(["umount", str(mnt)], check=True)


def test_read_only_case_is_a_permission_error_not_a_missing_case(
    read_only_case: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from threadline.errors import CasePermissionError

    with pytest.raises(CasePermissionError, match="cannot be written") as err:
        Case.open(read_only_case)
    assert err.value.exit_code == 8
    with Case.open(read_only_case, read_only=True) as c:  # reading still works
        assert c.status().counts["sources"] == 0
    f = write(tmp_path / "m.csv", HEADER + "\n" + GOOD[0] + "\n")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from threadline import cli; sys.argv[0] = 'threadline'; cli.main()",
            *("ingest", str(read_only_case), "messages", str(f), "--agency", "A"),
            *("--seizure", "S"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 8, done.stderr
    assert "not a Threadline case" not in done.stderr


def test_cr_only_whatsapp_export_is_not_one_message(tmp_path: Path) -> None:
    from tests.ingest.formats.conftest import parse_all

    chat = (
        "20/01/2021, 09:07 - Maria Santos: Good morning!\r"
        "20/01/2021, 13:15 - +63 917 555 0101: Yes, see you there.\r"
    )
    got, _ = parse_all(write(tmp_path / "chat.txt", chat), "whatsapp", day_first=True)
    assert [(m["_row"], m["text"]) for m in got["messages"]] == [
        (1, "Good morning!"),
        (2, "Yes, see you there."),
    ]


def test_mapped_jsonl_duplicate_key_is_quarantined(case: Case, tmp_path: Path) -> None:
    from tests.conftest import DATA

    mapping = Path(__file__).resolve().parents[2] / "docs" / "mappings" / "chatapp_subscribers.yaml"
    lines = (DATA / "formats" / "mapping" / "chatapp_subscribers.jsonl").read_text().splitlines()
    lines[0] = lines[0][:-1] + ', "email": "other@mail.test"}'
    f = write(tmp_path / "subs.jsonl", "\n".join(lines) + "\n")
    (report,) = case.ingest_export("jsonl", [f], agency="AG", seizure="EX-1", mapping=mapping)
    assert (1, "duplicate_key", None) in quarantined(case)
    assert report.quarantined >= 1


def test_an_engine_reader_failure_reads_the_file_again_exactly(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's reader failing aborts the transaction; the file is loaded again, exactly."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        case.engine.execute("SELECT error('the CSV reader gave up')")
        raise AssertionError("unreachable")

    monkeypatch.setattr(case.engine, "stage_csv", fail)
    f = write(tmp_path / "m.csv", HEADER + "\n" + "\n".join(GOOD) + "\n")
    report = ingest(case, "messages", f)
    assert (report.stored, report.quarantined) == (3, 0)
    _all_good(case)
