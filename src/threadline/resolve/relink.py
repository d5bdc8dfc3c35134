"""Which payer links from paid sessions may join persons, and which would chain strangers.

A paid session says "this payment paid for that buyer's show", so the paying identity is
probably the buyer's own. That holds while the payer pays for one buyer. A payment identity
(or the person it already belongs to) that paid for the sessions of several buyers is a
go-between: a relative remitting for others, a mule, a money shop. Joining each buyer to it
would chain all of them into one person, and through them their facilitators' networks. The
more buyers a case holds, the more such shared payers it holds, so the test is not a count
threshold but ambiguity itself: a payer person tied to more than one buyer person joins
none of them. A payer (or buyer) already known as a facilitator, mule or hub joins nobody
either: paying through the network's own money people is what every buyer does.

The vetted links are kept under their own rules, ``paid_session_joined`` and
``paid_session_refused`` (with the reason appended to its value), so the persons the
re-link formed stay explained after the second signals pass rewrites ``paid_session``; raw
``paid_session`` links join nobody.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from threadline.resolve import sql
from threadline.store.engine import Engine

RULE = sql.SESSION_RULE
JOINED = sql.JOINED_RULE
REFUSED = sql.REFUSED_RULE
# Roles whose money paths every buyer of a network shares: no evidence of who a buyer is.
GO_BETWEEN_ROLES = frozenset({"facilitator", "mule", "hub"})


def verdicts(
    links: list[tuple[str, str]], person: dict[str, str], role: dict[str, str]
) -> dict[tuple[str, str], str]:
    """(buyer account, payer identity) -> why the link is refused; links not named are kept.

    ``person`` maps member keys to their person before re-linking, ``role`` persons to
    their role from the first graph pass.
    """
    buyer_of: dict[str, set[str]] = defaultdict(set)
    buyers = {person.get(a, a) for a, _ in links}
    for a, b in links:
        payer = person.get(b, b)
        buyer_of[payer].add(person.get(a, a))
        if payer in buyers:
            buyer_of[payer].add(payer)  # the payer is itself a buyer of other sessions
    refused: dict[tuple[str, str], str] = {}
    for a, b in links:
        pa, pb = person.get(a, a), person.get(b, b)
        if role.get(pb) in GO_BETWEEN_ROLES:
            refused[(a, b)] = f"payer's person is a {role[pb]}"
        elif role.get(pa) in GO_BETWEEN_ROLES:
            refused[(a, b)] = f"buyer's person is a {role[pa]}"
        elif len(buyer_of[pb]) > 1:
            refused[(a, b)] = f"payer's person paid for {len(buyer_of[pb])} different persons"
    return refused


def vet(engine: Engine) -> dict[str, Any]:
    """Mark the payer links that would chain persons as refused; returns counts by reason."""
    rows = engine.query(
        "SELECT a, b, rule, confidence, selector_type, value FROM person_links "
        f"WHERE rule = '{RULE}' ORDER BY a, b"
    )
    links = sorted({(str(r[0]), str(r[1])) for r in rows})
    if not links:
        return {"payer_links": 0, "payer_links_refused": 0}
    keys = sorted({k for pair in links for k in pair})
    person = {
        str(k): str(p)
        for k, p in engine.query(
            "SELECT member_key, person_id FROM person_members WHERE list_contains(?, member_key)",
            [keys],
        )
    }
    role = {str(p): str(r) for p, r in engine.query("SELECT person_id, role FROM person_roles")}
    refused = verdicts(links, person, role)
    marked = [
        (a, b, REFUSED, c, t, f"{v}; refused: {refused[(a, b)]}")
        if (a, b) in refused
        else (a, b, JOINED, c, t, v)
        for a, b, _, c, t, v in rows
    ]
    engine.execute(f"DELETE FROM person_links WHERE rule IN {(*sql.NOT_JOINING, JOINED)}")
    cols = ("a", "b", "rule", "confidence", "selector_type", "value")
    sql.add_links(engine, pa.table({c: [m[i] for m in marked] for i, c in enumerate(cols)}))
    reasons: dict[str, int] = defaultdict(int)
    for why in refused.values():
        reasons[why.split(" paid for ")[0] if " paid for " in why else why] += 1
    return {
        "payer_links": len(links),
        "payer_links_refused": len(refused),
        "refused_by_reason": dict(sorted(reasons.items())),
    }
