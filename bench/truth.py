"""Read a synthetic operation's ground truth and map it onto a case's findings (bench only)."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def account_key(platform: str, account_id: str) -> str:
    return f"{platform.strip().lower()}:{account_id.strip().lower()}"


def truth_accounts(synth: Path) -> dict[str, dict[str, Any]]:
    """Account key -> truth person."""
    out = {}
    for person in load(synth / "truth" / "persons.jsonl"):
        for a in person["accounts"]:
            out[account_key(a["platform"], a["account_id"])] = person
    return out


def our_accounts(case: Any) -> dict[str, str]:
    """Account key (``platform:handle``) -> the case's person holding that account."""
    return dict(
        case.engine.query(
            "SELECT member_key, person_id FROM person_members WHERE member_type = 'account'"
        )
    )


def our_person_of_truth(
    accounts: dict[str, dict[str, Any]], ours: dict[str, str]
) -> dict[str, str | None]:
    """Truth person id -> our person holding most of its accounts (None if none seen)."""
    votes: dict[str, Counter[str]] = {}
    for key, person in accounts.items():
        votes.setdefault(person["person_id"], Counter())
        if key in ours:
            votes[person["person_id"]][ours[key]] += 1
    return {t: (c.most_common(1)[0][0] if c else None) for t, c in votes.items()}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@contextmanager
def analysed_world(scale: str, seed: int) -> Iterator[tuple[Path, Any, float]]:
    """Generate a synthetic operation, ingest it and analyse it: (data, case, seconds)."""
    from threadline import Case
    from threadline.synth import generate

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        generate(data, scale=scale, seed=seed)
        with Case.init(Path(tmp) / "case") as case:
            case.ingest_manifest(data / "manifest.json")
            started = time.perf_counter()
            case.analyze()
            yield data, case, time.perf_counter() - started


def args(doc: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()
