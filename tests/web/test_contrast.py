"""Role badges and legend swatches meet WCAG 2.x AA (4.5:1), computed from the CSS itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from threadline.web.views_links import ROLES

STATIC = Path(__file__).resolve().parents[2] / "src" / "threadline" / "web" / "static"
CSS = "\n".join((STATIC / f).read_text(encoding="utf-8") for f in ("app.css", "views.css"))
AA = 4.5


def _variables() -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def _colour(value: str) -> str:
    value = value.strip()
    if m := re.fullmatch(r"var\(--([a-z-]+)\)", value):
        return _variables()[m.group(1)]
    return {"#fff": "#ffffff"}.get(value, value)


def _rules() -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of every rule (comments and media wrappers skipped)."""
    text = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    out = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        decl = {
            k.strip(): v.strip()
            for k, _, v in (d.partition(":") for d in body.split(";"))
            if v.strip()
        }
        for one in selector.split(","):
            out.append((one.strip(), decl))
    return out


def _declared(cls: str, prop: str) -> str | None:
    found = None
    for selector, decl in _rules():
        if re.search(rf"\.{re.escape(cls)}\b", selector) and prop in decl:
            found = decl[prop]
    return found


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.x) of an sRGB colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_matches_known_values() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#ffffff", "#777777") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("role", [*ROLES, "restricted"])
def test_every_role_badge_is_aa(role: str) -> None:
    background = _declared(f"role-{role}", "background")
    assert background, f"no badge colour for role {role}: it would be missing from the legend"
    text = _declared(f"role-{role}", "color") or _declared("swatch", "color")
    assert text
    ratio = contrast(_colour(text), _colour(background))
    assert ratio >= AA, f"{role}: {ratio:.2f}:1"


@pytest.mark.parametrize(
    "cls",
    [
        *("bar-messages", "bar-payments", "bar-logins", "mark-message", "mark-payment"),
        *("mark-login", "edge-session", "edge-payment", "edge-message", "edge-selector"),
    ],
)
def test_legend_swatches_are_aa(cls: str) -> None:
    background = _declared(cls, "background")
    assert background
    ratio = contrast(_colour(_declared("swatch", "color") or "#000000"), _colour(background))
    assert ratio >= AA, f"{cls}: {ratio:.2f}:1"
