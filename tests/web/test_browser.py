"""Browser tests: Debian's Chromium driven by Playwright against ``tellers serve``'s app
on a SQLite file, with the demo election. A voter ranks with JavaScript (keyboard and
drag and drop) and without it (one select per preference); an officer opens and closes
voting, counts and declares; the public results page is shown on a desktop and a phone.
Screenshots go to ``docs/screenshots/`` with TELLERS_UPDATE_SCREENSHOTS=1 (else a scratch
folder); axe-core checks every page for serious or
critical accessibility violations.

Needs ``scripts/install-browser`` (Chromium and the vendored axe-core); skipped, with
the reason, when Chromium is missing.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tellers.cli.serve import build_context
from tellers.services import portal
from tellers.services.voting import bulletin_board
from tellers.web.app import create_app
from tellers.web.demo import DemoElection, seed_demo
from tellers.web.deps import WebContext
from tests.web.cookies import shows
from tests.web.loopback import free_port

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
# The README's screenshots are refreshed only when asked (TELLERS_UPDATE_SCREENSHOTS=1),
# so that a test run leaves the working tree as it found it; otherwise they go to a
# scratch folder (still taken, so the pages are rendered and checked the same way).
SHOTS = (
    REPO / "docs" / "screenshots"
    if os.environ.get("TELLERS_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "tellers-screenshots"
)
AXE = Path(__file__).resolve().parent / "fixtures" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed: run scripts/install-browser"
)

LEADER = "leader-2026"


@dataclass
class Server:
    url: str
    ctx: WebContext
    demo: DemoElection

    def codes(self, contest: str) -> list[str]:
        return [c for _p, c in self.demo.codes[contest]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("browser") / "tellers.db"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ctx = build_context(
        database_url=f"sqlite:///{db}", base_url=url, secure_cookies=False, secret_key="k" * 48
    )
    demo = seed_demo(ctx)
    config = uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield Server(url=url, ctx=ctx, demo=demo)
    srv.should_exit = True
    thread.join(10)
    ctx.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _page(browser: Any, *, javascript: bool = True, phone: bool = False) -> Any:
    size = {"width": 390, "height": 844} if phone else {"width": 1200, "height": 900}
    context = browser.new_context(
        java_script_enabled=javascript, viewport=size, bypass_csp=True, device_scale_factor=1
    )
    return context.new_page()


def _shot(page: Any, name: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full)


def _axe(page: Any) -> list[dict[str, Any]]:
    """Serious and critical violations found by axe-core on the page."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run scripts/install-browser")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def _axe_with_js_off(browser: Any, url: str) -> list[dict[str, Any]]:
    """axe needs script; check a no-JS page by loading the same HTML with scripts on."""
    page = _page(browser)
    page.goto(url)
    return _axe(page)


def _cookies(page: Any) -> list[str]:
    """The values of the browser's cookies for the site (the session cookie)."""
    return [c["value"] for c in page.context.cookies()]


def _box(server: Server, contest: str) -> list[tuple[str, ...]]:
    with server.ctx.uow() as uow:
        return [b.ranking for b in bulletin_board(uow=uow, contest_id=contest)]


def test_a_voter_ranks_with_the_keyboard_and_drag_and_drop(server: Server, browser: Any) -> None:
    page = _page(browser)
    code = server.codes(LEADER)[0]
    page.goto(f"{server.url}/vote/{LEADER}/start?code={code}")
    assert page.url == f"{server.url}/vote/{LEADER}/ballot"
    assert code not in page.evaluate("() => window.location.href")
    assert _cookies(page)
    assert not shows(code, _cookies(page))  # sealed, not just signed
    assert page.is_visible("#rank-widget")
    assert not page.is_visible("#rank-selects")
    assert _axe(page) == []
    # keyboard: focus Kasia Nowak in the pool and press Enter; then Sam Harris with Add
    page.focus('#unranked .rank-item[data-key="nowak"]')
    page.keyboard.press("Enter")
    page.click('#unranked .rank-item[data-key="harris"] button')
    # drag Tola Adeyemi to the top of the ranking
    page.drag_and_drop(
        '#unranked .rank-item[data-key="adeyemi"]',
        '#ranked .rank-item[data-key="nowak"]',
        target_position={"x": 20, "y": 2},
    )
    order = page.eval_on_selector_all("#ranked .rank-item", "els => els.map(e => e.dataset.key)")
    assert order == ["adeyemi", "nowak", "harris"]
    # keyboard again: move Sam Harris up one place
    page.focus('#ranked .rank-item[data-key="harris"]')
    page.keyboard.press("ArrowUp")
    order = page.eval_on_selector_all("#ranked .rank-item", "els => els.map(e => e.dataset.key)")
    assert order == ["adeyemi", "harris", "nowak"]
    assert "preference 2" in page.inner_text("#rank-status")
    _shot(page, "voter-ballot-js.png")
    page.click("text=Review my vote")
    items = page.eval_on_selector_all(".review-list li", "els => els.map(e => e.textContent)")
    assert items == ["Tola Adeyemi", "Sam Harris", "Kasia Nowak"]
    for secret in (code, "adeyemi", "harris", "nowak"):
        assert not shows(secret, _cookies(page)), secret
    assert _axe(page) == []
    _shot(page, "voter-review.png")
    page.click("text=Cast my vote")
    tracking = page.inner_text("#tracking-code")
    assert not shows(tracking, _cookies(page))
    assert page.url.endswith(f"/vote/{LEADER}/receipt")
    assert _axe(page) == []
    _shot(page, "voter-receipt.png")
    assert len(tracking.replace("-", "")) == 16


def test_a_voter_ranks_without_javascript(server: Server, browser: Any) -> None:
    page = _page(browser, javascript=False)
    code = server.codes(LEADER)[1]
    page.goto(f"{server.url}/vote/{LEADER}")
    _shot(page, "voter-code.png")
    page.fill("#code", code.lower().replace("-", " "))
    page.click("text=Continue")
    assert page.url == f"{server.url}/vote/{LEADER}/ballot"
    assert page.is_visible("#pref-1")
    page.select_option("#pref-1", "byrne")
    page.select_option("#pref-2", "nowak")
    _shot(page, "voter-ballot-nojs.png")
    page.click("text=Review my vote")
    items = page.eval_on_selector_all(".review-list li", "els => els.map(e => e.textContent)")
    assert items == ["Niamh Byrne", "Kasia Nowak"]
    for secret in (code, "byrne", "nowak"):
        assert not shows(secret, _cookies(page)), secret
    # the same review open in a second tab: a double submission
    second = page.context.new_page()
    second.goto(f"{server.url}/vote/{LEADER}/review")
    page.click("text=Cast my vote")
    assert page.inner_text("h1") == "Your vote has been cast"
    tracking = page.inner_text("#tracking-code")
    second.click("text=Cast my vote")
    assert second.inner_text("h1") == "You have already voted"
    assert second.inner_text("#tracking-code") == tracking
    assert not shows(tracking, _cookies(page))
    # going back to the review shows the receipt: there is nothing left to submit
    page.go_back()
    assert page.url.endswith(f"/vote/{LEADER}/receipt")
    assert _axe_with_js_off(browser, f"{server.url}/vote/{LEADER}") == []


def test_a_used_code_gets_a_clear_message(server: Server, browser: Any) -> None:
    page = _page(browser)
    code = server.codes(LEADER)[1]  # used by the test above
    page.goto(f"{server.url}/vote/{LEADER}/start?code={code}")
    assert page.url == f"{server.url}/vote/{LEADER}"
    assert "already been used" in page.inner_text("#code-problem")
    assert _axe(page) == []
    _shot(page, "voter-used-code.png")


def test_an_officer_closes_voting_counts_and_declares(server: Server, browser: Any) -> None:
    for code in server.codes(LEADER)[2:12]:
        page = _page(browser)
        page.request.post(
            f"{server.url}/api/v1/contests/{LEADER}/ballots",
            data={
                "credential": code,
                "ranking": ["harris", "nowak"] if len(code) % 2 else ["nowak"],
            },
        )
        page.context.close()
    page = _page(browser)
    page.goto(f"{server.url}/officer/login")
    assert _axe(page) == []
    page.fill("#officer_id", "returning-officer")
    page.fill("#password", server.demo.passwords["returning-officer"])
    _shot(page, "officer-login.png")
    page.click("button:has-text('Log in')")
    assert page.url == f"{server.url}/officer"
    _shot(page, "officer-dashboard.png")
    page.click(f"a[href='/officer/contests/{LEADER}']")
    assert "Turnout by section" in page.inner_text("main")
    assert _axe(page) == []
    _shot(page, "officer-contest-open.png")
    page.click("button:has-text('Close voting')")
    assert page.inner_text(".tag") == "Voting closed"
    page.click("button:has-text('Count')")
    page.click("button:has-text('Recount')")
    assert "agrees with the first count" in page.inner_text(".notice")
    page.click("button:has-text('Declare the result')")
    assert page.inner_text(".tag") == "Declared"
    _shot(page, "officer-contest-declared.png")
    with server.ctx.uow() as uow:
        assert portal.published_result(uow=uow, contest_id=LEADER).declared
    assert len(_box(server, LEADER)) == 12
    # opening: a new contest from the set-up form, then voting opened
    page.goto(f"{server.url}/officer/contests/new")
    page.fill("#contest_id", "secretary")
    page.click("button:has-text('Create the draft')")
    page.click("button:has-text('Open voting')")
    assert page.inner_text(".tag") == "Voting open"
    page.goto(f"{server.url}/officer/audit")
    page.click("button:has-text('Verify the whole chain')")
    assert "The chain verifies" in page.inner_text(".panel-confirm")
    assert _axe(page) == []
    _shot(page, "officer-audit.png", full=False)


def test_the_public_results_page_on_desktop_and_phone(server: Server, browser: Any) -> None:
    page = _page(browser)
    page.goto(f"{server.url}/contests/nec-2026/results")
    assert page.locator("svg.chart").count() >= 3
    assert _axe(page) == []
    _shot(page, "results-stv.png")
    phone = _page(browser, phone=True)
    phone.goto(f"{server.url}/contests/nec-2026/results")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    _shot(phone, "results-phone.png", full=False)
    home = _page(browser)
    home.goto(server.url)
    assert _axe(home) == []
    _shot(home, "home.png", full=False)
