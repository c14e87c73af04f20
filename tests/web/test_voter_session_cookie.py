"""The voter's session cookie holds the voting code, the draft and the receipt sealed
(XSalsa20-Poly1305 under a key derived from the app's secret): none of them can be read
from the cookie, in plain text or base64, at any step of voting -- and voting works."""

from __future__ import annotations

import base64
import json

import itsdangerous

from tellers.domain.ids import ContestId, TrackingCode
from tellers.storage.memory import MemoryUnitOfWork
from tellers.web.app import create_app, memory_context
from tellers.web.deps import WebSettings
from tests.web.conftest import SECRET, Site, TestClient, csrf_of, page
from tests.web.cookies import readable_forms, shows

LEADER = "leader-2026"
COOKIE = "tellers_session"


def _cookie(client: TestClient) -> str:
    value = client.cookies.get(COOKIE)
    assert value, "no session cookie"
    return str(value)


def test_the_detector_finds_a_code_kept_only_signed(site: Site) -> None:
    """The check below would have caught the signed-only session of earlier versions."""
    code = site.codes(LEADER)[0]
    signer = itsdangerous.TimestampSigner(SECRET)
    session = {"voter": {"contest": LEADER, "code": code, "until": 0}, "csrf": "x"}
    old = signer.sign(base64.b64encode(json.dumps(session).encode())).decode()
    assert code not in old  # not in plain sight: only base64 hides it
    assert shows(code, [old])
    assert shows(code.lower().replace("-", " "), [old])


def test_no_step_of_voting_shows_the_code_the_choices_or_the_receipt(
    site: Site, client: TestClient
) -> None:
    code = site.codes(LEADER)[0]
    seen: list[str] = []
    r = client.get(f"/vote/{LEADER}/start", params={"code": code}, follow_redirects=False)
    assert r.headers["location"] == f"/vote/{LEADER}/ballot"
    seen.append(_cookie(client))
    doc = page(client.get(f"/vote/{LEADER}/ballot"))
    seen.append(_cookie(client))
    r = client.post(
        f"/vote/{LEADER}/review",
        data={"csrf": csrf_of(doc), "pref-1": "byrne", "pref-2": "nowak"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/vote/{LEADER}/review"
    seen.append(_cookie(client))
    review = page(client.get(f"/vote/{LEADER}/review"))
    assert [li.text() for li in review.find("ol", class_="review-list").find_all("li")] == [
        "Niamh Byrne",
        "Kasia Nowak",
    ]
    r = client.post(f"/vote/{LEADER}/cast", data={"csrf": csrf_of(review)}, follow_redirects=False)
    assert r.headers["location"] == f"/vote/{LEADER}/receipt"
    seen.append(_cookie(client))
    tracking = page(client.get(f"/vote/{LEADER}/receipt")).find(id="tracking-code").text()
    assert len(tracking.replace("-", "")) == 16
    uow = MemoryUnitOfWork(site.store)
    with uow:
        cast = uow.ballots.find_by_tracking_code(ContestId(LEADER), TrackingCode(tracking))
    assert cast is not None
    assert tuple(cast.ranking) == ("byrne", "nowak")
    for secret in (code, code.replace("-", ""), "byrne", "nowak", tracking):
        assert not shows(secret, seen), secret
    # and the cookie really was unpacked: its JSON (and the CSRF token) is in the forms
    assert any('"csrf"' in form for form in readable_forms(seen[0]))


def test_a_sealed_value_moved_to_another_slot_or_altered_is_refused(
    site: Site, client: TestClient
) -> None:
    from tellers.web import security

    code = site.codes(LEADER)[0]
    client.get(f"/vote/{LEADER}/start", params={"code": code})
    signer = itsdangerous.TimestampSigner(SECRET)
    payload = signer.unsign(_cookie(client)).decode()
    session = json.loads(base64.b64decode(payload))
    sealed = session["voter"]
    assert isinstance(sealed, str)
    assert security.VOTER_SESSION_CONTEXT  # a key of its own, not the signing secret

    def with_session(changed: dict[str, object]) -> TestClient:
        forged = signer.sign(base64.b64encode(json.dumps(changed).encode())).decode()
        other = TestClient(client.app, base_url="http://testserver")
        other.cookies.set(COOKIE, forged)
        return other

    flipped = bytearray(base64.urlsafe_b64decode(sealed))
    flipped[-1] ^= 1
    altered = {**session, "voter": base64.urlsafe_b64encode(bytes(flipped)).decode()}
    moved = {**session, "draft": sealed, "voter": None}
    for changed in (altered, moved):
        with with_session(changed) as other:
            r = other.get(f"/vote/{LEADER}/ballot", follow_redirects=False)
            assert r.status_code == 303
            assert r.headers["location"] == f"/vote/{LEADER}"
    with with_session(session) as same:
        assert same.get(f"/vote/{LEADER}/ballot", follow_redirects=False).status_code == 200


def test_the_code_is_sealed_under_a_key_only_this_app_has(site: Site, client: TestClient) -> None:
    code = site.codes(LEADER)[0]
    client.get(f"/vote/{LEADER}/start", params={"code": code})
    assert client.get(f"/vote/{LEADER}/ballot", follow_redirects=False).status_code == 200
    signer = itsdangerous.TimestampSigner(SECRET)
    session = json.loads(base64.b64decode(signer.unsign(_cookie(client))))
    # the same cookie, signed by an app with another secret: its seal does not open there
    other_secret = "another-" + "s" * 40
    other_ctx = memory_context(
        settings=WebSettings(
            secret_key=other_secret, secure_cookies=False, base_url="http://testserver"
        ),
        clock=site.clock,
        store=site.store,
        stores=site.ctx.stores,  # type: ignore[arg-type]
    )
    other = TestClient(create_app(other_ctx), base_url="http://testserver")
    resigned = itsdangerous.TimestampSigner(other_secret).sign(
        base64.b64encode(json.dumps(session).encode())
    )
    with other as c:
        c.cookies.set(COOKIE, resigned.decode())
        r = c.get(f"/vote/{LEADER}/ballot", follow_redirects=False)
        assert r.headers["location"] == f"/vote/{LEADER}"
