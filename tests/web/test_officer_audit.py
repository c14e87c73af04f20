"""Officers' accounts in the audit log, through the pages: appointments (who appointed
whom, with what role) and lock-outs, never a password or its hash."""

from __future__ import annotations

import json
from typing import Any

from tellers.domain.ids import OfficerId
from tellers.services.audit import verify_audit_log
from tellers.storage.memory import MemoryUnitOfWork
from tests.web.conftest import Site, csrf_of, officer_login, page


def _log(site: Site) -> list[tuple[str, str, dict[str, Any]]]:
    uow = MemoryUnitOfWork(site.store)
    with uow:
        return [(e.officer, e.action, dict(e.parameters)) for e in uow.audit.iter()]


def test_the_demo_appointments_are_on_record(site: Site) -> None:
    appointed = [p for _, a, p in _log(site) if a == "appoint_officer"]
    assert [(p["officer"], p["role"]) for p in appointed] == [
        ("returning-officer", "returning officer"),
        ("scrutineer", "scrutineer"),
        ("observer", "observer"),
    ]


def test_an_appointment_through_the_page_is_logged_without_the_password(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    token = officer_login(client, "returning-officer", site.demo.passwords["returning-officer"])
    password = "teller password 9"  # noqa: S105 - a test officer's
    r = client.post(
        "/officer/officers",
        data={
            "officer_id": "teller-1",
            "name": "Tam Teller",
            "role": "scrutineer",
            "password": password,
            "csrf": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    log = _log(site)
    assert log[-1] == (
        "returning-officer",
        "appoint_officer",
        {"officer": "teller-1", "name": "Tam Teller", "role": "scrutineer"},
    )
    stored = site.ctx.stores.officers.find(OfficerId("teller-1"))
    assert stored is not None
    assert password not in json.dumps(log)
    assert stored.password_hash not in json.dumps(log)
    verify_audit_log(uow=MemoryUnitOfWork(site.store))


def test_a_lock_out_through_the_login_page_is_logged(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_of(page(client.get("/officer/login")))
    guesses = ["wrong-password-1", "wrong-password-2", "wrong-password-3"]
    before = len(_log(site))
    codes = [
        client.post(
            "/officer/login",
            data={"officer_id": "scrutineer", "password": g, "csrf": token},
            follow_redirects=False,
        ).status_code
        for g in guesses
    ]
    assert codes == [401, 401, 423]  # the site's policy locks after 3
    log = _log(site)
    assert len(log) == before + 1
    officer, action, parameters = log[-1]
    assert (officer, action) == ("scrutineer", "officer_locked_out")
    assert parameters["officer"] == "scrutineer"
    assert parameters["failed_logins"] == 3
    assert not any(g in json.dumps(log) for g in guesses)
    verify_audit_log(uow=MemoryUnitOfWork(site.store))


def test_a_lock_out_through_the_api_is_logged(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    guesses = ["wrong-password-1", "wrong-password-2", "wrong-password-3"]
    codes = [
        client.post("/api/v1/session", json={"officer_id": "observer", "password": g}).status_code
        for g in guesses
    ]
    assert codes[-1] == 423
    officer, action, parameters = _log(site)[-1]
    assert (officer, action, parameters["officer"]) == (
        "observer",
        "officer_locked_out",
        "observer",
    )
    assert not any(g in json.dumps(parameters) for g in guesses)
