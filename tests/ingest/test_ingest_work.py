"""Ingest's set-based bookkeeping: row numbers past reader rejects, and repeats across files."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import write
from threadline import Case

HEADER = "platform,message_id,sent_at,sender,recipient,text"


def _line(i: int, bad: bool) -> str:
    extra = ",x,y" if bad else ""  # too many fields: the engine's reader rejects the line
    return f"chatapp,m{i},2020-01-01T10:00:00Z,alice,bob,t{i}{extra}"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_row_numbers_skip_rejected_lines(tmp_path_factory: object, pattern: list[bool]) -> None:
    """Every stored record keeps its own line number however the rejects fall."""
    tmp = tmp_path_factory.mktemp("rows")  # type: ignore[attr-defined]
    lines = [_line(i, bad) for i, bad in enumerate(pattern)]
    f = write(tmp / "m.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    with Case.init(tmp / "case") as case:
        (report,) = case.ingest("messages", [f], agency="AG", seizure="EX-1")
        got = dict(case.engine.query("SELECT message_id, row FROM messages"))
        refused = sorted(q["row"] for q in case.quarantine())
    assert got == {f"m{i}": i + 2 for i, bad in enumerate(pattern) if not bad}
    assert refused == [i + 2 for i, bad in enumerate(pattern) if bad]
    assert report.stored + report.quarantined == len(pattern)


def test_repeats_across_and_within_files(case: Case, tmp_path: Path) -> None:
    """A record met again is a delivery, with other content a conflict, never stored twice."""
    first = write(
        tmp_path / "a.csv",
        f"{HEADER}\n{_line(1, False)}\n{_line(2, False)}\n{_line(2, False)}\n",
    )
    second = write(
        tmp_path / "b.csv",
        f"{HEADER}\n{_line(3, False)}\n{_line(1, False)}\n"
        "chatapp,m2,2020-01-01T10:00:00Z,alice,bob,changed\n",
    )
    a = case.ingest("messages", [first], agency="AG", seizure="EX-1")[0]
    b = case.ingest("messages", [second], agency="AG", seizure="EX-1")[0]
    assert (a.stored, a.duplicate, a.conflicting) == (2, 1, 0)
    assert (b.stored, b.duplicate, b.conflicting) == (1, 1, 1)
    rows = case.engine.query("SELECT message_id, source_id, row FROM messages ORDER BY 1")
    assert [(m, r) for m, _, r in rows] == [("m1", 2), ("m2", 3), ("m3", 2)]
    deliveries = case.engine.query(
        "SELECT d.row, s.path LIKE '%a.csv' FROM deliveries d JOIN sources s USING (source_id) "
        "ORDER BY 2 DESC, 1"
    )
    assert deliveries == [(4, True), (3, False)]
    conflicts = case.engine.query('SELECT "row", fields FROM conflicts')
    assert conflicts == [(4, "text")]
