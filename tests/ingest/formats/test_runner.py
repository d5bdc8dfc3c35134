"""Each export format into a real case: accounting, quarantine, provenance, idempotence, CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write
from tests.ingest.formats.conftest import FORMATS_DATA
from tests.ingest.formats.test_mapping import DOCS, pesolink_workbook
from threadline import Case
from threadline.cli import cli
from threadline.errors import SourceError, ThreadlineError, UsageError

D = FORMATS_DATA
# (format, file, options, records read, system events) - records counted in the main kind
SAMPLES = [
    ("whatsapp", D / "whatsapp/android_dmy_24h.txt", {"timezone": "Asia/Manila"}, 11, 4),
    ("auto", D / "whatsapp/ios_mdy_12h_seconds.txt", {"timezone": "Asia/Manila"}, 11, 4),
    ("telegram", D / "telegram/single_chat.json", {}, 7, 1),
    ("auto", D / "telegram/result.json", {}, 6, 1),
    ("discord", D / "discord/guild_channel.json", {}, 5, 2),
    ("vics", D / "vics/vics_1_3.json", {}, 4, 0),
    ("auto", D / "vics/vics_2_0.json", {}, 3, 0),
    ("csv", D / "mapping/remitexpress_payouts.csv",
     {"mapping": DOCS / "remitexpress_payouts.yaml"}, 5, 0),
    ("auto", D / "mapping/chatapp_subscribers.jsonl",
     {"mapping": DOCS / "chatapp_subscribers.yaml"}, 5, 0),
]  # fmt: skip


def ingest(case: Case, fmt: str, path: Path, **options: object):  # type: ignore[no-untyped-def]
    return case.ingest_export(fmt, [path], agency="AG", seizure="EX-9", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(("fmt", "path", "options", "read", "events"), SAMPLES)
def test_every_record_is_stored_quarantined_or_an_event(
    case: Case, fmt: str, path: Path, options: dict[str, object], read: int, events: int
) -> None:
    reports = ingest(case, fmt, path, **options)
    main = reports[0]
    by_kind = {r.kind: r for r in reports}
    got_events = by_kind["chat_events"].stored if "chat_events" in by_kind else 0
    assert main.stored + main.duplicate + main.quarantined + got_events == read
    assert got_events == events
    assert main.rows_read == read - events
    # every quarantined row names the file and a row of it
    for q in case.quarantine():
        assert q["path"] == str(path.resolve())
        assert q["row"] >= 1
    # provenance points at rows of the file
    rows = case.engine.query(
        'SELECT min("row") FROM provenance p JOIN sources s USING (source_id) WHERE s.sha256 = ?',
        [main.sha256],
    )
    assert rows[0][0] is not None
    # the same file again adds nothing
    counts = case.status().counts
    again = ingest(case, fmt, path, **options)
    assert all(r.already_ingested for r in again)
    assert case.status().counts == counts


def test_whatsapp_without_timezone_quarantines_naive_times(case: Case) -> None:
    (messages, events, _, _) = ingest(case, "whatsapp", D / "whatsapp/android_dmy_24h.txt")
    assert (messages.stored, messages.quarantined) == (0, 7)
    assert messages.reasons == {"naive_timestamp": 7}
    assert events.reasons == {"naive_timestamp": 4}


def test_whatsapp_values_and_chain_of_custody(case: Case) -> None:
    ingest(case, "whatsapp", D / "whatsapp/android_dmy_24h.txt", timezone="Asia/Manila")
    first = case.engine.query_dicts('SELECT * FROM messages ORDER BY "row" LIMIT 1')[0]
    assert str(first["sent_at"]) == "2021-01-20 01:07:00"  # 09:07 in Manila
    sources = {s["kind"]: s for s in case.sources()}
    assert set(sources) == {"messages", "chat_events", "accounts", "locations"}
    assert {s["format"] for s in sources.values()} == {"whatsapp"}
    assert len({s["sha256"] for s in sources.values()}) == 1
    assert sources["messages"]["timezone"] == "Asia/Manila"
    phone = case.engine.scalar("SELECT phone FROM accounts WHERE account_id = '+639175550101'")
    assert phone == "+639175550101"
    (lat,) = case.engine.query("SELECT lat FROM locations")[0]
    assert lat == pytest.approx(14.599512)


def test_mapping_is_recorded_and_its_timezone_applied(case: Case) -> None:
    (report,) = ingest(
        case, "csv", D / "mapping/remitexpress_payouts.csv",
        mapping=DOCS / "remitexpress_payouts.yaml",
    )  # fmt: skip
    assert (report.stored, report.quarantined) == (2, 3)
    assert report.reasons == {"filtered": 1, "bad_timestamp": 1, "malformed_record": 1}
    (src,) = case.sources()
    assert src["timezone"] == "Europe/London"
    assert src["format"].startswith("mapping:remitexpress_payouts.yaml@")
    sent = case.engine.scalar("SELECT sent_at FROM payments WHERE transaction_id = '4471000001'")
    assert str(sent) == "2022-02-05 19:05:00"  # London in winter is UTC


def test_xlsx_mapping_end_to_end(case: Case, tmp_path: Path) -> None:
    book = pesolink_workbook(tmp_path / "pesolink.xlsx")
    (report,) = ingest(case, "auto", book, mapping=DOCS / "pesolink_transfers.yaml")
    assert (report.stored, report.quarantined) == (2, 2)
    assert report.reasons == {"filtered": 1, "missing_field": 1}
    sent = case.engine.scalar("SELECT sent_at FROM payments WHERE transaction_id = 'PL-0001'")
    assert str(sent) == "2022-02-05 11:05:00"  # Manila is UTC+8


def test_timezone_contradicting_the_mapping_is_refused(case: Case) -> None:
    with pytest.raises(UsageError, match="contradicts"):
        ingest(
            case, "csv", D / "mapping/remitexpress_payouts.csv",
            mapping=DOCS / "remitexpress_payouts.yaml", timezone="Asia/Manila",
        )  # fmt: skip


def test_a_truncated_stream_stores_nothing(case: Case, tmp_path: Path) -> None:
    data = (D / "telegram/result.json").read_bytes()
    path = write(tmp_path / "cut.json", data[: len(data) - 200])
    with pytest.raises(SourceError, match="stops being readable") as err:
        ingest(case, "telegram", path)
    assert err.value.path == path
    counts = case.status().counts
    assert (counts["messages"], counts["sources"], counts["quarantine"]) == (0, 0, 0)


def test_kind_must_fit_the_format(case: Case) -> None:
    with pytest.raises(UsageError, match="yields messages"):
        case.ingest_export(
            "whatsapp", [D / "whatsapp/android_dmy_24h.txt"], agency="A", seizure="S",
            kind="payments",
        )  # fmt: skip
    with pytest.raises(UsageError, match="needs its KIND"):
        case.ingest_export("csv", [D / "mapping/remitexpress_payouts.csv"], agency="A", seizure="S")


def test_canonical_ingest_routes_exports(case: Case) -> None:
    reports = case.ingest(
        "messages", [D / "discord/guild_channel.json"], agency="A", seizure="S", format="discord"
    )
    assert [r.kind for r in reports] == ["messages", "chat_events", "accounts"]


def run(*args: str) -> tuple[int, str]:
    """The CLI in-process (a subprocess per call costs seconds of imports): code, output."""
    result = CliRunner().invoke(cli, list(args), standalone_mode=False, env={"COLUMNS": "250"})
    error = result.exception
    if error is None:
        return 0, result.output
    if isinstance(error, ThreadlineError):
        return error.exit_code, result.output + str(error)
    raise error


def test_cli_auto_says_what_it_chose(tmp_path: Path) -> None:
    case = str(tmp_path / "case")
    assert run("init", case)[0] == 0
    chat = str(D / "whatsapp/android_mdy_12h.txt")
    common = ["--agency", "AG", "--seizure", "S1", "--timezone", "Asia/Manila"]
    code, output = run("ingest", case, chat, "--format", "auto", *common)
    assert code == 0, output
    assert "format auto: whatsapp" in output
    assert "month-first" in output
    assert "chat_events" in output
    ambiguous = str(D / "whatsapp/ambiguous_dates.txt")
    code, output = run("ingest", case, "messages", ambiguous, "--format", "whatsapp", *common)
    assert code == 5
    assert "--day-first" in output
    code, output = run("ingest", case, ambiguous, "--format", "whatsapp", "--day-first", *common)
    assert code == 0, output
    remit = str(D / "mapping/remitexpress_payouts.csv")
    mapping = str(DOCS / "remitexpress_payouts.yaml")
    code, output = run(
        "ingest", case, remit, "--mapping", mapping, "--agency", "AG", "--seizure", "S2"
    )
    assert code == 0, output
    assert "payments" in output
