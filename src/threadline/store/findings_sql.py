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
