"""A tampering insider edits the case database directly: ``verify`` must name each edit.

Each test makes one edit of issue 17 with SQL straight on the case's DuckDB file (what an
insider holding the key can do), on a private copy of the analysed tiny world, and checks
that ``verify`` fails and names what was touched. Each passed on the code before issue 17.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from threadline import Case
from threadline.store import audit


def _problems(case: Case) -> str:
    report = case.verify()
    assert not report.ok, "verify passed a tampered case"
    return "\n".join(report.problems)


def _a_source(case: Case, kind: str = "messages") -> dict[str, object]:
    rows = case.engine.query_dicts(
        "SELECT * FROM sources WHERE kind = ? ORDER BY ingested_at LIMIT 1", [kind]
    )
    return rows[0]


def test_the_untouched_copy_verifies(tiny_case_copy: Case) -> None:
    report = tiny_case_copy.verify()
    assert report.ok, report.problems
    assert report.head_seq == report.audit_entries


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("agency", "'OTHER-AGENCY'"),
        ("seizure", "'EX-999'"),
        ("os_user", "'someone-else'"),
        ("ingested_at", "ingested_at - INTERVAL 3 DAY"),
    ],
    ids=["agency", "seizure", "user", "time"],
)
def test_changing_a_sources_custody_facts(tiny_case_copy: Case, column: str, value: str) -> None:
    src = _a_source(tiny_case_copy)
    tiny_case_copy.engine.execute(
        f"UPDATE sources SET {column} = {value} WHERE source_id = ?", [src["source_id"]]
    )
    problems = _problems(tiny_case_copy)
    assert f"source {src['source_id']}" in problems
    assert column in problems


def test_swapping_the_seized_file_and_its_recorded_hash(
    tiny_case_copy: Case, tmp_path: Path
) -> None:
    src = _a_source(tiny_case_copy)
    forged = tmp_path / "forged-messages.csv"
    forged.write_bytes(Path(str(src["path"])).read_bytes().replace(b"[REQUEST]", b"[GREETING]"))
    digest = hashlib.sha256(forged.read_bytes()).hexdigest()
    tiny_case_copy.engine.execute(
        "UPDATE sources SET sha256 = ?, path = ? WHERE source_id = ?",
        [digest, str(forged), src["source_id"]],
    )
    problems = _problems(tiny_case_copy)
    assert f"source {src['source_id']}: sha256, path not as recorded" in problems


@pytest.mark.parametrize("kind", ["messages", "payments"])
def test_rows_inserted_under_an_unknown_source(tiny_case_copy: Case, kind: str) -> None:
    tiny_case_copy.engine.execute(
        f"INSERT INTO {kind} SELECT * REPLACE ('feedfacefeedface' AS source_id, "
        f"record_id || '-forged' AS record_id) FROM {kind} LIMIT 3"
    )
    problems = _problems(tiny_case_copy)
    assert f"source feedfacefeedface: 3 in {kind} row(s) without a recorded source" in problems


def test_cutting_off_the_tail_of_the_audit_log(tiny_case_copy: Case) -> None:
    last = int(tiny_case_copy.engine.scalar("SELECT max(seq) FROM audit"))
    tiny_case_copy.engine.execute("DELETE FROM audit WHERE seq > ?", [last - 3])
    problems = _problems(tiny_case_copy)
    assert "changed since audit entry" in problems


def test_cutting_the_log_back_to_before_the_last_ingest(tiny_case_copy: Case) -> None:
    seq = tiny_case_copy.engine.scalar("SELECT max(seq) FROM audit WHERE action = 'ingest'")
    tiny_case_copy.engine.execute("DELETE FROM audit WHERE seq >= ?", [seq])
    assert "no ingest audit entry" in _problems(tiny_case_copy)


def test_deleting_the_last_source_completely(tiny_case_copy: Case) -> None:
    engine = tiny_case_copy.engine
    sid, kind = engine.query("SELECT source_id, kind FROM sources ORDER BY ingested_at DESC")[0]
    for table in (kind, "quarantine", "deliveries", "sources"):
        engine.execute(f"DELETE FROM {table} WHERE source_id = ?", [sid])
    problems = _problems(tiny_case_copy)
    assert f"records the ingest of source {sid}, which is gone" in problems


def test_inserting_a_role_override(tiny_case_copy: Case) -> None:
    top = tiny_case_copy.targets(top=1)[0]
    tiny_case_copy.engine.execute(
        "INSERT INTO role_overrides VALUES (1, now()::TIMESTAMP, 'analyst', ?, 'other', 'x')",
        [top["person_id"]],
    )
    assert "role override 1" in _problems(tiny_case_copy)


def test_editing_targets(tiny_case_copy: Case) -> None:
    tiny_case_copy.engine.execute("UPDATE targets SET score = score / 2 WHERE rank = 1")
    assert "findings table(s) targets changed" in _problems(tiny_case_copy)


def test_deleting_a_target(tiny_case_copy: Case) -> None:
    tiny_case_copy.engine.execute("DELETE FROM targets WHERE rank = 1")
    assert "targets" in _problems(tiny_case_copy)


def test_editing_a_decision(tiny_case_copy: Case) -> None:
    persons = tiny_case_copy.persons(limit=2)
    tiny_case_copy.merge(persons[0]["person_id"], persons[1]["person_id"], "same phone")
    assert tiny_case_copy.verify().ok
    tiny_case_copy.engine.execute("UPDATE decisions SET reason = 'a better reason'")
    assert "decision 1: differs from its audit entry" in _problems(tiny_case_copy)


def test_deleting_a_decision(tiny_case_copy: Case) -> None:
    persons = tiny_case_copy.persons(limit=2)
    tiny_case_copy.merge(persons[0]["person_id"], persons[1]["person_id"], "same phone")
    tiny_case_copy.engine.execute("DELETE FROM decisions")
    assert "records decision 1, which is gone" in _problems(tiny_case_copy)


def test_an_audited_role_override_verifies(tiny_case_copy: Case) -> None:
    top = tiny_case_copy.targets(top=1)[0]
    tiny_case_copy.set_role(top["person_id"], "other", "interviewed: a relative")
    report = tiny_case_copy.verify()
    assert report.ok, report.problems


def _rechain_from(case: Case, seq: int, details: dict[str, object]) -> None:
    """Rewrite entry ``seq``'s details and recompute every hash after it, as Threadline would."""
    engine = case.engine
    entries = audit.entries(engine)
    prev = entries[seq - 2].hash if seq > 1 else audit.GENESIS
    for e in entries[seq - 1 :]:
        text = json.dumps(details, sort_keys=True) if e.seq == seq else e.details
        digest = audit.entry_hash(e.seq, e.at, e.os_user, e.action, text, prev)
        engine.execute(
            "UPDATE audit SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            [text, prev, digest, e.seq],
        )
        prev = digest


def test_a_rechained_log_passes_verify_but_not_the_anchor(
    tiny_case_copy: Case, tmp_path: Path
) -> None:
    from threadline.share.signing import generate_keypair

    private, public = generate_keypair(tmp_path / "agency-keys")
    tiny_case_copy.anchor(tmp_path / "anchor.json", private)
    after = tiny_case_copy.verify(anchor=tmp_path / "anchor.json", public_key=public)
    assert after.ok, after.problems  # the log has grown (the anchor entry) and extends the head
    first = audit.entries(tiny_case_copy.engine)[0]
    _rechain_from(tiny_case_copy, first.seq, {"name": "a different case", "encrypted": False})
    assert tiny_case_copy.verify().ok  # nothing inside the case can tell
    report = tiny_case_copy.verify(anchor=tmp_path / "anchor.json", public_key=public)
    assert not report.ok
    assert "re-chained" in "\n".join(report.problems)


def test_an_anchor_signed_by_another_key_fails(tiny_case_copy: Case, tmp_path: Path) -> None:
    from threadline.share.signing import generate_keypair

    private, _ = generate_keypair(tmp_path / "ours")
    _, theirs = generate_keypair(tmp_path / "theirs")
    tiny_case_copy.anchor(tmp_path / "anchor.json", private)
    report = tiny_case_copy.verify(anchor=tmp_path / "anchor.json", public_key=theirs)
    assert not report.ok
    assert "signature does not match" in "\n".join(report.problems)


def test_a_package_carries_the_audit_head_it_was_built_from(
    tiny_case_copy: Case, tmp_path: Path
) -> None:
    from threadline.share.package import build_package

    head = tiny_case_copy.verify()
    country = tiny_case_copy.targets(top=1)[0]["country"]
    out = build_package(tiny_case_copy, country, tmp_path / "pkg")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["audit_head"]["seq"] == head.head_seq
    assert manifest["audit_head"]["hash"] == head.head_hash


def test_cli_anchor_and_verify_exit_7_on_a_rechained_log(
    tiny_case_copy: Case, tmp_path: Path
) -> None:
    from tests.test_cli import run
    from threadline.share.signing import generate_keypair

    private, public = generate_keypair(tmp_path / "keys")
    case_dir = str(tiny_case_copy.path)
    tiny_case_copy.close()
    r = run("anchor", case_dir, "--out", str(tmp_path / "a.json"), "--signing-key", str(private))
    assert r.returncode == 0, r.stderr
    r = run("verify", case_dir, "--anchor", str(tmp_path / "a.json"), "--public-key", str(public))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "audit head: seq" in r.stdout
    with Case.open(case_dir) as case:
        _rechain_from(case, 1, {"name": "rewritten", "encrypted": False})
    assert run("verify", case_dir).returncode == 0
    r = run("verify", case_dir, "--anchor", str(tmp_path / "a.json"), "--public-key", str(public))
    assert r.returncode == 7
    assert "re-chained" in r.stdout


def test_deep_verify_recomputes_rows_from_the_seized_files(tiny_case_copy: Case) -> None:
    """An insider who edits a message and re-chains the log passes verify, not --deep."""
    from threadline.store import custody

    engine = tiny_case_copy.engine
    sid, kind = engine.query(
        "SELECT source_id, kind FROM sources WHERE format IN ('csv', 'jsonl') "
        "ORDER BY ingested_at LIMIT 1"
    )[0]
    engine.execute(
        "UPDATE messages SET text = '[GREETING]' WHERE source_id = ? AND \"row\" = 2"
        if kind == "messages"
        else f'DELETE FROM {kind} WHERE source_id = ? AND "row" = 2',
        [sid],
    )
    seq = engine.scalar(
        "SELECT seq FROM audit WHERE action = 'ingest' "
        "AND json_extract_string(details, '$.source_id') = ?",
        [sid],
    )
    details = json.loads(engine.scalar("SELECT details FROM audit WHERE seq = ?", [seq]))
    details["content_digest"] = custody.content_digest(engine, kind, sid)
    details["stored"] = int(
        engine.scalar(f"SELECT count(*) FROM {kind} WHERE source_id = ?", [sid])
    )
    engine.execute(
        "UPDATE sources SET rows_stored = ? WHERE source_id = ?", [details["stored"], sid]
    )
    _rechain_from(tiny_case_copy, int(seq), details)
    assert tiny_case_copy.verify().ok  # the case agrees with itself
    report = tiny_case_copy.verify(deep=True)
    assert not report.ok
    assert f"source {sid}" in "\n".join(report.problems)
    assert "not what the file gives" in "\n".join(report.problems)
