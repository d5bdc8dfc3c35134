"""A small synthetic operation for the workbench's tests and benchmark (no real data).

Each network has a facilitator and a seller in PH and buyers in AU and GB. Buyer ``j = 0``
pays by remittance (phone shared with its chat account, so account and payment identity are
one person); buyer ``j = 1`` only chats, so it is a person of one member. Network 0 carries
hostile chat text and names (HTML/JS payloads): the workbench must show them as text.
Findings tables are filled directly, as the analysis stages would.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadline import Case

PAYLOADS = (
    "<script>window.__pwned = 1</script>",
    '"><img src=x onerror="window.__pwned = 2">',
    '<svg onload="window.__pwned = 3"></svg>',
    "{{ 7 * 7 }} {% raw %}",
    '<a href="javascript:window.__pwned = 4">click</a>',
)
HOSTILE_NAME = '<img src=x onerror="window.__pwned = 5">Mal'
AGENCY = {"PH": "PNP", "AU": "AFP", "GB": "NCA"}
SURNAMES = ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Torres", "Flores")
CITIES = ("Cebu", "Manila", "Davao", "Iloilo", "Bacolod", "Tacloban", "Baguio", "Dumaguete")


@dataclass
class Built:
    path: Path
    persons: dict[str, str] = field(default_factory=dict)  # account handle -> person id
    networks: list[str] = field(default_factory=list)
    media: dict[str, str] = field(default_factory=dict)  # label -> sha256
    evidence: dict[str, tuple[str, int]] = field(default_factory=dict)  # label -> (sha, row)
    merge_pair: tuple[str, str] = ("", "")


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _png(path: Path, seed: int) -> str:
    from PIL import Image

    img = Image.new("RGB", (64, 64))
    img.putdata(
        [
            ((x * 4 + seed * 40) % 256, (y * 4) % 256, (seed * 90) % 256)
            for y in range(64)
            for x in range(64)
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(out: Path, networks: int = 2, buyers: int = 2, messages: int = 4) -> Built:
    """Write the source files, ingest them, resolve persons and fill the findings tables."""
    src = out / "sources"
    b = Built(out / "case")
    accounts, msgs, pays, logins, places, media = [], [], [], [], [], []
    for i in range(networks):
        fac, sel = f"fac{i}", f"sel{i}"
        fac_phone = f"+6391755{i:05d}"
        accounts += [
            [
                "chatapp",
                fac,
                HOSTILE_NAME if i == 0 else f"Fac {i}",
                "",
                fac_phone,
                "2019-01-01T00:00:00Z",
                f"112.198.{i % 250}.1",
                "PH",
            ],
            [
                "chatapp",
                sel,
                f"Seller {i}",
                "",
                f"+6391866{i:05d}",
                "2019-01-01T00:00:00Z",
                f"112.199.{i % 250}.2",
                "PH",
            ],
        ]
        places.append(
            [
                "account",
                f"chatapp:{fac}",
                "2020-03-01T00:00:00Z",
                "10.3157",
                "123.8854",
                "50",
                "device extraction",
            ]
        )
        for cc, dial in (("AU", "+6141"), ("GB", "+4477")):
            for j in range(buyers):
                h = f"{cc.lower()}{i}_{j}"
                phone = f"{dial}{i:03d}{j:04d}" if j != 1 else ""
                ip = f"81.{2 + (cc == 'GB')}.{i % 250}.{1 + j % 250}"
                accounts.append(
                    [
                        "chatapp",
                        h,
                        f"Buyer {h}",
                        f"{h}@mail.test",
                        phone,
                        "2019-06-01T00:00:00Z",
                        ip,
                        cc,
                    ]
                )
                for k in range(messages):
                    text = PAYLOADS[k % len(PAYLOADS)] if i == 0 else f"[REQUEST] {k}"
                    sender, recipient = (h, sel) if k % 2 == 0 else (sel, h)
                    msgs.append(
                        [
                            "chatapp",
                            f"m-{h}-{k}",
                            f"2020-0{1 + k % 9}-0{1 + j % 9}T1{k % 10}:00:00Z",
                            sender,
                            recipient,
                            text,
                            f"c-{h}",
                        ]
                    )
                logins.append(["chatapp", h, "2020-01-01T10:00:00Z", ip, "UA", f"dev-{h}", "443"])
                if phone:
                    pays.append(
                        [
                            "remitco",
                            f"T-{h}",
                            "2020-01-01T09:00:00Z",
                            f"Buyer {h}",
                            f"Maria {SURNAMES[i % 8]} {i}",
                            "35.00",
                            "GBP",
                            phone,
                            cc,
                            "",
                            fac_phone,
                            "PH",
                            CITIES[i % 8],
                            "gift",
                        ]
                    )
        # The same facilitator written another way on another transfer: a merge to review.
        pays.append(
            [
                "remitco",
                f"T-alt-{i}",
                "2020-02-01T09:00:00Z",
                f"Buyer au{i}_0",
                f"Ma. {SURNAMES[i % 8]} {i}",
                "40.00",
                "GBP",
                f"+6141{i:03d}0000",
                "AU",
                "",
                "",
                "PH",
                CITIES[i % 8],
                "gift",
            ]
        )
        sha = _png(src / "media" / f"seller{i}.png", i)
        media.append(
            [
                str(src / "media" / f"seller{i}.png"),
                sha,
                "",
                100,
                f"chatapp:{sel}",
                "2020-01-01T00:00:00Z",
            ]
        )
        b.media.setdefault("seller", sha)
    for cc in ("AU", "GB"):
        p = src / "media" / f"buyer-{cc}.png"
        sha = _png(p, 7 if cc == "AU" else 8)
        media.append([str(p), sha, "", 100, f"chatapp:{cc.lower()}0_1", "2020-01-01T00:00:00Z"])
        b.media[cc] = sha
    files = {
        "accounts": _csv(
            src / "accounts.csv",
            [
                "platform",
                "account_id",
                "display_name",
                "email",
                "phone",
                "created_at",
                "registration_ip",
                "country",
            ],
            accounts,
        ),
        "messages": _csv(
            src / "messages.csv",
            ["platform", "message_id", "sent_at", "sender", "recipient", "text", "conversation_id"],
            msgs,
        ),
        "payments": _csv(
            src / "payments.csv",
            [
                "provider",
                "transaction_id",
                "sent_at",
                "sender_name",
                "receiver_name",
                "amount",
                "currency",
                "sender_phone",
                "sender_country",
                "receiver_account",
                "receiver_phone",
                "receiver_country",
                "receiver_city",
                "narrative",
            ],
            pays,
        ),
        "logins": _csv(
            src / "logins.csv",
            ["platform", "account_id", "at", "ip", "user_agent", "device_id", "port"],
            logins,
        ),
        "locations": _csv(
            src / "locations.csv",
            ["subject_type", "subject", "at", "lat", "lon", "accuracy_m", "source_note"],
            places,
        ),
        "media": _csv(
            src / "media.csv", ["path", "sha256", "md5", "size", "found_on", "created_at"], media
        ),
    }
    with Case.init(b.path) as case:
        for kind, f in files.items():
            case.ingest(kind, [f], agency="PNP", seizure="EX-1", format="csv")
        case.analyze()
        _findings(case, b, networks, buyers)
    return b


def _q(case: Case, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return case.engine.query(sql, params)


def _findings(case: Case, b: Built, networks: int, buyers: int) -> None:
    e = case.engine
    for handle, pid in _q(
        case, "SELECT member_key, person_id FROM person_members WHERE member_type = 'account'"
    ):
        b.persons[str(handle).split(":", 1)[1]] = str(pid)

    def ev(table: str, where: str, params: list[Any]) -> dict[str, Any]:
        sha, row = _q(
            case,
            f'SELECT s.sha256, t."row" FROM {table} t JOIN sources s '
            f"USING (source_id) WHERE {where} LIMIT 1",
            params,
        )[0]
        return {"source_sha256": sha, "row": int(row), "table": table}

    b.evidence["message"] = tuple(ev("messages", "message_id = ?", ["m-au0_0-0"]).values())[:2]  # type: ignore[assignment]
    for label, handle in (("account_AU", "au0_1"), ("account_GB", "gb0_1")):
        x = ev("accounts", "account_id = ?", [handle])
        b.evidence[label] = (x["source_sha256"], x["row"])
    with e.transaction():
        for t in ("person_roles", "networks", "network_members", "sessions", "targets", "rescue"):
            e.execute(f"DELETE FROM {t}")
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
            for cc in ("AU", "GB"):
                for j in range(buyers):
                    members.append((b.persons[f"{cc.lower()}{i}_{j}"], "buyer", 0.1 + 0.1 * j))
            for pid, role, cent in members:
                e.execute(
                    "INSERT INTO network_members VALUES (?, ?, ?, ?, false)", [nid, pid, role, cent]
                )
                e.execute(
                    "INSERT INTO person_roles VALUES (?, ?, 0.95, ?, ?, false)",
                    [
                        pid,
                        role,
                        json.dumps([{"signal": f"{role}_pattern", "weight": 0.9}]),
                        json.dumps([ev("messages", "sender = ?", [f"sel{i}"])]),
                    ],
                )
            summary = "<b>not bold</b> facilitator in Cebu" if i == 0 else f"network {i}"
            e.execute(
                "INSERT INTO networks VALUES (?, ?, 2, ?, TIMESTAMP '2020-01-01', "
                "TIMESTAMP '2020-09-01', ?)",
                [nid, len(members), len(members) - 2, summary],
            )
            for pid, role, _ in members:
                handle = next(h for h, p in b.persons.items() if p == pid)
                cc = "PH" if role != "buyer" else handle[:2].upper()
                rank[cc] += 1
                table, where = (
                    ("messages", "sender = ? OR recipient = ?")
                    if role != "facilitator"
                    else ("accounts", "account_id = ? OR account_id = ?")
                )
                reasons = [
                    {
                        "signal": "paid_session" if role == "buyer" else "sells_sessions",
                        "weight": 0.6,
                        "evidence": [ev(table, where, [handle, handle])],
                    }
                ]
                if handle.endswith("_0"):
                    reasons.append(
                        {
                            "signal": "payment_to_facilitator",
                            "weight": 0.4,
                            "evidence": [ev("payments", "transaction_id = ?", [f"T-{handle}"])],
                        }
                    )
                e.execute(
                    "INSERT INTO targets VALUES (?, ?, ?, ?, ?, ?)",
                    [pid, rank[cc], 0.9 - 0.001 * rank[cc], role, cc, json.dumps(reasons)],
                )
                if role == "buyer":
                    e.execute(
                        "INSERT INTO sessions VALUES (?, 'chatapp', ?, 'chatapp', ?, ?, ?, "
                        "TIMESTAMP '2020-01-01 10:00', TIMESTAMP '2020-01-01 10:40', ?, ?, 0.9, ?)",
                        [
                            f"S-{handle}",
                            handle,
                            f"sel{i}",
                            pid,
                            sel,
                            [f"T-{handle}"],
                            ["81.2.69.160"],
                            json.dumps([ev("logins", "account_id = ?", [handle])]),
                        ],
                    )
            e.execute(
                "INSERT INTO rescue VALUES (?, 10.32, 123.89, 500, 'PH', 'Cebu', "
                "TIMESTAMP '2020-09-01', 0.9, ?)",
                [fac, json.dumps([ev("locations", "true", [])])],
            )
        for label, sha in b.media.items():
            found = {"seller": "chatapp:sel0", "AU": "chatapp:au0_1", "GB": "chatapp:gb0_1"}[label]
            e.execute(
                'INSERT INTO media_matches (sha256, path, "match", distance, list_name, '
                "category, series_id, found_on) VALUES (?, NULL, 'sha256', 0, "
                "'synthetic-list', 'synthetic', 'series-x', ?)",
                [sha, found],
            )
        # A record-linkage merge for the review page (as Splink would have proposed it).
        a, c = (
            str(x)
            for x in _q(
                case,
                "SELECT min(identity_key), max(identity_key) FROM "
                "payment_identities WHERE name LIKE '%Santos 0'",
            )[0]
        )
        e.execute("INSERT INTO person_links VALUES (?, ?, 'splink', 0.91, 'name', NULL)", [a, c])
        from threadline.resolve.persons import recompute_members

        recompute_members(e)
    b.merge_pair = (a, c)
    b.persons.clear()
    for handle, pid in _q(
        case, "SELECT member_key, person_id FROM person_members WHERE member_type = 'account'"
    ):
        b.persons[str(handle).split(":", 1)[1]] = str(pid)
