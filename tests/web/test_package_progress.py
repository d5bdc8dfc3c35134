"""Package builds in the background: their progress, refusals while one runs, and errors.

Over a real server on loopback. A gated builder (it waits for the test between items) makes
the running state observable without timing; the real builder runs once end to end.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import Built
from tests.web.conftest import Client, LiveServer, copy_case
from threadline import Case
from threadline.errors import UsageError
from threadline.share.progress import BuildProgress, ProgressFn

FIELDS = {"state", "build", "step", "steps", "name", "item", "done", "total", "percent"}
FIELDS |= {"message", "step_text", "item_text", "elapsed_s", "by", "error"}
WAIT_S = 60


class Gate:
    """A builder that writes one file per item and waits for the test before each next item."""

    def __init__(self) -> None:
        self.reached = threading.Semaphore(0)
        self.go = threading.Semaphore(0)
        self.fail_with: Exception | None = None

    def __call__(
        self, case: Case, country: str, out: Path, *, progress: ProgressFn | None = None
    ) -> Path:
        for i in range(1, 4):
            (out / f"part{i}.txt").write_text(f"{country} part {i}\n")
            if progress:
                progress(BuildProgress(2, 3, "writing dossiers", "dossier", i, 3))
            self.reached.release()
            assert self.go.acquire(timeout=WAIT_S), "the test never let the build go on"
            if self.fail_with is not None:
                raise self.fail_with
        return out

    def step(self) -> None:
        """Wait until the builder reported its next item."""
        assert self.reached.acquire(timeout=WAIT_S), "the builder did not report"

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self.go.release()


@pytest.fixture
def gated(built: Built, tmp_path: Path) -> Iterator[tuple[LiveServer, Gate]]:
    gate = Gate()
    with LiveServer(copy_case(built, tmp_path / "case"), package_builder=gate) as s:
        try:
            yield s, gate
        finally:
            gate.release(3)  # never leave a build waiting: closing waits for it


@pytest.fixture
def signed_in() -> Iterator[Callable[[LiveServer, str], Client]]:
    made: list[Client] = []

    def make(s: LiveServer, name: str) -> Client:
        c = Client(s.url)
        made.append(c)
        assert c.login(name).status_code == 200
        return c

    yield make
    for c in made:
        c.close()


def until_ended(c: Client, country: str) -> list[dict[str, Any]]:
    """Every status seen while polling the country's build until it is no longer running."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        r = c.get(f"/api/packages/{country}/progress")
        assert r.status_code == 200, r.text
        seen.append(r.json())
        if seen[-1]["state"] != "running":
            return seen
        time.sleep(0.05)
    raise AssertionError(f"the build did not end: {seen[-1]}")


def audit_of(s: LiveServer, action: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT_S  # the audit writer commits in its own thread
    while time.monotonic() < deadline:
        rows = s.case.engine.query("SELECT details FROM audit WHERE action = ?", [action])
        if rows:
            return [json.loads(r[0]) for r in rows]
        time.sleep(0.05)
    return []


SignIn = Callable[[LiveServer, str], Client]


def test_the_status_endpoint_reports_the_running_builds_progress(
    gated: tuple[LiveServer, Gate], signed_in: SignIn
) -> None:
    s, gate = gated
    c = signed_in(s, "au_analyst")
    assert c.get("/api/packages/AU/progress").json() == {"country": "AU", "state": "idle"}
    r = c.post("/api/packages/AU?background=true")
    assert r.status_code == 202, r.text
    assert r.json()["progress"] == "/api/packages/AU/progress"
    build = r.json()["build"]
    gate.step()
    now = c.get("/api/packages/AU/progress").json()
    assert now.keys() >= FIELDS
    assert (now["state"], now["step"], now["steps"], now["done"], now["total"]) == (
        "running",
        2,
        3,
        1,
        3,
    )
    assert now["message"] == "step 2 of 3: writing dossiers (dossier 1 of 3)"
    assert now["percent"] == int(100 * (1 + 1 / 3) / 3)
    assert (now["by"], now["build"], now["error"]) == ("au_analyst", build, None)
    # A half-written package is neither listed nor downloadable, and no second build starts.
    assert build not in {p["build"] for p in c.get("/api/packages").json()["packages"]}
    assert c.get(f"/api/packages/AU/{build}/download").status_code == 409
    again = c.post("/api/packages/AU?background=true")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
    assert "being built" in again.json()["error"]["message"]
    # Another AU user sees the same build on the page, as a labelled progress bar.
    other = signed_in(s, "au_admin")
    page = other.get("/packages").text
    assert 'data-state="running"' in page
    assert 'aria-valuenow="44"' in page
    assert 'for="build-progress-bar"' in page
    assert "step 2 of 3: writing dossiers" in page
    assert 'id="generate" disabled' in page
    gate.release()
    gate.step()
    gate.release()
    gate.step()
    gate.release()
    seen = until_ended(c, "AU")
    done = seen[-1]
    assert (done["state"], done["done"], done["total"], done["percent"]) == ("done", 3, 3, 100)
    percents = [x["percent"] for x in [now, *seen]]
    assert percents == sorted(percents)
    got = c.get(done["download"])
    assert got.status_code == 200
    assert build in {p["build"] for p in c.get("/api/packages").json()["packages"]}
    assert audit_of(s, "package:generate")[-1]["build"] == build
    page = c.get(f"/packages?built={build}").text
    assert 'id="built-download"' in page
    assert 'class="just-built"' in page
    assert 'value="100"' in page


def test_a_failed_build_shows_its_message_and_leaves_no_folder(
    gated: tuple[LiveServer, Gate], signed_in: SignIn
) -> None:
    s, gate = gated
    gate.fail_with = UsageError("no targets of AU above the confidence floor")
    c = signed_in(s, "au_analyst")
    build = c.post("/api/packages/AU?background=true").json()["build"]
    gate.step()
    gate.release()
    ended = until_ended(c, "AU")[-1]
    assert ended["state"] == "failed"
    assert ended["error"] == "no targets of AU above the confidence floor"
    assert not (s.case.path / "packages" / "AU" / build).exists()
    page = c.get("/packages").text
    assert 'data-state="failed"' in page
    assert "no targets of AU above the confidence floor" in page
    rows = s.case.engine.query("SELECT details FROM audit WHERE action = 'package:generate'")
    assert all(json.loads(r[0])["build"] != build for r in rows)
    # Waited for (no background), the same error is the answer.
    gate.fail_with = UsageError("still no targets")
    gate.release(3)
    r = c.post("/api/packages/AU")
    assert (r.status_code, r.json()["error"]["message"]) == (400, "still no targets")


def test_the_real_builder_reports_every_step_to_the_status_endpoint(
    built: Built, tmp_path: Path, signed_in: SignIn
) -> None:
    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        c = signed_in(s, "au_analyst")
        r = c.post("/api/packages/AU?background=true")
        assert r.status_code == 202, r.text
        seen = until_ended(c, "AU")
        done = seen[-1]
        assert done["state"] == "done", done
        assert (done["step"], done["steps"], done["done"]) == (6, 6, done["total"])
        assert done["name"] == "signing the manifest"
        assert all(x.keys() >= FIELDS for x in seen)
        steps = [(x["step"], x["done"]) for x in seen]
        assert steps == sorted(steps)
        manifest = c.get(done["download"])
        assert manifest.status_code == 200
        assert done["total"] == len(json.loads(_manifest(s, "AU", done["build"]))["files"]) + 1


def _manifest(s: LiveServer, country: str, build: str) -> str:
    return (s.case.path / "packages" / country / build / "manifest.json").read_text()


def test_without_javascript_the_form_waits_for_the_build(
    gated: tuple[LiveServer, Gate], signed_in: SignIn
) -> None:
    s, gate = gated
    gate.release(3)  # the build does not wait for the test
    c = signed_in(s, "au_analyst")
    r = c.post("/packages/AU", data={"csrf_token": c.csrf}, csrf=False)
    assert r.status_code == 303, r.text
    build = r.headers["location"].removeprefix("/packages?built=")
    assert (s.case.path / "packages" / "AU" / build / "part3.txt").is_file()
    page = c.get(r.headers["location"]).text
    assert 'data-state="done"' in page
    assert f"/api/packages/AU/{build}/download" in page
