"""Property tests of the WhatsApp parser: headers round-trip, nothing is ever dropped."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.formats.conftest import parse_all
from threadline import Case
from threadline.errors import SourceError
from threadline.ingest.formats import whatsapp_lines as wl

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NNBSP = "\u202f"


def _h12(t: datetime) -> tuple[int, str]:
    return t.hour % 12 or 12, "AM" if t.hour < 12 else "PM"


# (header writer, order the parser must read it with)
STYLE: dict[str, tuple[Callable[[datetime], str], str]] = {
    "android dmy": (lambda t: f"{t:%d/%m/%Y, %H:%M} - ", "dmy"),
    "android dmy yy": (lambda t: f"{t:%d/%m/%y, %H:%M} - ", "dmy"),
    "android mdy 12h": (
        lambda t: f"{t.month}/{t.day}/{t:%y}, {_h12(t)[0]}:{t:%M} {_h12(t)[1]} - ",
        "mdy",
    ),
    "android mdy 12h nnbsp": (
        lambda t: f"{t.month}/{t.day}/{t:%y}, {_h12(t)[0]}:{t:%M}{NNBSP}{_h12(t)[1]} - ",
        "mdy",
    ),
    "spanish 12h": (
        lambda t: (
            f"{t.day}/{t.month}/{t:%Y}, {_h12(t)[0]}:{t:%M} "
            f"{'a. m.' if t.hour < 12 else 'p. m.'} - "
        ),
        "dmy",
    ),
    "iso": (lambda t: f"{t:%Y-%m-%d %H:%M} - ", "ymd"),
    "dotted": (lambda t: f"{t:%d.%m.%y, %H:%M} - ", "dmy"),
    "ios dmy": (lambda t: f"[{t:%d/%m/%Y, %H:%M:%S}] ", "dmy"),
    "ios mdy 12h": (
        lambda t: f"[{t.month}/{t.day}/{t:%y}, {_h12(t)[0]}:{t:%M:%S}{NNBSP}{_h12(t)[1]}] ",
        "mdy",
    ),
}
moments = st.datetimes(min_value=datetime(2009, 1, 1), max_value=datetime(2035, 12, 31))


@given(style=st.sampled_from(sorted(STYLE)), moment=moments)
@SETTINGS
def test_header_round_trips(style: str, moment: datetime) -> None:
    writer, order = STYLE[style]
    header = wl.match_header(writer(moment) + "Ana: hi")
    assert header is not None
    assert header.body == "Ana: hi"
    seconds = style.startswith("ios")
    expected = moment.replace(microsecond=0, second=moment.second if seconds else 0)
    assert wl.iso_local(header, order) == expected.isoformat()


names = st.sampled_from(["Ana Reyes", "Jun", "+63 917 555 0101", "Bé 🙂", "Tom-Example"])
words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=25
).filter(lambda t: t.strip() == t and t != "")
lines = st.lists(words, min_size=1, max_size=3).filter(
    lambda ls: all(wl.match_header(x) is None and x.lstrip(wl.INVISIBLE) == x for x in ls)
)
entries = st.lists(st.tuples(st.booleans(), names, lines), min_size=1, max_size=15)


@given(style=st.sampled_from(sorted(STYLE)), items=entries, start=moments)
@SETTINGS
def test_every_entry_is_a_message_or_an_event(
    style: str, items: list[tuple[bool, str, list[str]]], start: datetime
) -> None:
    writer, order = STYLE[style]
    out, expected = [], []
    t = start.replace(day=13, second=0, microsecond=0)  # day 13 fixes the order
    for system, name, body in items:
        head = writer(t)
        if system:
            out.append(head + f"{name} left")
            expected.append(("event", f"{name} left"))
        else:
            out.append(head + f"{name}: " + "\n".join(body))
            expected.append(("message", "\n".join(body)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chat.txt"
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        got, bad = parse_all(path, "whatsapp", day_first=order == "dmy")
    rows = sorted(
        [(m["_row"], "message", m["text"]) for m in got["messages"]]
        + [(e["_row"], "event", e["text"]) for e in got["chat_events"]]
    )
    assert [(k, text) for _, k, text in rows] == expected
    assert bad["messages"] == []


@given(data=st.binary(max_size=400), cut=st.integers(0, 400))
@settings(max_examples=80, deadline=None)
def test_random_or_truncated_bytes_raise_only_source_errors(data: bytes, cut: int) -> None:
    sample = (
        b"20/01/2021, 09:07 - Maria Santos: Good morning!\nsecond line\n"
        b'20/01/2021, 09:08 - +63 917 555 0101 created group "x"\n'
    )
    for content in (data, sample[:cut] + data[:cut], sample + data):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "chat.txt"
            path.write_bytes(content)
            try:
                got, bad = parse_all(path, "whatsapp", day_first=True)
            except SourceError as exc:
                assert (exc.path, exc.row) == (path, 1)  # noqa: PT017 - only some raise
                continue
            text = content.decode("utf-8", "replace").replace("\x00", "\ufffd")
            heads = sum(1 for x in text.split("\n") if wl.match_header(x.rstrip("\r")))
            preamble = 0 if wl.match_header(text.split("\n", 1)[0].lstrip("\ufeff")) else 1
            read = len(got["messages"]) + len(got["chat_events"]) + len(bad["messages"])
            assert read == heads + preamble


@pytest.fixture(scope="module")
def shared_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    with Case.init(tmp_path_factory.mktemp("wa") / "case") as case:
        yield case


@given(items=entries, junk=st.binary(max_size=60), hour=st.integers(0, 30))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_stored_quarantined_and_events_add_up_to_the_entries(
    shared_case: Case, items: list[tuple[bool, str, list[str]]], junk: bytes, hour: int
) -> None:
    # hours past 23 make impossible times: those rows must be quarantined, not lost
    head = f"13/02/2021, {hour:02d}:15 - "
    out = [head + (f"{n} left" if system else f"{n}: " + "\n".join(b)) for system, n, b in items]
    content = "\n".join(out).encode("utf-8") + b"\n" + junk
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chat.txt"
        path.write_bytes(content)
        reports = shared_case.ingest_export(
            "whatsapp", [path], agency="A", seizure="S", timezone="Asia/Manila"
        )
    by_kind = {r.kind: r for r in reports}
    if by_kind["messages"].already_ingested:
        return
    text = content.decode("utf-8", "replace").replace("\x00", "\ufffd")
    entries_read = sum(1 for x in text.split("\n") if wl.match_header(x.rstrip("\r")))
    total = 0
    for kind in ("messages", "chat_events"):
        r = by_kind[kind]
        assert r.stored + r.duplicate + r.quarantined == r.rows_read
        total += r.rows_read
    assert total == entries_read
    if hour > 23:
        assert by_kind["messages"].stored == by_kind["chat_events"].stored == 0
