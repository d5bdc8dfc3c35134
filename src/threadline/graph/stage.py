"""The graph stage: chat indicators, person edges and features, roles, networks."""

from __future__ import annotations

from typing import Any

from threadline.graph import chat_pack, networks, roles, stable_ids
from threadline.graph import sql as graph_sql
from threadline.pipeline import Stage
from threadline.store.engine import Engine

ROLE_RULES = roles.RoleRules()
NETWORK_RULES = networks.NetworkRules()


def run(engine: Engine) -> dict[str, Any]:
    """The graph stage: chat indicator hits, ties and features of persons, roles, networks."""
    graph_sql.write_fx_rates(engine)
    graph_sql.build_chat_hits(engine, chat_pack.load().patterns())
    graph_sql.build_edges(engine)
    graph_sql.build_features(engine)
    counts = roles.write(engine, roles.classify(engine, ROLE_RULES))
    stable_ids.take_baseline(engine)
    summary = networks.build(engine, graph_sql.roles(engine), NETWORK_RULES)
    summary["network_history_rows"] = stable_ids.settle(engine)
    return {"roles": counts, **summary}


STAGES = {
    "graph": Stage(
        "graph",
        run,
        {
            "roles": ROLE_RULES.as_dict(),
            "networks": NETWORK_RULES.as_dict(),
            "chat_pack": "default",
        },
    )
}
