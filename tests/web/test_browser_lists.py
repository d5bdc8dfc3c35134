"""Search and paged lists in Debian's Chromium: the journeys of issue 20's points 1 and 2.

Screenshots of each step go to ``bench/out/web/journeys/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures import Built
from tests.web.browser import ARGS, CHROMIUM
from tests.web.conftest import ARTEFACTS as SHOTS
from tests.web.conftest import PASSWORD, LiveServer
from threadline import Case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make install)"),
]
AU_PHONE = "+61410000000"  # buyer au0_0 of the fixture world


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def pg(browser: Any, server: LiveServer) -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: errors.append(r.url) if not r.url.startswith(server.url) else 0)
    page.goto(f"{server.url}/login")
    page.fill("input[name=name]", "au_analyst")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    yield page
    context.close()
    assert not errors, errors


def test_search_a_phone_number_and_reach_its_person(
    pg: Any, server: LiveServer, built: Built
) -> None:
    pg.fill("#search-q", AU_PHONE)
    pg.press("#search-q", "Enter")
    pg.wait_for_url(f"{server.url}/search?q=*")
    pg.screenshot(path=str(SHOTS / "search-1-results.png"), full_page=True)
    link = pg.locator("section.hits-selectors a.hit-person").first
    assert link.is_visible()
    link.click()
    person = built.persons["au0_0"]
    pg.wait_for_url(f"{server.url}/persons/{person}")
    assert "au0_0" in pg.locator("h1").inner_text()
    pg.screenshot(path=str(SHOTS / "search-2-person.png"), full_page=True)


def test_page_through_every_session(pg: Any, server: LiveServer, built: Built) -> None:
    with Case.open(built.path, read_only=True) as case:
        total = int(case.engine.scalar("SELECT count(*) FROM sessions"))
    pg.click("nav >> text=Sessions")
    pg.wait_for_url(f"{server.url}/sessions")
    pg.fill("input[name=size]", "3")
    pg.click("form.filters button[type=submit]")
    pg.wait_for_selector("table.list-sessions")
    rows, page = 0, 1
    while True:
        rows += pg.locator("table.list-sessions tr").count() - 1  # minus the header
        pg.screenshot(path=str(SHOTS / f"sessions-page-{page}.png"), full_page=True)
        after = pg.locator("nav.pager a.next").first
        if after.count() == 0:
            break
        after.click()
        page += 1
        pg.wait_for_url(f"{server.url}/sessions?*page={page}*")
    assert rows == total
    assert page == -(-total // 3)
    assert f"of {total}" in pg.locator("nav.pager .count").first.inner_text()
