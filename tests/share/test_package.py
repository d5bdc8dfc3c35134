"""Referral packages: minimal disclosure, signed manifest, tamper detection, the report."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pypdf
import pypdfium2
import pytest

from tests.fixtures import BUYERS, CHAT_TEXT, MEDIA_PATH, SELLERS, VICTIM_SERIES, Party, pid
from threadline import Case
from threadline.errors import UsageError
from threadline.score import sql as score_sql
from threadline.share import signing
from threadline.share.package import build_package, case_public_key, verify_package
from threadline.store import audit

PARTIES = (*SELLERS, *BUYERS)


def package_text(folder: Path) -> str:
    """Every byte of a package as searchable text, the PDF's text included, lower-cased."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".pdf":
            parts.extend(page.extract_text() for page in pypdf.PdfReader(path).pages)
        else:
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts).lower()


def identifiers(case: Case, party: Party) -> list[str]:
    return [pid(case, party).lower(), *(v.lower() for v in party.raw_values)]


@pytest.fixture(scope="module")
def packages(world: Case, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("packages")
    return {
        c: build_package(world, c, out / c)
        for c in [t["country"] for t in score_sql.target_countries(world.engine)]
    }


def test_every_country_gets_a_package(world: Case, packages: dict[str, Path]) -> None:
    assert sorted(packages) == ["AU", "DE", "FR", "GB", "PH", "US"]
    for country, folder in packages.items():
        doc = json.loads((folder / "bundle" / "package.json").read_text())
        expected = {p["person_id"] for p in score_sql.targets(world.engine, country)}
        assert {t["person_id"] for t in doc["targets"]} == expected
        assert all(t["country"] == country for t in doc["targets"])


def test_no_package_holds_another_countrys_targets(world: Case, packages: dict[str, Path]) -> None:
    for country, folder in packages.items():
        text = package_text(folder)
        others = [p for p in PARTIES if p.country != country]
        assert others
        for party in others:
            for value in identifiers(world, party):
                assert value not in text, f"{country} package shows {party.handle}'s {value!r}"
        for party in (p for p in PARTIES if p.country == country):
            assert pid(world, party).lower() in text  # the country's own targets are there


def test_no_victim_data_chat_text_or_media_paths(packages: dict[str, Path]) -> None:
    for folder in packages.values():
        text = package_text(folder)
        for secret in ("marisol", VICTIM_SERIES, MEDIA_PATH.lower(), CHAT_TEXT.lower()):
            assert secret.lower() not in text
        assert "victim_identified" not in text


def test_target_sections_hold_the_evidence(world: Case, packages: dict[str, Path]) -> None:
    doc = json.loads((packages["GB"] / "bundle" / "package.json").read_text())
    tom = next(t for t in doc["targets"] if t["person_id"] == pid(world, BUYERS[0]))
    assert [a["account_id"] for a in tom["accounts"]] == ["tom_b"]
    assert {"account country", "payment sender country", "phone number"} <= {
        j["basis"] for j in tom["jurisdiction"]
    }
    assert all(j["country"] == "GB" for j in tom["jurisdiction"])
    assert tom["reasons"][0]["signal"] == "paid_session"
    # free text from the score stage loses the payee's identity; notes are not carried
    assert tom["reasons"][0]["description"] == "paid [counterpart] ([counterpart]) for sessions"
    assert tom["reasons"][0]["evidence"] == [
        {"source_sha256": tom["reasons"][0]["evidence"][0]["source_sha256"], "row": 1}
        | {"table": "payments"}
    ]
    assert tom["reasons"][0]["evidence"][0]["row"] == 1
    (session,) = tom["sessions"]
    assert session["counterpart"] == "counterpart 1"
    assert session["counterpart_account"] is None
    assert session["counterpart_jurisdiction"] == "PH"
    assert session["login_ips"] == ["198.51.100.10"]
    assert {p["counterpart"] for p in tom["payments"]} == {"counterpart 1"}
    assert tom["networks"][0]["network_id"] == "N1"
    (media,) = tom["media"]
    assert media["category"] == "1"
    assert media["series_id"].startswith("S-")
    ph = json.loads((packages["PH"] / "bundle" / "package.json").read_text())
    assert all(t["rescue"] for t in ph["targets"])
    assert all(s["login_ips"] == [] for t in ph["targets"] for s in t["sessions"])
    header = (packages["GB"] / "bundle" / "targets.csv").read_text().splitlines()
    assert header[0] == (
        "person_id,rank,country_rank,country_targets,priority,confidence,score,role,country"
    )
    assert len(header) == 3


def test_verify_passes_and_every_altered_byte_names_its_file(
    world: Case, packages: dict[str, Path], tmp_path: Path
) -> None:
    folder = shutil.copytree(packages["GB"], tmp_path / "gb")
    key = case_public_key(world)
    result = verify_package(folder, key)
    assert result.ok, result.problems
    names = [*json.loads((folder / "manifest.json").read_text())["files"], "manifest.json"]
    names.append("manifest.sig")
    assert {"report.pdf", "report.html", "bundle/package.json", "bundle/payments.csv"} <= set(names)
    for name in names:
        path = folder / name
        original = path.read_bytes()
        changed = bytearray(original)
        changed[len(changed) // 2] ^= 0x01
        path.write_bytes(bytes(changed))
        result = verify_package(folder, key)
        path.write_bytes(original)
        assert not result.ok, name
        assert any(name in p for p in result.problems), (name, result.problems)
    assert verify_package(folder, key).ok


def test_verify_refuses_added_files_and_other_keys(
    packages: dict[str, Path], tmp_path: Path
) -> None:
    folder = shutil.copytree(packages["US"], tmp_path / "us")
    _, other_public = signing.generate_keypair(tmp_path / "other")
    result = verify_package(folder, other_public)
    assert not result.ok
    assert "signature does not match" in result.problems[0]
    (folder / "bundle" / "extra.csv").write_text("x\n")
    result = verify_package(folder, tmp_path / "other" / signing.PUBLIC_KEY_FILE)
    assert any("bundle/extra.csv: not listed" in p for p in result.problems)


def test_pdf_renders_with_one_section_per_target(packages: dict[str, Path], tmp_path: Path) -> None:
    pdf = packages["GB"] / "report.pdf"
    reader = pypdf.PdfReader(pdf)
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[0] == "Executive summary"
    targets = [t for t in titles if t.startswith("GB target ")]
    doc = json.loads((packages["GB"] / "bundle" / "package.json").read_text())
    assert len(targets) == len(doc["targets"]) == 2
    for t in doc["targets"]:
        assert any(t["person_id"] in title for title in targets)
    html = (packages["GB"] / "report.html").read_text()
    assert html.count('<section class="target"') == 2
    page = pypdfium2.PdfDocument(str(pdf))[0]
    image = page.render(scale=1).to_pil()
    image.save(tmp_path / "page1.png")
    assert image.convert("L").getextrema()[0] < 64  # dark text was drawn
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "p")], check=True)
        assert len(list(tmp_path.glob("p-*.png"))) == len(reader.pages)


def test_package_is_audited_and_refuses_bad_requests(world: Case, tmp_path: Path) -> None:
    build_package(world, "au", tmp_path / "au")
    entry = audit.entries(world.engine)[-1]
    assert entry.action == "package"
    details = json.loads(entry.details)
    assert details["country"] == "AU"
    assert details["targets"] == [pid(world, BUYERS[3])]
    with pytest.raises(UsageError, match="new or empty"):
        build_package(world, "AU", tmp_path / "au")
    with pytest.raises(UsageError, match="unknown country"):
        build_package(world, "XX", tmp_path / "xx")
    empty = build_package(world, "NZ", tmp_path / "nz")  # no targets: still a valid package
    assert json.loads((empty / "manifest.json").read_text())["targets"] == 0
    assert verify_package(empty, case_public_key(world)).ok
