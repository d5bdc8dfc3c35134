"""Source files: CSV or JSON Lines written chunk by chunk, with planted malformed rows.

A :class:`SourceWriter` owns one file. Each ``write`` call takes a chunk of columns (text as
pyarrow arrays, timestamps as epoch seconds) and appends it; the file's clock turns the
timestamps into text, and a few extra bad rows are inserted at random, recorded with the
row number the ingest will report (CSV: header is row 1; JSON Lines: line number).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from threadline.synth import planted
from threadline.synth.clock import iso_text
from threadline.synth.textcols import concat_bytes, csv_lines, jsonl_lines

TIMESTAMP_FIELDS = frozenset({"sent_at", "at", "created_at"})


@dataclass(frozen=True)
class Source:
    """One delivered file: what it holds, who delivered it, and how its clock reads."""

    path: str
    kind: str
    format: str  # csv | jsonl
    agency: str
    seizure: str
    zone: str  # IANA zone (or UTC) the timestamps are written in
    naive: bool  # written without offsets; the manifest then names the zone
    columns: tuple[str, ...]

    def manifest(self) -> dict[str, object]:
        """The file's manifest entry; the time zone is named only for naive timestamps."""
        return {
            "path": self.path,
            "kind": self.kind,
            "format": self.format,
            "agency": self.agency,
            "seizure": self.seizure,
            "timezone": self.zone if self.naive else None,
        }


class SourceWriter:
    """Appends chunks to one source file and plants bad rows at ``error_rate``."""

    def __init__(
        self, root: Path, source: Source, rng: np.random.Generator, error_rate: float
    ) -> None:
        self.source = source
        self.rng = rng
        self.error_rate = error_rate
        self.reasons = tuple(
            r for r in planted.reasons_for(source.kind, source.naive) if r != "naive_timestamp"
        )
        self.path = root / source.path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: BinaryIO = self.path.open("wb")
        self.records = 0  # data records written, planted ones included
        self.good = 0
        self.errors: list[dict[str, object]] = []
        self._template: dict[str, str | None] | None = None
        if source.format == "csv":
            self._fh.write((",".join(source.columns) + "\n").encode())

    @property
    def has_template(self) -> bool:
        """Whether a good row was written that a planted bad row can copy."""
        return self._template is not None

    def text_columns(self, cols: dict[str, object]) -> list[pa.Array]:
        """The chunk's columns as text in file order (timestamps in the file's clock)."""
        out = []
        for name in self.source.columns:
            value = cols.get(name)
            if name in TIMESTAMP_FIELDS and isinstance(value, np.ndarray):
                value = iso_text(value, self.source.zone, naive=self.source.naive)
            out.append(value)
        return out

    def write(self, cols: dict[str, object]) -> list[pa.Array]:
        """Append a chunk; returns its columns as written (text, in file order)."""
        texts = self.text_columns(cols)
        n = len(texts[0])
        if n == 0:
            return texts
        names = list(self.source.columns)
        lines = csv_lines(texts) if self.source.format == "csv" else jsonl_lines(names, texts)
        k = int(self.rng.binomial(n, self.error_rate))
        after = (
            np.sort(self.rng.choice(n, size=k, replace=False)) if k else np.zeros(0, dtype=np.int64)
        )
        prev = 0
        for pos in after:
            self._fh.write(concat_bytes(lines.slice(prev, int(pos) + 1 - prev)))
            self.records += int(pos) + 1 - prev
            self.good += int(pos) + 1 - prev
            prev = int(pos) + 1
            template = {name: col[int(pos)].as_py() for name, col in zip(names, texts, strict=True)}
            self._plant(str(self.rng.choice(self.reasons)), template)
        self._fh.write(concat_bytes(lines.slice(prev)))
        self.records += n - prev
        self.good += n - prev
        self._template = {name: col[n - 1].as_py() for name, col in zip(names, texts, strict=True)}
        return texts

    def plant(self, reason: str) -> None:
        """Append one bad row of the given reason (after the last good row written)."""
        if self._template is None:
            raise ValueError(f"{self.source.path}: nothing written yet to derive a bad row from")
        self._plant(reason, self._template)

    def _plant(self, reason: str, template: dict[str, str | None]) -> None:
        names = list(self.source.columns)
        fmt = self.source.format
        if reason == "malformed_record":
            text, field = planted.malformed(self.rng, fmt, names, template), None
        else:
            bad, field = planted.corrupt(self.rng, self.source.kind, reason, template)
            if fmt == "csv":
                text = planted.render_csv([bad[n] for n in names])
            else:
                text = planted.render_json(names, bad)
        self._fh.write(text.encode("utf-8"))
        self.records += 1
        row = self.records + (1 if fmt == "csv" else 0)
        self.errors.append({"path": self.source.path, "row": row, "field": field, "reason": reason})

    def close(self) -> None:
        """Close the file."""
        self._fh.close()
