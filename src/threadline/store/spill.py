"""Spill space: how much of ``CASE/tmp`` DuckDB may fill, and what a crash left there.

A statement whose intermediate results do not fit the memory limit spills to ``CASE/tmp``.
Unbounded, one runaway join once filled a 65 GB disk before failing; bounded, it fails early
with a message that names the limit. Spills of encrypted cases are encrypted (DuckDB's
``temp_file_encryption``), and the ones a killed process left behind are removed at the next
open that holds the case's write lock.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from threadline.errors import UsageError

MAX_TEMP_ENV = "THREADLINE_MAX_TEMP"
DEFAULT_CAP_BYTES = 50 * 10**9
# DuckDB names its spill files duckdb_temp_storage*.tmp and duckdb_temp_block-*.block.
SPILL_PATTERNS = ("duckdb_temp_storage*", "duckdb_temp_block*")


def max_temp(tmp_dir: Path) -> str:
    """The spill limit: THREADLINE_MAX_TEMP, else min(50 GB, half the disk free now)."""
    chosen = os.environ.get(MAX_TEMP_ENV, "").strip()
    if chosen:
        return chosen
    free = shutil.disk_usage(tmp_dir if tmp_dir.exists() else tmp_dir.parent).free
    return f"{max(min(DEFAULT_CAP_BYTES, free // 2) // 10**6, 1)}MB"


def bad_setting(value: str, reason: str) -> UsageError:
    """The usage error for a THREADLINE_MAX_TEMP the engine does not understand."""
    return UsageError(
        f"{MAX_TEMP_ENV}={value!r} is not a size DuckDB understands (e.g. 20GB, 500MB): {reason}"
    )


def remove_leftovers(tmp_dir: Path) -> list[Path]:
    """Delete spill files a killed process left in ``tmp_dir``; returns what was removed.

    Call only while holding the case's write lock: then no other process is spilling there.
    """
    removed = []
    for pattern in SPILL_PATTERNS:
        for path in tmp_dir.glob(pattern):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def explain_refusal(message: str, limit: str, tmp_dir: Path) -> str:
    """An engine message, rewritten when it is the spill limit that stopped the statement."""
    if "max_temp_directory_size" not in message:
        return message
    first = message.strip().splitlines()[0]
    return (
        f"spill limit reached: the statement needed more than {limit} of temporary space in "
        f"{tmp_dir} (set by {MAX_TEMP_ENV}; default min(50 GB, half the free disk)). Raise "
        f"{MAX_TEMP_ENV} if the disk has room, or give DuckDB more memory with "
        f"THREADLINE_MEMORY_LIMIT. Engine: {first}"
    )
