"""Property tests for the CSV/JSONL parsers and the SQL normalisers, against Python's own."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threadline import Case

FIELDS = ["platform", "message_id", "sent_at", "sender", "recipient", "text"]
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    min_size=1,
    max_size=30,
).filter(lambda t: t.strip() != "")
offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timedelta(minutes=m))
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1))
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@given(rows=st.lists(st.tuples(texts, moments, offsets), min_size=1, max_size=12))
@SETTINGS
def test_csv_texts_times_and_row_numbers_survive(rows) -> None:  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FIELDS)
    expected = {}
    for i, (text, moment, offset) in enumerate(rows):
        local = moment.replace(tzinfo=timezone(offset))
        writer.writerow(["p", str(i), local.isoformat(), "a", "b", text])
        expected[str(i)] = (text, local.astimezone(UTC).replace(tzinfo=None), i + 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        with Case.init(Path(tmp) / "case") as case:
            (report,) = case.ingest("messages", [path], agency="A", seizure="S")
            got = {
                mid: (text, sent, row)
                for mid, text, sent, row in case.engine.query(
                    'SELECT message_id, text, sent_at, "row" FROM messages'
                )
            }
    assert report.quarantined == 0
    assert got == expected


@given(
    amounts=st.lists(
        st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False),
        min_size=1,
        max_size=10,
    )
)
@SETTINGS
def test_jsonl_amounts_are_exact(amounts) -> None:  # type: ignore[no-untyped-def]
    lines = [
        json.dumps(
            {
                "provider": "r",
                "transaction_id": str(i),
                "sent_at": "2020-01-01T00:00:00Z",
                "sender_name": "A",
                "receiver_name": "B",
                "amount": str(a),
                "currency": "USD",
            }
        )
        for i, a in enumerate(amounts)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with Case.init(Path(tmp) / "case") as case:
            case.ingest("payments", [path], agency="A", seizure="S")
            got = dict(case.engine.query("SELECT transaction_id, amount FROM payments"))
    assert got == {str(i): Decimal(a) for i, a in enumerate(amounts)}
