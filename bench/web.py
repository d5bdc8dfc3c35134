"""Benchmark the workbench: p50/p95 latency of the main pages under 20 concurrent clients.

The server runs as ``threadline serve`` in its own process on loopback; 20 clients, each
signed in with its own session, request the main pages in turn for a fixed number of
rounds. The baseline is ``/api/health`` (no session, no query) under the same load in the
same run; each page's p95 is also given as a ratio to the baseline's.

Case: the ``medium`` synthetic operation (``threadline.synth``), ingested and analysed,
when the analysis stages produce networks and targets; otherwise the largest workbench
fixture of ``tests/fixtures.py`` that builds quickly (the script prints which it used, and why).

Then the link-analysis graph in Chromium (``bench/web_graph.py``): 500 persons and 1,000
links drawn by the ego view's own code on fresh pages (goal < 500 ms), its split and the
renderer's CPU time, against ``cose`` on the same elements; ``--graph-levers`` adds the cost
of each Cytoscape style lever.

Usage: ``python bench/web.py [--clients 20] [--rounds 8] [--fixture] [--case DIR]
[--graph-only] [--graph-levers]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "web"
PASSWORD = "bench password, synthetic"  # noqa: S105 (a synthetic case's bench user)
GOAL_P95_MS = 300.0


def build_medium(out: Path) -> tuple[Path, str] | None:
    """The medium synthetic case with its findings, or None when findings are missing."""
    try:
        from threadline.synth import generate
    except ImportError:
        return None
    from threadline import Case

    case_dir = out / "medium" / "case"
    if not (case_dir / "case.json").is_file():
        data = out / "medium" / "synth"
        print("generating the medium synthetic operation ...", flush=True)
        generate(data, "medium", 0)
        print("ingesting and analysing it ...", flush=True)
        with Case.init(case_dir) as case:
            case.ingest_manifest(data / "manifest.json")
            case.analyze()
    with Case.open(case_dir, read_only=True) as case:
        networks = int(case.engine.scalar("SELECT count(*) FROM networks"))
        targets = int(case.engine.scalar("SELECT count(*) FROM targets"))
    if not networks or not targets:
        print(
            f"medium case has {networks} networks and {targets} targets: the analysis "
            "stages that fill them are not in this version",
            flush=True,
        )
        return None
    return case_dir, "synthetic medium (threadline.synth, seed 0)"


def build_fixture(out: Path) -> tuple[Path, str]:
    from tests.fixtures import build

    spec = {"networks": 40, "buyers": 25, "messages": 30}
    case_dir = out / "fixture" / "case"
    if not (case_dir / "case.json").is_file():
        print(f"building the test builder's case at {spec} ...", flush=True)
        if case_dir.parent.exists():
            import shutil

            shutil.rmtree(case_dir.parent)
        build(case_dir.parent, **spec)
    return case_dir, f"tests/fixtures.py workbench fixture {spec}"


@dataclass(frozen=True)
class Analyst:
    """One bench client: its user, its agency's country and the profiles it opens."""

    name: str
    country: str
    persons: list[str]


def prepare_users(
    case_dir: Path, clients: int, agencies: int = 1
) -> tuple[list[Analyst], str, str]:
    """Bench analysts of the ``agencies`` countries with most targets, dealt round-robin.

    Each opens its own country's targets and the top 20 profiles it may see (its country's
    targets, and sellers, facilitators, mules). Also a top network, and what was set up.
    """
    from threadline import Case
    from threadline.web.users import add_user

    with Case.open(case_dir) as case:
        e = case.engine
        countries = [
            str(c)
            for (c,) in e.query(
                "SELECT country FROM targets WHERE country IS NOT NULL GROUP BY country "
                "ORDER BY count(*) DESC, country LIMIT ?",
                [agencies],
            )
        ]
        existing = {r[0] for r in e.query("SELECT name FROM web_users")}
        persons = {
            cc: [
                str(p)
                for (p,) in e.query(
                    "SELECT person_id FROM targets WHERE country = ? OR role <> 'buyer' "
                    'ORDER BY "rank" LIMIT 20',
                    [cc],
                )
            ]
            for cc in countries
        }
        team = []
        for i in range(clients):
            cc = countries[i % len(countries)]
            name = f"bench-{cc.lower()}-{i:02d}"
            if name not in existing:
                add_user(case, name, agency=cc, country=cc, role="analyst", password=PASSWORD)
            team.append(Analyst(name, cc, persons[cc]))
        network = str(e.scalar("SELECT network_id FROM networks ORDER BY size DESC LIMIT 1"))
    return (
        team,
        network,
        f"{clients} analysts of {len(countries)} agencies ({', '.join(countries)})",
    )


def search_queries(case_dir: Path, count: int, seed: int = 20) -> list[str]:
    """What analysts type into search, drawn from the case: phones, handles, names, words.

    ``count`` of each kind (fewer where the case has fewer), interleaved, so every client
    searches something else in each round and no answer is repeated for a cache to keep.
    """
    from threadline import Case

    kinds = {
        "phone": "SELECT DISTINCT value FROM selectors WHERE selector_type = 'phone'",
        "handle": "SELECT DISTINCT account_id FROM accounts",
        "payment name": "SELECT DISTINCT name FROM payment_identities WHERE name IS NOT NULL",
    }
    with Case.open(case_dir, read_only=True) as case:
        e = case.engine
        drawn = [
            [
                str(v)
                for (v,) in e.query(
                    f"SELECT * FROM ({sql}) ORDER BY hash(concat(?, *columns(*))) LIMIT ?",
                    [str(seed), count],
                )
            ]
            for sql in kinds.values()
        ]
        # A few chat words: the commonest indicator tokens ("[REQUEST]") and other words of a
        # sample of messages (synthetic: neutral tokens).
        words = [
            str(w)
            for pattern in (r"\[([A-Z]+)\]", "[a-z]{4,}")
            for (w,) in e.query(
                "SELECT lower(w) FROM (SELECT unnest(regexp_extract_all(text, ?, ?)) AS w "
                "FROM messages USING SAMPLE 20000 ROWS (reservoir, 20)) "
                "GROUP BY w ORDER BY count(*) DESC, w LIMIT 3",
                [pattern, 1 if "(" in pattern else 0],
            )
        ]
    drawn.append([words[i % len(words)] for i in range(count)] if words else [])
    mixed = [q for group in zip(*(d for d in drawn if d), strict=False) for q in group]
    print(f"search queries: {len(mixed)} ({', '.join(kinds)}, chat words {words})")
    return mixed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def sign_in(http: httpx.AsyncClient, name: str) -> dict[str, str]:
    r = await http.get("/api/session")
    sid = r.cookies.get("threadline_session") or _cookie(r)
    csrf = r.json()["csrf"]
    r = await http.post(
        "/api/session",
        json={"name": name, "password": PASSWORD},
        headers={"Cookie": f"threadline_session={sid}", "X-CSRF-Token": csrf},
    )
    r.raise_for_status()
    return {"Cookie": f"threadline_session={_cookie(r)}"}


def _cookie(r: httpx.Response) -> str:
    for c in r.headers.get_list("set-cookie"):
        name, _, rest = c.partition("=")
        if name == "threadline_session":
            return rest.split(";", 1)[0]
    raise RuntimeError("no session cookie")


async def load(
    base: str,
    pages: list[str],
    clients: int,
    rounds: int,
    team: list[Analyst] | None = None,
    searches: list[str] | None = None,
) -> dict[str, list[float]]:
    """Each client requests every page once per round, signed in as its analyst (if any).

    ``{person}`` cycles over the analyst's profiles, ``{country}`` is its country and
    ``{search}`` cycles over search queries.
    """
    timings: dict[str, list[float]] = {p: [] for p in pages}
    errors: list[str] = []

    async def client(i: int) -> None:
        who = team[i] if team else None
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            headers = await sign_in(http, who.name) if who else {}
            for r in range(rounds):
                for k in range(len(pages)):
                    page = pages[(k + i + r) % len(pages)]  # clients start at different pages
                    fill: dict[str, str] = {}
                    if who:
                        fill["person"] = who.persons[(i * rounds + r) % len(who.persons)]
                        fill["country"] = who.country
                    if searches:
                        q = searches[(i * rounds + r) % len(searches)]
                        fill["search"] = urllib.parse.quote(q)
                    path = page.format(**fill) if "{" in page else page
                    t0 = time.perf_counter()
                    resp = await http.get(path, headers=headers)
                    timings[page].append((time.perf_counter() - t0) * 1000)
                    if resp.status_code != 200:
                        errors.append(f"{path}: {resp.status_code}")

    await asyncio.gather(*(client(i) for i in range(clients)))
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return timings


FIRST_VISITS = ("/persons/{person}", "/persons/{person}/timeline", "/api/persons/{person}/links")


async def first_visits(base: str, team: list[Analyst]) -> dict[str, list[float]]:
    """Each profile of each agency opened for the first time, shared out among its clients.

    The profile page, its paged timeline and its ego links, timed: what an analyst waits
    for on a person nobody has opened since the last merge.
    """
    timings: dict[str, list[float]] = {p: [] for p in FIRST_VISITS}
    crews: dict[str, list[int]] = {}
    for i, who in enumerate(team):
        crews.setdefault(who.country, []).append(i)

    async def client(i: int) -> None:
        who = team[i]
        crew = crews[who.country]
        mine = who.persons[crew.index(i) :: len(crew)]
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            headers = await sign_in(http, who.name)
            for person in mine:
                for page in FIRST_VISITS:
                    t0 = time.perf_counter()
                    resp = await http.get(page.format(person=person), headers=headers)
                    timings[page].append((time.perf_counter() - t0) * 1000)
                    resp.raise_for_status()

    await asyncio.gather(*(client(i) for i in range(len(team))))
    return timings


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


@contextmanager
def serving(case_dir: Path) -> Iterator[str]:
    """``threadline serve`` on a free loopback port until the block ends; yields its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "threadline.cli", "serve", str(case_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("threadline serve did not start")
            time.sleep(0.3)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


def graph_draw(case_dir: Path, user: str, person: str, network: str, levers: bool = False) -> None:
    """The ego view's 500-person draw and the network page in Chromium (``bench/web_graph.py``)."""
    from bench import web_graph

    login = (user, PASSWORD)
    with serving(case_dir) as base:
        web_graph.graph_draw(base, person, login)
        web_graph.network_draw(base, network, login)
        if levers:
            web_graph.levers(base, person, login)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument(
        "--agencies", type=int, default=4, help="the clients' countries: those with most targets"
    )
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--fixture", action="store_true", help="skip the synthetic medium case")
    ap.add_argument("--case", type=Path, help="benchmark this existing case")
    ap.add_argument("--graph-only", action="store_true", help="only the graph draw time")
    ap.add_argument("--graph-levers", action="store_true", help="and each style lever's cost")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.case:
        case_dir, what = args.case, f"case {args.case}"
    else:
        made = None if args.fixture else build_medium(OUT)
        case_dir, what = made or build_fixture(OUT)
    team, network, users = prepare_users(case_dir, args.clients, args.agencies)
    print(f"case: {what}\nusers: {users}; network {network}")
    searches = search_queries(case_dir, args.clients * args.rounds)
    first = team[0]
    if args.graph_only:
        graph_draw(case_dir, first.name, first.persons[0], network, args.graph_levers)
        return

    with serving(case_dir) as base:
        pages = [
            "/",
            "/networks",
            f"/networks/{network}",
            f"/api/networks/{network}/graph",
            "/targets/{country}",
            "/sessions",
            "/media",
            "/merges",
            "/persons/{person}",
            "/api/persons/{person}",
            # issue 20: search (a person id; phones, handles, payment names and chat words
            # drawn from the case, another per client and round), paged lists, the ego
            # view, the worklist
            "/search?q={person}",
            "/search?q={search}",
            "/sessions?page=3",
            "/api/persons?page=2",
            "/persons/{person}/timeline",
            "/api/persons/{person}/links",
            "/rescue",
        ]
        # One round first: connections open, and each page's first (uncached) read is paid;
        # then every profile the clients will open is opened once, all clients at a time,
        # and those first visits are timed on their own.
        asyncio.run(load(base, pages, args.clients, 1, team, searches[::-1]))
        cold = asyncio.run(first_visits(base, team))
        base_t = asyncio.run(load(base, ["/api/health"], args.clients, args.rounds * 4))
        timings = asyncio.run(load(base, pages, args.clients, args.rounds, team, searches))

    b95 = pct(base_t["/api/health"], 95)
    n = sum(len(v) for v in timings.values())
    print(
        f"\n{args.clients} concurrent clients, {n} page requests "
        f"(+ {len(base_t['/api/health'])} baseline)"
    )
    print(f"persons: {len(first.persons)} target profiles per agency, cycled by its clients")
    print(f"{'page':44} {'p50 ms':>8} {'p95 ms':>8} {'p95/baseline':>13}")
    print(
        f"{'/api/health (baseline)':44} {pct(base_t['/api/health'], 50):8.1f} {b95:8.1f} "
        f"{1.0:13.1f}"
    )
    worst = 0.0
    for page, values in timings.items():
        p95 = pct(values, 95)
        worst = max(worst, p95)
        label = page if len(page) <= 44 else page[:41] + "..."
        print(f"{label:44} {pct(values, 50):8.1f} {p95:8.1f} {p95 / b95:13.1f}")
    every = [v for values in timings.values() for v in values]
    print(
        f"{'all pages':44} {pct(every, 50):8.1f} {pct(every, 95):8.1f} {pct(every, 95) / b95:13.1f}"
    )
    verdict = "meets" if worst <= GOAL_P95_MS else "misses"
    print(f"\nworst page p95 {worst:.0f} ms: {verdict} the {GOAL_P95_MS:.0f} ms goal")
    print(f"\nfirst visits (nothing of the person remembered yet), {args.clients} clients at once:")
    for page, values in cold.items():
        print(f"{page:44} {pct(values, 50):8.1f} {pct(values, 95):8.1f}   ({len(values)} persons)")
    graph_draw(case_dir, first.name, first.persons[0], network)


if __name__ == "__main__":
    main()
