"""One streaming pass feeding several kinds: any order of reading gives the same rows."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.errors import SourceError
from threadline.ingest.formats.stream import Reject, Row, Split, schema_of

SCHEMAS = {"main": schema_of(["a"]), "side": schema_of(["b"])}


def _source(items: list[tuple[str, int]], passes: list[int]) -> Iterator[Row]:
    passes.append(1)
    for kind, n in items:
        if n % 7 == 0:
            yield kind, Reject(n, "odd", str(n))
        else:
            yield kind, (str(n), n)


def _read(split: Split, order: list[str]) -> dict[str, list[int]]:
    readers = {s.kind: s for s in split.sources()}
    out = {}
    for kind in order:
        records = readers[kind].records
        assert isinstance(records, pa.RecordBatchReader)
        out[kind] = records.read_all().column("_row").to_pylist()
        out[kind + " rejects"] = [r for r, _, _ in readers[kind].rejects]
    return out


items = st.lists(st.tuples(st.sampled_from(["main", "side"]), st.integers(1, 50)), max_size=40)


@given(items=items, batch=st.integers(1, 5), side_first=st.booleans())
@settings(max_examples=60, deadline=None)
def test_every_order_gives_every_row_once(
    items: list[tuple[str, int]], batch: int, side_first: bool
) -> None:
    passes: list[int] = []
    split = Split(lambda: _source(items, passes), SCHEMAS, "test", batch_rows=batch)
    got = _read(split, ["side", "main"] if side_first else ["main", "side"])
    for kind in ("main", "side"):
        ok = [n for k, n in items if k == kind and n % 7]
        bad = [n for k, n in items if k == kind and not n % 7]
        assert got[kind] == ok
        assert got[kind + " rejects"] == bad
    assert len(passes) == (2 if side_first else 1)  # main first: a single pass


def test_a_source_error_is_kept_for_the_caller() -> None:
    def broken() -> Iterator[Row]:
        yield "main", ("x", 1)
        raise SourceError("f.json", "cut short", row=2)

    split = Split(broken, SCHEMAS, "test")
    main = split.sources()[0].records
    assert isinstance(main, pa.RecordBatchReader)
    with pytest.raises(SourceError, match="cut short"):
        main.read_all()
    assert isinstance(split.error, SourceError)
