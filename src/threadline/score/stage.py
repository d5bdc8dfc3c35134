"""The score stage: geolocation, indicators, buyer targets and facilitator rescue priority."""

from __future__ import annotations

from typing import Any

from threadline.pipeline import Stage
from threadline.score import confidence as confidence_model
from threadline.score import geo
from threadline.score import rules as rule_files
from threadline.score import sql as score_sql
from threadline.score.rescue import rescue
from threadline.score.targets import score
from threadline.store.engine import Engine

RULES = rule_files.load()
MODEL = confidence_model.load()


def run(engine: Engine) -> dict[str, Any]:
    """The score stage: IP geolocation, indicator metrics, buyer targets, rescue priority."""
    score_sql.write_ip_geo(
        engine, geo.ip_table(score_sql.distinct_ips(engine), list(RULES.hosting_asn_keywords))
    )
    score_sql.build_metrics(engine, RULES.low_value_usd, list(RULES.innocuous_narratives))
    targets = score(engine, RULES, MODEL)
    homes = rescue(engine)
    return {"targets": len(targets), "facilitators": len(homes)}


STAGES = {"score": Stage("score", run, {**RULES.as_dict(), "confidence": MODEL.as_dict()})}
