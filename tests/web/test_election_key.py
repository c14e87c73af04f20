"""The public pages print the election public key that signs the boards, and serve it
for ``tellers verify --public-key``: a scrutineer can pin the key they were shown."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from typer.testing import CliRunner

from tellers.cli.main import app
from tellers.crypto.signing import new_election_key, public_key_fingerprint
from tellers.services.verification import verify_board
from tests.web.conftest import Site, SqlSite, TestClient, officer_login, page

NEC = "nec-2026"
RO = ("returning-officer", "demo-returning-officer")


def _publish(client: TestClient, contest: str = NEC) -> None:
    token = officer_login(client, *RO)
    r = client.post(
        f"/officer/contests/{contest}/action/publish-board",
        data={"csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    client.post("/officer/logout", data={"csrf": token})


def _shown_key(client: TestClient, url: str) -> tuple[str, str]:
    section = page(client.get(url)).find("section", class_="election-key")
    return (
        section.find("code", class_="public-key").text(),
        section.find("code", class_="fingerprint").text(),
    )


def _signer(client: TestClient) -> str:
    report = verify_board(client.get(f"/contests/{NEC}/board.json").content)
    assert report.ok, report.first_discrepancy
    return report.public_key


def test_the_results_and_board_pages_show_the_key_that_signed_the_board(client) -> None:  # type: ignore[no-untyped-def]
    _publish(client)
    signer = _signer(client)
    for url in (f"/contests/{NEC}/results", f"/contests/{NEC}/check"):
        shown, fingerprint = _shown_key(client, url)
        assert shown == signer, url
        assert fingerprint == public_key_fingerprint(bytes.fromhex(signer))
        assert fingerprint.replace(" ", "") == signer
        command = page(client.get(url)).find("pre", class_="verify-command").text()
        assert command.endswith(f"--public-key {signer}")


def test_the_key_is_in_the_downloads_and_the_api(client) -> None:  # type: ignore[no-untyped-def]
    _publish(client)
    signer = _signer(client)
    doc = page(client.get(f"/contests/{NEC}/results"))
    links = {a.get("href") for a in doc.find("ul", class_="downloads").find_all("a")}
    assert f"/contests/{NEC}/public-key.txt" in links
    txt = client.get(f"/contests/{NEC}/public-key.txt")
    assert txt.status_code == 200
    assert txt.headers["content-type"].startswith("text/plain")
    assert txt.text == signer + "\n"
    api = client.get(f"/api/v1/contests/{NEC}/public-key").json()
    assert api == {
        "organisation_id": "demo-party",
        "algorithm": "Ed25519",
        "public_key": signer,
        "fingerprint": public_key_fingerprint(bytes.fromhex(signer)),
    }


def _closed_contest_of_a_new_organisation(site: Site) -> str:
    from tellers.domain.ids import OfficerId
    from tellers.services import contests, organisations
    from tellers.services.people import import_people
    from tellers.web.demo import ELECTORATE, _members

    ro = OfficerId(RO[0])
    with site.ctx.uow() as uow:
        organisations.create_organisation(
            uow=uow, clock=site.clock, officer=ro, organisation_id="other", name="Other"
        )
    with site.ctx.uow() as uow:
        import_people(
            uow=uow,
            clock=site.clock,
            officer=ro,
            organisation_id="other",
            rows=[dataclasses.replace(p, id=f"other-{p.id}") for p in _members(3)],
        )
    spec = {"kind": "motion", "title": "M", "question": "Q?", "electorate": ELECTORATE}
    with site.ctx.uow() as uow:
        contests.create_contest(
            uow=uow,
            clock=site.clock,
            officer=ro,
            organisation_id="other",
            contest_id="m",
            spec=spec,
        )
    for step in (contests.open_voting, contests.close_voting):
        with site.ctx.uow() as uow:
            step(uow=uow, clock=site.clock, officer=ro, contest_id="m")
    return "m"


def test_before_the_first_board_the_pages_say_there_is_no_key_yet(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    cid = _closed_contest_of_a_new_organisation(site)
    doc = page(client.get(f"/contests/{cid}/check"))
    section = doc.find("section", class_="election-key")
    assert section.find_all("code", class_="public-key") == []
    assert "No election key has been made yet" in section.find("p", class_="no-key").text()
    assert doc.find_all("a", href=f"/contests/{cid}/board.json") == []
    assert doc.find_all("p", class_="board-publication") == []
    assert client.get(f"/contests/{cid}/public-key.txt").status_code == 404
    r = client.get(f"/api/v1/contests/{cid}/public-key")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not-found"
    board = client.get(f"/contests/{cid}/board.json")
    assert board.status_code == 404
    assert page(board).find("code").text() == "board-not-published"


def test_tellers_verify_accepts_the_board_with_the_downloaded_key_and_no_other(
    site: Site, client, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _publish(client)
    board = tmp_path / f"{NEC}-board.json"
    audit = tmp_path / "log.jsonl"
    board.write_bytes(client.get(f"/contests/{NEC}/board.json").content)
    audit.write_bytes(client.get("/audit/log.jsonl").content)
    key = client.get(f"/contests/{NEC}/public-key.txt").text.strip()
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(board), "--audit", str(audit), "--public-key", key])
    assert ok.exit_code == 0, ok.output
    assert f"signed by {key}" in ok.output
    other = new_election_key().public_key_hex
    bad = runner.invoke(app, ["verify", str(board), "--audit", str(audit), "--public-key", other])
    assert bad.exit_code == 1
    assert "NOT VERIFIED: first discrepancy: signature" in bad.output


def test_the_key_shown_on_a_sql_store_is_the_stored_one(sql_site: SqlSite) -> None:
    from tellers.services.board import election_public_key

    with sql_site.client() as client:
        _publish(client)
        stored = election_public_key(keys=sql_site.ctx.keys, organisation_id="demo-party")
        assert stored is not None
        assert _shown_key(client, f"/contests/{NEC}/results")[0] == stored
        assert _signer(client) == stored
        assert client.get(f"/contests/{NEC}/public-key.txt").text == stored + "\n"
