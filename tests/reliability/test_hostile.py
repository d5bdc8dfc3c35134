"""Hostile input: files a seized device could hold, ingested beside good data.

Each file is ingested in a subprocess (``hostile_worker.py``) so its time and peak memory
are measured alone; it must end in a report (rows stored or quarantined) or a typed
:class:`~threadline.errors.ThreadlineError`, never a crash, and lose nothing else: the
canonical sample data ingested before it stays, and ``verify`` passes.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import fuzzing
from tests.conftest import CANONICAL
from threadline import Case

WORKER = Path(__file__).with_name("hostile_worker.py")
MSG = "platform,message_id,sent_at,sender,recipient,text\n"
GOOD = "chatapp,h-1,2020-01-01T10:00:00Z,alice_h,bob_h,an ordinary line\n"
GOOD_PAYMENT = {
    "provider": "p",
    "transaction_id": "T-1",
    "sent_at": "2020-01-01T00:00:00Z",
    "sender_name": "A",
    "receiver_name": "B",
    "amount": "1",
    "currency": "EUR",
}
SEED = 12
MAX_SECONDS = 30.0
MAX_EXTRA_MB = 600.0  # peak resident memory the hostile file may add to the process
INJECTIONS = ("=cmd|' /C calc'!A0", "+SUM(1+1)*cmd|' /C calc'!A0", "-2+3", "@SUM(1)")


def _huge_csv_field() -> bytes:
    return (MSG + GOOD + "chatapp,h-2,2020-01-01T10:00:00Z,a,b," + "x" * 20_000_000 + "\n").encode()


def _huge_json_line() -> bytes:
    huge = dict(GOOD_PAYMENT, transaction_id="T-2", narrative="y" * 20_000_000)
    return (json.dumps(GOOD_PAYMENT) + "\n" + json.dumps(huge) + "\n").encode()


def _deep_json() -> bytes:
    depth = 200_000
    good = json.dumps(GOOD_PAYMENT)
    deep = '{"provider":"p","transaction_id":"T-2","narrative":' + "[" * depth + "]" * depth + "}"
    return (good + "\n" + deep + "\n").encode()


def _invalid_utf8() -> bytes:
    return (MSG + GOOD).encode() + b"chatapp,h-2,2020-01-01T10:00:00Z,a,b,caf\xe9 \xff\xfe\xc3(\n"


def _garbage() -> bytes:
    return random.Random(SEED).randbytes(1 << 20)  # noqa: S311 - seeded test data


def _empty_rows() -> bytes:
    return (MSG + GOOD + ",,,,,\n" * 100_000).encode()


def _nul_bytes() -> bytes:
    return (MSG + GOOD).encode() + b"chatapp,h-2,2020-01-01T10:00:00Z,a,b,nul\x00in\x00text\n"


def _injection() -> bytes:
    rows = [
        f'chatapp,inj-{i},2020-01-01T10:0{i}:00Z,"{t}",bob_h{i},"{t}"\n'
        for i, t in enumerate(INJECTIONS)
    ]
    return (MSG + GOOD + "".join(rows)).encode()


HOSTILE: dict[str, tuple[str, str, Callable[[], bytes]]] = {
    "20 MB CSV field": ("messages", "messages.csv", _huge_csv_field),
    "20 MB JSON line": ("payments", "payments.jsonl", _huge_json_line),
    "JSON nested 200k deep": ("payments", "payments.jsonl", _deep_json),
    "invalid UTF-8": ("messages", "messages.csv", _invalid_utf8),
    "binary garbage as CSV": ("messages", "messages.csv", _garbage),
    "binary garbage as JSONL": ("payments", "payments.jsonl", _garbage),
    "100k empty rows": ("messages", "messages.csv", _empty_rows),
    "NUL bytes": ("messages", "messages.csv", _nul_bytes),
    "CSV formula injection": ("messages", "messages.csv", _injection),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_refused_or_quarantined_in_bounded_time_and_memory(
    name: str, tmp_path: Path
) -> None:
    kind, filename, make = HOSTILE[name]
    hostile = tmp_path / filename
    hostile.write_bytes(make())
    done = subprocess.run(
        [sys.executable, str(WORKER), str(tmp_path), kind, str(hostile)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{name}: the process crashed:\n{done.stderr[-2000:]}"
    r: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    extra = r["peak_mb_after"] - r["peak_mb_before"]
    print(
        f"\n{name} ({hostile.stat().st_size / 1e6:.1f} MB): {r['outcome']} in {r['seconds']}s, "
        f"peak RSS {r['peak_mb_after']:.0f} MB (+{extra:.0f} MB)"
    )
    outcome = r["outcome"]
    assert "error" not in outcome or outcome["error"] == "SourceError", outcome
    assert r["seconds"] < MAX_SECONDS
    assert extra < MAX_EXTRA_MB
    assert r["others_kept"], r["unchanged_unless_this_kind"]
    changed = set(r["unchanged_unless_this_kind"]) - {kind, "quarantine", "sources", "audit"}
    assert not changed, r["unchanged_unless_this_kind"]
    assert r["verify"]["ok"], r["verify"]["problems"]
    if "error" not in outcome and name != "binary garbage as JSONL":
        assert outcome["stored"] >= 1  # the good row beside the hostile one is kept


def _injection_case(tmp_path: Path) -> Case:
    hostile = tmp_path / "messages.csv"
    hostile.write_bytes(_injection())
    case = Case.init(tmp_path / "case")
    for f in sorted(CANONICAL.iterdir()):
        case.ingest(f.stem, [f], agency="AG", seizure="EX-1")
    case.ingest("messages", [hostile], agency="AG", seizure="HOSTILE")
    accounts = tmp_path / "accounts.csv"  # display names are chosen by whoever made the account
    accounts.write_text(
        "platform,account_id,display_name\n"
        + "".join(f'chatapp,bob_h{i},"{t}"\n' for i, t in enumerate(INJECTIONS)),
        encoding="utf-8",
    )
    case.ingest("accounts", [accounts], agency="AG", seizure="HOSTILE")
    case.analyze()
    return case


def _formula_cells(folder: Path) -> list[str]:
    """Cells of every CSV-like file under ``folder`` a spreadsheet would run as a formula."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
            for row in csv.reader(fh, delimiter=delimiter):
                found += [f"{path.name}: {c}" for c in row if c in INJECTIONS]
    return found


def test_injection_strings_are_stored_verbatim(tmp_path: Path) -> None:
    """They are evidence: the store keeps them exactly as seized."""
    with _injection_case(tmp_path) as case:
        texts = {t for (t,) in case.engine.query("SELECT text FROM messages")}
    assert set(INJECTIONS) <= texts


@pytest.mark.parametrize("fmt", ["csv", "i2"])
def test_spreadsheet_exports_neutralise_formulas(tmp_path: Path, fmt: str) -> None:
    from threadline.share.exports import export_format

    with _injection_case(tmp_path) as case:
        export_format(case, fmt, tmp_path / "out")
    cells = _formula_cells(tmp_path / "out")
    print(f"\n{fmt} export: {len(cells)} live formula cell(s): {cells[:4]}")
    assert cells == []


# --- the fuzz harness: the hostile corpus and hypothesis mutations, for every parser -----

FUZZ_TARGETS = fuzzing.targets()
CORPUS = [
    (name, seed)
    for name, target in FUZZ_TARGETS.items()
    for seed in target.seeds
    if fuzzing.HOSTILE in seed.parents
]


@pytest.fixture(scope="module")
def fuzz_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    with Case.init(tmp_path_factory.mktemp("fuzz") / "case") as c:
        yield c


@pytest.mark.parametrize(("name", "seed"), CORPUS, ids=[f"{n}/{s.name}" for n, s in CORPUS])
def test_hostile_corpus_file_is_stored_quarantined_or_refused_by_name(
    name: str, seed: Path, fuzz_case: Case, tmp_path: Path
) -> None:
    target = FUZZ_TARGETS[name]
    copy = tmp_path / seed.name
    copy.write_bytes(seed.read_bytes())
    outcome = target.run(copy, seed, fuzz_case if target.needs_case else None)
    print(f"\n{name}/{seed.name}: {outcome}")


def test_every_parser_has_a_hostile_corpus() -> None:
    assert (
        {n for n, _ in CORPUS}
        == set(FUZZ_TARGETS)
        == {"csv", "jsonl", "whatsapp", "telegram", "discord", "vics", "mapping"}
    )


_counter = itertools.count()


@pytest.mark.parametrize("name", list(FUZZ_TARGETS))
@given(rnd=st.randoms(use_true_random=False), pick=st.integers(min_value=0))
@settings(
    # The same 30 mutations every run, so `make test` is repeatable; bench/fuzz.py explores.
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_mutated_inputs_never_crash_a_parser(
    name: str, rnd: random.Random, pick: int, fuzz_case: Case, tmp_path: Path
) -> None:
    target = FUZZ_TARGETS[name]
    seed, data = target.seed_bytes()[pick % len(target.seeds)]
    path = tmp_path / fuzzing.seed_name(seed, next(_counter), target.suffix)
    path.write_bytes(fuzzing.mutate(data, rnd))
    target.run(path, seed, fuzz_case if target.needs_case else None)
