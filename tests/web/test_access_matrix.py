"""Every API route, every role, own and other country: allowed, or 403 — no route left out.

The routes are read from the application itself, so a new route without a row here fails.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import Built
from tests.web.conftest import Client, LiveServer, copy_case, fake_package
from threadline.web.policy import DEFAULT

ROLES = ("admin", "analyst", "reviewer")
COUNTRIES = ("AU", "GB")
PERMS = {r: set(a) for r, a in DEFAULT["permissions"].items()}
BUILD = "20260101T000000Z"


@dataclass(frozen=True)
class Row:
    """How to call a route for a country's resources, and what each role should get."""

    call: Callable[[Built, str], tuple[str, dict[str, Any] | None]]
    expect: Callable[[str, bool], int]


def everyone(role: str, own: bool) -> int:
    return 200


def own_only(role: str, own: bool) -> int:
    return 200 if own else 403


def may(action: str, scoped: bool = True) -> Callable[[str, bool], int]:
    return lambda role, own: 200 if action in PERMS[role] and (own or not scoped) else 403


def plain(path: str) -> Callable[[Built, str], tuple[str, dict[str, Any] | None]]:
    return lambda b, cc: (path, None)


def person(b: Built, cc: str) -> str:
    return b.persons[f"{cc.lower()}0_1"]  # a one-member person: stable under merge/split


def member(cc: str) -> str:
    return f"chatapp:{cc.lower()}0_1"


PUBLIC = {
    ("GET", "/api/health"),
    ("GET", "/api/session"),
    ("POST", "/api/session"),
    ("DELETE", "/api/session"),
    ("GET", "/api/openapi.json"),
}
MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/api/me"): Row(plain("/api/me"), everyone),
    ("GET", "/api/policy"): Row(plain("/api/policy"), everyone),
    ("GET", "/api/dashboard"): Row(plain("/api/dashboard"), everyone),
    ("GET", "/api/networks"): Row(plain("/api/networks"), everyone),
    ("GET", "/api/networks/{network_id}/graph"): Row(plain("/api/networks/N000/graph"), everyone),
    ("GET", "/api/persons/{person_id}"): Row(
        lambda b, cc: (f"/api/persons/{person(b, cc)}", None), own_only
    ),
    ("GET", "/api/evidence/{source_sha256}/{row}"): Row(
        lambda b, cc: ("/api/evidence/{}/{}".format(*b.evidence[f"account_{cc}"]), None),
        own_only,
    ),
    ("GET", "/api/targets/{country}"): Row(lambda b, cc: (f"/api/targets/{cc}", None), everyone),
    ("GET", "/api/sessions"): Row(plain("/api/sessions"), everyone),
    ("GET", "/api/media"): Row(plain("/api/media"), everyone),
    ("GET", "/api/media/{sha256}"): Row(
        lambda b, cc: (f"/api/media/{b.media[cc]}", None), own_only
    ),
    ("POST", "/api/media/{sha256}/thumbnail"): Row(
        lambda b, cc: (f"/api/media/{b.media[cc]}/thumbnail", {"reason": "matrix check"}),
        may("thumbnail"),
    ),
    # Fetched with a fresh grant where the user may have one (see grant_first below).
    ("GET", "/api/media/{sha256}/thumbnail"): Row(
        lambda b, cc: (f"/api/media/{b.media[cc]}/thumbnail", None), may("thumbnail")
    ),
    ("GET", "/api/merges"): Row(plain("/api/merges"), everyone),
    ("POST", "/api/merges/confirm"): Row(
        lambda b, cc: (
            "/api/merges/confirm",
            {"a": member(cc), "b": member(cc), "reason": "matrix check"},
        ),
        may("review"),
    ),
    ("POST", "/api/merges/reject"): Row(
        lambda b, cc: ("/api/merges/reject", {"member": member(cc), "reason": "matrix check"}),
        may("review"),
    ),
    ("GET", "/api/merges/preview"): Row(
        lambda b, cc: (f"/api/merges/preview?action=reject&a={member(cc)}", None), may("review")
    ),
    # No such decision: the route is reached (404) by whoever may review.
    ("POST", "/api/merges/undo"): Row(
        plain("/api/merges/undo"), lambda role, own: 404 if "review" in PERMS[role] else 403
    ),
    ("GET", "/api/packages"): Row(plain("/api/packages"), everyone),
    ("POST", "/api/packages/{country}"): Row(
        lambda b, cc: (f"/api/packages/{cc}", None), may("package")
    ),
    ("GET", "/api/packages/{country}/{build}/download"): Row(
        lambda b, cc: (f"/api/packages/{cc}/{BUILD}/download", None), own_only
    ),
    ("GET", "/api/packages/{country}/progress"): Row(
        lambda b, cc: (f"/api/packages/{cc}/progress", None), own_only
    ),
    ("GET", "/api/audit"): Row(plain("/api/audit"), may("audit", scoped=False)),
    # Search and the paged lists (issue 20): every hit and row passes the record rule.
    ("GET", "/api/search"): Row(plain("/api/search?q=request"), everyone),
    ("GET", "/api/persons"): Row(plain("/api/persons"), everyone),
    ("GET", "/api/quarantine"): Row(plain("/api/quarantine"), everyone),
    ("GET", "/api/persons/{person_id}/timeline"): Row(
        lambda b, cc: (f"/api/persons/{person(b, cc)}/timeline", None), own_only
    ),
}


# -- analyst views (issue 20): evidence in context, links, map, rescue, notes, activity --------
@functools.cache
def _refs(path: str, cc: str) -> tuple[tuple[str, int], tuple[str, int]]:
    """(message, payment) evidence rows of a country's first buyer, from the built case."""
    from threadline import Case

    with Case.open(Path(path), read_only=True) as case:
        found = [
            case.engine.query(
                f"""SELECT s.sha256, t."row" FROM {table} t JOIN sources s USING (source_id)
                    WHERE t.{key} = ? LIMIT 1""",
                [value],
            )[0]
            for table, key, value in (
                ("messages", "message_id", f"m-{cc.lower()}0_0-0"),
                ("payments", "transaction_id", f"T-{cc.lower()}0_0"),
            )
        ]
    return (str(found[0][0]), int(found[0][1])), (str(found[1][0]), int(found[1][1]))


MATRIX.update(
    {
        ("GET", "/api/conversation/{source_sha256}/{row}"): Row(
            lambda b, cc: ("/api/conversation/{}/{}".format(*_refs(str(b.path), cc)[0]), None),
            own_only,
        ),
        ("GET", "/api/payments/{source_sha256}/{row}"): Row(
            lambda b, cc: ("/api/payments/{}/{}".format(*_refs(str(b.path), cc)[1]), None),
            own_only,
        ),
        ("GET", "/api/sessions/{session_id}"): Row(
            lambda b, cc: (f"/api/sessions/S-{cc.lower()}0_0", None), own_only
        ),
        ("GET", "/api/persons/{person_id}/links"): Row(
            lambda b, cc: (f"/api/persons/{person(b, cc)}/links?hops=2", None), own_only
        ),
        ("GET", "/api/links/path"): Row(
            lambda b, cc: (f"/api/links/path?a={person(b, cc)}&b={b.persons['sel0']}", None),
            own_only,
        ),
        ("GET", "/api/persons/{person_id}/map"): Row(
            lambda b, cc: (f"/api/persons/{person(b, cc)}/map", None), own_only
        ),
        ("GET", "/api/persons/{person_id}/activity"): Row(
            lambda b, cc: (f"/api/persons/{person(b, cc)}/activity", None), own_only
        ),
        ("GET", "/api/networks/{network_id}/activity"): Row(
            plain("/api/networks/N000/activity"), everyone
        ),
        ("GET", "/api/rescue"): Row(plain("/api/rescue"), everyone),
        ("GET", "/api/notes"): Row(
            lambda b, cc: (f"/api/notes?kind=person&subject={person(b, cc)}", None), own_only
        ),
        ("POST", "/api/notes"): Row(
            lambda b, cc: (
                "/api/notes",
                {"subject_kind": "person", "subject_id": person(b, cc), "tag": "matrix"},
            ),
            lambda role, own: 201 if own else 403,
        ),
    }
)


def all_routes(app: Any) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route the app serves, through included routers too."""
    stack = list(app.routes)
    while stack:
        r = stack.pop(0)
        if hasattr(r, "effective_candidates"):  # an included router (FastAPI >= 0.16x)
            stack[:0] = r.effective_candidates()
        elif isinstance(getattr(r, "path", None), str) and getattr(r, "methods", None):
            yield r.path, set(r.methods) - {"HEAD"}


def api_routes(app: Any) -> set[tuple[str, str]]:
    return {(m, p) for p, ms in all_routes(app) if p.startswith("/api") for m in ms}


@pytest.fixture(scope="module")
def matrix_server(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    case = copy_case(built, tmp_path_factory.mktemp("matrix") / "case")
    with LiveServer(case, package_builder=fake_package) as s:
        yield s


def test_every_api_route_is_in_the_matrix(matrix_server: LiveServer) -> None:
    routes = api_routes(matrix_server.app)
    missing = routes - set(MATRIX) - PUBLIC
    assert not missing, f"routes without an access-matrix row: {sorted(missing)}"
    stale = (set(MATRIX) | PUBLIC) - routes
    assert not stale, f"matrix rows for routes that no longer exist: {sorted(stale)}"


def test_anonymous_callers_get_401_everywhere_but_public_routes(
    matrix_server: LiveServer, built: Built
) -> None:
    c = Client(matrix_server.url)
    c.csrf = c.get("/api/session").json()["csrf"]  # past CSRF, so the 401 is about sign-in
    for (method, _), row in sorted(MATRIX.items()):
        path, body = row.call(built, "AU")
        r = c.request(method, path, json=body)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["error"]["code"] == "unauthenticated"
    for method, path in PUBLIC - {("DELETE", "/api/session"), ("POST", "/api/session")}:
        assert c.request(method, path).status_code == 200, path
    c.close()


def test_every_page_needs_sign_in(matrix_server: LiveServer) -> None:
    c = Client(matrix_server.url)
    open_pages = {"/login", "/favicon.ico"}
    pages = [
        (p, ms)
        for p, ms in all_routes(matrix_server.app)
        if not p.startswith(("/api", "/static")) and p not in open_pages
    ]
    assert len(pages) > 10
    for route, methods in pages:
        path = route.format(
            network_id="N000",
            person_id="P000000000000",
            source_sha256="0" * 64,
            row=1,
            country="AU",
            sha256="0" * 64,
            action="confirm",
            session_id="S-x",
        )
        for method in methods:
            got = c.request(method, path)
            if method == "GET":
                assert got.status_code == 303, path
                assert got.headers["location"].startswith("/login?next=")
            else:
                assert got.status_code == 403, path  # no session, so no CSRF token
    c.close()


def test_access_matrix(matrix_server: LiveServer, built: Built) -> None:
    clients = {}
    for cc in COUNTRIES:
        for role in ROLES:
            c = Client(matrix_server.url)
            assert c.login(f"{cc.lower()}_{role}").status_code == 200
            clients[cc, role] = c
    # Reads first, then the changes (merges, packages), so reads see the fixture as built.
    order = sorted(MATRIX, key=lambda k: (k[0] != "GET", k[1]))
    failures = []
    for key in order:
        row = MATRIX[key]
        method = key[0]
        for (cc, role), c in clients.items():
            for target in COUNTRIES:
                own = target == cc
                path, body = row.call(built, target)
                if key == ("POST", "/api/merges/undo"):
                    body = {"decision": 9999, "reason": "matrix check"}
                if key == ("GET", "/api/media/{sha256}/thumbnail"):
                    path = grant_first(c, path, body_reason="matrix check")
                got = c.request(method, path, json=body).status_code
                want = row.expect(role, own)
                if got != want:
                    failures.append(
                        f"{method} {path} as {cc} {role} "
                        f"({'own' if own else 'other'}): {got} != {want}"
                    )
    for c in clients.values():
        c.close()
    assert not failures, "\n".join(failures)


def grant_first(c: Client, path: str, body_reason: str) -> str:
    r = c.post(path, json={"reason": body_reason})
    return r.json()["url"] if r.status_code == 200 else path


def test_matrix_decisions_are_in_the_audit_log(matrix_server: LiveServer) -> None:
    rows = matrix_server.case.engine.query(
        "SELECT count(*) FROM audit WHERE action LIKE 'denied:%'"
    )
    assert rows[0][0] > 0
