"""Benchmark the full-text index: build time, size on disk and query time at ``medium``.

The case is the synthetic ``medium`` operation (``threadline synth medium --seed 7``, as in
``/tmp/q_medium``), ingested and analysed once into ``bench/out/search/case`` (the analysis
ends with the ``search`` step that builds the index). Then, on that case: the index is
rebuilt and timed; its size is the database file's growth over the same case without the
index (both after a checkpoint); a few searches are timed with the index and, as the
baseline measured in the same run, with the ``LIKE`` scan used when there is no index.

Usage: ``python bench/search.py [--data /tmp/q_medium] [--case DIR]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from threadline import Case  # noqa: E402
from threadline.store import full_text  # noqa: E402

QUERIES = ("request", "price", "paid", "live", "call")


def _size(case: Case) -> int:
    """Bytes in the database's used blocks (the file keeps freed blocks, so not its size)."""
    case.engine.execute("CHECKPOINT")
    used, block = case.engine.query("SELECT used_blocks, block_size FROM pragma_database_size()")[0]
    return int(used) * int(block)


def _timed(case: Case, sql: str, params: list[object]) -> tuple[float, int]:
    began = time.perf_counter()
    n = len(case.engine.query(sql, params))
    return (time.perf_counter() - began) * 1000, n


def main() -> None:
    """Build (if needed) the medium case, then print index build time, size and query times."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("/tmp/q_medium"))  # noqa: S108 (the shared synth output)
    ap.add_argument("--case", type=Path, default=ROOT / "bench" / "out" / "search" / "case")
    args = ap.parse_args()
    if not (args.case / "case.json").is_file():
        print(f"ingesting and analysing {args.data} into {args.case} ...", flush=True)
        with Case.init(args.case) as case:
            case.ingest_manifest(args.data / "manifest.json")
            for step in case.analyze():
                print(f"  {step['stage']}: {step['seconds']} s", flush=True)
    with Case.open(args.case) as case:
        messages = int(case.engine.scalar("SELECT count(*) FROM messages"))
        full_text.load(case.engine)
        case.engine.execute("PRAGMA drop_fts_index('messages')")
        without = _size(case)
        began = time.perf_counter()
        summary = full_text.build(case.engine)
        build_s = time.perf_counter() - began
        with_index = _size(case)
        hits_ms, bm25_ms, like_ms = [], [], []
        for q in QUERIES:
            hits_sql = f"SELECT key FROM ({full_text.hits_sql('messages')})"
            ms, n_hits = _timed(case, hits_sql, [q])
            hits_ms.append(ms)
            bm25_sql = (
                f"SELECT record_id FROM (SELECT record_id, {full_text.match_sql('messages')} "
                "AS score FROM messages) WHERE score IS NOT NULL"
            )
            ms, n_bm25 = _timed(case, bm25_sql, [q])
            bm25_ms.append(ms)
            ms, n_like = _timed(
                case, "SELECT record_id FROM messages WHERE instr(lower(text), ?) > 0", [q]
            )
            like_ms.append(ms)
            assert n_hits == n_bm25, (q, n_hits, n_bm25)
            print(f"  query {q!r}: {n_hits} messages by index, {n_like} by text scan", flush=True)
    search_ms = _workbench_search(args.case)
    grow = with_index - without
    print(f"messages: {messages:,}; index {summary}")
    print(f"index build: {build_s:.2f} s")
    print(
        f"index size: {grow / 1e6:.1f} MB ({without / 1e6:.1f} MB without, "
        f"{with_index / 1e6:.1f} MB with; {grow / max(without, 1):.1%} of the case)"
    )
    med = {
        k: statistics.median(v)
        for k, v in (("hits", hits_ms), ("bm25", bm25_ms), ("like", like_ms))
    }
    print(
        f"query median: postings BM25 (used) {med['hits']:.1f} ms, extension match_bm25 "
        f"{med['bm25']:.1f} ms, text scan {med['like']:.1f} ms "
        f"(ratio used/scan {med['hits'] / med['like']:.2f})"
    )

    for what, ms in search_ms.items():
        print(f"workbench {what}: {ms:.0f} ms (median of 3, warm)")


def _workbench_search(case_dir: Path) -> dict[str, float]:
    """Median time of the whole workbench search (all kinds, policy applied) per query."""
    from threadline.web import lists
    from threadline.web.policy import User, load_policy
    from threadline.web.search import search
    from threadline.web.workbench import Workbench

    with Case.open(case_dir) as case:  # writable: each search is audited
        wb = Workbench(case, load_policy(case.path))
        phone, txid, name, country = case.engine.query(
            """SELECT (SELECT min(value) FROM selectors WHERE selector_type = 'phone'),
                      (SELECT min(transaction_id) FROM payments),
                      (SELECT min(name) FROM payment_identities WHERE name LIKE '% %'),
                      (SELECT min(country) FROM targets WHERE role = 'buyer')"""
        )[0]
        user = User("bench", "bench-agency", str(country), "analyst")
        out = {}
        try:
            for listed in ("sessions", "persons", "audit"):
                view = getattr(lists, listed)
                admin = User("bench", "bench-agency", str(country), "admin")
                times = []
                for _ in range(4):
                    began = time.perf_counter()
                    answer = view(wb, admin, {"size": "50"})
                    times.append((time.perf_counter() - began) * 1000)
                total = answer["paging"]["total"]
                out[f"list /{listed} page 1 of {total:,} rows"] = statistics.median(times[1:])
            for what, q in (
                ("phone", phone),
                ("transaction id", txid),
                ("name", name),
                ("message words 'request'", "request"),
            ):
                times = []
                for _ in range(4):
                    began = time.perf_counter()
                    search(wb, user, str(q))
                    times.append((time.perf_counter() - began) * 1000)
                key = f"{what} {str(q)[:24]!r}" if what != "message words 'request'" else what
                out[f"search {key}"] = statistics.median(times[1:])
        finally:
            wb.close()
    return out


if __name__ == "__main__":
    main()
