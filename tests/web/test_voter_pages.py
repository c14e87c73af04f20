"""Voter pages without JavaScript: code -> paper -> review -> cast -> receipt, and every
refusal a voter can meet (used, voided, unknown, mistyped code; closed ballot; double
submission)."""

from __future__ import annotations

from tellers.domain.ids import OfficerId
from tellers.services import contests, credentials
from tellers.services.voting import bulletin_board
from tellers.storage.memory import MemoryUnitOfWork
from tests.web.conftest import Site, csrf_of, page

RO = OfficerId("returning-officer")
LEADER = "leader-2026"


def _land(client, contest: str, code: str):  # type: ignore[no-untyped-def]
    return client.get(f"/vote/{contest}/start", params={"code": code}, follow_redirects=False)


def _close(site: Site, contest: str) -> None:
    contests.close_voting(
        uow=MemoryUnitOfWork(site.store), clock=site.clock, officer=RO, contest_id=contest
    )


def _box(site: Site, contest: str) -> list[tuple[str, ...]]:
    return [b.ranking for b in bulletin_board(uow=MemoryUnitOfWork(site.store), contest_id=contest)]


def _vote(client, contest: str, code: str, fields: dict[str, str]):  # type: ignore[no-untyped-def]
    assert _land(client, contest, code).status_code == 303
    doc = page(client.get(f"/vote/{contest}/ballot"))
    data = {"csrf": csrf_of(doc), **fields}
    r = client.post(f"/vote/{contest}/review", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client.post(f"/vote/{contest}/cast", data={"csrf": data["csrf"]}, follow_redirects=False)


def test_invitation_link_keeps_the_code_out_of_every_later_url(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    code = site.codes(LEADER)[0]
    r = _land(client, LEADER, code)
    assert r.status_code == 303
    assert r.headers["location"] == f"/vote/{LEADER}/ballot"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert r.headers["referrer-policy"] == "no-referrer"
    doc = page(client.get(f"/vote/{LEADER}/ballot"))
    for a in doc.find_all("a") + doc.find_all("form"):
        assert code not in (a.get("href") + a.get("action"))


def test_preferential_ballot_without_javascript_has_one_select_per_preference(
    site: Site, client
) -> None:  # type: ignore[no-untyped-def]
    _land(client, LEADER, site.codes(LEADER)[0])
    doc = page(client.get(f"/vote/{LEADER}/ballot"))
    selects = doc.find_all("select")
    assert [s.get("name") for s in selects] == ["pref-1", "pref-2", "pref-3", "pref-4"]
    for s in selects:
        label = doc.find("label", for_=s.get("id"))
        assert "preference" in label.text()
    names = [o.text() for o in selects[0].find_all("option") if o.get("value")]
    # the contest's rule is alphabetical (by surname) for the leadership ballot
    assert names == ["Tola Adeyemi", "Niamh Byrne", "Sam Harris", "Kasia Nowak"]


def test_a_ranked_ballot_is_cast_once_and_lands_in_the_box_as_marked(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    r = _vote(client, LEADER, site.codes(LEADER)[0], {"pref-1": "nowak", "pref-2": "byrne"})
    assert r.status_code == 303
    assert r.headers["location"] == f"/vote/{LEADER}/receipt"
    doc = page(client.get(f"/vote/{LEADER}/receipt"))
    tracking = doc.find(id="tracking-code").text()
    assert len(tracking.replace("-", "")) == 16
    _close(site, LEADER)
    assert _box(site, LEADER) == [("nowak", "byrne")]
    check = page(client.get(f"/contests/{LEADER}/check", params={"tracking_code": tracking}))
    assert "Yes: your ballot is on the bulletin board" in check.find("div", class_="panel").text()


def test_review_shows_the_preferences_in_order_before_casting(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    _land(client, LEADER, site.codes(LEADER)[1])
    token = csrf_of(page(client.get(f"/vote/{LEADER}/ballot")))
    client.post(
        f"/vote/{LEADER}/review",
        data={"csrf": token, "pref-1": "harris", "pref-2": "adeyemi", "pref-3": "nowak"},
    )
    doc = page(client.get(f"/vote/{LEADER}/review"))
    items = [li.text() for li in doc.find("ol", class_="review-list").find_all("li")]
    assert items == ["Sam Harris", "Tola Adeyemi", "Kasia Nowak"]


def test_a_double_submission_shows_the_receipt_and_makes_no_second_ballot(
    site: Site, client
) -> None:  # type: ignore[no-untyped-def]
    code = site.codes(LEADER)[2]
    r = _vote(client, LEADER, code, {"pref-1": "harris"})
    first = page(client.get(f"/vote/{LEADER}/receipt")).find(id="tracking-code").text()
    token = csrf_of(page(client.get(f"/vote/{LEADER}/receipt")))
    again = client.post(f"/vote/{LEADER}/cast", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    assert again.status_code == 409
    doc = page(again)
    assert doc.find("h1").text() == "You have already voted"
    assert doc.find(id="tracking-code").text() == first
    _close(site, LEADER)
    assert len(_box(site, LEADER)) == 1


def test_a_used_code_is_refused_with_a_clear_message(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    code = site.codes(LEADER)[3]
    _vote(client, LEADER, code, {"pref-1": "byrne"})
    with site.client() as other:
        r = _land(other, LEADER, code)
        assert r.headers["location"] == f"/vote/{LEADER}"
        shown = other.get(f"/vote/{LEADER}")
        assert shown.status_code == 409
        panel = page(shown).find(id="code-problem")
        assert "already been used" in panel.text()


def test_unknown_and_mistyped_codes_are_told_apart(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_of(page(client.get(f"/vote/{LEADER}")))
    real = site.codes(LEADER)[4]
    wrong = ("0" if real[0] != "0" else "1") + real[1:]
    unknown = client.post("/vote", data={"csrf": token, "contest": LEADER, "code": wrong})
    short = client.post("/vote", data={"csrf": token, "contest": LEADER, "code": real[:-3]})
    assert unknown.status_code == 403
    assert "not known" in page(unknown).find(id="code-problem").text()
    assert short.status_code == 400
    assert "does not look like a voting code" in page(short).find(id="code-problem").text()
    # a typed code with lower case, spaces and look-alike letters still works
    loose = real.lower().replace("-", " ").replace("0", "o")
    ok = client.post(
        "/vote", data={"csrf": token, "contest": LEADER, "code": loose}, follow_redirects=False
    )
    assert ok.status_code == 303


def test_a_code_replaced_by_a_reissue_is_refused_as_voided(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    person, old = site.demo.codes[LEADER][5]
    new = credentials.reissue_credential(
        uow=MemoryUnitOfWork(site.store),
        clock=site.clock,
        officer=RO,
        contest_id=LEADER,
        person_id=person,
    )
    _land(client, LEADER, old)
    shown = client.get(f"/vote/{LEADER}")
    assert shown.status_code == 403
    assert "replaced" in page(shown).find(id="code-problem").text()
    assert _land(client, LEADER, new.code).headers["location"] == f"/vote/{LEADER}/ballot"


def test_a_closed_ballot_refuses_codes_and_casting(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    code = site.codes(LEADER)[6]
    _land(client, LEADER, code)
    token = csrf_of(page(client.get(f"/vote/{LEADER}/ballot")))
    client.post(f"/vote/{LEADER}/review", data={"csrf": token, "pref-1": "harris"})
    _close(site, LEADER)
    late = client.post(f"/vote/{LEADER}/cast", data={"csrf": token})
    assert late.status_code == 409
    assert page(late).find("h1").text() == "Voting is not open"
    with site.client() as other:
        _land(other, LEADER, site.codes(LEADER)[7])
        assert (
            "Voting is not open"
            in page(other.get(f"/vote/{LEADER}")).find(id="code-problem").text()
        )
    assert _box(site, LEADER) == []


def test_a_repeated_candidate_or_a_gap_is_sent_back_to_the_voter(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    _land(client, LEADER, site.codes(LEADER)[8])
    token = csrf_of(page(client.get(f"/vote/{LEADER}/ballot")))
    twice = client.post(
        f"/vote/{LEADER}/review", data={"csrf": token, "pref-1": "harris", "pref-2": "harris"}
    )
    gap = client.post(
        f"/vote/{LEADER}/review", data={"csrf": token, "pref-1": "harris", "pref-3": "nowak"}
    )
    assert twice.status_code == 422
    assert "more than one preference" in page(twice).find(id="problems").text()
    assert gap.status_code == 422
    assert "preference 2 is empty" in page(gap).find(id="problems").text()
    # the voter's marks are kept on the paper shown again
    selected = page(gap).find("select", name="pref-3").find("option", selected="")
    assert selected.get("value") == "nowak"


def test_random_order_is_stable_for_a_voter_and_varies_between_voters(site: Site) -> None:
    from tellers.domain.presentation import BallotOrder, Presentation

    site.ctx.stores.presentation.set(Presentation(contest_id=LEADER, order=BallotOrder.RANDOM))
    orders = set()
    for code in site.codes(LEADER)[10:22]:
        with site.client() as c:
            _land(c, LEADER, code)
            first = [
                o.get("value")
                for o in page(c.get(f"/vote/{LEADER}/ballot")).find("select").find_all("option")
            ]
            second = [
                o.get("value")
                for o in page(c.get(f"/vote/{LEADER}/ballot")).find("select").find_all("option")
            ]
            assert first == second
            orders.add(tuple(first))
    assert len(orders) > 1


def test_a_motion_is_voted_yes_no_or_abstain(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    motion = "rule-change-2026"
    codes = site.codes(motion)
    for code, choice in zip(codes[:3], ("yes", "no", "abstain"), strict=True):
        with site.client() as c:
            assert _vote(c, motion, code, {"choice": choice}).status_code == 303
    _close(site, motion)
    assert sorted(_box(site, motion)) == [(), ("no",), ("yes",)]


def test_forms_without_the_session_token_are_refused(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    _land(client, LEADER, site.codes(LEADER)[9])
    r = client.post(f"/vote/{LEADER}/cast", data={"csrf": "forged"})
    assert r.status_code == 403
    assert "csrf-failed" in page(r).find("code").text()


def test_was_my_ballot_counted_waits_for_the_close(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    open_page = page(client.get(f"/contests/{LEADER}/check", params={"tracking_code": "ABCD"}))
    assert open_page.find_all("form") == [] or not open_page.find_all("input", name="tracking_code")
    _close(site, LEADER)
    missing = page(client.get(f"/contests/{LEADER}/check", params={"tracking_code": "ABCD-EFGH"}))
    assert "No ballot has this tracking code" in missing.find("div", class_="panel-error").text()
