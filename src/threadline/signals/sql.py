"""SQL of paid-session detection: chat episodes, candidate payments, logins around them."""

from __future__ import annotations

from threadline.graph.sql import folded_text
from threadline.resolve.sql import account_key, identity_key_sql
from threadline.store.engine import Engine
from threadline.store.exporter import iso
from threadline.store.tables import Table, table

TABLES: dict[str, Table] = {
    "chat_episodes": table(
        """episode_id VARCHAR, buyer VARCHAR, seller VARCHAR, buyer_person VARCHAR,
        seller_person VARCHAR, "start" TIMESTAMP, "end" TIMESTAMP, messages BIGINT,
        requests BIGINT, prices BIGINT, lives BIGINT, first_live TIMESTAMP, text VARCHAR,
        hit_rows VARCHAR[]""",
        per_table_export=False,
    ),
    "session_candidates": table(
        """episode_id VARCHAR, record_id VARCHAR, transaction_id VARCHAR,
        provider VARCHAR, sent_at TIMESTAMP, code_named BOOLEAN, receiver_named BOOLEAN,
        payer_is_buyer BOOLEAN, receiver_in_network BOOLEAN, sender_identity VARCHAR,
        source_id VARCHAR, "row" BIGINT""",
        per_table_export=False,
    ),
    # The export contract's sessions; ``evidence`` is a JSON list of
    # {"source_sha256", "row", "table", "note"} objects.
    "sessions": table(
        """session_id VARCHAR, buyer_platform VARCHAR, buyer_account VARCHAR,
        seller_platform VARCHAR, seller_account VARCHAR, buyer_person VARCHAR,
        seller_person VARCHAR, "start" TIMESTAMP, "end" TIMESTAMP,
        payment_transaction_ids VARCHAR[], login_ips VARCHAR[], confidence DOUBLE,
        evidence VARCHAR"""
    ),
}


def build_episodes(engine: Engine, gap_hours: int) -> None:
    """Conversations between a facilitator's account and another account, cut at silences.

    The buyer side is the account that is not the facilitator's. Only episodes with a
    negotiation or live indicator are kept, with their folded text (to find pickup names
    and remittance codes).

    Built for ten million messages (issue 16): conversations are found on the graph stage's
    ``message_pairs`` and numbered; silences are found on each conversation's distinct
    message times (narrow rows: a number and a time); then one aggregate over the messages
    gives each episode. No message-sized intermediate result is used twice, so none is
    held in memory: windows over whole message rows, and shared CTEs of them, ran out of it.
    The text joins the episode's messages in no set order: it is only searched for a
    remittance code or a pickup name, which lie inside one message whatever the order, and
    an ordered ``string_agg`` keeps every message of every episode in memory at once.
    """
    engine.execute("DELETE FROM chat_episodes")
    sender = account_key("m.platform", "m.sender")
    recipient = account_key("m.platform", "m.recipient")

    def messages(columns: str) -> str:
        # Written out at each use, not a CTE: a CTE used twice is materialised.
        return f"""SELECT {columns}, c.cid FROM messages m
                   JOIN directed d ON d.sk = {sender} AND d.rk = {recipient}
                   JOIN conversations c ON c.buyer = d.buyer AND c.seller = d.seller"""

    engine.execute(
        f"""INSERT INTO chat_episodes
        WITH sellers AS (
            SELECT m.member_key, m.person_id FROM person_members m
            JOIN person_roles r ON r.person_id = m.person_id
            WHERE r.role = 'facilitator' AND m.member_type = 'account'),
        directed AS (
            SELECT p.sk, p.rk,
                   CASE WHEN ss.member_key IS NOT NULL THEN p.rk ELSE p.sk END AS buyer,
                   coalesce(ss.member_key, rs.member_key) AS seller
            FROM message_pairs p
            LEFT JOIN sellers ss ON ss.member_key = p.sk
            LEFT JOIN sellers rs ON rs.member_key = p.rk
            WHERE (ss.member_key IS NULL) <> (rs.member_key IS NULL)),
        conversations AS (
            SELECT buyer, seller, row_number() OVER (ORDER BY buyer, seller) AS cid
            FROM (SELECT DISTINCT buyer, seller FROM directed)),
        numbered AS (
            SELECT cid, sent_at,
                   sum(cut) OVER (PARTITION BY cid ORDER BY sent_at
                                  ROWS UNBOUNDED PRECEDING) AS k
            FROM (SELECT cid, sent_at,
                         CASE WHEN sent_at - lag(sent_at) OVER (PARTITION BY cid
                                                                ORDER BY sent_at)
                                   > INTERVAL {int(gap_hours)} HOUR THEN 1 ELSE 0 END AS cut
                  FROM (SELECT DISTINCT cid, sent_at FROM ({messages("m.sent_at")})))),
        hits AS (SELECT record_id, min(category) AS category,
                        min(source_id) AS source_id, min("row") AS "row"
                 FROM chat_hits GROUP BY record_id),
        episodes AS (
            SELECT m.cid, n.k, min(m.sent_at) AS first, max(m.sent_at) AS last,
                   count(*) AS messages,
                   count(*) FILTER (WHERE h.category = 'request') AS requests,
                   count(*) FILTER (WHERE h.category = 'price') AS prices,
                   count(*) FILTER (WHERE h.category = 'live') AS lives,
                   min(m.sent_at) FILTER (WHERE h.category = 'live') AS first_live,
                   string_agg({folded_text("m.text")}, ' | ') AS text,
                   (list(h.source_id || ':' || CAST(h."row" AS VARCHAR)
                         ORDER BY m.sent_at, m.record_id)
                        FILTER (WHERE h.category IS NOT NULL))[1:5] AS hit_rows
            FROM ({messages("m.record_id, m.sent_at, m.text")}) m
            JOIN numbered n ON n.cid = m.cid AND n.sent_at = m.sent_at
            LEFT JOIN hits h ON h.record_id = m.record_id
            GROUP BY m.cid, n.k
            HAVING count(h.category) FILTER (WHERE h.category IN ('request', 'price', 'live'))
                   > 0)
        SELECT md5(c.buyer || '|' || c.seller || '|' || CAST(e.first AS VARCHAR)),
               c.buyer, c.seller, bp.person_id, ss.person_id, e.first, e.last,
               e.messages, e.requests, e.prices, e.lives, e.first_live, e.text, e.hit_rows
        FROM episodes e
        JOIN conversations c ON c.cid = e.cid
        JOIN sellers ss ON ss.member_key = c.seller
        LEFT JOIN person_members bp ON bp.member_key = c.buyer"""
    )


def build_candidates(engine: Engine, before_minutes: int, after_minutes: int) -> None:
    """Payments in the time window of an episode, with what ties each to it.

    Each payment is prepared once (its parties' persons, its folded receiver name), each
    episode's window is listed by the days it touches, and the two meet on the day (an
    equi-join) before the exact bounds: a BETWEEN join alone is a range join of every
    episode with every payment. Only then are episode texts searched.
    """
    engine.execute("DELETE FROM session_candidates")
    sender = identity_key_sql("sender", "p")
    receiver = identity_key_sql("receiver", "p")
    engine.execute(
        f"""INSERT INTO session_candidates
        WITH net AS (
            SELECT DISTINCT a.person_id AS seller_person, b.person_id AS member
            FROM network_members a JOIN network_members b USING (network_id)
            WHERE a.role = 'facilitator' AND b.role IN ('facilitator', 'mule')
            UNION SELECT person_id, person_id FROM person_roles WHERE role = 'facilitator'),
        pays AS (
            SELECT p.record_id, p.transaction_id, p.provider, p.sent_at,
                   lower(p.transaction_id) AS code, {folded_text("p.receiver_name")} AS pickup,
                   sm.person_id AS payer, rm.person_id AS receiver, {sender} AS sender_identity,
                   p.source_id, p."row", date_trunc('day', p.sent_at) AS day
            FROM payments p
            LEFT JOIN person_members sm ON sm.member_key = {sender}
            LEFT JOIN person_members rm ON rm.member_key = {receiver}),
        days AS (
            SELECT episode_id, lo, hi,
                   unnest(generate_series(date_trunc('day', lo), date_trunc('day', hi),
                                          INTERVAL 1 DAY)) AS day
            FROM (SELECT episode_id, "start" - INTERVAL {int(before_minutes)} MINUTE AS lo,
                         "end" + INTERVAL {int(after_minutes)} MINUTE AS hi
                  FROM chat_episodes)),
        pairs AS (
            SELECT d.episode_id, p.*
            FROM days d JOIN pays p ON p.day = d.day AND p.sent_at BETWEEN d.lo AND d.hi)
        SELECT x.episode_id, x.record_id, x.transaction_id, x.provider, x.sent_at,
               contains(e.text, x.code), contains(e.text, x.pickup),
               coalesce(x.payer = e.buyer_person, false), net.member IS NOT NULL,
               x.sender_identity, x.source_id, x."row"
        FROM pairs x
        JOIN chat_episodes e ON e.episode_id = x.episode_id
        LEFT JOIN net ON net.seller_person = e.seller_person AND net.member = x.receiver
        WHERE contains(e.text, x.code) OR contains(e.text, x.pickup)
           OR coalesce(x.payer = e.buyer_person, false) OR net.member IS NOT NULL"""
    )


def candidates(engine: Engine) -> list[dict[str, object]]:
    """Payments that can make a session, with their episode's facts, in episode order.

    A session rests on the payments that something ties to the episode (a code or pickup
    name in the chat, or the payer resolved to the buyer), or on an episode's only payment.
    Every other candidate is dropped here, in SQL, so Python sees only those: at the seed's
    scale most candidates are unrelated payments to the same receivers in the same hours.

    A payment that something ties to another episode is not a rival in an episode where
    nothing ties any payment: the busier a network, the more of its buyers pay in the same
    hours, so without this an untied episode is only ever decided in a quiet network.
    ``windows`` is how many episodes hold the payment at all, ``rivals_elsewhere`` how
    many of the episode's payments were set aside as tied to other episodes.

    A payer whose person a remittance code, or a pickup name no other chat of those hours
    could explain, ties to one buyer account and to no other (``payer_known``) ties that
    buyer's other payments to his episodes: the re-link refuses such payers when it sees
    them pay for two persons, which at scale is often the same buyer split in two.
    """
    return engine.query_dicts(
        """WITH p AS (
               SELECT s.*, pm.person_id AS payer, e.buyer AS episode_buyer,
                      count(*) OVER (PARTITION BY s.record_id) AS windows
               FROM session_candidates s
               JOIN chat_episodes e ON e.episode_id = s.episode_id
               LEFT JOIN person_members pm ON pm.member_key = s.sender_identity),
           known AS (
               SELECT payer, min(episode_buyer) AS buyer,
                      min(source_id || ':' || CAST("row" AS VARCHAR)) AS known_by FROM p
               WHERE payer IS NOT NULL AND (code_named OR (receiver_named AND windows = 1))
               GROUP BY payer HAVING count(DISTINCT episode_buyer) = 1),
           t AS (
               SELECT p.*, k.payer IS NOT NULL AS payer_known, k.known_by,
                      code_named OR payer_is_buyer OR receiver_named OR k.payer IS NOT NULL
                          AS tied
               FROM p LEFT JOIN known k ON k.payer = p.payer AND k.buyer = p.episode_buyer),
           w AS (
               SELECT *,
                      sum(CASE WHEN tied THEN 1 ELSE 0 END)
                          OVER (PARTITION BY record_id) - CASE WHEN tied THEN 1 ELSE 0 END
                          AS tied_elsewhere
               FROM t),
           c AS (
               SELECT *,
                      sum(CASE WHEN tied THEN 1 ELSE 0 END)
                          OVER (PARTITION BY episode_id) AS tied_in_episode,
                      sum(CASE WHEN NOT tied AND tied_elsewhere = 0 THEN 1 ELSE 0 END)
                          OVER (PARTITION BY episode_id) AS free_in_episode,
                      sum(CASE WHEN NOT tied AND tied_elsewhere > 0 THEN 1 ELSE 0 END)
                          OVER (PARTITION BY episode_id) AS rivals_elsewhere
               FROM w)
           SELECT c.episode_id, c.record_id, c.transaction_id, c.provider, c.sent_at,
                  c.code_named, c.receiver_named, c.payer_is_buyer, c.receiver_in_network,
                  c.sender_identity, c.source_id, c."row", c.windows, c.rivals_elsewhere,
                  c.payer_known, c.known_by,
                  e.buyer, e.seller, e.buyer_person, e.seller_person, e."start", e."end",
                  e.first_live, e.requests, e.prices, e.lives, e.hit_rows,
                  src.sha256 AS source_sha256
           FROM c JOIN chat_episodes e USING (episode_id)
           JOIN sources src ON src.source_id = c.source_id
           WHERE c.tied
              OR (c.tied_in_episode = 0 AND c.free_in_episode = 1 AND c.tied_elsewhere = 0)
           ORDER BY c.episode_id, c.sent_at, c.record_id"""
    )


def login_ips(
    engine: Engine, windows: list[tuple[str, str, object, object]]
) -> dict[str, list[str]]:
    """Login IPs of each buyer account around each session: session id -> sorted IPs."""
    import pyarrow as pa

    if not windows:
        return {}
    engine.register(
        "_windows",
        pa.table(
            {
                "session_id": [w[0] for w in windows],
                "buyer": [w[1] for w in windows],
                "lo": pa.array([w[2] for w in windows], pa.timestamp("us")),
                "hi": pa.array([w[3] for w in windows], pa.timestamp("us")),
            }
        ),
    )
    try:
        rows = engine.query(
            f"""SELECT w.session_id, list(DISTINCT l.ip ORDER BY l.ip)
                FROM _windows w JOIN logins l
                  ON {account_key("l.platform", "l.account_id")} = w.buyer
                 AND l."at" BETWEEN w.lo AND w.hi
                GROUP BY w.session_id"""
        )
    finally:
        engine.unregister("_windows")
    return {str(s): list(ips) for s, ips in rows}


def write_sessions(engine: Engine, rows: list[dict[str, object]]) -> None:
    """Replace the stored sessions with ``rows``."""
    import pyarrow as pa

    engine.execute("DELETE FROM sessions")
    if not rows:
        return
    engine.register("_sessions", pa.Table.from_pylist(rows))
    try:
        engine.execute(
            """INSERT INTO sessions SELECT session_id, buyer_platform, buyer_account,
                   seller_platform, seller_account, buyer_person, seller_person,
                   CAST("start" AS TIMESTAMP), CAST("end" AS TIMESTAMP),
                   payment_transaction_ids, login_ips, confidence, evidence FROM _sessions"""
        )
    finally:
        engine.unregister("_sessions")


def source_hashes(engine: Engine) -> dict[str, str]:
    """The SHA-256 of every source file, by source id."""
    return {str(i): str(h) for i, h in engine.query("SELECT source_id, sha256 FROM sources")}


def sessions_export_sql() -> str:
    """``sessions.jsonl`` of the export contract."""
    return f"""
        SELECT session_id,
               {{'platform': buyer_platform, 'account_id': buyer_account}} AS buyer,
               {{'platform': seller_platform, 'account_id': seller_account}} AS seller,
               {iso('"start"')} AS "start", {iso('"end"')} AS "end",
               coalesce(payment_transaction_ids, CAST([] AS VARCHAR[]))
                   AS payment_transaction_ids,
               coalesce(login_ips, CAST([] AS VARCHAR[])) AS login_ips, confidence
        FROM sessions ORDER BY "start", session_id"""


EXPORTS = {"sessions": sessions_export_sql()}
