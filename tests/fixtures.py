"""The fixture world: small synthetic operations the web and share tests build cases from.

No real data: every name, number and address is invented. One set of helpers writes
canonical CSV files, ingests them through :class:`Case`, analyses them and writes findings
rows as the analysis stages would; two named scenarios use them:

- :func:`build`, the workbench scenario: ``networks`` networks, each with a facilitator
  and a seller in PH and ``buyers`` buyers in each of AU and GB. Buyer ``j = 0`` pays by
  remittance (phone shared with its chat account, so account and payment identity are one
  person); buyer ``j = 1`` only chats, so it is a person of one member. Network 0 carries
  hostile chat text and names (HTML/JS payloads): the workbench must show them as text.
- :func:`build_case`, the share scenario: named :class:`Party` buyers in six countries
  paying two PH facilitators, with a hash-listed victim image that must never be shared.

The scenarios stay apart because the tests count what they hold (persons, targets per
country, entities per export schema): a union of the two would change those counts.
Nothing here is random (every value follows from loop indices), so there is no seed to
record; each builder prints what it built so a failing run shows it.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadline import Case
from threadline.store.engine import Engine

Row = dict[str, Any]
PLATFORM = "chatapp"
AGENCY = {"AU": "AFP", "GB": "NCA", "PH": "PNP"}
# Canonical columns in file order; a scenario writes the subset its rows carry.
COLUMNS = {
    "accounts": (
        *("platform", "account_id", "display_name", "email", "phone", "created_at"),
        *("registration_ip", "country"),
    ),
    "messages": (
        *("platform", "message_id", "sent_at", "sender", "recipient", "text"),
        *("conversation_id", "attachment_sha256"),
    ),
    "payments": (
        *("provider", "transaction_id", "sent_at", "sender_name", "receiver_name", "amount"),
        *("currency", "sender_account", "sender_phone", "sender_country", "receiver_account"),
        *("receiver_phone", "receiver_country", "receiver_city", "narrative"),
    ),
    "logins": ("platform", "account_id", "at", "ip", "user_agent", "device_id", "port"),
    "locations": ("subject_type", "subject", "at", "lat", "lon", "accuracy_m", "source_note"),
    "media": ("path", "sha256", "md5", "size", "found_on", "created_at"),
    "hashlist": ("md5", "category", "series", "victim_identified", "list_name"),
}
FINDINGS = ("person_roles", "networks", "network_members", "sessions", "targets", "rescue")


@dataclass(frozen=True)
class Party:
    """One invented person with every selector they show."""

    handle: str
    name: str
    country: str
    phone: str = ""
    email: str = ""
    device: str = ""
    pay_account: str = ""
    platform: str = PLATFORM

    @property
    def raw_values(self) -> tuple[str, ...]:
        """Every raw identifying value (what must not leak)."""
        return (self.handle, self.name, self.phone, self.email, self.device, self.pay_account)


# ---- canonical files, ingest and findings rows: shared by both scenarios ----


def write_csv(path: Path, kind: str, rows: list[Row]) -> Path:
    """One canonical CSV file of ``kind``, its columns in the canonical order."""
    present = {name for r in rows for name in r}
    names = [name for name in COLUMNS[kind] if name in present]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_files(folder: Path, rows: dict[str, list[Row]]) -> dict[str, Path]:
    """``folder/<kind>.csv`` for each kind, in the order given (the order of ingest)."""
    return {kind: write_csv(folder / f"{kind}.csv", kind, r) for kind, r in rows.items()}


def ingest(path: Path, files: dict[str, Path], *, agency: str, format: str | None = None) -> Case:
    """A new case at ``path`` holding ``files`` (kind -> file), analysed; left open."""
    case = Case.init(path)
    for kind, f in files.items():
        case.ingest(kind, [f], agency=agency, seizure="EX-1", format=format)
    case.analyze()
    return case


def row(kind: str, *values: Any, **named: Any) -> Row:
    """A row of ``kind``: ``values`` fill its first canonical columns, ``named`` any others."""
    if len(values) > len(COLUMNS[kind]):
        raise ValueError(f"{kind} has {len(COLUMNS[kind])} columns, not {len(values)}")
    return dict(zip(COLUMNS[kind], values, strict=False)) | named


def account_row(p: Party, display_name: str, created_at: str, ip: str) -> Row:
    return row(
        "accounts", p.platform, p.handle, display_name, p.email, p.phone, created_at, ip, p.country
    )


def message_row(
    mid: str, at: str, sender: Party, to: Party, text: str, conversation: str, **extra: Any
) -> Row:
    return row(
        "messages", sender.platform, mid, at, sender.handle, to.handle, text, conversation, **extra
    )


def payment_row(tid: str, at: str, payer: Party, payee: Party, amount: str, **extra: Any) -> Row:
    """A transfer; ``extra`` gives currency, narrative and the scenario's own columns."""
    return row(
        "payments",
        "remitco",
        tid,
        at,
        payer.name,
        payee.name,
        amount,
        sender_phone=payer.phone,
        sender_country=payer.country,
        receiver_account=payee.pay_account,
        receiver_phone=payee.phone,
        receiver_country=payee.country,
        **extra,
    )


def login_row(p: Party, at: str, ip: str, **extra: Any) -> Row:
    return row("logins", p.platform, p.handle, at, ip, device_id=p.device, **extra)


def insert(e: Engine, table: str, *values: Any) -> None:
    """One findings row, as the analysis stage that owns ``table`` would write it."""
    e.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(values))})", list(values))


def clear_findings(e: Engine) -> None:
    """The fixture's findings replace whatever the analysis found in its tiny case."""
    for table in FINDINGS:
        e.execute(f"DELETE FROM {table}")


def add_session(
    e: Engine, sid: str, buyer: tuple[str, str], seller: tuple[str, str], *facts: Any
) -> None:
    """A paid session; buyer and seller as (handle, person id); then ``facts`` in table order:
    start, end, payment ids, login IPs, confidence and evidence."""
    insert(e, "sessions", sid, PLATFORM, buyer[0], PLATFORM, seller[0], buyer[1], seller[1], *facts)


def add_rescue(e: Engine, person: str, lat: float, lon: float, at: str, evidence: str) -> None:
    """A rescue lead in Cebu, 500 m across."""
    insert(e, "rescue", person, lat, lon, 500, "PH", "Cebu", at, 0.9, evidence)


def evidence(case: Case, table: str, where: str = "true", params: Sequence[Any] = ()) -> Row:
    """A pointer to the first source row of ``table`` matching ``where``."""
    sha, row = case.engine.query(
        f'SELECT s.sha256, t."row" FROM {table} t JOIN sources s USING (source_id) '
        f"WHERE {where} LIMIT 1",
        list(params),
    )[0]
    return {"source_sha256": sha, "row": int(row), "table": table}


def pid(case: Case, party: Party) -> str:
    return str(case.person(f"{party.platform}:{party.handle}")["person_id"])


def account_persons(case: Case) -> dict[str, str]:
    """Account handle -> person id, for every account in the case."""
    rows = case.engine.query(
        "SELECT member_key, person_id FROM person_members WHERE member_type = 'account'"
    )
    return {str(key).split(":", 1)[1]: str(person) for key, person in rows}


# ---- the workbench scenario ----

PAYLOADS = (
    "<script>window.__pwned = 1</script>",
    '"><img src=x onerror="window.__pwned = 2">',
    '<svg onload="window.__pwned = 3"></svg>',
    "{{ 7 * 7 }} {% raw %}",
    '<a href="javascript:window.__pwned = 4">click</a>',
)
HOSTILE_NAME = '<img src=x onerror="window.__pwned = 5">Mal'
SURNAMES = ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Torres", "Flores")
CITIES = ("Cebu", "Manila", "Davao", "Iloilo", "Bacolod", "Tacloban", "Baguio", "Dumaguete")
DIAL = {"AU": "+6141", "GB": "+4477"}
SESSION_TIMES = ("2020-01-01 10:00", "2020-01-01 10:40")
SEEN_AT = ("2020-03-01T00:00:00Z", "10.3157", "123.8854", "50", "device extraction")
MEDIA_FOUND_ON = {"seller": "chatapp:sel0", "AU": "chatapp:au0_1", "GB": "chatapp:gb0_1"}


@dataclass
class Built:
    path: Path
    persons: dict[str, str] = field(default_factory=dict)  # account handle -> person id
    networks: list[str] = field(default_factory=list)
    media: dict[str, str] = field(default_factory=dict)  # label -> sha256
    evidence: dict[str, tuple[str, int]] = field(default_factory=dict)  # label -> (sha, row)
    merge_pair: tuple[str, str] = ("", "")


def _png(path: Path, pattern: int) -> str:
    from PIL import Image

    img = Image.new("RGB", (64, 64))
    img.putdata(
        [
            ((x * 4 + pattern * 40) % 256, (y * 4) % 256, (pattern * 90) % 256)
            for y in range(64)
            for x in range(64)
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _buyer(i: int, cc: str, j: int) -> Party:
    """Buyer ``j`` of network ``i`` in ``cc``; buyer 1 has no phone, so makes no payment."""
    h = f"{cc.lower()}{i}_{j}"
    phone = f"{DIAL[cc]}{i:03d}{j:04d}" if j != 1 else ""
    return Party(h, f"Buyer {h}", cc, phone, f"{h}@mail.test", f"dev-{h}")


def build(out: Path, networks: int = 2, buyers: int = 2, messages: int = 4) -> Built:
    """Write the source files, ingest them, resolve persons and fill the findings tables."""
    print(f"fixture world (workbench): {networks=} {buyers=} {messages=}, no randomness")
    src = out / "sources"
    b = Built(out / "case")
    kinds = ("accounts", "messages", "payments", "logins", "locations", "media")
    rows: dict[str, list[Row]] = {kind: [] for kind in kinds}
    made = "2020-01-01T00:00:00Z"  # every image's creation time
    for i in range(networks):
        fac = Party(f"fac{i}", HOSTILE_NAME if i == 0 else f"Fac {i}", "PH", f"+6391755{i:05d}")
        sel = Party(f"sel{i}", f"Seller {i}", "PH", f"+6391866{i:05d}")
        rows["accounts"] += [
            account_row(fac, fac.name, "2019-01-01T00:00:00Z", f"112.198.{i % 250}.1"),
            account_row(sel, sel.name, "2019-01-01T00:00:00Z", f"112.199.{i % 250}.2"),
        ]
        rows["locations"].append(row("locations", "account", f"{PLATFORM}:{fac.handle}", *SEEN_AT))
        terms = {"currency": "GBP", "narrative": "gift", "receiver_city": CITIES[i % 8]}
        for cc, j in itertools.product(("AU", "GB"), range(buyers)):
            buyer = _buyer(i, cc, j)
            ip = f"81.{2 + (cc == 'GB')}.{i % 250}.{1 + j % 250}"
            rows["accounts"].append(account_row(buyer, buyer.name, "2019-06-01T00:00:00Z", ip))
            for k in range(messages):
                text = PAYLOADS[k % len(PAYLOADS)] if i == 0 else f"[REQUEST] {k}"
                pair = (buyer, sel) if k % 2 == 0 else (sel, buyer)
                at = f"2020-0{1 + k % 9}-0{1 + j % 9}T1{k % 10}:00:00Z"
                rows["messages"].append(
                    message_row(f"m-{buyer.handle}-{k}", at, *pair, text, f"c-{buyer.handle}")
                )
            rows["logins"].append(
                login_row(buyer, "2020-01-01T10:00:00Z", ip, user_agent="UA", port="443")
            )
            if buyer.phone:
                payee = Party("", f"Maria {SURNAMES[i % 8]} {i}", "PH", fac.phone)
                tid, at = f"T-{buyer.handle}", "2020-01-01T09:00:00Z"
                rows["payments"].append(payment_row(tid, at, buyer, payee, "35.00", **terms))
        # The same facilitator written another way on another transfer: a merge to review.
        alias, at = Party("", f"Ma. {SURNAMES[i % 8]} {i}", "PH"), "2020-02-01T09:00:00Z"
        rows["payments"].append(
            payment_row(f"T-alt-{i}", at, _buyer(i, "AU", 0), alias, "40.00", **terms)
        )
        path = src / "media" / f"seller{i}.png"
        sha = _png(path, i)
        b.media.setdefault("seller", sha)
        rows["media"].append(
            row("media", str(path), sha, "", 100, f"{PLATFORM}:{sel.handle}", made)
        )
    for cc, pattern in (("AU", 7), ("GB", 8)):
        path = src / "media" / f"buyer-{cc}.png"
        b.media[cc] = _png(path, pattern)
        rows["media"].append(
            row("media", str(path), b.media[cc], "", 100, MEDIA_FOUND_ON[cc], made)
        )
    with ingest(b.path, write_files(src, rows), agency=AGENCY["PH"], format="csv") as case:
        _web_findings(case, b, networks, buyers)
    return b


def _web_findings(case: Case, b: Built, networks: int, buyers: int) -> None:
    e = case.engine
    b.persons.update(account_persons(case))
    for label, table, key, value in (
        ("message", "messages", "message_id", "m-au0_0-0"),
        ("account_AU", "accounts", "account_id", "au0_1"),
        ("account_GB", "accounts", "account_id", "gb0_1"),
    ):
        x = evidence(case, table, f"{key} = ?", [value])
        b.evidence[label] = (x["source_sha256"], x["row"])
    with e.transaction():
        clear_findings(e)
        e.execute("""CREATE TABLE IF NOT EXISTS media_matches (sha256 VARCHAR, path VARCHAR,
                     "match" VARCHAR, distance INTEGER, list_name VARCHAR, category VARCHAR,
                     series_id VARCHAR, found_on VARCHAR)""")
        e.execute("DELETE FROM media_matches")
        rank = {"AU": 0, "GB": 0, "PH": 0}
        for i in range(networks):
            nid = f"N{i:03d}"
            b.networks.append(nid)
            fac, sel = b.persons[f"fac{i}"], b.persons[f"sel{i}"]
            members = [(fac, "facilitator", 1.0), (sel, "seller", 0.8)]
            members += [
                (b.persons[f"{cc.lower()}{i}_{j}"], "buyer", 0.1 + 0.1 * j)
                for cc, j in itertools.product(("AU", "GB"), range(buyers))
            ]
            for person, role, centrality in members:
                insert(e, "network_members", nid, person, role, centrality, False)
                signals = json.dumps([{"signal": f"{role}_pattern", "weight": 0.9}])
                sent = json.dumps([evidence(case, "messages", "sender = ?", [f"sel{i}"])])
                insert(e, "person_roles", person, role, 0.95, signals, sent, False)
            summary = "<b>not bold</b> facilitator in Cebu" if i == 0 else f"network {i}"
            size, span = len(members), ("2020-01-01", "2020-09-01")
            insert(e, "networks", nid, size, 2, size - 2, *span, summary)
            for person, role, _ in members:
                handle = next(h for h, p in b.persons.items() if p == person)
                cc = "PH" if role != "buyer" else handle[:2].upper()
                rank[cc] += 1
                table, where = (
                    ("messages", "sender = ? OR recipient = ?")
                    if role != "facilitator"
                    else ("accounts", "account_id = ? OR account_id = ?")
                )
                signal = "paid_session" if role == "buyer" else "sells_sessions"
                seen = [evidence(case, table, where, [handle, handle])]
                reasons = [{"signal": signal, "weight": 0.6, "evidence": seen}]
                if handle.endswith("_0"):
                    seen = [evidence(case, "payments", "transaction_id = ?", [f"T-{handle}"])]
                    reasons.append(
                        {"signal": "payment_to_facilitator", "weight": 0.4, "evidence": seen}
                    )
                score = 0.9 - 0.001 * rank[cc]
                # priority, confidence, country_rank (issue 19) follow the older columns
                insert(
                    e,
                    "targets",
                    person,
                    rank[cc],
                    score,
                    role,
                    cc,
                    json.dumps(reasons),
                    10 * score,
                    score,
                    rank[cc],
                )
                if role == "buyer":
                    logins = json.dumps([evidence(case, "logins", "account_id = ?", [handle])])
                    paid = ([f"T-{handle}"], ["81.2.69.160"], 0.9, logins)
                    who = ((handle, person), (f"sel{i}", sel))
                    add_session(e, f"S-{handle}", *who, *SESSION_TIMES, *paid)
            place = json.dumps([evidence(case, "locations")])
            add_rescue(e, fac, 10.32, 123.89, "2020-09-01", place)
        for label, sha in b.media.items():
            e.execute(
                'INSERT INTO media_matches (sha256, path, "match", distance, list_name, '
                "category, series_id, found_on) VALUES (?, NULL, 'sha256', 0, "
                "'synthetic-list', 'synthetic', 'series-x', ?)",
                [sha, MEDIA_FOUND_ON[label]],
            )
        # A record-linkage merge for the review page (as Splink would have proposed it).
        a, c = (
            str(x)
            for x in e.query(
                "SELECT min(identity_key), max(identity_key) FROM "
                "payment_identities WHERE name LIKE '%Santos 0'"
            )[0]
        )
        insert(e, "person_links", a, c, "splink", 0.91, "name", None)
        from threadline.resolve.persons import recompute_members

        recompute_members(e)
    b.merge_pair = (a, c)
    b.persons = account_persons(case)


# ---- the share scenario ----

# A hash-list series label that would identify a victim if it ever left the case.
VICTIM_SERIES = "series-victim-marisol"
MEDIA_PATH = "DCIM/victim_marisol_01.jpg"
MEDIA_SHA256 = "a" * 64
MEDIA_MD5 = "b" * 32
CHAT_TEXT = "[REQUEST] marisol"  # chat text: must never reach a package

SELLERS = (
    Party("ana_cebu", "Ana Santos", "PH", "+639175550199", "ana.s@mail.test", "dev-ph-1", "W-9001"),
    Party("rosa_dvo", "Rosa Cruz", "PH", "+639185550123", "rosa.c@mail.test", "dev-ph-2", "W-9002"),
)
BUYERS = (
    Party("tom_b", "Tom Bright", "GB", "+447400123456", "tom.b@mail.test", "dev-gb-1", "A-1001"),
    Party("joe_u", "Joe Upton", "US", "+12025550143", "joe.u@mail.test", "dev-us-1", "A-1002"),
    Party("sam_k", "Sam Kettle", "GB", "+447400654321", "sam.k@mail.test", "dev-gb-2", "A-1003"),
    Party("kev_a", "Kev Arden", "AU", "+61412345678", "kev.a@mail.test", "dev-au-1", "A-1004"),
    Party("max_d", "Max Decker", "DE", "+4915112345678", "max.d@mail.test", "dev-de-1", "A-1005"),
    Party("leo_f", "Leo Favre", "FR", "+33612345678", "leo.f@mail.test", "dev-fr-1", "A-1006"),
)


def seller_of(i: int) -> Party:
    return SELLERS[i % len(SELLERS)]


def _sellers(buyers: list[tuple[int, Party]]) -> list[Party]:
    return sorted({seller_of(i) for i, _ in buyers}, key=lambda p: p.handle)


def build_case(path: Path, buyers: list[tuple[int, Party]], *, agency: str = "AG") -> Case:
    """A resolved case holding these buyers (index, party), their facilitators and findings."""
    print(f"fixture world (share): {[b.handle for _, b in buyers]} at {agency}, no randomness")
    parties = [*_sellers(buyers), *(b for _, b in buyers)]
    created, ip = "2019-03-01T10:00:00Z", "203.0.113.7"
    rows: dict[str, list[Row]] = {
        "accounts": [account_row(p, p.name.split()[0], created, ip) for p in parties],
        "messages": [],
        "payments": [],
        "logins": [],
    }
    for i, b in buyers:
        s = seller_of(i)
        terms = {
            "currency": "USD",
            "narrative": "for milk marisol",
            "sender_account": b.pay_account,
        }
        for k in range(2):
            day = f"2020-0{k + 1}-{10 + i:02d}"
            at, attach = f"{day}T02:00:00Z", MEDIA_SHA256 if k == 0 else ""
            rows["messages"] += [
                message_row(
                    f"m-{i}-{k}a", at, b, s, "[REQUEST]", f"c-{b.handle}", attachment_sha256=""
                ),
                message_row(
                    f"m-{i}-{k}b", at, s, b, CHAT_TEXT, f"c-{s.handle}", attachment_sha256=attach
                ),
            ]
            tid, at = f"T-{1000 + 10 * i + k}", f"{day}T02:30:00Z"
            rows["payments"].append(payment_row(tid, at, b, s, "35.00", **terms))
            rows["logins"].append(login_row(b, f"{day}T01:55:00Z", f"198.51.100.{10 + i}"))
    found_on = f"{PLATFORM}:{SELLERS[0].handle}"
    rows["media"] = [row("media", MEDIA_PATH, MEDIA_SHA256, MEDIA_MD5, 2048, found_on)]
    rows["hashlist"] = [row("hashlist", MEDIA_MD5, "1", VICTIM_SERIES, "true", "demo-list")]
    case = ingest(path, write_files(path.parent / f"{path.name}-src", rows), agency=agency)
    _share_findings(case, buyers)
    return case


def _share_findings(case: Case, buyers: list[tuple[int, Party]]) -> None:
    """Roles, networks, sessions, targets and rescue rows as the analysis stages write them."""
    e = case.engine
    sellers = _sellers(buyers)

    def reasons(paid: Party) -> str:
        """Reasons as the score stage writes them: free text that names the payee."""
        note = f"35.00 USD to {paid.name}, {CHAT_TEXT}"
        return json.dumps(
            [
                {
                    "signal": "paid_session",
                    "weight": 0.6,
                    "description": f"paid {paid.name} ({paid.phone}) for sessions",
                    "source": "AUSTRAC 2019 financial indicators",
                    "evidence": [{**evidence(case, "payments"), "row": 1, "note": note}],
                }
            ]
        )

    with e.transaction():
        clear_findings(e)
        for n, s in enumerate(sellers):
            sp, net = pid(case, s), f"N{n + 1}"
            size = len([b for i, b in buyers if seller_of(i) == s])
            summary = f"facilitator with {size} buyers"
            insert(e, "person_roles", sp, "facilitator", 0.9, "[]", "[]", False)
            insert(e, "networks", net, size + 1, 1, size, "2020-01-01", "2020-03-01", summary)
            insert(e, "network_members", net, sp, "facilitator", 1.0, False)
            insert(
                e,
                "targets",
                sp,
                n + 1,
                0.95,
                "facilitator",
                s.country,
                reasons(s),
                9.5,
                0.95,
                n + 1,
            )
            seen = [{"source_sha256": evidence(case, "messages")["source_sha256"], "row": 2}]
            add_rescue(e, sp, 10.3157, 123.8854, "2020-02-20", json.dumps(seen))
        for rank, (i, b) in enumerate(buyers, start=len(sellers) + 1):
            s = seller_of(i)
            bp, sp, net = pid(case, b), pid(case, s), f"N{sellers.index(s) + 1}"
            day = f"2020-01-{10 + i:02d}"
            insert(e, "person_roles", bp, "buyer", 0.9, "[]", "[]", False)
            insert(e, "network_members", net, bp, "buyer", 0.5, False)
            conf = 0.9 - rank / 100
            insert(
                e, "targets", bp, rank, conf, "buyer", b.country, reasons(s), 10 * conf, conf, rank
            )
            when = (f"{day} 02:00:00", f"{day} 02:40:00")
            paid = ([f"T-{1000 + 10 * i}"], [f"198.51.100.{10 + i}"], 0.85, "[]")
            add_session(e, f"S-{100 + i}", (b.handle, bp), (s.handle, sp), *when, *paid)
