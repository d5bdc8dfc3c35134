"""Property tests of the JSON export parsers and mapping files: odd, random and cut input.

Whatever the input, a parser either raises a SourceError naming the file and a row, or
accounts for every record: messages + system events + rejects = items in the file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.formats.conftest import parse_all
from threadline import Case
from threadline.errors import SourceError

SETTINGS = settings(max_examples=40, deadline=None)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.text(max_size=12),
    st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _item(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """An object with some of ``keys`` (well or badly typed), or any other JSON value."""
    fields = st.fixed_dictionaries({}, optional={k: s | values for k, s in keys.items()})
    return st.one_of(fields, fields, fields, values)


ENTITY = st.fixed_dictionaries({"type": st.just("bold"), "text": st.text(max_size=4)})
TELEGRAM = _item(
    {
        "id": st.integers(1, 10**6),
        "type": st.sampled_from(["message", "service", "other"]),
        "date_unixtime": st.integers(0, 2**31).map(str),
        "date": st.just("2021-01-01T10:00:00"),
        "from": st.text(max_size=8),
        "from_id": st.sampled_from(["user1", "user2", "channel3"]),
        "actor_id": st.just("user1"),
        "action": st.sampled_from(["create_group", "phone_call"]),
        "text": st.one_of(st.text(max_size=10), st.lists(st.text(max_size=4) | ENTITY)),
        "photo": st.just("photos/p.jpg"),
        "location_information": st.fixed_dictionaries(
            {"latitude": st.floats(-90, 90), "longitude": st.floats(-180, 180)}
        ),
    }
)  # fmt: skip
DISCORD = _item(
    {
        "id": st.integers(1, 10**18).map(str),
        "type": st.sampled_from(["Default", "Reply", "GuildMemberJoin"]),
        "timestamp": st.just("2022-04-30T10:05:12.345+08:00"),
        "content": st.text(max_size=10),
        "author": st.fixed_dictionaries({"id": st.just("8"), "name": st.text(max_size=5)}),
        "attachments": st.lists(
            st.fixed_dictionaries({"fileName": st.text(max_size=5)}), max_size=2
        ),
    }
)  # fmt: skip
VICS = _item(
    {
        "MediaID": st.integers(1, 1000),
        "Category": st.integers(0, 3),
        "MD5": st.sampled_from(["ADEBF3FA3C9BE7F73825E1CB9E2DEA09", "zz"]),
        "SHA1": st.just("1407C5674DC7DA55419C64C5375907991EC6011F"),
        "MediaSize": st.integers(0, 10**9),
        "Exifs": st.lists(st.fixed_dictionaries({"PropertyName": st.text(max_size=5)}), max_size=2),
    }
)  # fmt: skip


def _check(fmt: str, doc: dict[str, Any], items: int, cut: int | None) -> None:
    data = json.dumps(doc, ensure_ascii=cut is None).encode("utf-8")
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.json"
        path.write_bytes(data)
        try:
            got, bad = parse_all(path, fmt)
        except SourceError as exc:
            error: SourceError | None = exc
        else:
            error = None
    if error is not None:
        assert error.path == path
        assert error.row is not None
        assert cut is not None
        return
    main = "hashlist" if fmt == "vics" else "messages"
    read = len(got[main]) + len(got.get("chat_events", [])) + len(bad[main])
    assert cut is not None or read == items


@given(items=st.lists(TELEGRAM, max_size=8), batch=st.booleans(), cut=st.none() | st.integers(0))
@SETTINGS
def test_telegram(items: list[Any], batch: bool, cut: int | None) -> None:
    chat = {"name": "c", "type": "personal_chat", "id": 5, "messages": items}
    doc = {"personal_information": {"user_id": 1}, "chats": {"list": [chat]}} if batch else chat
    _check("telegram", doc, len(items), cut)


@given(items=st.lists(DISCORD, max_size=8), cut=st.none() | st.integers(0))
@SETTINGS
def test_discord(items: list[Any], cut: int | None) -> None:
    doc = {"guild": {"id": "1"}, "channel": {"id": "2"}, "messages": items}
    _check("discord", doc, len(items), cut)


@given(items=st.lists(VICS, max_size=8), nested=st.booleans(), cut=st.none() | st.integers(0))
@SETTINGS
def test_vics(items: list[Any], nested: bool, cut: int | None) -> None:
    value: list[Any] = [{"CaseNumber": "x", "Media": items}] if nested else items
    _check("vics", {"odata.metadata": "1.3", "value": value}, len(items), cut)


@given(data=st.binary(max_size=300))
@settings(max_examples=60, deadline=None)
def test_random_bytes(data: bytes) -> None:
    for fmt in ("telegram", "discord", "vics"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.json"
            path.write_bytes(data)
            with contextlib.suppress(SourceError):
                parse_all(path, fmt)  # anything else fails the test


MAPPING = """
kind: messages
fields:
  platform: {constant: chatapp}
  message_id: id
  sent_at: {column: when, format: "%d/%m/%Y %H:%M"}
  sender: from
  recipient: {constant: shop}
  text: body
filters:
  - {column: body, not_equals: skip}
"""
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)


@pytest.fixture(scope="module")
def shared_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    """One case for every example (each example's file is new to it, or already ingested)."""
    with Case.init(tmp_path_factory.mktemp("mapped") / "case") as case:
        yield case


@given(
    rows=st.lists(st.tuples(cells, cells, cells, cells), max_size=10),
    tail=st.binary(max_size=40),
)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_mapped_csv_accounts_for_every_record(
    shared_case: Case, rows: list[tuple[str, str, str, str]], tail: bytes
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "when", "from", "body"])
    writer.writerows(rows)
    content = buf.getvalue().encode("utf-8") + tail
    with tempfile.TemporaryDirectory() as tmp:
        mapping = Path(tmp) / "m.yaml"
        mapping.write_text(MAPPING, encoding="utf-8")
        path = Path(tmp) / "d.csv"
        path.write_bytes(content)
        try:
            (report,) = shared_case.ingest_export(
                "csv", [path], agency="A", seizure="S", mapping=mapping, timezone="UTC"
            )
        except SourceError as exc:
            assert str(path) in str(exc)  # noqa: PT017 - only some examples raise
            return
    if report.already_ingested:
        return
    records = list(csv.reader(io.StringIO(content.decode("utf-8", "replace"), newline="")))
    nonblank = sum(1 for r in records[1:] if r)
    assert report.stored + report.duplicate + report.quarantined == report.rows_read
    assert report.rows_read == nonblank
