"""The access matrix over data: every user walks every stored row and every finding.

For each role of each agency of the two-agency fixture (AU/AFP, GB/NCA), every evidence
row of every source, every person, session, network and media item is read through the
API, and no response may carry anything of a person the user may not see: their handles,
names, phones, e-mails, devices, payment names and accounts, nor anything of a record they
are a party to (transaction and message ids, record ids, login addresses, texts, amounts
and times). The restricted values are collected from the case itself, not from the code
under test: a person is visible to a country when their role is a seller, facilitator or
mule, or when the country is one of their jurisdictions (``targets.country``, else the
countries of their accounts and payment identities) — the default policy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fixtures import AGENCY, Built
from tests.web.conftest import Client, LiveServer, copy_case, fake_package
from threadline.resolve.sql import account_key, identity_key_sql
from threadline.store.engine import Engine

ROLES = ("admin", "analyst", "reviewer")
EVIDENCE_LINK = re.compile(r"/evidence/([0-9a-f]{64})/(\d+)")
COUNTRIES = ("AU", "GB")
SEEN_BY_ALL = ("seller", "facilitator", "mule")
# Each table's parties: SQL giving the member key of each party of a stored record.
PARTIES = {
    "messages": (account_key("platform", "sender"), account_key("platform", "recipient")),
    "payments": (identity_key_sql("sender"), identity_key_sql("receiver")),
    "accounts": (account_key("platform", "account_id"),),
    "logins": (account_key("platform", "account_id"),),
    "locations": ("lower(trim(subject))",),
    "media": ("lower(trim(found_on))",),
}
# Columns of a restricted record whose values must never reach the viewer.
SECRET = {
    "messages": ("message_id", "sender", "recipient", "text", "sent_at", "record_id"),
    "payments": (
        *("transaction_id", "sender_name", "receiver_name", "sender_phone", "receiver_phone"),
        *("sender_account", "receiver_account", "sent_at", "record_id"),
    ),
    "accounts": ("account_id", "display_name", "email", "phone", "registration_ip", "record_id"),
    "logins": ("account_id", "ip", "device_id", "record_id"),
    "locations": ("subject", "record_id"),
    "media": ("found_on", "path", "record_id"),
}


@dataclass(frozen=True)
class StoredRow:
    """One row of one source file and the stored records that came from it."""

    sha: str
    row: int
    agency: str
    # (table, record id, member keys of its parties, secret values)
    records: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]


def _persons(e: Engine) -> dict[str, tuple[str, set[str]]]:
    """person -> (role, jurisdictions), computed from the case as the policy describes."""
    rows = e.query(
        f"""WITH mc AS (
              SELECT m.person_id, a.country FROM person_members m
              JOIN accounts a ON m.member_key = {account_key("a.platform", "a.account_id")}
              UNION SELECT m.person_id, i.country FROM person_members m
              JOIN payment_identities i ON i.identity_key = m.member_key)
            SELECT p.person_id,
                   (SELECT any_value(role) FROM person_roles r WHERE r.person_id = p.person_id),
                   (SELECT list(DISTINCT country) FROM targets t
                    WHERE t.person_id = p.person_id AND country IS NOT NULL),
                   (SELECT list(DISTINCT country) FROM mc WHERE mc.person_id = p.person_id
                    AND country IS NOT NULL)
            FROM (SELECT DISTINCT person_id FROM person_members) p"""
    )
    return {str(p): (str(r or "other"), set(t or f or [])) for p, r, t, f in rows}


def _stored_rows(e: Engine) -> list[StoredRow]:
    out: dict[tuple[str, int], list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]] = {}
    agency: dict[str, str] = {}
    for table, parties in PARTIES.items():
        cols = ", ".join(f"CAST(t.{c} AS VARCHAR)" for c in SECRET[table])
        keys = ", ".join(parties)
        found = e.query(
            f"""SELECT s.sha256, t."row", s.agency, t.record_id, [{keys}], [{cols}]
                FROM {table} t JOIN sources s USING (source_id)"""
        )
        for sha, row, ag, rid, ks, values in found:
            agency[str(sha)] = str(ag)
            record = (table, str(rid), tuple(str(k) for k in ks if k), tuple(_values(values)))
            out.setdefault((str(sha), int(row)), []).append(record)
    return [StoredRow(s, r, agency[s], tuple(recs)) for (s, r), recs in sorted(out.items())]


def _values(values: list[object]) -> Iterator[str]:
    for v in values:
        if v is None or len(str(v)) < 4:
            continue
        yield str(v)
        if " " in str(v) and ":" in str(v):  # a time: JSON shows it as ISO 8601
            yield str(v).replace(" ", "T")


def _identities(e: Engine) -> dict[str, set[str]]:
    """person -> every identifying value of their members (handles, names, phones, ...)."""
    found = e.query(
        f"""SELECT m.person_id, [a.account_id, a.display_name, a.email, a.phone,
                   a.registration_ip, i.name, i.account, i.phone]
            FROM person_members m
            LEFT JOIN accounts a ON m.member_key = {account_key("a.platform", "a.account_id")}
            LEFT JOIN payment_identities i ON i.identity_key = m.member_key"""
    )
    out: dict[str, set[str]] = {}
    for p, values in found:
        out.setdefault(str(p), set()).update(str(v) for v in values if v and len(str(v)) >= 4)
    return out


class Oracle:
    """What one country's users may not see, from the case's own rows."""

    def __init__(self, e: Engine, country: str) -> None:
        persons = _persons(e)
        member_of = {
            str(k): str(p) for k, p in e.query("SELECT member_key, person_id FROM person_members")
        }
        self.hidden = {
            p for p, (role, cs) in persons.items() if role not in SEEN_BY_ALL and country not in cs
        }
        self.agency = AGENCY[country]
        self.rows = _stored_rows(e)
        ident = _identities(e)
        secret: set[str] = set()
        shown: set[str] = set()
        for p, values in ident.items():
            (secret if p in self.hidden else shown).update(values)
        self.restricted: set[tuple[str, int, str]] = set()
        for sr in self.rows:
            for _table, rid, keys, values in sr.records:
                owners = {member_of.get(k) for k in keys}
                if sr.agency != self.agency and owners & self.hidden:
                    self.restricted.add((sr.sha, sr.row, rid))
                    secret.update(values)
                else:
                    shown.update(values)
        # A value also held by a visible record or person (a shared text, a common amount)
        # cannot be told apart in a response: the per-record check below covers those.
        self.tokens = sorted(secret - shown)
        self.record_values = {
            (sr.sha, sr.row, rid): set(values)
            for sr in self.rows
            for _, rid, _, values in sr.records
        }

    def closed_rows(self) -> set[tuple[str, int]]:
        """The rows every record of which is restricted: the user may not open them."""
        return {
            (sr.sha, sr.row)
            for sr in self.rows
            if all((sr.sha, sr.row, rid) in self.restricted for _, rid, _, _ in sr.records)
        }

    def leaks(self, body: str) -> list[str]:
        """The restricted values found in a response body."""
        return [t for t in self.tokens if t in body]


@pytest.fixture(scope="module")
def data_server(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    case = copy_case(built, tmp_path_factory.mktemp("data-matrix") / "case")
    with LiveServer(case, package_builder=fake_package) as s:
        yield s


def _paths(e: Engine, built: Built) -> list[str]:
    persons = [str(p) for (p,) in e.query("SELECT DISTINCT person_id FROM person_members")]
    media = [
        str(s) for (s,) in e.query("SELECT DISTINCT sha256 FROM media WHERE sha256 IS NOT NULL")
    ]
    nets = [str(n) for (n,) in e.query("SELECT network_id FROM networks")]
    return [
        "/api/dashboard",
        "/api/networks",
        "/api/sessions",
        "/api/media",
        "/api/merges",
        "/api/packages",
        *(f"/api/targets/{cc}" for cc in ("AU", "GB", "PH")),
        *(f"/api/networks/{n}/graph" for n in nets),
        *(f"/api/persons/{p}" for p in sorted(persons)),
        *(f"/api/media/{m}" for m in sorted(media)),
        # The paged lists, whole (a page of 1000) and as CSV, and every person's timeline.
        *(f"/api/{x}?size=1000" for x in ("sessions", "media", "persons", "quarantine")),
        *(f"/api/{x}?format=csv" for x in ("sessions", "media", "persons", "quarantine")),
        *(f"/api/targets/{cc}?format=csv" for cc in ("AU", "GB", "PH")),
        *(f"/api/persons/{p}/timeline?size=1000" for p in sorted(persons)),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("country", COUNTRIES)
def test_no_restricted_value_in_any_response(
    data_server: LiveServer, built: Built, country: str, role: str
) -> None:
    e = data_server.case.engine
    oracle = Oracle(e, country)
    assert oracle.hidden, "the fixture must hold persons restricted to this country"
    assert oracle.restricted, "the fixture must hold records restricted to this country"
    c = Client(data_server.url)
    assert c.login(f"{country.lower()}_{role}").status_code == 200
    failures: list[str] = []
    for sr in oracle.rows:
        r = c.get(f"/api/evidence/{sr.sha}/{sr.row}")
        assert r.status_code in (200, 403, 404), (sr, r.status_code)
        body = r.text
        if found := oracle.leaks(body):
            failures.append(f"evidence {sr.sha[:8]}/{sr.row}: {found[:4]}")
        for _, rid, _, _ in sr.records:
            if (sr.sha, sr.row, rid) in oracle.restricted:
                shown = [v for v in oracle.record_values[sr.sha, sr.row, rid] if v in body]
                if shown:
                    failures.append(f"evidence {sr.sha[:8]}/{sr.row} record {rid[:8]}: {shown[:4]}")
    closed = oracle.closed_rows()
    for path in _paths(e, built):
        r = c.get(path)
        assert r.status_code in (200, 403, 404), (path, r.status_code)
        if found := oracle.leaks(r.text):
            failures.append(f"{path}: {found[:4]}")
        links = {(s, int(n)) for s, n in EVIDENCE_LINK.findall(r.text)}
        if dead := sorted(links & closed):  # never a link to a row the user may not open
            failures.append(f"{path}: links to restricted rows {dead[:3]}")
    # Search for every restricted value: no hit may carry any other one (the query itself is
    # echoed back, so it is taken out of the answer first).
    for token in oracle.tokens:
        r = c.get("/api/search", params={"q": token[:200]})
        if len(token.strip()) < 2:
            continue
        assert r.status_code == 200, (token, r.text)
        body = json.dumps(r.json()["groups"]).replace(json.dumps(token)[1:-1], "")
        if found := oracle.leaks(body):
            failures.append(f"search {token!r}: {found[:4]}")
        links = {(s, int(n)) for s, n in EVIDENCE_LINK.findall(body)}
        if dead := sorted(links & closed):
            failures.append(f"search {token!r}: links to restricted rows {dead[:3]}")
    c.close()
    assert not failures, f"{len(failures)} responses leak:\n" + "\n".join(failures[:40])
