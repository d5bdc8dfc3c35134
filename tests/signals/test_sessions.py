"""Paid sessions on the tiny synthetic case against its truth."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from threadline import Case

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from findings import sessions


def test_sessions_against_truth(tiny_world: tuple[Path, Path], tiny_case: Case) -> None:
    got = sessions(tiny_case, tiny_world[0])
    print(got)
    assert got["session_precision"] >= 0.9
    assert got["session_recall"] >= 0.8


def test_each_session_has_payment_and_chat_evidence(tiny_case: Case) -> None:
    rows = tiny_case.engine.query_dicts("SELECT * FROM sessions")
    assert rows
    for s in rows:
        evidence = json.loads(s["evidence"])
        tables = {e["table"] for e in evidence}
        assert tables == {"payments", "messages"}, s["session_id"]
        assert s["payment_transaction_ids"]
        assert 0.5 <= s["confidence"] <= 0.99
        assert s["start"] <= s["end"]
