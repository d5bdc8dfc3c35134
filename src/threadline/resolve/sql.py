"""SQL of identity resolution: selectors with provenance, payment identities, person tables."""

from __future__ import annotations

import pyarrow as pa

from threadline.resolve.stable_ids import history_export_sql
from threadline.store.engine import Engine
from threadline.store.tables import Table, table

# An account is named by its platform and handle, both case-folded.
ACCOUNT_KEY = "lower(trim({p})) || ':' || lower(trim({a}))"
# A payment identity is one way a party was written on one provider: the unit Splink links.
IDENTITY_FIELDS = ("provider", "name", "account", "phone", "country", "city")
# Payer links from paid sessions: as the signals stage finds them, once vetted by the re-link
# step and joining persons, and refused by it (see resolve.relink). Only vetted ones join.
SESSION_RULE = "paid_session"
JOINED_RULE = "paid_session_joined"
REFUSED_RULE = "paid_session_refused"
NOT_JOINING = (SESSION_RULE, REFUSED_RULE)


def identity_key_sql(side: str, alias: str | None = None) -> str:
    """Key of the payment identity on ``side`` (sender/receiver) of a payments row."""
    a = f"{alias}." if alias else ""
    cols = [
        f"lower(trim({a}provider))",
        f"coalesce(lower(trim({a}{side}_name)), '')",
        f"coalesce(lower(trim({a}{side}_account)), '')",
        f"coalesce({a}{side}_phone, '')",
        f"coalesce({a}{side}_country, '')",
        f"coalesce(lower(trim({a}{side}_city)), '')",
    ]
    return "'id:' || md5(" + " || chr(31) || ".join(cols) + ")"


def account_key(platform: str, account: str) -> str:
    """SQL for an account's key: its platform and handle, both case-folded."""
    return ACCOUNT_KEY.format(p=platform, a=account)


TABLES: dict[str, Table] = {
    "selectors": table(
        """entity_type VARCHAR, entity_key VARCHAR, selector_type VARCHAR,
        value VARCHAR, "at" TIMESTAMP, table_name VARCHAR, record_id VARCHAR,
        source_id VARCHAR, "row" BIGINT"""
    ),
    "payment_identities": table(
        """identity_key VARCHAR, provider VARCHAR, name VARCHAR,
        account VARCHAR, phone VARCHAR, country VARCHAR, city VARCHAR, side VARCHAR,
        payments BIGINT"""
    ),
    "person_links": table(
        """a VARCHAR, b VARCHAR, rule VARCHAR, confidence DOUBLE,
        selector_type VARCHAR, value VARCHAR"""
    ),
    "person_members": table(
        """person_id VARCHAR, member_type VARCHAR, member_key VARCHAR,
        confidence DOUBLE, via VARCHAR"""
    ),
    "decisions": table(
        """seq BIGINT, "at" TIMESTAMP, os_user VARCHAR, action VARCHAR,
        member_key VARCHAR, other_key VARCHAR, reason VARCHAR"""
    ),
    # What became of person ids that changed (resolve/stable_ids.py): merge, split, ...
    "person_history": table(
        """old_id VARCHAR, new_id VARCHAR, change VARCHAR, "at" TIMESTAMP, cause VARCHAR,
        decision BIGINT, evidence VARCHAR"""
    ),
    # The persons before the analysis in flight, which its ids are reckoned against.
    "person_id_baseline": table("member_key VARCHAR, person_id VARCHAR", per_table_export=False),
}


def build_selectors(engine: Engine) -> None:
    """One row per (entity, selector) with the record that shows it."""
    engine.execute("DELETE FROM selectors")
    acct = account_key("platform", "account_id")
    parts = [
        f"""SELECT 'account', {acct}, 'phone', phone, created_at, 'accounts', record_id,
                   source_id, "row" FROM accounts WHERE phone IS NOT NULL""",
        f"""SELECT 'account', {acct}, 'email', email, created_at, 'accounts', record_id,
                   source_id, "row" FROM accounts WHERE email IS NOT NULL""",
        f"""SELECT 'account', {acct}, 'ip', registration_ip, created_at, 'accounts', record_id,
                   source_id, "row" FROM accounts WHERE registration_ip IS NOT NULL""",
        f"""SELECT 'account', {acct}, 'name', display_name, created_at, 'accounts', record_id,
                   source_id, "row" FROM accounts WHERE display_name IS NOT NULL""",
        f"""SELECT 'account', {acct}, 'device', lower(trim(device_id)), "at", 'logins',
                   record_id, source_id, "row" FROM logins WHERE device_id IS NOT NULL""",
        f"""SELECT 'account', {acct}, 'ip', ip, "at", 'logins', record_id, source_id, "row"
                   FROM logins""",
    ]
    for side in ("sender", "receiver"):
        key = identity_key_sql(side)
        parts += [
            f"""SELECT 'identity', {key}, 'phone', {side}_phone, sent_at, 'payments',
                       record_id, source_id, "row" FROM payments WHERE {side}_phone IS NOT NULL""",
            f"""SELECT 'identity', {key}, 'payment_account',
                       lower(trim(provider)) || ':' || lower(trim({side}_account)), sent_at,
                       'payments', record_id, source_id, "row" FROM payments
                       WHERE {side}_account IS NOT NULL""",
            f"""SELECT 'identity', {key}, 'name', {side}_name, sent_at, 'payments', record_id,
                       source_id, "row" FROM payments""",
            # Wallets and online remitters use an e-mail or a phone number as the account.
            f"""SELECT 'identity', {key}, 'email', lower(trim({side}_account)), sent_at,
                       'payments', record_id, source_id, "row" FROM payments
                       WHERE {side}_account LIKE '%_@_%._%'""",
            f"""SELECT 'identity', {key}, 'phone', {side}_account, sent_at, 'payments',
                       record_id, source_id, "row" FROM payments
                       WHERE regexp_matches({side}_account, '^[+][1-9][0-9]{{7,14}}$')""",
        ]
    engine.execute("INSERT INTO selectors " + " UNION ALL ".join(parts))


def build_identities(engine: Engine) -> None:
    """Distinct payment identities (one per way of writing a party on a provider)."""
    engine.execute("DELETE FROM payment_identities")
    sides = []
    for side in ("sender", "receiver"):
        sides.append(
            f"""SELECT {identity_key_sql(side)} AS identity_key, lower(trim(provider)) AS provider,
                   {side}_name AS name, lower(trim({side}_account)) AS account,
                   {side}_phone AS phone, {side}_country AS country, {side}_city AS city,
                   '{side}' AS side FROM payments"""
        )
    engine.execute(
        f"""INSERT INTO payment_identities
            SELECT identity_key, min(provider), min(name), min(account),
                   min(phone), min(country), min(city),
                   CASE WHEN count(DISTINCT side) > 1 THEN 'both' ELSE min(side) END,
                   count(*)
            FROM ({" UNION ALL ".join(sides)}) GROUP BY identity_key"""
    )


def all_accounts_sql() -> str:
    """Every account handle seen anywhere (accounts, messages, logins)."""
    return f"""
        SELECT DISTINCT {account_key("platform", "account_id")} AS k FROM accounts
        UNION SELECT DISTINCT {account_key("platform", "sender")} FROM messages
        UNION SELECT DISTINCT {account_key("platform", "recipient")} FROM messages
        UNION SELECT DISTINCT {account_key("platform", "account_id")} FROM logins"""


def shared_selector_links(engine: Engine, types: tuple[str, ...], max_accounts: int) -> None:
    """Link entities sharing a strong selector, unless too many accounts share it.

    Each entity is linked to the smallest key in its group (a star, not a clique); a
    selector held by more than ``max_accounts`` accounts is a shared resource (a family
    phone, a cafe's device), not an identity, and links nothing.
    """
    in_types = ", ".join(f"'{t}'" for t in types)
    engine.execute(
        f"""INSERT INTO person_links
        WITH s AS (
            SELECT DISTINCT entity_type, entity_key, selector_type, value
            FROM selectors WHERE selector_type IN ({in_types})),
        g AS (
            SELECT selector_type, value, min(entity_key) AS hub,
                   sum(CASE WHEN entity_type = 'account' THEN 1 ELSE 0 END) AS accounts
            FROM s GROUP BY selector_type, value)
        SELECT DISTINCT g.hub, s.entity_key, 'shared_' || s.selector_type, 1.0,
               s.selector_type, s.value
        FROM s JOIN g ON s.selector_type = g.selector_type AND s.value = g.value
        WHERE s.entity_key <> g.hub AND g.accounts <= {max_accounts}"""
    )


def identity_names(engine: Engine) -> list[str]:
    """Every distinct name written for a payment identity."""
    return [r[0] for r in engine.query("SELECT DISTINCT name FROM payment_identities")]


def identity_records(engine: Engine, names: pa.Table) -> pa.Table:
    """Payment identities with name features, shaped for Splink (``unique_id`` first)."""
    engine.register("_name_features", names)
    try:
        return engine.query_arrow(
            """SELECT i.identity_key AS unique_id, f.full AS name_full, f.sorted AS name_sorted,
                      f.first_mp, f.last_mp, f.tokens AS name_tokens, i.phone, i.account,
                      i.country, lower(trim(i.city)) AS city
               FROM payment_identities i LEFT JOIN _name_features f ON f.raw = i.name
               ORDER BY i.identity_key"""
        )
    finally:
        engine.unregister("_name_features")


def add_links(engine: Engine, links: pa.Table) -> None:
    """Append links (a, b, rule, confidence, selector_type, value)."""
    engine.register("_links", links)
    try:
        engine.execute(
            "INSERT INTO person_links SELECT a, b, rule, confidence, "
            "selector_type, value FROM _links"
        )
    finally:
        engine.unregister("_links")


def nodes(engine: Engine) -> list[tuple[str, str]]:
    """Every account and payment identity: (key, member type), in key order."""
    return [
        (str(k), str(t))
        for k, t in engine.query(
            f"""SELECT k, 'account' FROM ({all_accounts_sql()})
                UNION ALL SELECT identity_key, 'payment_identity' FROM payment_identities
                ORDER BY 1"""
        )
    ]


def links(engine: Engine) -> list[tuple[str, str, str, float]]:
    """Every person link as (a, b, rule, confidence), in order."""
    return [
        (str(a), str(b), str(r), float(c))
        for a, b, r, c in engine.query(
            "SELECT a, b, rule, confidence FROM person_links "
            f"WHERE rule NOT IN {NOT_JOINING} ORDER BY a, b, rule"
        )
    ]


def replace_members(engine: Engine, members: pa.Table) -> None:
    """Replace every person's membership with the rows of ``members``."""
    engine.execute("DELETE FROM person_members")
    engine.register("_members", members)
    try:
        engine.execute(
            "INSERT INTO person_members SELECT person_id, member_type, member_key, confidence, "
            "via FROM _members"
        )
    finally:
        engine.unregister("_members")


def add_decision(
    engine: Engine, action: str, member: str, other: str | None, reason: str, os_user: str
) -> int:
    """Store an analyst's merge or split decision; returns its sequence number."""
    seq = int(engine.scalar("SELECT coalesce(max(seq), 0) + 1 FROM decisions"))
    engine.execute(
        "INSERT INTO decisions VALUES (?, now()::TIMESTAMP, ?, ?, ?, ?, ?)",
        [seq, os_user, action, member, other, reason],
    )
    return seq


def decisions(engine: Engine) -> list[dict[str, object]]:
    """Every analyst decision, oldest first."""
    return engine.query_dicts("SELECT * FROM decisions ORDER BY seq")


def person_of(engine: Engine, member_key: str) -> str | None:
    """The person a member belongs to, or None when it belongs to none."""
    found = engine.scalar("SELECT person_id FROM person_members WHERE member_key = ?", [member_key])
    return None if found is None else str(found)


def person_detail(engine: Engine, person_id: str) -> dict[str, object]:
    """A person's members, the links between them and the records behind each link."""
    members = engine.query_dicts(
        """SELECT m.member_type, m.member_key, m.confidence, m.via,
                  i.provider, i.name, i.account, i.phone, i.country, i.city
           FROM person_members m LEFT JOIN payment_identities i ON i.identity_key = m.member_key
           WHERE m.person_id = ? ORDER BY m.member_type, m.member_key""",
        [person_id],
    )
    keys = [m["member_key"] for m in members]
    link_rows = engine.query_dicts(
        """SELECT l.a, l.b, l.rule, l.confidence, l.selector_type, l.value
           FROM person_links l WHERE list_contains(?, l.a) AND list_contains(?, l.b)
           ORDER BY l.a, l.b""",
        [keys, keys],
    )
    evidence = engine.query_dicts(
        """SELECT DISTINCT s.entity_key, s.selector_type, s.value, src.sha256 AS source_sha256,
                  s.source_id, s."row", s.table_name
           FROM selectors s JOIN sources src USING (source_id)
           WHERE list_contains(?, s.entity_key) AND s.selector_type <> 'ip'
           ORDER BY s.entity_key, s.selector_type, s.source_id, s."row" """,
        [keys],
    )
    return {"person_id": person_id, "members": members, "links": link_rows, "evidence": evidence}


def persons_list(engine: Engine, limit: int) -> list[dict[str, object]]:
    """Persons with the most members first."""
    return engine.query_dicts(
        """SELECT person_id, count(*) AS members,
                  sum(CASE WHEN member_type = 'account' THEN 1 ELSE 0 END) AS accounts,
                  sum(CASE WHEN member_type = 'payment_identity' THEN 1 ELSE 0 END)
                      AS identities,
                  min(confidence) AS min_confidence
           FROM person_members GROUP BY person_id
           ORDER BY members DESC, person_id LIMIT ?""",
        [limit],
    )


def persons_export_sql() -> str:
    """``persons.jsonl`` of the export contract; ``role_detail`` adds mule/hub to its roles."""
    return """
        WITH m AS (
            SELECT m.person_id, m.member_type, m.member_key, i.provider, i.name, i.account,
                   i.country AS identity_country
            FROM person_members m
            LEFT JOIN payment_identities i ON i.identity_key = m.member_key),
        c AS (
            SELECT m.person_id, a.country
            FROM m JOIN accounts a
              ON m.member_key = lower(trim(a.platform)) || ':' || lower(trim(a.account_id))
            WHERE a.country IS NOT NULL
            UNION SELECT person_id, identity_country FROM m WHERE identity_country IS NOT NULL)
        SELECT m.person_id,
               coalesce(list({'platform': split_part(m.member_key, ':', 1),
                              'account_id': substr(m.member_key, strpos(m.member_key, ':') + 1)}
                             ORDER BY m.member_key)
                        FILTER (WHERE m.member_type = 'account'), []) AS accounts,
               coalesce(list({'provider': m.provider, 'name': m.name, 'account': m.account}
                             ORDER BY m.member_key)
                        FILTER (WHERE m.member_type = 'payment_identity'), []) AS payment_parties,
               coalesce(any_value(CASE r.role WHEN 'facilitator' THEN 'facilitator'
                                              WHEN 'buyer' THEN 'buyer' ELSE 'other' END),
                        'other') AS role,
               coalesce(any_value(r.role), 'other') AS role_detail,
               coalesce((SELECT list(DISTINCT n.network_id ORDER BY n.network_id)
                         FROM network_members n WHERE n.person_id = m.person_id),
                        CAST([] AS VARCHAR[])) AS network_ids,
               coalesce((SELECT list(DISTINCT c.country ORDER BY c.country) FROM c
                         WHERE c.person_id = m.person_id), []) AS countries
        FROM m LEFT JOIN person_roles r ON r.person_id = m.person_id
        GROUP BY m.person_id ORDER BY m.person_id"""


def corroborated(engine: Engine, pairs: pa.Table) -> pa.Table:
    """Keep identity pairs that agree on more than a name and contradict on nothing.

    A name, however rare, never merges two parties on its own: the pair must also share a
    phone, a payment account or a city, and must not hold two different phones or two
    different accounts on the same provider.
    """
    engine.register("_pairs", pairs)
    try:
        return engine.query_arrow(
            """SELECT p.* FROM _pairs p
               JOIN payment_identities l ON l.identity_key = p.unique_id_l
               JOIN payment_identities r ON r.identity_key = p.unique_id_r
               WHERE NOT coalesce(l.phone <> r.phone, false)
                 AND NOT coalesce(l.provider = r.provider AND l.account <> r.account, false)
                 AND coalesce(l.phone = r.phone
                              OR (l.provider = r.provider AND l.account = r.account)
                              OR lower(trim(l.city)) = lower(trim(r.city)), false)
               ORDER BY p.unique_id_l, p.unique_id_r"""
        )
    finally:
        engine.unregister("_pairs")


EXPORTS = {
    "persons": persons_export_sql(),
    "person_history": history_export_sql("person_history"),
}


def identity_contacts(engine: Engine) -> list[tuple[str, str, str, str | None, str | None, str]]:
    """(identity key, provider, name, phone, account, folded city) of every payment identity."""
    return [
        (str(k), str(p), str(n or ""), ph, acc, str(c or ""))
        for k, p, n, ph, acc, c in engine.query(
            """SELECT identity_key, provider, name, phone, account, lower(trim(city))
               FROM payment_identities ORDER BY identity_key"""
        )
    ]


def quiet_ip_name_pairs(
    engine: Engine, max_accounts_per_ip: int, window_days: float | None = None
) -> list[tuple[str, str, str, str, str]]:
    """(a, b, ip, name a, name b): accounts on an IP few accounts use, with their names.

    With ``window_days``, only accounts seen on the IP within that many days of each other:
    a home address is reassigned over the years, and two strangers who held it years apart
    are what a long, large case holds more of. The caller decides whether the names agree;
    see ``resolve.crowding.names_agree``.
    """
    close = "SELECT a, b, ip FROM pairs"
    if window_days is not None:
        # consecutive sightings of the pair on the address, in time order: the closest two
        # sightings of different accounts are adjacent, so a lag finds their gap
        close = f"""
            SELECT a, b, ip FROM (
                SELECT p.a, p.b, p.ip, s.entity_key AS who, epoch(s."at") AS t,
                       lag(s.entity_key) OVER w AS prev_who, lag(epoch(s."at")) OVER w AS prev_t
                FROM pairs p JOIN selectors s ON s.value = p.ip
                WHERE s.selector_type = 'ip' AND s.entity_type = 'account'
                  AND s."at" IS NOT NULL AND (s.entity_key = p.a OR s.entity_key = p.b)
                WINDOW w AS (PARTITION BY p.a, p.b, p.ip ORDER BY s."at", s.entity_key))
            WHERE who <> prev_who
            GROUP BY a, b, ip
            HAVING min(t - prev_t) <= {float(window_days) * 86400.0}"""
    return [
        (str(a), str(b), str(ip), str(na), str(nb))
        for a, b, ip, na, nb in engine.query(
            f"""WITH ipacc AS (
                    SELECT DISTINCT value AS ip, entity_key FROM selectors
                    WHERE selector_type = 'ip' AND entity_type = 'account'),
                quiet AS (SELECT ip FROM ipacc GROUP BY ip
                          HAVING count(*) <= {int(max_accounts_per_ip)}),
                names AS (
                    SELECT DISTINCT entity_key, value AS name FROM selectors
                    WHERE selector_type = 'name' AND entity_type = 'account'),
                pairs AS (
                    SELECT a.entity_key AS a, b.entity_key AS b, a.ip
                    FROM ipacc a JOIN quiet q ON q.ip = a.ip
                    JOIN ipacc b ON a.ip = b.ip AND a.entity_key < b.entity_key),
                close AS ({close}),
                linked AS (SELECT a, b, min(ip) AS ip FROM close GROUP BY a, b)
                SELECT p.a, p.b, p.ip, na.name, nb.name
                FROM linked p JOIN names na ON na.entity_key = p.a
                JOIN names nb ON nb.entity_key = p.b
                ORDER BY 1, 2, 3, 4, 5"""
        )
    ]
