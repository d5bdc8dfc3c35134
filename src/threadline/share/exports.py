"""The standard exports besides the JSON contract, each audited.

``csv``: one headered CSV per stored table; ``ftm``: FollowTheMoney entities for Aleph;
``graphml``: the person graph for Gephi / Neo4j; ``i2``: Analyst's Notebook import CSVs;
``vics``: VICS JSON of matched media for Griffeye, written by the media stage's own exporter
(:meth:`Case.export_vics`, which audits itself).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threadline.errors import UsageError
from threadline.share import export_sql as sql
from threadline.share import ftm, graph_export
from threadline.share.signing import sha256_file
from threadline.store.engine import Engine

if TYPE_CHECKING:
    from threadline.case import Case


def _csv(engine: Engine, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    return {t: sql.copy_table_csv(engine, t, out / f"{t}.csv") for t in sql.exportable_tables()}


WRITERS: dict[str, tuple[Callable[[Engine, Path], dict[str, int]], str | None]] = {
    # format: (writer, file name inside the output folder; None: the writer fills the folder)
    "csv": (_csv, None),
    "ftm": (ftm.write_ftm, "entities.ftm.json"),
    "graphml": (graph_export.write_graphml, "persons.graphml"),
    "i2": (graph_export.write_i2, None),
}
EXPORT_FORMATS = (*WRITERS, "vics")
VICS_FILE = "media.vics.json"


def export_format(case: Case, fmt: str, out_dir: Path | str) -> dict[str, Any]:
    """Write one standard export into ``out_dir`` and record it in the audit log.

    Returns:
        What was written: format, folder, counts and each file's sha256.
    """
    if fmt not in EXPORT_FORMATS:
        raise UsageError(
            f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "vics":
        entries = case.export_vics(out / VICS_FILE)
        return {"format": fmt, "out": str(out.resolve()), "counts": {"media": entries}}
    writer, name = WRITERS[fmt]
    before = {p for p in out.rglob("*") if p.is_file()}
    counts = writer(case.engine, out / name if name else out)
    files = {
        p.relative_to(out).as_posix(): sha256_file(p)
        for p in sorted(out.rglob("*"))
        if p.is_file() and (p not in before or name is None or p.name == name)
    }
    details = {"format": fmt, "out": str(out.resolve()), "counts": counts, "files": files}
    case.note("export", details)
    return details
