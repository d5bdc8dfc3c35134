"""The referral report a receiving agency reads: summary, contents, dossiers, annex, layout."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from tests.fixtures import BUYERS, pid
from threadline import Case
from threadline.share import report_pdf
from threadline.share.dossier import targets_for
from threadline.share.package import build_package
from threadline.share.referral import gather
from threadline.share.report import Grid, Report, build_report, day, text, when
from threadline.share.report_pdf import PAGE, render_pdf, table_widths
from threadline.share.report_target import _metres

TOM, SAM, MAX = BUYERS[0], BUYERS[2], BUYERS[4]  # GB (score 0.87), GB (0.85), DE
MARGIN = 12 * mm
ASN = "AS64500 Example Transit"


@pytest.fixture(scope="module")
def case(world_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    """A copy of the share world whose IP geolocation knows Tom's login address."""
    path = tmp_path_factory.mktemp("report") / "case"
    shutil.copytree(world_path, path)
    opened = Case.open(path)
    opened.engine.execute(
        f"UPDATE ip_geo SET country = 'GB', asn = '{ASN}' WHERE ip = '198.51.100.10'"
    )
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def de(case: Case, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(case, "DE", tmp_path_factory.mktemp("pkg") / "de")


@pytest.fixture(scope="module")
def gb(case: Case, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GB with the floor between Tom's and Sam's confidence: Sam goes to the annex."""
    return build_package(case, "GB", tmp_path_factory.mktemp("pkg") / "gb", floor=0.86)


def sections(pdf: Path) -> dict[str, str]:
    """Each bookmarked section's text (its pages up to the next section), and the contents.

    Runs of whitespace are one space: a table's cells come out of the PDF one per line.
    """
    reader = pypdf.PdfReader(pdf)
    marks = [
        (o.title, reader.get_destination_page_number(o))
        for o in reader.outline
        if not isinstance(o, list)
    ]
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    out = {}
    for k, (title, start) in enumerate(marks):
        end = marks[k + 1][1] if k + 1 < len(marks) else len(pages)
        out[title] = "\n".join(pages[start:end])
    out["(contents)"] = next(p for p in pages if re.search(r"page \d+ Contents Executive", p))
    return out


def test_de_package_opens_with_an_executive_summary_and_a_contents_page(
    case: Case, de: Path
) -> None:
    text = sections(de / "report.pdf")
    titles = [k for k in text if k != "(contents)"]
    assert titles[0] == "Executive summary"
    summary = text["Executive summary"]
    for figure in ("Targets", "Paid sessions", "Total spend by the targets", "Networks"):
        assert figure in summary
    assert "Period covered 2020-01-14 to 2020-02-14" in summary
    assert "70.00 USD" in summary  # two payments of 35.00 sent by the one DE target
    assert "What to do first" in summary
    assert pid(case, MAX) in summary
    contents = text["(contents)"]
    reader = pypdf.PdfReader(de / "report.pdf")
    for mark in reader.outline:
        assert isinstance(mark, pypdf.generic.Destination)
        page = reader.get_destination_page_number(mark) + 1
        assert f"{mark.title} {page}" in contents  # every section, with the page it is on


def test_each_target_above_the_floor_has_a_dossier_with_its_identifiers(
    case: Case, de: Path, gb: Path
) -> None:
    de_text = sections(de / "report.pdf")
    (dossier,) = [v for k, v in de_text.items() if k.startswith("DE target ")]
    assert f"DE target 1 of 1: {pid(case, MAX)}" in dossier
    assert "1 of 1 in DE" in dossier
    pay = MAX.pay_account.lower()  # as the case stores a payment account (normalised)
    for value in (MAX.handle, MAX.name, MAX.phone, MAX.email, pay, "198.51.100.14"):
        assert value in dossier, value
    assert re.search(r"src \d+ payments row 1", dossier)  # reasons cite source and row
    assert "counterpart 1 seller PH" in dossier  # the facilitator, unnamed
    assert "Paid sessions 1: first 2020-01-14, last 2020-01-14" in dossier
    gb_text = sections(gb / "report.pdf")
    (tom,) = [v for k, v in gb_text.items() if k.startswith("GB target ")]
    assert f"GB target 1 of 1: {pid(case, TOM)}" in tom
    assert f"{ASN}; GB 2020-01-10 01:55 to 2020-02-10 01:55, 2 logins" in tom
    assert "Overall rank (all countries) 3" in tom  # the global rank, labelled as such
    with (gb / "bundle" / "ips.csv").open() as fh:
        ips = {r["ip"]: r for r in csv.DictReader(fh)}
    assert ips["198.51.100.10"]["asn"] == ASN  # the bundle holds every address in full
    assert ips["198.51.100.10"]["logins"] == "2"


def test_targets_under_the_floor_are_only_in_the_annex_marked_intelligence_only(
    case: Case, gb: Path
) -> None:
    text = sections(gb / "report.pdf")
    dossiers = [k for k in text if k.startswith("GB target ")]
    assert dossiers == [f"GB target 1 of 1: {pid(case, TOM)}"]
    annex = text["Annex: intelligence only (under the confidence floor)"]
    assert "INTELLIGENCE ONLY" in annex
    assert pid(case, SAM) in annex
    assert SAM.handle in annex
    body = "\n".join(v for k, v in text.items() if not k.startswith("Annex"))
    assert pid(case, SAM) not in body.replace(text["(contents)"], "")
    doc = json.loads((gb / "bundle" / "package.json").read_text())
    assert [t["person_id"] for t in doc["targets"]] == [pid(case, TOM)]
    assert [(a["person_id"], a["intelligence_only"]) for a in doc["annex"]] == [
        (pid(case, SAM), True)
    ]
    assert doc["confidence_floor"] == 0.86
    with (gb / "bundle" / "annex.csv").open() as fh:
        assert [r["person_id"] for r in csv.DictReader(fh)] == [pid(case, SAM)]
    html = (gb / "report.html").read_text()
    assert '<p class="warning">INTELLIGENCE ONLY.' in html
    assert html.count('<section class="target"') == 1


def test_country_rank_counts_only_targets_at_or_above_the_floor(case: Case) -> None:
    rows = targets_for(case.engine, "gb", floor=0.86)
    assert [(r["person_id"], r["country_rank"], r["country_targets"]) for r in rows] == [
        (pid(case, TOM), 1, 1),
        (pid(case, SAM), None, 1),
    ]
    assert [r["country_rank"] for r in targets_for(case.engine, "GB", floor=0.0)] == [1, 2]


def text_lines(pdf: Path) -> Iterator[tuple[int, str, float, float]]:
    """Every line of text drawn: page, text, left x and right x (from the font's metrics)."""
    font = report_pdf._font()
    for number, page in enumerate(pypdf.PdfReader(pdf).pages):
        found: list[tuple[str, float, float]] = []
        page.extract_text(visitor_text=_collector(found, font))
        for line, left, right in found:
            yield number, line, left, right


def _collector(found: list[tuple[str, float, float]], font: str) -> Any:
    def visit(text: str, cm: list[float], tm: list[float], _f: object, size: float) -> None:
        line = text.rstrip("\n")
        if line.strip():
            x = cm[4] + cm[0] * tm[4]
            found.append((line, x, x + pdfmetrics.stringWidth(line, font, size)))

    return visit


def assert_inside_the_page(pdf: Path) -> None:
    lines = list(text_lines(pdf))
    assert lines
    for page, line, left, right in lines:
        assert left >= MARGIN - 1, (page, line, left)
        assert right <= PAGE[0] - MARGIN + 1, (page, line, right)


def test_no_text_runs_off_the_page(de: Path, gb: Path) -> None:
    assert_inside_the_page(de / "report.pdf")
    assert_inside_the_page(gb / "report.pdf")


def test_long_unbroken_cells_wrap_inside_the_page(tmp_path: Path) -> None:
    token = "a1b2c3d4" * 40  # a hash-like value with no space to break at
    report = Report("wrap", [Grid(["value", "note", "more"], [[token, "x " * 200, token]])])
    render_pdf(report, tmp_path / "wrap.pdf")
    assert_inside_the_page(tmp_path / "wrap.pdf")
    drawn = "\n".join(line for _, line, _, _ in text_lines(tmp_path / "wrap.pdf"))
    assert drawn.count(token) == 0  # wrapped...
    assert drawn.replace("\n", "").count(token) == 2  # ...and nothing lost


def test_no_float_noise_and_no_unlabelled_rank(gb: Path, de: Path) -> None:
    for pdf in (gb / "report.pdf", de / "report.pdf"):
        text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(pdf).pages)
        assert not re.search(r"\d\.\d{5,}", text)
        assert not re.search(r"Target \d+:", text)  # a global rank shown as if it were ours
        assert re.search(r"Confidence 0\.\d\d\b", text)


def test_every_grid_names_a_width_per_column(case: Case) -> None:
    report = build_report(gather(case.engine, "t", "GB", floor=0.86))
    grids = [b for b in report.blocks if isinstance(b, Grid)]
    assert len(grids) > 8
    for g in grids:
        assert len(g.widths) == len(g.headers), g.headers
        assert all(len(row) == len(g.headers) for row in g.rows), g.headers


@given(st.lists(st.floats(min_value=0.1, max_value=50), min_size=1, max_size=12))
def test_table_widths_fill_the_page_and_never_exceed_it(weights: list[float]) -> None:
    widths = table_widths(weights, len(weights), 700.0)
    assert sum(widths) <= 700.0 + 1e-6
    assert sum(widths) == pytest.approx(700.0)
    assert all(w > 0 for w in widths)
    assert sum(table_widths([1.0], 3, 700.0)) == pytest.approx(700.0)  # mismatch: equal


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
def test_report_numbers_carry_no_float_noise(value: float) -> None:
    shown = text(value)
    assert re.fullmatch(r"-?\d+\.\d\d", shown), shown
    assert re.fullmatch(r"\d+ m|\d+\.\d km", _metres(abs(value))), _metres(abs(value))


@given(st.datetimes(min_value=datetime(1970, 1, 1), timezones=st.just(UTC)))
def test_times_are_shown_to_the_minute(moment: datetime) -> None:
    stored = moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
    assert when(stored) == f"{moment:%Y-%m-%d %H:%M}"
    assert day(stored) == f"{moment:%Y-%m-%d}"
