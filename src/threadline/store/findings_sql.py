"""Tables the analysis stages write (graph, signals, score) and the web and share layers read.

The shapes follow the export contract in DESIGN.md; ``evidence`` columns hold JSON lists
of ``{"source_sha256", "row", "table", "note"}`` objects.
"""

from __future__ import annotations

from threadline.store.engine import Engine

FINDINGS_TABLES = {
    # One row per person: the role decided by the graph stage (or an analyst override).
    "person_roles": """person_id VARCHAR, role VARCHAR, confidence DOUBLE, reasons VARCHAR,
        evidence VARCHAR, overridden BOOLEAN""",
    "role_overrides": """seq BIGINT, "at" TIMESTAMP, os_user VARCHAR, person_id VARCHAR,
        role VARCHAR, reason VARCHAR""",
    "networks": """network_id VARCHAR, size BIGINT, sellers BIGINT, buyers BIGINT,
        first_activity TIMESTAMP, last_activity TIMESTAMP, summary VARCHAR""",
    # Membership of persons in networks: role inside it, centrality, bridge flag.
    "network_members": """network_id VARCHAR, person_id VARCHAR, role VARCHAR,
        centrality DOUBLE, bridge BOOLEAN""",
    "sessions": """session_id VARCHAR, buyer_platform VARCHAR, buyer_account VARCHAR,
        seller_platform VARCHAR, seller_account VARCHAR, buyer_person VARCHAR,
        seller_person VARCHAR, "start" TIMESTAMP, "end" TIMESTAMP,
        payment_transaction_ids VARCHAR[], login_ips VARCHAR[], confidence DOUBLE,
        evidence VARCHAR""",
    "targets": """person_id VARCHAR, "rank" BIGINT, score DOUBLE, role VARCHAR,
        country VARCHAR, reasons VARCHAR""",
    "rescue": """person_id VARCHAR, lat DOUBLE, lon DOUBLE, radius_m DOUBLE, country VARCHAR,
        admin_area VARCHAR, last_activity TIMESTAMP, priority DOUBLE, evidence VARCHAR""",
}


def create_tables(engine: Engine) -> None:
    for name, body in FINDINGS_TABLES.items():
        engine.execute(f"CREATE TABLE IF NOT EXISTS {name} ({body})")


def networks(engine: Engine) -> list[dict[str, object]]:
    return engine.query_dicts(
        """SELECT n.*, list(m.person_id ORDER BY m.centrality DESC)
                          FILTER (WHERE m.role = 'facilitator') AS facilitators,
                  count(*) FILTER (WHERE m.bridge) AS bridges
           FROM networks n LEFT JOIN network_members m USING (network_id)
           GROUP BY ALL ORDER BY n.size DESC, n.network_id"""
    )


def targets(engine: Engine, country: str | None, top: int | None) -> list[dict[str, object]]:
    where = "WHERE country = ?" if country else ""
    limit = f"LIMIT {int(top)}" if top else ""
    return engine.query_dicts(
        f'SELECT * FROM targets {where} ORDER BY "rank" {limit}', [country] if country else None
    )


def role_of(engine: Engine, person_id: str) -> dict[str, object] | None:
    rows = engine.query_dicts("SELECT * FROM person_roles WHERE person_id = ?", [person_id])
    return rows[0] if rows else None


def override_role(engine: Engine, person_id: str, role: str, reason: str) -> None:
    """Apply an analyst's role at once (the graph stage re-applies it on every run)."""
    engine.execute(
        "UPDATE person_roles SET role = ?, confidence = 1.0, overridden = true, "
        "reasons = to_json([? || ?])::VARCHAR || '' WHERE person_id = ?",
        [role, "analyst: ", reason, person_id],
    )
