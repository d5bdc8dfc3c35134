"""Subprocess side of the ingest crash test: open a case, say ``ready``, ingest the files.

``python ingest_crash_worker.py CASE FILE:KIND...``; the key of an encrypted case comes
from ``THREADLINE_KEY``. The parent kills it with SIGKILL at a moment it chose.
"""

from __future__ import annotations

import sys
from pathlib import Path

from threadline import Case


def main(argv: list[str]) -> None:
    with Case.open(Path(argv[0])) as case:
        print("ready", flush=True)
        for item in argv[1:]:
            path, kind = item.rsplit(":", 1)
            case.ingest(kind, [path], agency="AG-1", seizure="EX-7")
        print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
