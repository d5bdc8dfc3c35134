"""Who each evidence row is about: found by its stored row, as provenance would find it."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import Built, copy_case
from threadline import Case
from threadline.store.web_pool import ReadPool
from threadline.web import parties_sql


def test_parties_by_stored_row_equal_the_parties_by_provenance(
    built: Built, tmp_path: Path
) -> None:
    path = copy_case(built, tmp_path / "case")
    with Case.open(path) as case:
        # A row seen twice (the same messages exported again, by another agency) stores one
        # record: the second row finds it only through provenance.
        first = Path(str(case.engine.scalar("SELECT path FROM sources WHERE kind = 'messages'")))
        again = tmp_path / "messages-again.csv"
        text = first.read_bytes()  # the same rows, other line ends: another file
        crlf = b"\r\n" in text
        again.write_bytes(text.replace(b"\r\n", b"\n") if crlf else text.replace(b"\n", b"\r\n"))
        case.ingest("messages", [again], agency="AFP", seizure="EX-2", format="csv")
        duplicates = case.engine.scalar(
            """SELECT count(*) FROM provenance p JOIN sources s USING (source_id)
               WHERE s.agency = 'AFP' AND NOT EXISTS (SELECT 1 FROM messages m
                 WHERE m.source_id = p.source_id AND m."row" = p."row")"""
        )
        refs = [
            (str(sha), int(row))
            for sha, row in case.engine.query(
                'SELECT s.sha256, p."row" FROM provenance p JOIN sources s USING (source_id)'
            )
        ] + [("0" * 64, 1)]
        pool = ReadPool(case.engine, size=1)
        try:
            with pool.reader() as r:
                by_row = parties_sql.row_parties(r, refs)
                shas, rows = [s for s, _ in refs], [n for _, n in refs]
                by_provenance = parties_sql._parties(
                    r, "w.record_id = t.record_id", shas, rows, True
                )
        finally:
            pool.close()
    assert len(refs) > 50
    assert duplicates > 0
    assert sorted(by_row) == sorted(by_provenance)
    assert any(agency == "AFP" and person for _, _, agency, _, person, _ in by_row)
