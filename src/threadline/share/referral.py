"""What one country's referral package holds, gathered with minimal disclosure.

Only the country's own targets are read from the store. Everyone else who appears beside
them (the facilitator a buyer paid, a buyer of another country in a shared network) is a
numbered *counterpart* with a role and a country, never an identity: their handles, names,
phone numbers, person ids and login addresses stay in the case. Media are hashes and
categories; a hash list's series label becomes an opaque series id, because such labels
are often derived from a victim's name. Chat text and payment narratives are never read.
Free text written by the analysis stages (reason descriptions, network summaries) is
scrubbed of every handle, name, phone, e-mail and account of the counterparts and of other
countries' targets, and of person ids other than the country's own.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import phonenumbers
import pycountry

from threadline import __version__
from threadline.errors import UsageError
from threadline.score import sql as score_sql
from threadline.share import sql as share_sql
from threadline.share.dossier import DEFAULT_FLOOR, targets_for
from threadline.share.facts import executive_figures
from threadline.share.progress import Tick, no_tick
from threadline.store.engine import Engine

PERSON_ID = re.compile(r"\bP[0-9a-f]{12}\b")
# An evidence note is free text an analysis stage wrote (it may quote a chat or name the
# payee): packages cite the source and row only; the receiver asks for the row itself.
EVIDENCE_KEYS = ("source_sha256", "row", "table")
GATHER_QUERIES = 13  # the reads ``gather`` makes, for its progress
_Rows = TypeVar("_Rows")


@dataclass
class TargetDossier:
    """One target and the evidence a receiving country needs to act on it."""

    person_id: str
    rank: int | None
    score: float | None
    role: str | None
    country: str
    reasons: list[dict[str, Any]]
    country_rank: int | None = None  # of ``country_targets`` in ``country``; None in the annex
    country_targets: int = 0
    confidence: float | None = None
    priority: float | None = None
    accounts: list[dict[str, Any]] = field(default_factory=list)
    payment_identities: list[dict[str, Any]] = field(default_factory=list)
    jurisdiction: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    networks: list[dict[str, Any]] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    rescue: list[dict[str, Any]] = field(default_factory=list)
    ips: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Referral:
    """A country's referral: its targets, the sources they cite, and a summary."""

    case: str
    country: str
    country_name: str
    created_at: str
    targets: list[TargetDossier]
    sources: list[dict[str, Any]]
    tool_version: str = __version__
    # The country's targets under the confidence floor: intelligence only, never the body.
    annex: list[TargetDossier] = field(default_factory=list)
    floor: float = DEFAULT_FLOOR

    def summary(self) -> dict[str, Any]:
        """Headline figures: targets by role, networks, sessions, payments, media, activity span."""
        roles: dict[str, int] = {}
        for t in self.targets:
            roles[t.role or "unknown"] = roles.get(t.role or "unknown", 0) + 1
        times = [s["start"] for t in self.targets for s in t.sessions if s.get("start")]
        times += [p["sent_at"] for t in self.targets for p in t.payments if p.get("sent_at")]
        return {
            "targets": len(self.targets),
            "targets_by_role": dict(sorted(roles.items())),
            "networks": sorted({n["network_id"] for t in self.targets for n in t.networks}),
            "sessions": sum(len(t.sessions) for t in self.targets),
            "payments": sum(len(t.payments) for t in self.targets),
            "media_hashes": len({m["sha256"] for t in self.targets for m in t.media}),
            "first_activity": min(times) if times else None,
            "last_activity": max(times) if times else None,
            "sources_cited": len(self.sources),
            **executive_figures(self.targets),
            "confidence_floor": self.floor,
            "annex_intelligence_only": len(self.annex),
        }


def country_code(country: str) -> tuple[str, str]:
    """ISO 3166-1 alpha-2 code and name of a country, or a UsageError."""
    found = pycountry.countries.get(alpha_2=country.strip().upper())
    if found is None:
        raise UsageError(f"unknown country {country!r}: give an ISO 3166-1 alpha-2 code")
    return str(found.alpha_2), str(found.name)


def gather(
    engine: Engine,
    case_name: str,
    country: str,
    floor: float = DEFAULT_FLOOR,
    tick: Tick = no_tick,
) -> Referral:
    """Read a country's targets and everything its package shows about them.

    Targets under the confidence ``floor`` go to the annex with their accounts and
    reasons only. ``tick`` hears of each of the ``GATHER_QUERIES`` reads done.
    """
    code, name = country_code(country)
    q = _Queries(tick)
    rows = q(targets_for(engine, code, floor))
    own = {str(r["person_id"]) for r in rows}
    pids = [str(r["person_id"]) for r in rows if r["above_floor"]]
    jurisdiction_of = {str(t["person_id"]): t["country"] for t in q(score_sql.targets(engine))}
    labels = _Counterparts(own)
    every = {str(r["person_id"]): _dossier(r, code) for r in rows}
    dossiers = {p: every[p] for p in pids}
    annex = {p: d for p, d in every.items() if p not in dossiers}
    others = [p for p, c in jurisdiction_of.items() if c != code and p not in own]

    def each(rows: list[dict[str, Any]], attr: str) -> None:
        for row in rows:
            getattr(dossiers[str(row.pop("person_id"))], attr).append(row)

    for row in q(share_sql.person_accounts(engine, list(own))):
        every[str(row.pop("person_id"))].accounts.append(row)
    each(q(share_sql.person_ips(engine, pids)), "ips")
    identities = q(share_sql.person_identities(engine, pids))
    for i in identities:
        i.pop("identity_key")
    each(identities, "payment_identities")
    each(
        [_jurisdiction(r) for r in q(share_sql.jurisdiction_evidence(engine, pids))], "jurisdiction"
    )
    each(
        [_payment(p, labels, jurisdiction_of) for p in q(share_sql.person_payments(engine, pids))],
        "payments",
    )
    networks = q(share_sql.person_networks(engine, pids))
    each([_media(m) for m in q(share_sql.person_media(engine, pids))], "media")
    for r in q(share_sql.person_rescue(engine, pids)):
        r["evidence"] = _evidence(r["evidence"])
        each([r], "rescue")
    for s in q(share_sql.person_sessions(engine, pids)):
        for side in ("buyer", "seller"):
            if s[f"{side}_person"] in own:
                dossiers[str(s[f"{side}_person"])].sessions.append(
                    _session(s, side, labels, jurisdiction_of)
                )
    scrub = _Scrubber(q(share_sql.identifying_values(engine, [*labels.labels, *others])), own)
    for n in networks:
        n["summary"] = scrub(n["summary"])
    each(networks, "networks")
    for t in every.values():
        for reason in t.reasons:
            reason["description"] = scrub(reason["description"])
    cited = sorted(_cited(list(every.values())))
    return Referral(
        case=case_name,
        country=code,
        country_name=name,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        targets=list(dossiers.values()),
        sources=q(share_sql.sources_by_sha256(engine, cited)),
        annex=list(annex.values()),
        floor=floor,
    )


class _Queries:
    """Passes each read's rows through and counts it, so ``gather`` can report its progress."""

    def __init__(self, tick: Tick) -> None:
        self.tick = tick
        self.done = 0
        tick(0, GATHER_QUERIES)

    def __call__(self, rows: _Rows) -> _Rows:
        self.done += 1
        self.tick(self.done, GATHER_QUERIES)
        return rows


def _dossier(r: dict[str, Any], code: str) -> TargetDossier:
    return TargetDossier(
        person_id=str(r["person_id"]),
        rank=r["rank"],
        score=r["score"],
        role=r["role"],
        country=code,
        reasons=_reasons(r["reasons"]),
        country_rank=r["country_rank"],
        country_targets=int(r["country_targets"] or 0),
        confidence=r["confidence"],
        priority=r["priority"],
    )


class _Counterparts:
    """Numbers the people beside a country's targets: same person, same label, per package."""

    def __init__(self, own: set[str]) -> None:
        self.own = own
        self.labels: dict[str, str] = {}

    def label(self, person_id: str | None) -> str:
        if person_id is None:
            return "unresolved counterpart"
        if person_id in self.own:
            return person_id
        if person_id not in self.labels:
            self.labels[person_id] = f"counterpart {len(self.labels) + 1}"
        return self.labels[person_id]


class _Scrubber:
    """Replaces other people's identifiers in free text written by the analysis stages."""

    def __init__(self, values: list[str], own: set[str]) -> None:
        words = sorted({v for v in values if len(v) >= 3}, key=len, reverse=True)
        body = "|".join(re.escape(w) for w in words)
        self.pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE) if words else None
        self.own = own

    def __call__(self, text: Any) -> str | None:
        if text is None:
            return None
        shown = PERSON_ID.sub(
            lambda m: m.group(0) if m.group(0) in self.own else "[person]", str(text)
        )
        return self.pattern.sub("[counterpart]", shown) if self.pattern else shown


def _reasons(text: str | None) -> list[dict[str, Any]]:
    reasons = json.loads(text) if text else []
    return [
        {
            "signal": r.get("signal"),
            "weight": r.get("weight"),
            "description": r.get("description"),
            "source": r.get("source"),
            "evidence": _evidence(r.get("evidence") or []),
        }
        for r in reasons
        if isinstance(r, dict)
    ]


def _evidence(value: str | list[Any] | None) -> list[dict[str, Any]]:
    """Evidence references reduced to source hash, row, table and note."""
    items = json.loads(value) if isinstance(value, str) else (value or [])
    return [
        {k: e[k] for k in EVIDENCE_KEYS if e.get(k) is not None}
        for e in items
        if isinstance(e, dict)
    ]


def _jurisdiction(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    if row["basis"] == "phone number":
        row["country"] = _phone_country(str(row["value"]))
    else:
        row["country"] = row["value"]
    row["evidence"] = _evidence(row["evidence"])
    return row


def _phone_country(phone: str) -> str | None:
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number) or (
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    )
    return None if region in (None, "ZZ") else str(region)


def _payment(
    p: dict[str, Any], labels: _Counterparts, jurisdiction_of: dict[str, str]
) -> dict[str, Any]:
    p["amount"] = _amount(p["amount"])
    other = p.pop("counterpart_person")
    p["counterpart"] = labels.label(other)
    p["counterpart_jurisdiction"] = jurisdiction_of.get(other) if other else None
    p["evidence"] = [{"source_sha256": p.pop("source_sha256"), "row": p.pop("row")}]
    return p


def _amount(text: str | None) -> str | None:
    """An exact amount without the store's trailing zeros (``35.00000000`` -> ``35.00``)."""
    if text is None:
        return None
    value = Decimal(text)
    cents = value.quantize(Decimal("0.01"))
    return f"{cents:.2f}" if cents == value else format(value.normalize(), "f")


def _session(
    s: dict[str, Any], side: str, labels: _Counterparts, jurisdiction_of: dict[str, str]
) -> dict[str, Any]:
    other = "seller" if side == "buyer" else "buyer"
    other_person = s[f"{other}_person"]
    shown = other_person in labels.own
    return {
        "session_id": s["session_id"],
        "target_side": side,
        "target_account": f"{s[f'{side}_platform']}:{s[f'{side}_account']}",
        "counterpart": labels.label(other_person),
        "counterpart_role": other,
        "counterpart_account": (
            f"{s[f'{other}_platform']}:{s[f'{other}_account']}" if shown else None
        ),
        "counterpart_jurisdiction": jurisdiction_of.get(other_person) if other_person else None,
        "start": s["start"],
        "end": s["end"],
        "payment_transaction_ids": list(s["payment_transaction_ids"] or []),
        # Login addresses are the buyer's: shown only in the buyer's own country's package.
        "login_ips": list(s["login_ips"] or []) if side == "buyer" or shown else [],
        "confidence": s["confidence"],
        "evidence": _evidence(s["evidence"]),
    }


def series_id(label: str | None) -> str | None:
    """An opaque, stable id for a hash-list series label (labels can name a victim)."""
    if not label:
        return None
    return "S-" + hashlib.sha256(label.encode()).hexdigest()[:12]


def _media(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "person_id": m["person_id"],
        "sha256": m["sha256"],
        "match": m["match"],
        "category": m["category"],
        "series_id": series_id(m["series"]),
        "list_name": m["list_name"],
    }


def _cited(dossiers: list[TargetDossier]) -> set[str]:
    shas: set[str] = set()
    for t in dossiers:
        groups = [t.accounts, t.jurisdiction, t.payments, t.sessions, t.rescue, t.reasons, t.ips]
        for rows in groups:
            for row in rows:
                for e in row.get("evidence") or []:
                    if e.get("source_sha256"):
                        shas.add(str(e["source_sha256"]))
    return shas
