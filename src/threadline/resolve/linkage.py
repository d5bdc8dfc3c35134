"""Probabilistic linkage of payment identities with Splink (Fellegi-Sunter, trained unsupervised).

The same model links identities on DuckDB or Spark: the engine supplies Splink's database
API; this module only describes the comparisons, the blocking and the training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on

from threadline.store.engine import Engine

# Pairs at or above this probability are linked. Chosen high on purpose: a wrong merge
# can put an innocent remitter into a suspect's person; a missed merge only costs recall
# and can still be recovered by phones, accounts or paid sessions.
MATCH_THRESHOLD = 0.995
SEED = 20240601


@dataclass(frozen=True)
class LinkageModel:
    """What was linked and how the model was trained, for the audit log."""

    pairs_compared: int
    pairs_linked: int
    threshold: float
    parameters: dict[str, Any]


def _name_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_sorted"),
            cll.ExactMatchLevel("name_sorted").configure(tf_adjustment_column="name_sorted"),
            cll.JaroWinklerLevel("name_full", 0.94),
            cll.JaroWinklerLevel("name_sorted", 0.90),
            cll.And(cll.ExactMatchLevel("first_mp"), cll.ExactMatchLevel("last_mp")),
            cll.ArrayIntersectLevel("name_tokens", 2),
            cll.ElseLevel(),
        ],
        comparison_description="written name: exact (any order), fuzzy, phonetic, shared tokens",
    )


def settings(prior: float = 1e-4) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=prior,
        comparisons=[
            _name_comparison(),
            cl.ExactMatch("phone"),
            cl.ExactMatch("account"),
            cl.ExactMatch("country"),
            cl.JaroWinklerAtThresholds("city", [0.9]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name_sorted"),
            block_on("phone"),
            block_on("account"),
            block_on("first_mp", "last_mp"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def link(
    engine: Engine, records: pa.Table, threshold: float = MATCH_THRESHOLD
) -> tuple[pa.Table, LinkageModel]:
    """Train on ``records`` (unique_id plus the feature columns) and return linked pairs.

    Returns a table of (unique_id_l, unique_id_r, match_probability, match_weight) for pairs
    at or above ``threshold``.
    """
    empty = pa.table(
        {
            "unique_id_l": pa.array([], pa.string()),
            "unique_id_r": pa.array([], pa.string()),
            "match_probability": pa.array([], pa.float64()),
        }
    )
    if records.num_rows < 3:
        return empty, LinkageModel(0, 0, threshold, {})
    db_api = engine.splink_api()
    source = db_api.register(records)
    linker = Linker(source, settings(), log_level="ERROR")
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("phone"), block_on("account"), block_on("name_sorted", "city")], recall=0.6
    )
    if not linker.misc.save_model_to_json()["probability_two_random_records_match"]:
        # No deterministic match at all (tiny or selector-poor case): keep a small prior.
        linker = Linker(source, settings(1.0 / max(records.num_rows, 2)), log_level="ERROR")
        training = linker.training
    training.estimate_u_using_random_sampling(max_pairs=2e6, seed=SEED)
    for rule in (block_on("name_sorted"), block_on("phone"), block_on("first_mp", "last_mp")):
        try:
            training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as exc:  # noqa: BLE001 - too few pairs under this rule to train on
            del exc
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    table = predictions.as_pyarrow_table()
    compared = table.num_rows
    mask = pa.compute.greater_equal(table["match_probability"], threshold)
    linked = table.filter(mask).select(["unique_id_l", "unique_id_r", "match_probability"])
    params = linker.misc.save_model_to_json()
    return linked, LinkageModel(compared, linked.num_rows, threshold, params)
