"""The JSON API: the OpenAPI schema, casting, stable error codes, officer actions."""

from __future__ import annotations

from tellers.domain.ids import OfficerId
from tellers.domain.officer import OfficerRole
from tellers.services.board import StoredBoardMismatch
from tellers.services.officers import appoint_officer
from tellers.storage.memory import MemoryUnitOfWork
from tellers.web.errors import STATUS, error_code, error_status
from tests.web.conftest import Site

LEADER = "leader-2026"


def test_the_openapi_schema_describes_the_api(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/contests/{contest_id}/ballots" in paths
    assert "/api/v1/contests/{contest_id}/actions/{action}" in paths
    cast = paths["/api/v1/contests/{contest_id}/ballots"]["post"]
    assert "201" in cast["responses"]
    assert "409" in cast["responses"]
    assert "ErrorResponse" in schema["components"]["schemas"]


def test_casting_by_api_returns_a_receipt_and_a_second_cast_is_already_voted(
    site: Site, client
) -> None:  # type: ignore[no-untyped-def]
    code = site.codes(LEADER)[0]
    first = client.post(
        f"/api/v1/contests/{LEADER}/ballots", json={"credential": code, "ranking": ["nowak"]}
    )
    second = client.post(
        f"/api/v1/contests/{LEADER}/ballots", json={"credential": code, "ranking": ["harris"]}
    )
    assert first.status_code == 201
    assert first.json()["contest_id"] == LEADER
    assert second.status_code == 409
    assert second.json() == {
        "error": {
            "status": 409,
            "code": "already-voted",
            "message": "this credential has already been used",
        }
    }


def test_errors_carry_a_stable_code(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    unknown = client.post(
        f"/api/v1/contests/{LEADER}/ballots", json={"credential": "0" * 28, "ranking": ["nowak"]}
    )
    invalid = client.post(
        f"/api/v1/contests/{LEADER}/ballots",
        json={"credential": site.codes(LEADER)[1], "ranking": ["nobody"]},
    )
    missing = client.get("/api/v1/contests/no-such-contest")
    malformed = client.post(f"/api/v1/contests/{LEADER}/ballots", json={"ranking": []})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (403, "unknown-credential")
    assert (invalid.status_code, invalid.json()["error"]["code"]) == (422, "invalid-ballot")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not-found")
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (422, "invalid-request")


def test_every_error_class_maps_to_a_status_and_a_kebab_code() -> None:
    # the server's own fault: a stored board that no longer matches its logged hash
    server_faults = {StoredBoardMismatch}
    for cls in STATUS:
        err = cls.__new__(cls)
        if cls in server_faults:
            assert error_status(err) == 500
        else:
            assert 400 <= error_status(err) < 500
        assert error_code(err) == error_code(err).lower()
        assert " " not in error_code(err)


def test_the_paper_is_listed_with_its_marking(client) -> None:  # type: ignore[no-untyped-def]
    leader = client.get(f"/api/v1/contests/{LEADER}").json()
    motion = client.get("/api/v1/contests/rule-change-2026").json()
    assert leader["marking"] == "ranking"
    assert {o["key"] for o in leader["options"]} == {"harris", "adeyemi", "nowak", "byrne"}
    assert motion["marking"] == "yes/no"


def test_officer_actions_need_a_session_a_token_and_the_role(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/contests/{LEADER}/actions/close-voting"
    assert client.post(url).status_code == 403  # no CSRF token at all
    for code in site.codes(LEADER)[:3]:
        client.post(
            f"/api/v1/contests/{LEADER}/ballots", json={"credential": code, "ranking": ["nowak"]}
        )
    appoint_officer(
        uow=MemoryUnitOfWork(site.store),
        clock=site.clock,
        officer=OfficerId("returning-officer"),
        officer_id="watcher",
        name="Watcher",
        role=OfficerRole.OBSERVER,
        password="observer-password-1",  # noqa: S106 - a test officer
    )
    login = client.post(
        "/api/v1/session", json={"officer_id": "watcher", "password": "observer-password-1"}
    )
    token = login.json()["csrf_token"]
    refused = client.post(url, headers={"X-CSRF-Token": token})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not-permitted")
    turnout = client.get(f"/api/v1/contests/{LEADER}/turnout").json()
    assert turnout == [{"section": "members", "eligible": 40, "returned": 3}]
    client.delete("/api/v1/session", headers={"X-CSRF-Token": token})
    ro = client.post(
        "/api/v1/session",
        json={
            "officer_id": "returning-officer",
            "password": site.demo.passwords["returning-officer"],
        },
    ).json()
    closed = client.post(url, headers={"X-CSRF-Token": ro["csrf_token"]})
    assert closed.status_code == 200
    assert closed.json()["details"]["phase"] == "voting closed"
    counted = client.post(
        f"/api/v1/contests/{LEADER}/actions/count", headers={"X-CSRF-Token": ro["csrf_token"]}
    )
    assert counted.status_code == 200
    again = client.post(
        f"/api/v1/contests/{LEADER}/actions/count", headers={"X-CSRF-Token": ro["csrf_token"]}
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "wrong-phase")


def test_results_json_is_the_stored_declaration(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    from tellers.domain.ids import ContestId
    from tellers.storage.memory import MemoryUnitOfWork

    uow = MemoryUnitOfWork(site.store)
    with uow:
        stored = uow.results.declaration(ContestId("nec-2026"))
    assert stored is not None
    assert client.get("/api/v1/contests/nec-2026/results").text == stored[1]
    assert client.get("/contests/nec-2026/results.json").text == stored[1]
    undeclared = client.get(f"/api/v1/contests/{LEADER}/results")
    assert (undeclared.status_code, undeclared.json()["error"]["code"]) == (409, "wrong-phase")


def test_tracking_lookup_by_api_after_the_close(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        f"/api/v1/contests/{LEADER}/ballots",
        json={"credential": site.codes(LEADER)[2], "ranking": ["byrne", "harris"]},
    )
    code = r.json()["tracking_code"]
    early = client.get(f"/api/v1/contests/{LEADER}/tracking/{code}")
    assert early.json()["error"]["code"] == "wrong-phase"
    ro = client.post(
        "/api/v1/session",
        json={
            "officer_id": "returning-officer",
            "password": site.demo.passwords["returning-officer"],
        },
    ).json()
    client.post(
        f"/api/v1/contests/{LEADER}/actions/close-voting",
        headers={"X-CSRF-Token": ro["csrf_token"]},
    )
    assert client.get(f"/api/v1/contests/{LEADER}/tracking/{code}").json()["counted"] is True
    assert (
        client.get(f"/api/v1/contests/{LEADER}/tracking/{code.lower()}").json()["counted"] is True
    )
    assert client.get(f"/api/v1/contests/{LEADER}/tracking/AAAA-BBBB").json()["counted"] is False


def test_officers_manage_bodies_affiliates_and_the_paper_by_api(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    ro = client.post(
        "/api/v1/session",
        json={
            "officer_id": "returning-officer",
            "password": site.demo.passwords["returning-officer"],
        },
    ).json()
    headers = {"X-CSRF-Token": ro["csrf_token"]}
    body = client.post(
        "/api/v1/organisations/demo-party/bodies",
        json={"body_id": "nec", "name": "Executive"},
        headers=headers,
    )
    union = client.post(
        "/api/v1/organisations/demo-party/affiliates",
        json={"affiliate_id": "u1", "name": "A Union", "affiliated_membership": 1000},
        headers=headers,
    )
    again = client.post(
        "/api/v1/organisations/demo-party/bodies",
        json={"body_id": "nec", "name": "Executive"},
        headers=headers,
    )
    assert (body.status_code, union.status_code) == (201, 201)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already-exists")
    fixed = client.put(
        f"/api/v1/contests/{LEADER}/presentation", json={"order": "fixed"}, headers=headers
    )
    assert fixed.status_code == 200
    code = site.codes(LEADER)[0]
    with site.client() as voter:
        voter.get(f"/vote/{LEADER}/start", params={"code": code})
        from tests.web.conftest import page

        options = page(voter.get(f"/vote/{LEADER}/ballot")).find("select").find_all("option")
    # fixed: the order of the ballot as the contest was set up
    assert [o.get("value") for o in options if o.get("value")] == [
        "harris",
        "adeyemi",
        "nowak",
        "byrne",
    ]
    no_smtp = client.post("/api/v1/outbox/deliveries", headers=headers)
    assert (no_smtp.status_code, no_smtp.json()["error"]["code"]) == (400, "input-error")
