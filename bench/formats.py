"""Export ingest throughput: WhatsApp and Telegram parse + ingest vs canonical CSV ingest.

The same N benign chat messages are written three ways (a WhatsApp export, a Telegram
Desktop single-chat export, a canonical messages CSV); each is ingested into a fresh case
in its own child process in the same run. Prints messages per second, peak memory, and each
export's wall and CPU time as a ratio of the canonical ingest's (goal: <= 3x).

    .venv/bin/python bench/formats.py --messages 300000
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2021, 3, 1, 8, 0, tzinfo=UTC)
TEXTS = (
    "hello, how are you?",
    "ready? [LIVE]",
    "send first [PRICE]",
    'ok "thanks"',
    "see you tomorrow\nat the usual time",
)
PEOPLE = ("Maria Santos", "Jun", "+63 917 555 0101", "Ana Reyes")

CHILD = """
import json, resource, sys, time
from threadline import Case
fmt, path, case_dir = sys.argv[1:4]
with Case.init(case_dir) as case:
    t, cpu = time.perf_counter(), time.process_time()
    if fmt == "canonical":
        reports = case.ingest("messages", [path], agency="bench", seizure="bench")
    else:
        reports = case.ingest_export(fmt, [path], agency="bench", seizure="bench",
                                     timezone="UTC")
    took, cpu = time.perf_counter() - t, time.process_time() - cpu
stored = sum(r.stored for r in reports if r.kind == "messages")
print(json.dumps([took, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, stored]))
"""


def _messages(n: int) -> list[tuple[int, datetime, str, str]]:
    return [
        (i, START + timedelta(seconds=37 * i), PEOPLE[i % len(PEOPLE)], TEXTS[i % len(TEXTS)])
        for i in range(n)
    ]


def write_whatsapp(path: Path, msgs: list[tuple[int, datetime, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for _, t, who, text in msgs:
            fh.write(f"{t:%d/%m/%Y, %H:%M} - {who}: {text}\n")


def write_telegram(path: Path, msgs: list[tuple[int, datetime, str, str]]) -> None:
    items = [
        {
            "id": i + 1,
            "type": "message",
            "date": f"{t:%Y-%m-%dT%H:%M:%S}",
            "date_unixtime": str(int(t.timestamp())),
            "from": who,
            "from_id": f"user{1000 + PEOPLE.index(who)}",
            "text": text,
            "text_entities": [{"type": "plain", "text": text}],
        }
        for i, t, who, text in msgs
    ]
    doc = {"name": "Weekend plans", "type": "private_group", "id": 4242, "messages": items}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")


def write_canonical(path: Path, msgs: list[tuple[int, datetime, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["platform", "message_id", "sent_at", "sender", "recipient", "text"])
        for i, t, who, text in msgs:
            out.writerow(["chatapp", f"m{i}", t.isoformat(), who, "chat:4242", text])


def timed(fmt: str, path: Path, case_dir: Path) -> tuple[float, float, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, fmt, str(path), str(case_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, cpu, maxrss_kb, stored = json.loads(done.stdout.strip().splitlines()[-1])
    return float(seconds), float(cpu), int(maxrss_kb), int(stored)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300_000)
    args = parser.parse_args()
    msgs = _messages(args.messages)
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent.parent) as tmp:
        root = Path(tmp)
        files = {
            "canonical": root / "messages.csv",
            "whatsapp": root / "WhatsApp Chat with Weekend plans.txt",
            "telegram": root / "result.json",
        }
        write_canonical(files["canonical"], msgs)
        write_whatsapp(files["whatsapp"], msgs)
        write_telegram(files["telegram"], msgs)
        runs: dict[str, tuple[float, float, int, int]] = {}
        # canonical first and last: its best time is the baseline
        for n, fmt in enumerate(("canonical", "whatsapp", "telegram", "canonical")):
            run = timed(fmt, files[fmt], root / f"case{n}")
            best = runs.get(fmt)
            if best is None or run[0] < best[0]:
                runs[fmt] = run
        sizes = {fmt: round(p.stat().st_size / 1e6, 1) for fmt, p in files.items()}
    base, base_cpu = runs["canonical"][0], runs["canonical"][1]
    result: dict[str, object] = {"messages": args.messages, "goal_ratio": 3.0}
    for fmt, (seconds, cpu, rss, stored) in runs.items():
        result[fmt] = {
            "file_mb": sizes[fmt],
            "seconds": round(seconds, 2),
            "messages_per_s": round(args.messages / seconds),
            "ratio_to_canonical": round(seconds / base, 2),
            # CPU time of the whole process (all threads): steadier on a busy machine
            "cpu_seconds": round(cpu, 2),
            "cpu_ratio_to_canonical": round(cpu / base_cpu, 2),
            "stored": stored,
            "peak_rss_mb": round(rss / 1024),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
