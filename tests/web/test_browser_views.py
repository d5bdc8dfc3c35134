"""Analyst views in a real browser: a message in its conversation, an ego network expanded
twice with a path found, the rescue worklist and its offline map.

Screenshots of each step go to ``bench/out/web/journeys/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import CHROMIUM
from tests.web.conftest import LiveServer
from tests.web.test_browser import Watch, browser, page, sign_in  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make install)"),
]


def _person(server: LiveServer, account: str) -> str:
    return str(
        server.case.engine.query(
            "SELECT person_id FROM person_members WHERE member_key = ?", [f"chatapp:{account}"]
        )[0][0]
    )


def test_open_a_message_in_its_conversation(
    page: tuple[Any, Watch],  # noqa: F811
    server: LiveServer,
    artefacts: Path,
) -> None:
    pg, watch = page
    sign_in(pg, server.url, "au_analyst")
    sha, row = server.case.engine.query(
        """SELECT s.sha256, m."row" FROM messages m JOIN sources s USING (source_id)
           WHERE m.conversation_id = 'c-au1_0' ORDER BY m.sent_at LIMIT 1"""
    )[0]
    pg.goto(f"{server.url}/evidence/{sha}/{row}")
    pg.click("a.context")
    pg.wait_for_url(f"{server.url}/conversation/{sha}/{row}")
    assert pg.locator("#opened").count() == 1
    assert pg.locator("li.msg.side-a").count() >= 1
    assert pg.locator("li.msg.side-b").count() >= 1
    assert pg.locator("#conversation mark.token").first.inner_text() == "[REQUEST]"
    pg.screenshot(path=str(artefacts / "views-conversation.png"), full_page=True)
    watch.check()


def test_expand_an_ego_network_twice_and_find_a_path(
    page: tuple[Any, Watch],  # noqa: F811
    server: LiveServer,
    artefacts: Path,
) -> None:
    pg, watch = page
    sign_in(pg, server.url, "au_analyst")
    buyer, seller, other = (_person(server, a) for a in ("au1_0", "sel1", "au1_1"))
    pg.goto(f"{server.url}/persons/{buyer}/links")
    pg.wait_for_selector("#ego[data-expanded='0']")
    first = int(pg.get_attribute("#ego", "data-ready") or 0)
    assert first >= 2
    assert pg.evaluate(f"threadlineEgo.cy.getElementById('{seller}').length") == 1
    # `void`: emit() returns the Cytoscape collection, and Playwright serialising it (the whole
    # graph and renderer behind it) ran the page's V8 heap out of memory ("Target crashed").
    pg.evaluate(f"void threadlineEgo.cy.getElementById('{seller}').emit('tap')")
    pg.click("#ego-expand")
    pg.wait_for_selector("#ego[data-expanded='1']")
    second = int(pg.get_attribute("#ego", "data-ready") or 0)
    assert second > first
    pg.evaluate(f"void threadlineEgo.cy.getElementById('{other}').emit('tap')")
    pg.click("#ego-expand")
    pg.wait_for_selector("#ego[data-expanded='2']")
    hops = pg.evaluate("threadlineEgo.cy.nodes().map(function (n) { return n.data('hop'); })")
    assert max(hops) == 2
    pg.screenshot(path=str(artefacts / "views-ego.png"), full_page=True)
    pg.fill("#path-to", other)
    pg.click("#ego-path button[type=submit]")
    pg.wait_for_selector("#path-result[data-length]")
    assert pg.get_attribute("#path-result", "data-length") == "2"
    assert pg.evaluate("threadlineEgo.cy.$('.path').length") == 5  # 3 persons, 2 links
    pg.screenshot(path=str(artefacts / "views-path.png"), full_page=True)
    watch.check()


def test_rescue_worklist_and_its_map(
    page: tuple[Any, Watch],  # noqa: F811
    server: LiveServer,
    artefacts: Path,
) -> None:
    pg, watch = page
    sign_in(pg, server.url, "gb_analyst")
    pg.click("#card-rescue")
    pg.wait_for_url(f"{server.url}/rescue")
    pg.wait_for_selector("#map[data-ready]")
    assert pg.get_attribute("#map", "data-ready") not in (None, "error", "0")
    assert pg.locator("#map path.leaflet-interactive, #map svg path").count() > 100  # borders
    assert "Cebu" in pg.inner_text("#rescue-list")
    pg.screenshot(path=str(artefacts / "views-rescue.png"), full_page=True)
    pg.click("#rescue-list a:text('map')")
    pg.wait_for_selector("#map[data-ready]")
    assert pg.get_attribute("#map", "data-ready") not in (None, "error", "0")
    pg.screenshot(path=str(artefacts / "views-person-map.png"), full_page=True)
    watch.check()


def test_add_a_note_and_see_it_in_the_package_builder(
    page: tuple[Any, Watch],  # noqa: F811
    server: LiveServer,
    artefacts: Path,
) -> None:
    pg, watch = page
    sign_in(pg, server.url, "au_analyst")
    seller = _person(server, "sel1")
    pg.goto(f"{server.url}/persons/{seller}")
    pg.wait_for_selector("#notes-person form")
    pg.fill("#note-tag-person", "rescue-lead")
    pg.fill("#note-text-person", "seen on the Cebu fixes")
    pg.click("#notes-person button[type=submit]")
    pg.wait_for_url(f"{server.url}/persons/{seller}")
    pg.wait_for_selector("#notes-person .tag")
    assert "rescue-lead" in pg.inner_text("#notes-person")
    pg.screenshot(path=str(artefacts / "views-note.png"), full_page=True)
    pg.goto(f"{server.url}/packages")
    pg.wait_for_selector("#agency-notes")
    assert "seen on the Cebu fixes" in pg.inner_text("#agency-notes")
    pg.screenshot(path=str(artefacts / "views-package-notes.png"), full_page=True)
    watch.check()


@pytest.mark.parametrize(
    "path",
    ["/", "/sessions", "/rescue", "/packages", "/merges", "/persons/{seller}", "/sessions/S-au1_0"],
)
def test_usable_at_390_px(browser: Any, server: LiveServer, path: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    sign_in(pg, server.url, "au_analyst")
    pg.goto(server.url + path.format(seller=_person(server, "sel1")))
    width = pg.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 390, f"{path} is {width} px wide at 390 px"


def test_every_input_has_a_label(page: tuple[Any, Watch], server: LiveServer) -> None:  # noqa: F811
    pg, _ = page
    sign_in(pg, server.url, "au_analyst")
    seller = _person(server, "sel1")
    unlabelled: list[str] = []
    for path in ("/merges", f"/persons/{seller}", f"/persons/{seller}/links", "/packages"):
        pg.goto(f"{server.url}{path}")
        pg.wait_for_load_state("networkidle")
        unlabelled += [
            f"{path}: {name}"
            for name in pg.evaluate(
                """Array.from(document.querySelectorAll('input, select, textarea'))
                   .filter(e => e.type !== 'hidden' && e.labels.length === 0
                                && !e.getAttribute('aria-label'))
                   .map(e => e.name || e.id)"""
            )
        ]
    assert not unlabelled, unlabelled
