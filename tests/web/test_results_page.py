"""The public results page: tables and charts agree with the declaration as stored."""

from __future__ import annotations

import json
from decimal import Decimal

from tellers.domain.ids import ContestId
from tellers.storage.memory import MemoryUnitOfWork
from tests.web.conftest import Site, page

NEC = "nec-2026"


def _declared(site: Site) -> dict:  # type: ignore[type-arg]
    uow = MemoryUnitOfWork(site.store)
    with uow:
        stored = uow.results.declaration(ContestId(NEC))
    assert stored is not None
    return json.loads(stored[1])  # type: ignore[no-any-return]


def test_the_rounds_table_shows_every_round_of_the_stored_count(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    data = _declared(site)
    doc = page(client.get(f"/contests/{NEC}/results"))
    table = doc.find("table", class_="rounds")
    header = [th.text() for th in table.find("thead").find_all("th")]
    rounds = data["count"]["rounds"]
    assert header == ["Candidate", *[f"Round {r['number']}" for r in rounds], "Outcome"]
    body = {
        tr.find("th").text(): [td.text() for td in tr.find_all("td")]
        for tr in table.find("tbody").find_all("tr")
    }
    for name in data["count"]["candidates"]:
        assert body[name][: len(rounds)] == [r["tallies"].get(name, "–") for r in rounds]
    assert body["Exhausted"][: len(rounds)] == [r["exhausted"] for r in rounds]
    for winner in data["winners"]:
        assert body[winner][-1].startswith("elected in round")


def test_each_round_has_a_chart_and_each_transfer_a_chart(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    data = _declared(site)
    doc = page(client.get(f"/contests/{NEC}/results"))
    charts = doc.find_all("svg")
    titles = [svg.find("title").text() for svg in charts]
    rounds = data["count"]["rounds"]
    for r in rounds:
        assert f"Round {r['number']}: votes for each candidate" in titles
        moved = [Decimal(v) for t in r["transfers"] for v in [*t["to"].values(), t["exhausted"]]]
        if any(moved):
            assert f"Round {r['number']}: where the transferred votes went" in titles
    assert all(svg.get("role") == "img" and svg.get("aria-label") for svg in charts)
    first = doc.find("svg", **{"aria-label": "Round 1: votes for each candidate"})
    quota = [t.text() for t in first.find_all("text") if t.text().startswith("quota")]
    assert quota == [f"quota {data['count']['quota']}"]


def test_turnout_sections_declaration_and_downloads_are_shown(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    data = _declared(site)
    doc = page(client.get(f"/contests/{NEC}/results"))
    summary = {
        d.find("dt").text(): d.find("dd").text()
        for d in doc.find("dl", class_="summary").find_all("div")
    }
    assert summary["Eligible"] == f"{data['eligible']:,}"
    assert summary["Ballots returned"] == f"{data['returned']:,} ({data['turnout']['percent']}%)"
    pre = doc.find("pre", class_="declaration").text()
    assert data["audit_head"] in pre
    links = {a.get("href") for a in doc.find("ul", class_="downloads").find_all("a")}
    assert {
        f"/contests/{NEC}/results.json",
        f"/contests/{NEC}/board.json",
        "/audit/head.json",
    } <= links
    assert doc.find("h2", id=None) is not None


def test_the_bulletin_board_download_holds_every_ballot(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    from tellers.services.verification import verify_board

    board = client.get(f"/contests/{NEC}/board.json")
    assert board.status_code == 200
    audit = client.get("/audit/log.jsonl").content
    report = verify_board(board.content, audit=audit)
    assert report.ok, report.first_discrepancy
    assert report.contest_id == NEC
    assert set(report.winners) == set(_declared(site)["winners"])
    head = client.get("/audit/head.json").json()
    assert len(head["head"]) == 64
    lines = client.get("/audit/log.jsonl").text.strip().splitlines()
    assert len(lines) == head["sequence"]


def test_results_are_not_public_before_the_declaration(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/contests/leader-2026/results")
    assert r.status_code == 409
    assert page(r).find("code").text() == "wrong-phase"


def test_pages_send_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/vote").headers["cache-control"] == "no-store"


def test_pages_have_labels_for_every_input(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    code = site.codes("leader-2026")[0]
    client.get("/vote/leader-2026/start", params={"code": code})
    for url in ("/vote", "/vote/leader-2026", "/vote/leader-2026/ballot", "/officer/login"):
        doc = page(client.get(url))
        for field in doc.find_all("input") + doc.find_all("select") + doc.find_all("textarea"):
            if field.get("type") in ("hidden", "submit"):
                continue
            assert doc.find_all("label", for_=field.get("id")), (url, field.attrs)
