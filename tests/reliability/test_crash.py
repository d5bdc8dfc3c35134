"""Crash safety: SIGKILL during ingest, analysis and export loses and duplicates nothing.

Each trial copies a fresh case (plain or encrypted), then for each phase in turn starts
``crash_worker.py run PHASE`` in a subprocess, kills it with SIGKILL after a random delay
(seeded and printed) within the phase's measured duration, and runs ``crash_worker.py
recover PHASE``: the case must open, ``verify`` must pass, the re-run must complete, and the
stored canonical rows must equal those of an uninterrupted run. Trials run two at a time;
8 ingest + 4 analysis + 8 export kills keep the test near a minute and a half.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.crash_worker import canonical_state, export_state
from threadline import Case
from threadline.schema import KINDS

WORKER = Path(__file__).with_name("crash_worker.py")
PHASES = ("ingest", "analyze", "export")
SEED = 12
TRIALS = 8
ANALYZE_TRIALS = 4  # analysis is the slow phase: killed in the first four trials only
KEY = "crash-test key, synthetic; long enough for 128 bits"


def _env(encrypted: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "THREADLINE_KEY"}
    if encrypted:
        env["THREADLINE_KEY"] = KEY
    return env


def _worker(mode: str, phase: str, root: Path, data: Path, encrypted: bool) -> list[str]:
    args = [sys.executable, str(WORKER), mode, phase, str(root / "case"), str(data)]
    return [*args, str(root / "out")]


def _run(phase: str, root: Path, data: Path, encrypted: bool) -> float:
    done = subprocess.run(
        _worker("run", phase, root, data, encrypted),
        env=_env(encrypted),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(done.stdout.split("done ")[1])


def _kill_during(phase: str, root: Path, data: Path, encrypted: bool, delay: float) -> bool:
    """Start the phase, SIGKILL it ``delay`` seconds after its imports; True if it was killed."""
    proc = subprocess.Popen(
        _worker("run", phase, root, data, encrypted),
        env=_env(encrypted),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    return proc.returncode == -signal.SIGKILL


def _recover(phase: str, root: Path, data: Path, encrypted: bool) -> dict[str, Any]:
    done = subprocess.run(
        _worker("recover", phase, root, data, encrypted),
        env=_env(encrypted),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"recovery after a kill during {phase} failed:\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An uninterrupted run: its stored state, export digests and phase durations."""
    from threadline.synth import generate

    root = tmp_path_factory.mktemp("crash")
    print(f"\nsynthetic world: scale tiny, seed {SEED}")
    generate(root / "data", scale="tiny", seed=SEED)
    Case.init(root / "empty" / "case").close()
    Case.init(root / "empty-enc" / "case", encrypt=True, key=KEY).close()
    shutil.copytree(root / "empty", root / "base")
    durations = {p: _run(p, root / "base", root / "data", False) for p in PHASES}
    # An encrypted case seals its media hash manifest, a different file (and source id)
    # than a plain case's: each trial is compared with the uninterrupted run of its mode.
    shutil.copytree(root / "empty-enc", root / "base-enc")
    for p in PHASES:
        _run(p, root / "base-enc", root / "data", True)
    found: dict[str, Any] = {"root": root, "durations": durations}
    for name, encrypted in (("base", False), ("base-enc", True)):
        with Case.open(root / name / "case", read_only=True, key=KEY if encrypted else None) as c:
            state = canonical_state(c)
        export = export_state(root / name / "out")
        assert export["manifest"]
        assert export["consistent"]
        found[f"state{'_enc' if encrypted else ''}"] = state
        found[f"export{'_enc' if encrypted else ''}"] = export["files"]
    print("uninterrupted phase durations (s):", durations)
    return found


def _trial(n: int, base: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    root: Path = base["root"]
    encrypted = n % 2 == 1
    here = root / f"trial-{n}"
    shutil.copytree(root / ("empty-enc" if encrypted else "empty"), here)
    delays = {p: rng.uniform(0.0, base["durations"][p] * 0.95) for p in PHASES}
    outcomes = []
    for phase in PHASES if n < ANALYZE_TRIALS else ("ingest", "export"):
        if phase == "export":  # re-export over an earlier export of the same case
            shutil.copytree(root / ("base-enc" if encrypted else "base") / "out", here / "out")
        killed = _kill_during(phase, here, root / "data", encrypted, delays[phase])
        outcome = _recover(phase, here, root / "data", encrypted)
        outcome.update(trial=n, phase=phase, delay=round(delays[phase], 3), killed=killed)
        outcome["encrypted"] = encrypted
        outcomes.append(outcome)
    return outcomes


def _differ(state: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    return sorted(t for t in expected if state.get(t) != expected[t])


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_duplicates_nothing(baseline: dict[str, Any]) -> None:
    rng = random.Random(SEED)  # noqa: S311 - seeded kill timings, not secrets
    print(f"kill seed {SEED}, {TRIALS} trials")
    rngs = [random.Random(rng.random()) for _ in range(TRIALS)]  # noqa: S311
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        trials = pool.map(_trial, range(TRIALS), [baseline] * TRIALS, rngs)
        results = [outcome for trial in trials for outcome in trial]
    elapsed = time.perf_counter() - started
    sources = baseline["state"]["sources"]["rows"]
    failures = []
    for r in results:
        where = f"trial {r['trial']} {r['phase']} killed at +{r['delay']}s"
        print(
            f"{where}: killed={r['killed']} encrypted={r['encrypted']} "
            f"verify={r['verify_after_kill']['ok']} re-run {r['seconds']}s"
        )
        suffix = "_enc" if r["encrypted"] else ""
        expected, exported = baseline[f"state{suffix}"], baseline[f"export{suffix}"]
        checks = {
            "verify after kill": r["verify_after_kill"]["ok"],
            "verify after re-run": r["verify_after_rerun"]["ok"],
            "stored rows equal the uninterrupted run": not _differ(r["state"], expected),
            "one ingest audit entry per source": r["audit"].count("ingest") == sources,
            "no half-written export behind a manifest": r["export_after_kill"]["consistent"],
        }
        if r["phase"] == "export":
            checks["export complete and consistent"] = (
                r["export"]["manifest"] and r["export"]["consistent"]
            )
            checks["exported records equal the uninterrupted run"] = all(
                r["export"]["files"][f"{k}.jsonl"] == exported[f"{k}.jsonl"] for k in KINDS
            )
        failures += [f"{where}: {name}" for name, ok in checks.items() if not ok]
        failures += [f"{where}: table {t} differs" for t in _differ(r["state"], expected)]
        failures += [f"{where}: {p}" for p in r["verify_after_kill"]["problems"]]
    kills = sum(r["killed"] for r in results)
    print(
        f"crash trials: {kills} SIGKILLs survived of {len(results)} attempts "
        f"({sum(r['killed'] for r in results if r['encrypted'])} on encrypted cases) "
        f"in {elapsed:.0f}s; {len(failures)} failures"
    )
    assert failures == []
    assert kills >= 15
    for p in PHASES:  # every phase really was interrupted at least once
        assert any(r["killed"] for r in results if r["phase"] == p), p
    for n in range(TRIALS):
        shutil.rmtree(baseline["root"] / f"trial-{n}")


def test_an_export_that_fails_halfway_leaves_no_stale_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-exporting over an earlier export: until it completes there is no manifest at all."""
    from tests.conftest import CANONICAL
    from threadline.store import exporter

    with Case.init(tmp_path / "case") as case:
        for f in sorted(CANONICAL.iterdir()):
            case.ingest(f.stem, [f], agency="AG", seizure="EX-1")
        case.export(tmp_path / "out")
        assert export_state(tmp_path / "out")["consistent"]
        calls = iter(range(100))
        real = exporter._sha256

        def dies_on_the_sixth_file(path: Path) -> str:
            if next(calls) == 5:
                raise OSError("disk full (simulated)")
            return real(path)

        monkeypatch.setattr(exporter, "_sha256", dies_on_the_sixth_file)
        with pytest.raises(OSError, match="simulated"):
            case.export(tmp_path / "out")
    assert not (tmp_path / "out" / "manifest.json").exists()
