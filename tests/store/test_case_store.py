"""The case store itself: encryption at rest, the audit chain, verification, export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import CANONICAL
from threadline import Case
from threadline.errors import CaseError, KeyRequiredError

KNOWN = "buyer_01"  # an account id present in the canonical sample files
KEY = "correct horse battery staple, synthetic test key 42"  # passes the 128-bit estimate


def _ingest_all(case: Case, folder: Path = CANONICAL) -> None:
    for f in sorted(folder.iterdir()):
        case.ingest(f.stem, [f], agency="AG", seizure="EX-1")


def test_encrypted_case_hides_content_and_needs_its_key(tmp_path: Path) -> None:
    with Case.init(tmp_path / "enc", encrypt=True, key=KEY) as case:
        _ingest_all(case)
        assert case.status().counts["accounts"] == 2
    db = (tmp_path / "enc" / "case.duckdb").read_bytes()
    assert KNOWN.encode() not in db
    assert b"chatapp" not in db
    with pytest.raises(KeyRequiredError, match="encrypted"):
        Case.open(tmp_path / "enc")
    with pytest.raises(KeyRequiredError, match="wrong key"):
        Case.open(tmp_path / "enc", key="wrong")
    with Case.open(tmp_path / "enc", key=KEY) as case:
        assert case.status().counts["messages"] == 3


def test_plain_case_does_contain_the_string(tmp_path: Path) -> None:
    """Control for the test above: the probe string is findable when not encrypted."""
    with Case.init(tmp_path / "plain") as case:
        _ingest_all(case)
    assert KNOWN.encode() in (tmp_path / "plain" / "case.duckdb").read_bytes()


def test_key_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_KEY", KEY)
    Case.init(tmp_path / "enc", encrypt=True).close()
    Case.open(tmp_path / "enc").close()
    monkeypatch.delenv("THREADLINE_KEY")
    with pytest.raises(KeyRequiredError):
        Case.open(tmp_path / "enc")


def test_init_refuses_an_existing_case_and_open_a_non_case(tmp_path: Path) -> None:
    Case.init(tmp_path / "c").close()
    with pytest.raises(CaseError, match="already exists"):
        Case.init(tmp_path / "c")
    with pytest.raises(CaseError, match="not a Threadline case"):
        Case.open(tmp_path / "nothing")


def test_audit_chain_records_every_action(case: Case, tmp_path: Path) -> None:
    _ingest_all(case)
    case.analyze()
    case.export(tmp_path / "out")
    actions = [r[0] for r in case.engine.query("SELECT action FROM audit ORDER BY seq")]
    from threadline.pipeline import stages

    assert actions == ["init"] + ["ingest"] * 7 + ["analyze"] * len(stages()) + ["export"]
    assert case.verify().ok


def test_editing_an_audit_row_is_detected_and_named(case: Case) -> None:
    _ingest_all(case)
    case.engine.execute("UPDATE audit SET details = replace(details, 'EX-1', 'EX-2') WHERE seq = 3")
    report = case.verify()
    assert not report.ok
    assert report.problems[0] == (
        "audit entry 3: content does not match its hash (edited outside Threadline)"
    )
    assert "seizure not as recorded in its ingest audit entry 3" in report.problems[1]


def test_deleting_an_audit_row_is_detected(case: Case) -> None:
    _ingest_all(case)
    case.engine.execute("DELETE FROM audit WHERE seq = 4")
    report = case.verify()
    assert not report.ok
    assert report.problems[0].startswith("audit entry 5")


def test_changed_source_file_is_detected(case: Case, tmp_path: Path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(CANONICAL, copy)
    _ingest_all(case, copy)
    assert case.verify().ok
    with (copy / "messages.csv").open("a", encoding="utf-8") as fh:
        fh.write("chatapp,m-9,2020-01-01T10:00:00Z,x,y,added later,c\n")
    report = case.verify()
    assert not report.ok
    assert "messages.csv" in report.problems[0]
    (copy / "logins.csv").unlink()
    assert str((copy / "logins.csv").resolve()) in case.verify().sources_absent


def test_export_writes_manifest_and_one_file_per_table(case: Case, tmp_path: Path) -> None:
    _ingest_all(case)
    manifest_path = case.export(tmp_path / "out")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["schema_version"] == "1.0"
    assert len(manifest["sources"]) == 7
    for table in (
        "accounts",
        "messages",
        "payments",
        "logins",
        "locations",
        "media",
        "hashlist",
        "sources",
        "quarantine",
    ):
        lines = (tmp_path / "out" / f"{table}.jsonl").read_text().splitlines()
        assert len(lines) == manifest["files"][f"{table}.jsonl"]["rows"]
    payments = [
        json.loads(x) for x in (tmp_path / "out" / "payments.jsonl").read_text().splitlines()
    ]
    assert {p["amount"] for p in payments} == {"35.00000000", "40.00000000"}
    assert payments[0]["sent_at"].endswith("Z")


def test_editing_a_stored_row_is_detected_and_names_its_source(case: Case) -> None:
    _ingest_all(case)
    case.analyze()
    assert case.verify().ok
    case.engine.execute("UPDATE messages SET text = 'changed' WHERE message_id = 'm-2'")
    report = case.verify()
    assert not report.ok
    (problem,) = report.problems
    assert "(messages): stored rows differ" in problem


def test_deleting_a_quarantined_row_is_detected(case: Case, tmp_path: Path) -> None:
    bad = tmp_path / "m.csv"
    bad.write_text((CANONICAL / "messages.csv").read_text() + "chatapp,m-9,soon,a,b,x,c\n")
    case.ingest("messages", [bad], agency="AG", seizure="EX-1")
    assert case.verify().ok
    case.engine.execute("DELETE FROM quarantine")
    assert not case.verify().ok
