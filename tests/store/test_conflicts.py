"""Conflicts are kept, never dropped: the same record id with other content keeps both."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write
from tests.test_cli import run
from threadline import Case

HEAD = "provider,transaction_id,sent_at,sender_name,receiver_name,amount,currency\n"


def _two_agencies(tmp_path: Path) -> tuple[Path, Path]:
    first = write(
        tmp_path / "agency-a" / "payments.csv",
        HEAD + "remitco,T-100,2021-03-02T10:00:00Z,Ana Reyes,Ben Cruz,50.00,USD\n"
        "remitco,T-101,2021-03-02T11:00:00Z,Ana Reyes,Ben Cruz,20.00,USD\n",
    )
    second = write(
        tmp_path / "agency-b" / "payments.csv",
        HEAD + "remitco,T-100,2021-03-05T08:30:00Z,Carl Diaz,Ben Cruz,900.00,USD\n"
        "remitco,T-101,2021-03-02T11:00:00Z,Ana Reyes,Ben Cruz,20.00,USD\n",
    )
    return first, second


def test_a_conflicting_payment_from_another_agency_is_kept_and_reported(
    case: Case, tmp_path: Path
) -> None:
    first, second = _two_agencies(tmp_path)
    case.ingest("payments", [first], agency="AG-A", seizure="EX-1")
    (report,) = case.ingest("payments", [second], agency="AG-B", seizure="EX-2")
    assert (report.stored, report.duplicate, report.conflicting) == (0, 1, 1)
    assert any("both versions kept" in n for n in report.notes)
    kept = case.engine.query_dicts("SELECT * FROM payments WHERE transaction_id = 'T-100'")
    assert [(k["sender_name"], str(k["amount"])) for k in kept] == [("Ana Reyes", "50.00000000")]
    (conflict,) = case.conflicts()
    assert conflict["fields"] == "sent_at,sender_name,amount"
    assert (conflict["kept_path"], conflict["kept_row"]) == (str(first.resolve()), 2)
    assert (conflict["path"], conflict["row"]) == (str(second.resolve()), 2)
    later = json.loads(conflict["version"])
    assert (later["sender_name"], later["amount"]) == ("Carl Diaz", "900.00000000")
    assert later["sent_at"].startswith("2021-03-05 08:30")
    # the conflicting row is no provenance of the kept record; the true duplicate is
    cited = case.engine.query('SELECT record_id, "row" FROM deliveries')
    assert len(cited) == 1
    assert cited[0][1] == 3
    assert case.status().counts["conflicts"] == 1
    assert case.verify().ok
    # its own version is part of what the source stored: editing it is caught
    case.engine.execute("UPDATE conflicts SET version = replace(version, 'Carl', 'Karl')")
    assert not case.verify().ok


def test_a_conflicting_message_in_the_same_file_is_kept(case: Case, tmp_path: Path) -> None:
    f = write(
        tmp_path / "m.csv",
        "platform,message_id,sent_at,sender,recipient,text\n"
        "chatapp,m-1,2021-01-01T10:00:00Z,buyer_1,seller_1,[REQUEST]\n"
        "chatapp,m-1,2021-01-01T10:00:00Z,buyer_2,seller_1,[GREETING]\n",
    )
    (report,) = case.ingest("messages", [f], agency="AG", seizure="EX")
    assert (report.stored, report.duplicate, report.conflicting) == (1, 0, 1)
    (conflict,) = case.conflicts()
    assert (conflict["kept_row"], conflict["row"], conflict["fields"]) == (2, 3, "sender,text")


def test_conflicts_command_status_and_export(tmp_path: Path) -> None:
    case = tmp_path / "case"
    first, second = _two_agencies(tmp_path)
    assert run("init", str(case)).returncode == 0
    for f, agency in ((first, "AG-A"), (second, "AG-B")):
        r = run("ingest", str(case), "payments", str(f), "--agency", agency, "--seizure", "S")
        assert r.returncode == 0, r.stderr
    assert "both versions kept" in r.stdout
    r = run("conflicts", str(case), "--json")
    assert r.returncode == 0, r.stderr
    (line,) = r.stdout.strip().splitlines()
    assert json.loads(line)["fields"] == "sent_at,sender_name,amount"
    r = run("status", str(case), "--json")
    assert json.loads(r.stdout)["counts"]["conflicts"] == 1
    assert run("export", str(case), "--out", str(tmp_path / "out")).returncode == 0
    (exported,) = (tmp_path / "out" / "conflicts.jsonl").read_text().strip().splitlines()
    row = json.loads(exported)
    assert row["fields"] == ["sent_at", "sender_name", "amount"]
    assert row["version"]["sender_name"] == "Carl Diaz"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["files"]["conflicts.jsonl"]["rows"] == 1


def test_findings_resting_on_a_conflicted_payment_say_so(
    tiny_case_copy: Case, tmp_path: Path
) -> None:
    engine = tiny_case_copy.engine
    sha, row = next(
        (e["source_sha256"], e["row"])
        for (ev,) in engine.query("SELECT evidence FROM sessions ORDER BY session_id")
        for e in json.loads(ev)
        if e.get("table") == "payments"
    )
    pay = engine.query_dicts(
        "SELECT p.* FROM payments p JOIN sources s USING (source_id) WHERE s.sha256 = ? "
        'AND p."row" = ?',
        [sha, row],
    )[0]
    forged = write(
        tmp_path / "other-agency.csv",
        HEAD + f"{pay['provider']},{pay['transaction_id']},2020-01-01T00:00:00Z,"
        f"Someone Else,{pay['receiver_name']},1.00,{pay['currency']}\n",
    )
    (report,) = tiny_case_copy.ingest("payments", [forged], agency="AG-X", seizure="EX-9")
    assert report.conflicting == 1
    tiny_case_copy.analyze()
    flagged = [
        e
        for (ev,) in engine.query("SELECT evidence FROM sessions")
        for e in json.loads(ev)
        if e.get("conflicted")
    ]
    assert (sha, row) in {(e["source_sha256"], e["row"]) for e in flagged}
    reasons = [
        r
        for (rs,) in engine.query("SELECT reasons FROM targets")
        for r in json.loads(rs)
        if r.get("conflicted")
    ]
    assert reasons
    assert tiny_case_copy.verify().ok
