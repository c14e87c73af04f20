"""E-mail through the outbox, delivered by SMTP to a real server on loopback (aiosmtpd):
invitations whose codes vote, reminders only to those who have not voted, the result
notice, receipts on request, retries and the record of delivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import Message

import pytest

from tellers.domain.ids import OfficerId
from tellers.domain.mail import ERASED, MailStatus, RetryPolicy
from tellers.notify.smtp import SmtpSender, SmtpSettings
from tellers.services import contests, mail
from tellers.storage.memory import MemoryUnitOfWork
from tests.web.conftest import Site, csrf_of, page
from tests.web.loopback import Inbox, free_port, smtp_server

RO = OfficerId("returning-officer")
LEADER = "leader-2026"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpSender]]:
    with smtp_server() as (inbox, port):
        yield inbox, SmtpSender(SmtpSettings(host="127.0.0.1", port=port, sender="ro@example.org"))


def _body(m: Message) -> str:
    payload = m.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def _invite(site: Site, contest: str) -> None:
    # a fresh contest so that codes are issued by the invitations themselves
    spec = {
        "kind": "election",
        "title": "Secretary",
        "method": "irv",
        "candidates": ["Ann Lee", "Bo Chan", "Cy Dunn"],
        "electorate": {"version": "2026", "sections": [{"name": "members", "kind": "member"}]},
    }
    uow = MemoryUnitOfWork(site.store)
    contests.create_contest(
        uow=uow,
        clock=site.clock,
        officer=RO,
        organisation_id="demo-party",
        contest_id=contest,
        spec=spec,
    )
    contests.open_voting(uow=uow, clock=site.clock, officer=RO, contest_id=contest)
    summary = mail.queue_invitations(
        uow=uow,
        clock=site.clock,
        officer=RO,
        contest_id=contest,
        base_url="http://testserver",
    )
    assert (summary.queued, summary.without_address) == (40, 0)


def test_invitations_are_delivered_and_their_links_vote(site: Site, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, sender = smtp
    _invite(site, "secretary")
    report = mail.deliver(outbox=site.ctx.stores.outbox, sender=sender, clock=site.clock)
    assert (report.sent, report.retrying, report.failed) == (40, 0, 0)
    assert len(inbox.messages) == 40
    received = inbox.to("member7@example.org")
    assert len(received) == 1
    body = _body(received[0])
    assert received[0]["Subject"] == "Your vote: Secretary"
    link = next(line for line in body.splitlines() if "/vote/secretary/start?code=" in line)
    with site.client() as c:
        r = c.get(link.removeprefix("http://testserver"), follow_redirects=False)
        assert r.headers["location"] == "/vote/secretary/ballot"
    # the outbox keeps the record of delivery, not the code
    rows = site.ctx.stores.outbox.recent(contest_id="secretary")
    assert {m.status for m in rows} == {MailStatus.SENT}
    assert all(m.body == ERASED and m.server_reply.startswith("accepted") for m in rows)
    code = link.split("code=")[1]
    assert all(code not in m.body for m in rows)


def test_reminders_go_only_to_those_not_marked_voted(site: Site, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, sender = smtp
    voted = site.demo.codes[LEADER][:5]
    for _person, code in voted:
        with site.client() as c:
            c.post(
                f"/api/v1/contests/{LEADER}/ballots",
                json={"credential": code, "ranking": ["harris"]},
            )
    summary = mail.queue_reminders(
        uow=MemoryUnitOfWork(site.store),
        clock=site.clock,
        officer=RO,
        contest_id=LEADER,
        base_url="http://testserver",
    )
    mail.deliver(outbox=site.ctx.stores.outbox, sender=sender, clock=site.clock)
    assert summary.queued == 35
    addressed = {m["To"] for m in inbox.messages}
    voters = {f"member{int(p[1:])}@example.org" for p, _ in voted}
    assert addressed.isdisjoint(voters)
    assert len(addressed) == 35
    assert all("have not voted yet" in _body(m) for m in inbox.messages)


def test_the_result_notice_carries_the_declaration(site: Site, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, sender = smtp
    mail.queue_result_notice(
        uow=MemoryUnitOfWork(site.store),
        clock=site.clock,
        officer=RO,
        contest_id="nec-2026",
        base_url="http://testserver",
    )
    mail.deliver(outbox=site.ctx.stores.outbox, sender=sender, clock=site.clock)
    assert len(inbox.messages) == 40
    body = _body(inbox.messages[0])
    assert "Declaration of the result: National executive committee" in body
    assert "http://testserver/contests/nec-2026/results" in body


def test_a_voter_can_ask_for_the_receipt_by_e_mail(site: Site, smtp, client) -> None:  # type: ignore[no-untyped-def]
    inbox, sender = smtp
    code = site.codes(LEADER)[0]
    client.get(f"/vote/{LEADER}/start", params={"code": code})
    token = csrf_of(page(client.get(f"/vote/{LEADER}/ballot")))
    client.post(f"/vote/{LEADER}/review", data={"csrf": token, "pref-1": "byrne"})
    client.post(f"/vote/{LEADER}/cast", data={"csrf": token})
    receipt = page(client.get(f"/vote/{LEADER}/receipt"))
    tracking = receipt.find(id="tracking-code").text()
    client.post(f"/vote/{LEADER}/receipt/email", data={"csrf": token, "email": "me@example.net"})
    mail.deliver(outbox=site.ctx.stores.outbox, sender=sender, clock=site.clock)
    (message,) = inbox.to("me@example.net")
    assert tracking in _body(message)
    assert "byrne" not in _body(message).lower()


def test_a_refused_connection_is_retried_then_given_up(site: Site) -> None:
    _invite(site, "treasurer")
    dead = SmtpSender(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2))
    policy = RetryPolicy(attempts=2, first_wait=timedelta(minutes=1))
    outbox = site.ctx.stores.outbox
    first = mail.deliver(outbox=outbox, sender=dead, clock=site.clock, policy=policy)
    assert (first.sent, first.retrying, first.failed) == (0, 40, 0)
    pending = outbox.recent(contest_id="treasurer")
    assert all(m.attempts == 1 and "Connection" in m.last_error for m in pending)
    too_soon = mail.deliver(outbox=outbox, sender=dead, clock=site.clock, policy=policy)
    assert (too_soon.sent, too_soon.retrying, too_soon.failed) == (0, 0, 0)
    site.clock.advance(timedelta(minutes=2))
    last = mail.deliver(outbox=outbox, sender=dead, clock=site.clock, policy=policy)
    assert last.failed == 40
    assert {m.status for m in outbox.recent(contest_id="treasurer")} == {MailStatus.FAILED}
    assert all(m.body == ERASED for m in outbox.recent(contest_id="treasurer"))
