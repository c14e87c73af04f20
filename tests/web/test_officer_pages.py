"""Officer pages: log-in with lock-out, CSRF and roles on every action, the lifecycle
from set-up to declaration, the roll import's report, the audit log."""

from __future__ import annotations

import time

from tests.web.conftest import Site, csrf_of, officer_login, page

LEADER = "leader-2026"


def _ro(site: Site, client) -> str:  # type: ignore[no-untyped-def]
    return officer_login(client, "returning-officer", site.demo.passwords["returning-officer"])


def test_officer_pages_need_a_log_in(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/officer", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/officer/login")


def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_account(
    site: Site, client
) -> None:  # type: ignore[no-untyped-def]
    token = csrf_of(page(client.get("/officer/login")))

    def attempt(password: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/officer/login",
            data={"officer_id": "scrutineer", "password": password, "csrf": token},
            follow_redirects=False,
        )

    first = attempt("wrong-password-1")
    assert first.status_code == 401
    assert "wrong officer id or password" in page(first).find(id="login-problem").text().lower()
    attempt("wrong-password-2")
    third = attempt("wrong-password-3")  # the site's policy locks after 3
    assert third.status_code == 423
    right = attempt(site.demo.passwords["scrutineer"])
    assert right.status_code == 423
    assert "locked" in page(right).find(id="login-problem").text().lower()
    from datetime import timedelta

    site.clock.advance(timedelta(minutes=16))
    assert attempt(site.demo.passwords["scrutineer"]).status_code == 303


def test_unknown_officers_get_the_same_answer_as_wrong_passwords(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_of(page(client.get("/officer/login")))
    r = client.post("/officer/login", data={"officer_id": "nobody", "password": "x", "csrf": token})
    assert r.status_code == 401
    assert "wrong officer id or password" in page(r).find(id="login-problem").text().lower()


def test_passwords_are_stored_as_argon2id_hashes(site: Site) -> None:
    for officer in site.ctx.stores.officers.all():
        assert officer.password_hash.startswith("$argon2id$")
        assert site.demo.passwords[officer.id] not in officer.password_hash


def test_every_officer_form_checks_the_csrf_token(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    _ro(site, client)
    r = client.post(f"/officer/contests/{LEADER}/action/close-voting", data={"csrf": "forged"})
    assert r.status_code == 403
    assert (
        page(client.get(f"/officer/contests/{LEADER}")).find("strong", class_="tag").text()
        == "Voting open"
    )


def test_an_observer_sees_turnout_but_cannot_close_voting(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    token = officer_login(client, "observer", site.demo.passwords["observer"])
    doc = page(client.get(f"/officer/contests/{LEADER}"))
    assert doc.find_all("form", action=f"/officer/contests/{LEADER}/action/close-voting") == []
    r = client.post(f"/officer/contests/{LEADER}/action/close-voting", data={"csrf": token})
    assert r.status_code == 403
    assert "not-permitted" in page(r).find("code").text()


def test_turnout_by_section_while_open_shows_no_partial_results(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    for code in site.codes(LEADER)[:4]:
        client.post(
            f"/api/v1/contests/{LEADER}/ballots", json={"credential": code, "ranking": ["harris"]}
        )
    _ro(site, client)
    doc = page(client.get(f"/officer/contests/{LEADER}"))
    rows = [
        [c.text() for c in tr.find_all("td")]
        for tr in doc.find("table").find("tbody").find_all("tr")
    ]
    assert rows == [["40", "4", "10.0%"]]
    text = doc.text()
    for name in ("Sam Harris", "Kasia Nowak"):
        assert name not in text


def test_the_returning_officer_runs_a_contest_from_set_up_to_declaration(
    site: Site, client
) -> None:  # type: ignore[no-untyped-def]
    token = _ro(site, client)
    spec = """
kind = "election"
title = "Treasurer"
method = "irv"
candidates = ["Ann Lee", "Bo Chan", "Cy Dunn"]
[electorate]
version = "2026"
[[electorate.sections]]
name = "members"
kind = "member"
"""
    r = client.post(
        "/officer/contests",
        data={
            "csrf": token,
            "organisation_id": "demo-party",
            "contest_id": "treasurer",
            "spec": spec,
            "order": "fixed",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/officer/contests/treasurer"

    notices: list[str] = []

    def act(name: str) -> str:
        done = client.post(f"/officer/contests/treasurer/action/{name}", data={"csrf": token})
        assert done.status_code == 200, done.text
        notices.append(page(done).find("div", class_="notice").text())
        return page(done).find("strong", class_="tag").text()

    assert act("open-voting") == "Voting open"
    act("invitations")
    outbox = site.ctx.stores.outbox.recent(contest_id="treasurer")
    assert len(outbox) == 40
    codes = [m.body.split("type your voting code:")[1].split()[0] for m in outbox[:3]]
    for code, first in zip(codes, ("Ann Lee", "Bo Chan", "Ann Lee"), strict=True):
        client.post(
            "/api/v1/contests/treasurer/ballots", json={"credential": code, "ranking": [first]}
        )
    assert act("close-voting") == "Voting closed"
    assert act("count") == "Counted"
    assert act("recount") == "Counted"
    assert act("declare") == "Declared"
    assert notices[-2] == "Recount 1 agrees with the first count."
    results = page(client.get("/contests/treasurer/results"))
    assert results.find("div", class_="panel-confirm").text() == "Elected: Ann Lee"
    audit = page(client.get("/officer/audit"))
    actions = [tr.find_all("td")[3].text() for tr in audit.find("tbody").find_all("tr")]
    for step in (
        "create_contest",
        "open_voting",
        "queue_invitations",
        "close_voting",
        "count",
        "recount",
        "declare",
    ):
        assert step in actions
    verified = client.post("/officer/audit/verify", data={"csrf": token})
    assert "The chain verifies" in page(verified).find("div", class_="panel-confirm").text()


def test_a_nomination_phase_shows_the_register_with_its_gate(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    token = _ro(site, client)
    client.post(
        "/officer/organisations/demo-party/bodies",
        data={"csrf": token, "body_id": "exec", "name": "Executive", "kind": "executive"},
    )
    roll = "person_id,name,email,kind,start,body\n" + "".join(
        f"E{i},Exec {i},,seat,2020-01-01,exec\n" for i in range(1, 8)
    )
    r = client.post(
        "/officer/organisations/demo-party/roll",
        data={"csrf": token},
        files={"file": ("seats.csv", roll.encode(), "text/csv")},
        follow_redirects=False,
    )
    job = r.headers["location"]
    for _ in range(100):
        state = client.get(job + ".json").json()
        if state["stage"] not in ("queued", "reading", "importing"):
            break
        time.sleep(0.05)
    assert state["stage"] == "done"
    spec = """
kind = "leadership"
title = "Deputy leader"
method = "irv"
[nominations]
bodies = ["exec"]
threshold = "20%"
snapshot_at = "2026-05-01T12:00:00+00:00"
[electorate]
version = "2026"
[[electorate.sections]]
name = "members"
kind = "member"
"""
    client.post(
        "/officer/contests",
        data={"csrf": token, "organisation_id": "demo-party", "contest_id": "deputy", "spec": spec},
    )
    client.post("/officer/contests/deputy/action/open-nominations", data={"csrf": token})
    for nominator, candidate in (("E1", "E5"), ("E2", "E5"), ("E3", "E6")):
        client.post(
            "/officer/contests/deputy/nominate",
            data={"csrf": token, "nominator": nominator, "candidate": candidate},
        )
    doc = page(client.get("/officer/contests/deputy"))
    text = doc.text()
    # 20% of the 7 seat holders, rounded up, is 2
    assert "2 nominations needed: 1/5 of 7" in text
    register = doc.find("caption", class_="visually-hidden").text()
    assert register == "Nomination register"
    rows = {
        tr.find("th").text(): [td.text() for td in tr.find_all("td")]
        for tr in doc.find_all("table")[0].find("tbody").find_all("tr")
    }
    assert rows["Exec 5"] == ["2", "2", "qualified"]
    assert rows["Exec 6"] == ["1", "2", "not qualified"]


def test_a_roll_file_with_problems_is_reported_by_line_and_nothing_is_imported(
    site: Site, client
) -> None:  # type: ignore[no-untyped-def]
    token = _ro(site, client)
    roll = (
        "person_id,name,email,kind,start,end\n"
        "N1,New One,n1@example.org,member,2024-01-01,\n"
        "N2,New Two,,membre,2024-01-01,\n"
        "N3,New Three,,member,2024-13-01,\n"
        "N4,,,member,2024-01-01,\n"
        "N5,New Five,,member,2024-02-01,2024-01-01\n"
    )
    r = client.post(
        "/officer/organisations/demo-party/roll",
        data={"csrf": token},
        files={"file": ("roll.csv", roll.encode(), "text/csv")},
        follow_redirects=False,
    )
    job = r.headers["location"]
    for _ in range(100):
        if client.get(job + ".json").json()["stage"] not in ("queued", "reading", "importing"):
            break
        time.sleep(0.05)
    doc = page(client.get(job))
    assert doc.find("progress") is not None
    rows = [[c.text() for c in tr.find_all("td")] for tr in doc.find("tbody").find_all("tr")]
    assert [(line, col) for line, col, _ in rows] == [
        ("3", "kind"),
        ("4", "start"),
        ("5", "name"),
        ("6", "end"),
    ]
    from tellers.domain.ids import PersonId
    from tellers.storage.memory import MemoryUnitOfWork

    uow = MemoryUnitOfWork(site.store)
    with uow:
        assert uow.people.find(PersonId("N1")) is None
