"""Search across the case: selectors, names, accounts, addresses, payments and message text.

One query string is read every way it can be: as a phone number (E.164, also in the user's
own country's format), an e-mail address, an IP address, a device id, a handle or account
id, a transaction id or payment account, a person's name (folded, transliterated, phonetic
and fuzzy, with the resolver's name features), and words of message text (BM25 on the
full-text index the ``search`` analysis step builds; a text scan where there is none).

Every hit is a stored record or a person, and passes the same rule as every other view
(:meth:`Workbench.record_visible`, :meth:`Workbench.visible`): hits the user may not see are
only counted. Each hit links to its person and to its evidence row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from threadline.errors import InvalidValue
from threadline.resolve.names import features
from threadline.store import full_text
from threadline.values import normalise_email, normalise_ip, normalise_phone
from threadline.web import search_lookup, search_sql
from threadline.web.errors import BadRequest
from threadline.web.policy import User
from threadline.web.search_names import NameIndex, name_match
from threadline.web.views_person import close_links, href
from threadline.web.workbench import Workbench, jsonable

__all__ = ["name_match", "search"]

MIN_LENGTH = 2
MAX_LENGTH = 200
KINDS = ("persons", "selectors", "accounts", "logins", "payments", "messages")
TITLES = {
    "persons": "Persons by name",
    "selectors": "Phones, e-mails and devices",
    "accounts": "Accounts (handle, account id, registration IP)",
    "logins": "Logins from an address or device",
    "payments": "Payments (transaction id, account, phone)",
    "messages": "Message text",
}


def _readings(q: str, country: str) -> dict[str, Any]:
    """The query read as each kind of value it can be."""
    text = q.strip()
    phones = {p for region in (None, country) if (p := _try(normalise_phone, text, region))}
    email = _try(normalise_email, text)
    ip = _try(normalise_ip, text)
    lower = text.lower()
    values = sorted({*phones, lower, *([email] if email else [])})
    return {"phones": sorted(phones), "ip": ip, "values": values, "lower": lower}


def _records(r: Any, read: dict[str, Any], looked_up: frozenset[str]) -> dict[str, Any]:
    """Selector, account, login and payment rows matching the readings of the query.

    The row ids come from the search step's lookups (``looked_up``: the tables whose lookup
    is current) in one query; the other tables are scanned.
    """
    handle = read["lower"].lstrip("@")
    wanted = {
        "selectors": {"value": read["values"]},
        "accounts": {"text": [handle], "key": [handle], "ip": [read["ip"]]},
        "logins": {"ip": [read["ip"]], "text": [read["lower"]]},
        "payments": {"text": [read["lower"]], "phone": read["phones"]},
    }
    rows: dict[str, list[int] | None] = dict.fromkeys(wanted)
    rows |= search_lookup.find_rows(r, {t: f for t, f in wanted.items() if t in looked_up})
    return {
        "selectors": search_sql.selectors(r, read["values"], rows["selectors"]),
        "accounts": search_sql.accounts(r, handle, read["ip"], rows["accounts"]),
        "logins": search_sql.logins(r, read["ip"], read["lower"], rows["logins"]),
        "payments": search_sql.payments(r, read["lower"], read["phones"], rows["payments"]),
    }


def _try(normalise: Callable[..., str], *args: Any) -> str | None:
    """The normalised value, or None when the text is not that kind of value."""
    try:
        return normalise(*args)
    except InvalidValue:
        return None


def _amount(value: Any) -> str:
    """An amount without the store's trailing zeros: 40.00000000 -> 40, 35.50 -> 35.5."""
    text = str(jsonable(value))
    return text.rstrip("0").rstrip(".") if "." in text else text


def _prepared(wb: Workbench) -> tuple[bool, bool]:
    """Whether message text is searched on the index, and on its ranked postings.

    The extension is loaded once per generation.
    """

    def make(r: Any) -> tuple[bool, bool]:
        if not full_text.supported(wb.case.engine) or not full_text.indexed(r, "messages"):
            return False, False
        loaded = full_text.load(wb.case.engine)
        posted = list(search_sql.POSTED["messages"])
        return loaded, loaded and full_text.has_postings(r, "messages", posted)

    found: tuple[bool, bool] = wb.cached(("full-text",), make)
    return found


def _looked_up(wb: Workbench) -> frozenset[str]:
    """Tables the search step's value lookups cover in full (none before the step ran)."""
    found: frozenset[str] = wb.cached(("search-lookups",), search_lookup.current)
    return found


def _names(wb: Workbench) -> tuple[NameIndex, list[tuple[str, str, str]]]:
    """The case's written names indexed, and (member key, written name, where) of each."""

    def make(r: Any) -> tuple[NameIndex, list[tuple[str, str, str]]]:
        written = search_sql.written_names(r)
        return NameIndex.of(features(n) for _, n, _ in written), written

    found: tuple[NameIndex, list[tuple[str, str, str]]] = wb.cached(("written-names",), make)
    return found


def _party(wb: Workbench, user: User, pid: Any) -> dict[str, Any]:
    """A person named in a hit: a link when the user may see them, else a placeholder."""
    if pid is None:
        return {"person_id": None, "person": None, "person_href": None}
    if wb.visible(user, str(pid)):
        return {"person_id": pid, "person": wb.label(pid), "person_href": f"/persons/{pid}"}
    return {"person_id": None, "person": wb.placeholder(pid), "person_href": None}


def _hit(title: str, detail: str, row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    sha, n = row.get("source_sha256"), row.get("row")
    return {
        "title": title,
        "detail": detail,
        "source_sha256": sha,
        "row": n,
        "href": href(sha, n),
        "source_agency": row.get("source_agency"),
        **extra,
    }


def search(wb: Workbench, user: User, q: str) -> dict[str, Any]:
    """Hits for ``q`` grouped by kind, each as the user may see it (audited)."""
    wb.require(user, "read")
    q = q.strip()
    if not MIN_LENGTH <= len(q) <= MAX_LENGTH:
        raise BadRequest(f"search for {MIN_LENGTH} to {MAX_LENGTH} characters")
    read = _readings(q, user.country)
    indexed, ranked = _prepared(wb)
    looked_up = _looked_up(wb)
    with wb.reader() as r:
        raw = _records(r, read, looked_up)
        hits, matched = search_sql.message_hits(r, q, indexed, ranked)
        # Only the best hits the user may see are read in full.
        best = _visible_hits(wb, user, hits)
        texts = search_sql.messages(r, [h[0] for h in best[: search_sql.HITS]])
    groups: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    restricted = dict.fromkeys(KINDS, 0)

    def keep(kind: str, row: dict[str, Any], parties: list[Any], hit: dict[str, Any]) -> None:
        if wb.record_visible(user, row.get("source_agency"), parties):
            groups[kind].append(hit)
        else:
            restricted[kind] += 1

    # One hit per selector and person (the other rows are more evidence of the same); a
    # selector is counted as restricted only when no row of it may be shown.
    seen: set[tuple[Any, ...]] = set()
    hidden: set[tuple[Any, ...]] = set()
    for row in raw["selectors"]:
        key = (row["selector_type"], row["value"], row["person_id"])
        if not wb.record_visible(user, row.get("source_agency"), [row["person_id"]]):
            hidden.add(key)
        elif key not in seen:
            seen.add(key)
            groups["selectors"].append(
                _hit(
                    f"{row['selector_type']} {row['value']}",
                    f"in {row['table_name']}",
                    row,
                    **_party(wb, user, row["person_id"]),
                )
            )
    restricted["selectors"] = len(hidden - seen)
    for row in raw["accounts"]:
        title = f"{row['platform']}:{row['account_id']}"
        keep(
            "accounts",
            row,
            [row["person_id"]],
            _hit(
                title, str(row.get("display_name") or ""), row, **_party(wb, user, row["person_id"])
            ),
        )
    for row in raw["logins"]:
        detail = f"{row['platform']}:{row['account_id']} from {row['ip']}"
        if row.get("device_id"):
            detail += f" on {row['device_id']}"
        keep(
            "logins",
            row,
            [row["person_id"]],
            _hit(f"login {jsonable(row['at'])}", detail, row, **_party(wb, user, row["person_id"])),
        )
    for row in raw["payments"]:
        amount = f"{_amount(row['amount'])} {row['currency']}"
        hit = _hit(
            f"{row['provider']} {row['transaction_id']}",
            f"{amount} on {jsonable(row['sent_at'])}",
            row,
            **_party(wb, user, row["sp"]),
            other=_party(wb, user, row["rp"]),
        )
        keep("payments", row, [row["sp"], row["rp"]], hit)
    groups["messages"] = [_message(wb, user, texts[h[0]], h) for h in best[: search_sql.HITS]]
    restricted["messages"] = len(hits) - len(best)
    persons = _persons(wb, user, q)
    groups["persons"], restricted["persons"] = persons
    totals = {k: len(v) for k, v in groups.items()} | {"messages": len(best)}
    shown = {k: v[: search_sql.HITS] for k, v in groups.items()}
    # A hit of an account, login, payment or message passed the record rule on the record
    # its link opens, with the same parties (or more): the link opens. A selector's link
    # opens the record it was read from, whose parties may be others.
    close_links(wb, user, shown["selectors"])
    wb.audit(
        user, "search", "case", q, hits=sum(totals.values()), restricted=sum(restricted.values())
    )
    return {
        "q": q,
        "full_text": indexed,
        # Messages: how many match in all, and how many of the best-ranked were checked.
        "messages_matched": matched,
        "messages_checked": len(hits),
        "groups": [
            {
                "kind": k,
                "title": TITLES[k],
                "hits": shown[k],
                "total": totals[k],
                "restricted": restricted[k],
            }
            for k in KINDS
        ],
        "limit": search_sql.HITS,
    }


def _visible_hits(
    wb: Workbench, user: User, hits: list[tuple[int, float, Any, Any, Any]]
) -> list[tuple[int, float, Any, Any, Any]]:
    """The message hits the record rule lets the user see, in their order.

    Thousands of hits share a few hundred (agency, sender, recipient): the rule is asked
    once for each.
    """
    rule: dict[tuple[Any, Any, Any], bool] = {}
    shown = []
    for h in hits:
        key = (h[4], h[2], h[3])
        seen = rule.get(key)
        if seen is None:
            seen = rule[key] = wb.record_visible(user, h[4], (h[2], h[3]))
        if seen:
            shown.append(h)
    return shown


def _message(
    wb: Workbench, user: User, row: dict[str, Any], hit: tuple[int, float, Any, Any, Any]
) -> dict[str, Any]:
    text = str(row.get("text") or "")
    return _hit(
        f"{row['platform']} {jsonable(row['sent_at'])}",
        text[:200] + ("…" if len(text) > 200 else ""),
        row,
        **_party(wb, user, hit[2]),
        other=_party(wb, user, hit[3]),
        score=round(hit[1], 3),
    )


def _persons(wb: Workbench, user: User, q: str) -> tuple[list[dict[str, Any]], int]:
    """Persons with a name matching ``q``, best first; persons the user may not see counted."""
    if not _may_be_a_name(wb, q):
        return [], 0
    wanted = features(q)
    best: dict[str, tuple[float, str, str, str]] = {}
    owners = wb.cached(("member-persons",), _member_persons)
    index, names = _names(wb)
    for i, score, how in index.matches(wanted):
        key, name, where = names[i]
        pid = owners.get(key)
        if pid is None:
            continue
        if pid not in best or score > best[pid][0]:
            best[pid] = (score, how, name, where)
    hits, hidden = [], 0
    for pid, (score, how, written, where) in sorted(best.items(), key=lambda x: (-x[1][0], x[0])):
        if not wb.visible(user, pid):
            hidden += 1
            continue
        hits.append(
            {
                "title": wb.label(pid),
                "detail": f"{where} “{written}”: {how}",
                "score": score,
                "href": None,
                "source_agency": None,
                **_party(wb, user, pid),
            }
        )
    return hits, hidden


def _may_be_a_name(wb: Workbench, q: str) -> bool:
    """Whether ``q`` can be a written name: no digits or ``@``, and not a person id."""
    return not any(c.isdigit() or c == "@" for c in q) and not wb.known(q)


def _member_persons(r: Any) -> dict[str, str]:
    return {str(k): str(p) for k, p in r.query("SELECT member_key, person_id FROM person_members")}
