"""A fuzz harness for every parser: hostile mutations of real sample files, and what counts
as a crash. Used by ``tests/reliability/test_hostile.py`` (hypothesis, in ``make test``) and
by ``bench/fuzz.py`` (10,000+ inputs per parser).

Every input must end as a report (rows stored, duplicate or quarantined, and the counts add
up) or a typed refusal of the whole file (:class:`SourceError`, :class:`UsageError`) whose
message names the file. Anything else is a crash: an exception Threadline did not mean to
raise, an :class:`EngineError` (an engine's internals shown to the analyst), or counts that
do not add up.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from threadline import Case
from threadline.errors import EngineError, SourceError, ThreadlineError, UsageError
from threadline.ingest.formats import ParseOptions, parse_file

DATA = Path(__file__).parent / "data"
HOSTILE = DATA / "hostile"
MAPPINGS = Path(__file__).resolve().parents[1] / "docs" / "mappings"

# Byte strings that break readers: quotes, line endings, separators, JSON structure,
# invalid UTF-8, NUL, a BOM, impossible times and offsets, numbers in odd spellings.
TOKENS = (
    b'"',
    b'""',
    b"\r",
    b"\r\n",
    b"\n",
    b"\n\n",
    b",",
    b";",
    b"\t",
    b"\x00",
    b"\xff\xfe",
    b"\xc3(",
    b"\xe9",
    b"\xef\xbb\xbf",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b'"text":"dup",',
    b'"id":1e2,',
    b"1e400",
    b"-0",
    b"24:00",
    b"+25:00",
    b"9999-12-31T24:00:00Z",
    b"::ffff:1.2.3.4",
    b"12345",
    b"\\",
    b"\\u0000",
    b"\xe2\x80\xaf",
    b"20/01/2021, 09:07 - ",
    b"[20/01/2021, 14:05:09] ",
)


def mutate(data: bytes, rnd: random.Random) -> bytes:
    """One to four hostile edits of ``data``, chosen by ``rnd`` (seeded or hypothesis')."""
    out = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(8)
        at = rnd.randint(0, len(out))
        if op <= 2:  # insert a hostile token (the most useful edit: weight 3)
            out[at:at] = rnd.choice(TOKENS)
        elif op == 3:  # delete a slice
            out[at : at + rnd.randint(1, 64)] = b""
        elif op == 4:  # repeat a slice (duplicate keys, lines, quotes)
            piece = out[at : at + rnd.randint(1, 200)]
            out[at:at] = piece
        elif op == 5:  # change every line ending
            ending = rnd.choice([b"\r", b"\r\n", b"\n\n", b"\r\r\n"])
            out = bytearray(bytes(out).replace(b"\n", ending))
        elif op == 6:  # cut the file short
            del out[at:]
        else:  # random bytes
            out[at:at] = rnd.randbytes(rnd.randint(1, 16))
    return bytes(out)


# Words of an engine's own error messages: an analyst must never have to read them.
ENGINE_WORDS = (
    "Binder Error",
    "Parser Error",
    "Invalid Input Error",
    "Conversion Error",
    "Catalog Error",
    "state machine",
    "STRUCT_PACK",
    "failing SQL",
    "Traceback",
    "arrow_scan",
)


@dataclass
class Outcome:
    """What one input came to: a report's counts, or the typed refusal."""

    stored: int = 0
    quarantined: int = 0
    refused: str = ""


class Crash(AssertionError):
    """The input broke a promise: an unplanned exception, engine internals, lost rows."""


@dataclass
class Target:
    """One parser under fuzz: its sample files and how to run one input through it."""

    name: str
    suffix: str
    seeds: list[Path]
    run: Callable[[Path, Path, Case | None], Outcome]
    needs_case: bool = False
    kinds: dict[Path, str] = field(default_factory=dict)

    def seed_bytes(self) -> list[tuple[Path, bytes]]:
        """(sample path, bytes) of every seed file."""
        return [(p, p.read_bytes()) for p in self.seeds]


def _refusal(exc: ThreadlineError, path: Path) -> Outcome:
    if isinstance(exc, EngineError):
        raise Crash(f"engine internals reached the analyst: {str(exc)[:300]}") from exc
    if not isinstance(exc, SourceError | UsageError):
        raise Crash(f"unexpected {type(exc).__name__}: {exc}") from exc
    if isinstance(exc, SourceError) and Path(exc.path).name != path.name:
        raise Crash(f"refusal does not name the file: {exc}") from exc
    found = [m for m in ENGINE_WORDS if m.lower() in str(exc).lower()]
    if found:
        raise Crash(f"refusal speaks the engine's language ({found}): {exc}") from exc
    return Outcome(refused=type(exc).__name__)


def _kind_of(path: Path) -> str:
    return path.name.split("-", 1)[0].split(".")[0]


def run_canonical(path: Path, seed: Path, case: Case | None) -> Outcome:
    """Ingest ``path`` as the seed's kind; counts must add up in report, quarantine, sources."""
    assert case is not None
    kind = _kind_of(seed)
    try:
        (report,) = case.ingest(kind, [path], agency="FUZZ", seizure="F-1", timezone="UTC")
    except ThreadlineError as exc:
        return _refusal(exc, path)
    except Exception as exc:
        raise Crash(f"{type(exc).__name__}: {exc}") from exc
    if report.already_ingested:
        return Outcome()
    # A row with a stored record's id but other content is a conflict: kept, not dropped.
    kept = report.stored + report.duplicate + report.quarantined + report.conflicting
    if kept != report.rows_read:
        raise Crash(f"counts do not add up: {report}")
    (listed,) = case.engine.query(
        "SELECT count(*) FROM quarantine WHERE source_id = ?", [report.source_id]
    )[0]
    (recorded,) = case.engine.query(
        "SELECT rows_quarantined FROM sources WHERE source_id = ?", [report.source_id]
    )[0]
    if not listed == recorded == report.quarantined:
        raise Crash(f"quarantine {listed}, sources {recorded}, report {report.quarantined}")
    (conflicts,) = case.engine.query(
        "SELECT count(*) FROM conflicts WHERE source_id = ?", [report.source_id]
    )[0]
    if conflicts != report.conflicting:
        raise Crash(f"conflicts {conflicts}, report {report.conflicting}")
    return Outcome(report.stored + report.duplicate + report.conflicting, report.quarantined)


def _parse(fmt: str, options: ParseOptions) -> Callable[[Path, Path, Case | None], Outcome]:
    def run(path: Path, seed: Path, case: Case | None) -> Outcome:
        parsed = None
        try:
            parsed = parse_file(path, fmt, options)
            stored = 0
            for source in parsed.sources:
                records = source.records
                table = records.read_all() if isinstance(records, pa.RecordBatchReader) else records
                stored += table.num_rows
                list(source.rejects)
        except ThreadlineError as exc:
            return _refusal(exc, path)
        except Exception as exc:
            # A streaming parser's typed error reaches the caller wrapped by Arrow; the
            # parser keeps the original, which is what ingest reports.
            stopped = parsed.stream_error() if parsed is not None else None
            if stopped is not None:
                return _refusal(stopped, path)
            raise Crash(f"{type(exc).__name__}: {exc}") from exc
        return Outcome(stored=stored)

    return run


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


def targets() -> dict[str, Target]:
    """Every parser with its seeds: the sample files plus the hostile corpus."""
    canonical = DATA / "canonical"
    formats = DATA / "formats"
    remit = MAPPINGS / "remitexpress_payouts.yaml"
    return {
        "csv": Target(
            "csv",
            ".csv",
            [*_files(canonical, "*.csv"), *_files(HOSTILE / "csv", "*.csv")],
            run_canonical,
            needs_case=True,
        ),
        "jsonl": Target(
            "jsonl",
            ".jsonl",
            [*_files(canonical, "*.jsonl"), *_files(HOSTILE / "jsonl", "*.jsonl")],
            run_canonical,
            needs_case=True,
        ),
        "whatsapp": Target(
            "whatsapp",
            ".txt",
            [*_files(formats / "whatsapp", "*.txt"), *_files(HOSTILE / "whatsapp", "*.txt")],
            _parse("whatsapp", ParseOptions(day_first=True)),
        ),
        "telegram": Target(
            "telegram",
            ".json",
            [*_files(formats / "telegram", "*.json"), *_files(HOSTILE / "telegram", "*.json")],
            _parse("telegram", ParseOptions()),
        ),
        "discord": Target(
            "discord",
            ".json",
            [*_files(formats / "discord", "*.json"), *_files(HOSTILE / "discord", "*.json")],
            _parse("discord", ParseOptions()),
        ),
        "vics": Target(
            "vics",
            ".json",
            [*_files(formats / "vics", "*.json"), *_files(HOSTILE / "vics", "*.json")],
            _parse("vics", ParseOptions()),
        ),
        "mapping": Target(
            "mapping",
            ".csv",
            [formats / "mapping" / "remitexpress_payouts.csv", *_files(HOSTILE / "mapping", "*")],
            _parse("csv", ParseOptions(mapping=remit)),
        ),
    }


def seed_name(seed: Path, n: int, suffix: str) -> str:
    """A file name for the n-th input made from ``seed`` (its kind prefix kept)."""
    return f"{_kind_of(seed)}-fuzz{n}{suffix}"
