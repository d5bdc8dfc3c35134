"""Workbench fixtures: one synthetic case built per session, served by real uvicorn servers.

Each server runs in a thread on 127.0.0.1 with a free port and serves its own copy of the
case, so tests that change the case (merges, packages) do not disturb the others.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.fixtures import AGENCY, Built, build
from threadline import Case
from threadline.share.progress import BuildProgress, ProgressFn
from threadline.web.app import create_app
from threadline.web.users import add_user

PASSWORD = "correct horse battery staple"  # noqa: S105 (synthetic test users)
ARTEFACTS = Path(__file__).resolve().parents[2] / "bench" / "out" / "web" / "journeys"
USERS = {
    f"{cc.lower()}_{role}": (cc, role)
    for cc in ("AU", "GB")
    for role in ("admin", "analyst", "reviewer")
}


def fake_package(
    case: Case, country: str, out: Path, *, progress: ProgressFn | None = None
) -> Path:
    """Stands in for threadline.share.package in tests: a synthetic two-file package."""
    files = [
        ("manifest.json", f'{{"country": "{country}", "synthetic": true}}\n'),
        ("targets.jsonl", '{"person_id": "P000000000000"}\n'),
    ]
    for i, (name, text) in enumerate(files, start=1):
        (out / name).write_text(text)
        if progress:
            progress(BuildProgress(1, 1, "writing the files", "file", i, len(files)))
    return out


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    b = build(tmp_path_factory.mktemp("web"), networks=2, buyers=2)
    with Case.open(b.path) as case:
        for name, (cc, role) in USERS.items():
            add_user(case, name, agency=AGENCY[cc], country=cc, role=role, password=PASSWORD)
        add_user(case, "ph_analyst", agency="PH", role="analyst", password=PASSWORD)
    for cc in ("AU", "GB"):
        fake_package(Case, cc, _mk(b.path / "packages" / cc / "20260101T000000Z"))  # type: ignore[arg-type]
    return b


def _mk(p: Path) -> Path:
    p.mkdir(parents=True)
    return p


def copy_case(built: Built, dest: Path) -> Path:
    shutil.copytree(built.path, dest)
    return dest


class LiveServer:
    """The workbench under uvicorn in a thread, on a free loopback port."""

    def __init__(self, case_dir: Path, **options: Any) -> None:
        self.case = Case.open(case_dir)
        self.app = create_app(self.case, **options)
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, log_level="warning", ws="none", lifespan="off", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workbench server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()
        self.app.state.wb.close()
        self.case.close()


class Client:
    """An API client that keeps the session cookie and sends the CSRF token, as a browser."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        self.sid: str | None = None
        self.csrf: str | None = None

    def request(
        self, method: str, path: str, *, csrf: bool = True, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.sid:
            headers["Cookie"] = f"threadline_session={self.sid}"
        if csrf and self.csrf and method.upper() not in ("GET", "HEAD"):
            headers.setdefault("X-CSRF-Token", self.csrf)
        r = self.http.request(method, path, headers=headers, **kwargs)
        for cookie in r.headers.get_list("set-cookie"):
            name, _, rest = cookie.partition("=")
            if name == "threadline_session":
                value = rest.split(";", 1)[0].strip('"')
                self.sid = value or None
        return r

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def login(self, name: str, password: str = PASSWORD) -> httpx.Response:
        self.csrf = self.get("/api/session").json()["csrf"]
        r = self.post("/api/session", json={"name": name, "password": password})
        if r.status_code == 200:
            self.csrf = r.json()["csrf"]
        return r

    def close(self) -> None:
        self.http.close()


@pytest.fixture(scope="session")
def server(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A shared server for tests that only read (and append to the audit log)."""
    case_dir = copy_case(built, tmp_path_factory.mktemp("served") / "case")
    with LiveServer(case_dir, package_builder=fake_package) as s:
        yield s


@pytest.fixture
def client_for(server: LiveServer) -> Iterator[Any]:
    made: list[Client] = []

    def make(name: str | None = None) -> Client:
        c = Client(server.url)
        made.append(c)
        if name:
            assert c.login(name).status_code == 200
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS
