"""The workbench in a real browser: an analyst's journey, hostile text, no outside request.

Screenshots go to ``bench/out/web/journeys/`` (git-ignored).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import PAYLOADS, Built
from tests.web.browser import ARGS, CHROMIUM
from tests.web.conftest import ARTEFACTS, PASSWORD, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make install)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Watch:
    """Everything a page asks of the network, every console message and every dialog."""

    def __init__(self, page: Any, base: str) -> None:
        self.base = base
        self.requests: list[str] = []
        self.console: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        page.on("dialog", self._dialog)

    def _dialog(self, d: Any) -> None:
        self.dialogs.append(d.message)
        d.dismiss()

    def check(self) -> None:
        outside = [u for u in self.requests if not u.startswith(self.base)]
        assert not outside, f"requests left the server: {outside}"
        problems = [c for c in self.console if "error" in c.split(":")[0] or "Security" in c]
        assert not problems, "\n".join(problems) + "\n" + "\n".join(self.requests)
        assert not self.dialogs, self.dialogs


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    watch = Watch(pg, server.url)
    yield pg, watch
    context.close()


def sign_in(pg: Any, base: str, name: str) -> None:
    pg.goto(f"{base}/login")
    pg.fill("input[name=name]", name)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(f"{base}/")


def test_analyst_journey(
    page: tuple[Any, Watch], server: LiveServer, built: Built, artefacts: Path
) -> None:
    pg, watch = page
    base = server.url
    sign_in(pg, base, "au_analyst")
    assert pg.locator("h1").inner_text().startswith("Case")
    assert pg.locator("svg rect").count() > 0  # the activity chart
    pg.screenshot(path=str(artefacts / "01-dashboard.png"), full_page=True)

    pg.click("nav >> text=Networks")
    pg.click("a.network-link >> text=N000")
    pg.wait_for_selector("#graph[data-ready]")
    assert pg.get_attribute("#graph", "data-ready") == "6"
    restricted = pg.evaluate(
        "window.threadlineGraph.nodes().filter(n => n.data('restricted')).length"
    )
    assert restricted == 2  # the GB buyers, for an AU analyst
    pg.screenshot(path=str(artefacts / "02-network-graph.png"), full_page=True)

    target = built.persons["au0_0"]
    box = pg.locator("#graph").bounding_box()
    pos = pg.evaluate(f"window.threadlineGraph.getElementById('{target}').renderedPosition()")
    pg.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    pg.wait_for_url(f"{base}/persons/{target}")
    assert "au0_0" in pg.locator("h1").inner_text()
    pg.click("details.selectors summary")  # loaded on opening, by htmx
    pg.wait_for_selector("details.selectors .records table tr td")
    pg.screenshot(path=str(artefacts / "03-person.png"), full_page=True)

    link = pg.locator("table.reasons a.evidence").first
    href = link.get_attribute("href")
    link.click()
    pg.wait_for_url(f"{base}{href}")
    assert pg.locator("section.record").count() >= 1
    assert "messages record" in pg.locator("section.record h2").first.inner_text()
    pg.screenshot(path=str(artefacts / "04-evidence.png"), full_page=True)

    pg.click("nav >> text=Targets")
    pg.wait_for_url(f"{base}/targets/AU")
    assert pg.locator("a.target-link").count() == 4
    pg.goto(f"{base}/targets/GB")
    assert pg.locator("a.target-link").count() == 0  # GB buyers are GB's
    assert "restricted" in pg.locator("p.notice").inner_text()

    pg.click("nav >> text=Packages")
    # The build runs in the background; packages.js polls its progress. The first poll is
    # held until the progress bar has been seen, then every answer is passed on and kept.
    held: list[Any] = []
    polled: list[dict[str, Any]] = []

    def progress(route: Any) -> None:
        if not held:
            held.append(route)
            return
        answer = route.fetch()
        polled.append(answer.json())
        route.fulfill(response=answer)

    pg.route("**/api/packages/AU/progress", progress)
    pg.click("#generate")
    bar = pg.locator("#build-progress progress#build-progress-bar")
    bar.wait_for(state="visible")
    assert (
        pg.locator("label[for=build-progress-bar]")
        .inner_text()
        .startswith(("Building the AU package", "The AU package is built"))
    )
    assert bar.get_attribute("aria-valuenow") is not None
    assert pg.locator("#generate").is_disabled()
    pg.screenshot(path=str(artefacts / "05-package-building.png"), full_page=True)
    for _ in range(200):  # the route handler runs while Playwright waits
        if held:
            break
        pg.wait_for_timeout(50)
    progress(held[0])
    pg.wait_for_url(re.compile(re.escape(f"{base}/packages?built=") + r"\d{8}T\d{6}Z"))
    assert polled, "the page never polled the build's progress"
    last = polled[-1]
    assert (last["state"], last["done"], last["total"], last["percent"]) == ("done", 2, 2, 100)
    assert pg.locator("#build-progress").get_attribute("data-state") == "done"
    assert bar.get_attribute("value") == "100"
    assert bar.get_attribute("aria-valuenow") == "100"
    assert "is built" in pg.locator("#build-progress-label").inner_text()
    assert pg.locator("tr.just-built").count() == 1
    with pg.expect_download() as info:
        pg.locator("a.download").first.click()
    saved = artefacts / info.value.suggested_filename
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as z:
        assert json.loads(z.read("manifest.json"))["country"] == "AU"
    pg.screenshot(path=str(artefacts / "05-packages.png"), full_page=True)
    watch.check()


def test_hostile_chat_text_is_shown_as_text_and_never_runs(
    page: tuple[Any, Watch], server: LiveServer, built: Built, artefacts: Path
) -> None:
    pg, watch = page
    base = server.url
    sign_in(pg, base, "au_analyst")
    sha, row = built.evidence["message"]
    for i, path in enumerate(
        [
            f"/persons/{built.persons['au0_0']}",
            f"/persons/{built.persons['fac0']}",
            f"/evidence/{sha}/{row}",
            "/networks",
            "/networks/N000",
            "/sessions",
        ]
    ):
        pg.goto(base + path)
        pg.wait_for_load_state("networkidle")
        assert pg.evaluate("typeof window.__pwned") == "undefined", path
        assert pg.locator("img[src=x]").count() == 0, path
        assert pg.locator("main script, main svg[onload]").count() == 0, path
        text = pg.locator("main").inner_text()
        if path.startswith("/persons/" + built.persons["au0_0"]):
            for payload in PAYLOADS[:3]:
                assert payload in text, payload
            assert "{{ 7 * 7 }}" in text  # not evaluated as a template
        if path.startswith("/persons/" + built.persons["fac0"]):
            assert '<img src=x onerror="window.__pwned = 5">Mal' in text
        pg.screenshot(path=str(artefacts / f"10-hostile-{i}.png"), full_page=True)
    watch.check()


def test_thumbnail_only_after_an_audited_reason(
    page: tuple[Any, Watch], server: LiveServer, built: Built, artefacts: Path
) -> None:
    pg, watch = page
    base = server.url
    sign_in(pg, base, "au_analyst")
    sha = built.media["seller"]
    pg.goto(f"{base}/media/{sha}")
    assert pg.locator("main img").count() == 0
    pg.fill("input[name=reason]", "series identification for victim ID")
    pg.click("text=Show blurred thumbnail")
    pg.wait_for_selector("#thumb img")
    img = pg.locator("#thumb img")
    for _ in range(100):  # wait_for_function evaluates a string, which the CSP forbids
        if img.evaluate("i => i.complete && i.naturalWidth > 0"):
            break
        pg.wait_for_timeout(50)
    assert pg.evaluate("document.querySelector('#thumb img').naturalWidth") == 160
    pg.screenshot(path=str(artefacts / "20-thumbnail.png"))
    watch.check()
    entries = server.case.engine.query(
        "SELECT details FROM audit WHERE action = 'view:thumbnail' ORDER BY seq DESC LIMIT 1"
    )
    assert "series identification" in entries[0][0]


def test_sign_in_failure_and_csp_header(page: tuple[Any, Watch], server: LiveServer) -> None:
    pg, _watch = page
    pg.goto(f"{server.url}/")
    assert re.search(r"/login\?next=/$", pg.url)
    pg.fill("input[name=name]", "au_analyst")
    pg.fill("input[name=password]", "wrong password here")
    pg.click("button[type=submit]")
    assert "wrong name or password" in pg.locator(".error").inner_text()
    response = pg.goto(f"{server.url}/login")
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_merge_review_with_htmx(browser: Any, built: Built, tmp_path: Path) -> None:
    from tests.web.conftest import copy_case

    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        context = browser.new_context()
        pg = context.new_page()
        watch = Watch(pg, s.url)
        sign_in(pg, s.url, "au_reviewer")
        pg.goto(f"{s.url}/merges")
        rows = pg.locator("table.merges tr[id^=merge-]")
        before = rows.count()
        assert before >= 1
        first = rows.first
        first.locator("form[action='/merges/confirm'] input[name=reason]").fill("same account")
        first.locator("button[value=confirm]").click()
        pg.wait_for_selector("tr.decided")  # swapped in place by htmx, no page load
        assert pg.locator("tr.decided").inner_text().startswith("confirmed")
        pg.screenshot(path=str(ARTEFACTS / "30-merge-review.png"), full_page=True)
        pg.reload()
        assert pg.locator("table.merges tr[id^=merge-]").count() == before - 1
        watch.check()
        context.close()
