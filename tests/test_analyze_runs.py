"""Analysis runs: resuming with ``--from``, failures that name stage and purpose, progress.

All on copies of the analysed tiny synthetic case (seed 3); failures are forced for real by
breaking a table a stage reads, the way a damaged or half-migrated case would.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from threadline import Case
from threadline.errors import EngineError, UsageError
from threadline.pipeline import STEPS

# How an analysis failure names what failed: stage, purpose, function.
NAMED = re.compile(r'(?P<stage>\w+) stage, "(?P<purpose>[^"]+)" \((?P<function>[\w.]+)\): ')


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "threadline.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
        check=False,
    )


def _analyze_entries(case: Case, after: int = 0) -> list[dict[str, object]]:
    rows = case.engine.query(
        "SELECT details FROM audit WHERE action = 'analyze' AND seq > ? ORDER BY seq", [after]
    )
    return [json.loads(r[0]) for r in rows]


def _last_seq(case: Case) -> int:
    return int(case.engine.scalar("SELECT max(seq) FROM audit"))


def _check_purpose(match: re.Match[str]) -> None:
    """The purpose quoted is the first docstring line of the function named."""
    module, _, name = match["function"].rpartition(".")
    function = getattr(importlib.import_module(module), name)
    assert function.__doc__.strip().splitlines()[0].rstrip(".") == match["purpose"]


def test_from_skips_the_earlier_stages(tiny_case_copy: Case) -> None:
    before = _last_seq(tiny_case_copy)
    runs = tiny_case_copy.analyze(start="signals")
    stages = [e["stage"] for e in _analyze_entries(tiny_case_copy, before)]
    assert stages == list(STEPS[STEPS.index("signals") :])
    assert [r["stage"] for r in runs] == stages


def test_from_graph_means_its_first_run(tiny_case_copy: Case) -> None:
    before = _last_seq(tiny_case_copy)
    tiny_case_copy.analyze(start="graph")
    stages = [e["stage"] for e in _analyze_entries(tiny_case_copy, before)]
    assert stages == list(STEPS[1:])
    assert stages.count("graph") == 2


def test_every_stage_run_records_its_duration(tiny_case_copy: Case) -> None:
    before = _last_seq(tiny_case_copy)
    tiny_case_copy.analyze(start="relink")
    entries = _analyze_entries(tiny_case_copy, before)
    assert entries
    for entry in entries:
        assert isinstance(entry["seconds"], float | int)
        assert entry["seconds"] >= 0
    assert tiny_case_copy.verify().ok


def test_from_is_refused_when_an_earlier_stage_never_ran(tmp_path: Path) -> None:
    from tests.conftest import CANONICAL

    with Case.init(tmp_path / "case") as case:
        case.ingest("messages", [CANONICAL / "messages.csv"], agency="AG", seizure="S1")
        with pytest.raises(UsageError, match="the resolve stage has never run"):
            case.analyze(start="graph")
        with pytest.raises(UsageError, match="not an analysis stage"):
            case.analyze(start="everything")
        case.analyze()
        case.ingest("accounts", [CANONICAL / "accounts.csv"], agency="AG", seizure="S1")
        with pytest.raises(UsageError, match="before the latest ingest"):
            case.analyze(start="score")
        case.analyze(start="resolve")  # the first stage needs nothing before it


def test_a_failing_stage_names_itself_and_keeps_the_stages_before(tiny_case_copy: Case) -> None:
    engine = tiny_case_copy.engine
    before = _last_seq(tiny_case_copy)
    members = engine.scalar("SELECT count(*) FROM person_members")
    # A table only the graph stage reads, broken as a damaged case would be.
    engine.execute("ALTER TABLE role_overrides RENAME COLUMN person_id TO who")
    with pytest.raises(EngineError) as refused:
        tiny_case_copy.analyze()
    error = refused.value
    print(error)
    assert error.stage == "graph"
    found = NAMED.match(str(error))
    assert found, str(error)
    assert found["stage"] == "graph"
    assert found["function"].startswith("threadline.graph.")
    _check_purpose(found)
    assert "-- failing SQL:" in str(error)
    # resolve committed with its audit entry; graph left nothing
    assert [e["stage"] for e in _analyze_entries(tiny_case_copy, before)] == ["resolve"]
    assert engine.scalar("SELECT count(*) FROM person_members") == members
    assert tiny_case_copy.verify().ok


@pytest.fixture
def case_dir(tiny_world: tuple[Path, Path], tmp_path: Path) -> Path:
    shutil.copytree(tiny_world[1], tmp_path / "case")
    return tmp_path / "case"


def test_cli_failure_exits_6_naming_stage_and_purpose(case_dir: Path) -> None:
    with Case.open(case_dir) as case:
        case.engine.execute("ALTER TABLE person_members RENAME COLUMN person_id TO pid")
    done = _cli("analyze", str(case_dir), "--from", "graph")
    assert done.returncode == 6, done.stderr
    text = " ".join(done.stderr.split())  # the console wraps long lines
    found = NAMED.search(text)
    assert found, text
    assert found["stage"] == "graph"
    _check_purpose(found)


def test_cli_from_refused_with_usage_error(tmp_path: Path) -> None:
    case = str(tmp_path / "case")
    assert _cli("init", case).returncode == 0
    done = _cli("analyze", case, "--from", "score")
    assert done.returncode == 2
    assert "has never run" in done.stderr


def test_cli_progress_lines_when_not_a_terminal(case_dir: Path, tmp_path: Path) -> None:
    from tests.conftest import CANONICAL

    messages = tmp_path / "more.csv"
    shutil.copy(CANONICAL / "messages.csv", messages)
    done = _cli(
        "ingest", str(case_dir), "messages", str(messages), "--agency", "AG", "--seizure", "S9"
    )
    assert done.returncode == 0, done.stderr
    size = messages.stat().st_size
    assert f"ingest: reading {messages} ({size} bytes)" in done.stderr
    read = rf"ingest: {re.escape(str(messages))} \(messages\): 3 rows read, "
    assert re.search(read, done.stderr)
    assert "\x1b[" not in done.stderr  # plain text, no terminal control codes

    done = _cli("analyze", str(case_dir))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    print(done.stderr)
    assert f"analyze: step 1/{len(STEPS)} resolve started" in lines[0]
    for number, name in enumerate(STEPS, 1):
        assert any(line.startswith(f"analyze: step {number}/{len(STEPS)} {name}") for line in lines)
    assert sum(" done in " in line for line in lines) == len(STEPS)
    assert any(re.match(r"analyze: graph: .+: [\d,]+ rows, [\d.]+ s$", ln) for ln in lines)
    assert "(last run " in done.stderr  # the previous run's time as the estimate
    assert f"{len(STEPS)} analysis stage(s) run" in done.stdout


def test_cli_quiet_shows_no_progress(case_dir: Path, tmp_path: Path) -> None:
    from tests.conftest import CANONICAL

    done = _cli(
        "--quiet",
        "ingest",
        str(case_dir),
        "accounts",
        str(CANONICAL / "accounts.csv"),
        "--agency",
        "AG",
        "--seizure",
        "S9",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "accounts" in done.stdout  # the results table is still printed
    done = _cli("-q", "analyze", str(case_dir), "--from", "resolve")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert f"{len(STEPS)} analysis stage(s) run" in done.stdout
