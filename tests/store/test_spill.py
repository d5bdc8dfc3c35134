"""Spills: encrypted with an encrypted case, bounded in size, and cleaned up after a crash.

Each test forces DuckDB to spill with a 50 MB memory limit and a sort and a hash aggregate
over 600,000 synthetic rows that carry a marker string, while a thread copies whatever is in
``CASE/tmp`` and searches it for the marker. On a plain case the marker is found (so the
probe can fail); on an encrypted case it must not be.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from threadline import Case
from threadline.errors import EngineError
from threadline.keys import generate_key

MARKER = "SPILLPROBE-7Q2X"
ROWS = 600_000
PROBE = (
    f"CREATE TABLE spill_probe AS SELECT i, '{MARKER}-' || i || '-' || md5(CAST(i AS VARCHAR)) "
    f"AS s FROM range({ROWS}) r(i)"
)
HEAVY = (
    "SELECT count(*) FROM (SELECT s, count(*) FROM spill_probe GROUP BY s ORDER BY s DESC)",
    "SELECT count(*) FROM (SELECT * FROM spill_probe ORDER BY s DESC)",
)


@pytest.fixture
def small_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_MEMORY_LIMIT", "50MB")
    monkeypatch.delenv("THREADLINE_MAX_TEMP", raising=False)


def _spill_and_grep(case: Case) -> tuple[int, int]:
    """Run the heavy queries while snapshotting CASE/tmp: (files read, files with MARKER)."""
    case.engine.execute(PROBE)
    tmp = case.path / "tmp"
    seen = [0, 0]
    stop = threading.Event()

    def snapshot() -> None:
        while not stop.is_set():
            for path in tmp.iterdir():
                try:
                    content = path.read_bytes()
                except OSError:  # removed while we read it
                    continue
                seen[0] += 1
                seen[1] += MARKER.encode() in content
            time.sleep(0.005)

    thread = threading.Thread(target=snapshot)
    thread.start()
    try:
        for sql in HEAVY:
            assert case.engine.scalar(sql) == ROWS
    finally:
        stop.set()
        thread.join()
    return seen[0], seen[1]


@pytest.mark.slow
@pytest.mark.usefixtures("small_memory")
def test_spills_of_an_encrypted_case_are_encrypted(tmp_path: Path) -> None:
    with Case.init(tmp_path / "plain") as plain:
        files, leaks = _spill_and_grep(plain)
    print(f"\nplain case: {files} spill snapshots, marker found in {leaks}")
    assert files > 0
    assert leaks > 0

    key = generate_key(tmp_path / "case.key").read_text(encoding="utf-8").strip()
    with Case.init(tmp_path / "enc", encrypt=True, key=key) as enc:
        assert enc.engine.scalar("SELECT current_setting('temp_file_encryption')") is True
        files, leaks = _spill_and_grep(enc)
    print(f"encrypted case: {files} spill snapshots, marker found in {leaks}")
    assert files > 0  # it did spill
    assert leaks == 0


@pytest.mark.usefixtures("small_memory")
def test_a_runaway_statement_stops_at_the_spill_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREADLINE_MAX_TEMP", "5MB")
    with Case.init(tmp_path / "case") as case:
        case.engine.execute(PROBE)
        with pytest.raises(EngineError) as refused:
            case.engine.scalar(HEAVY[1])
    message = str(refused.value)
    print(message)
    assert message.startswith("spill limit reached")
    assert "5MB" in message
    assert "THREADLINE_MAX_TEMP" in message
    assert refused.value.exit_code == 6


def test_default_spill_limit_leaves_half_the_disk(tmp_path: Path) -> None:
    import shutil

    with Case.init(tmp_path / "case") as case:
        limit = case.engine.scalar("SELECT current_setting('max_temp_directory_size')")
        chosen = case.engine.max_temp  # type: ignore[attr-defined]
    free = shutil.disk_usage(tmp_path).free
    assert chosen.endswith("MB")
    # Other work on the machine moves the free space a little between the two readings.
    assert int(chosen[:-2]) * 10**6 <= min(50 * 10**9, int(free * 0.55))
    assert "90%" not in str(limit)  # DuckDB's own default is 90 % of the disk


def test_a_bad_spill_limit_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from threadline.errors import UsageError

    Case.init(tmp_path / "case").close()
    monkeypatch.setenv("THREADLINE_MAX_TEMP", "lots")
    with pytest.raises(UsageError, match="THREADLINE_MAX_TEMP"):
        Case.open(tmp_path / "case")


_KILLED_WORKER = f"""
import sys
from threadline import Case
case = Case.open(sys.argv[1])
case.engine.execute({PROBE!r})
for _ in range(100):
    case.engine.scalar({HEAVY[1]!r})
"""


@pytest.mark.slow
def test_spill_files_left_by_a_killed_process_are_removed_at_open(tmp_path: Path) -> None:
    Case.init(tmp_path / "case").close()
    tmp = tmp_path / "case" / "tmp"
    env = {**os.environ, "THREADLINE_MEMORY_LIMIT": "50MB"}
    worker = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WORKER, str(tmp_path / "case")],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(tmp.iterdir()) and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker ended before it spilled"
            time.sleep(0.01)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    left = sorted(p.name for p in tmp.iterdir())
    print(f"\nleft by the killed process: {left}")
    assert left, "the worker never spilled"
    with Case.open(tmp_path / "case", read_only=True):
        assert sorted(p.name for p in tmp.iterdir()) == left  # readers may share tmp: kept
    with Case.open(tmp_path / "case"):
        assert list(tmp.iterdir()) == []
