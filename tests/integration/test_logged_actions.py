"""Officer actions that used to span several transactions, or none, on both backends:
queueing invitations (credentials, their messages and the audit entries commit together),
reminders, appointing an officer, an account locked after failed log-ins, and reading
the marked register. Failures are real: a trigger makes the database refuse a row."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime

import pytest

from tellers.domain.ids import ContestId, OfficerId
from tellers.domain.mail import MailKind
from tellers.domain.membership import MembershipKind
from tellers.domain.officer import LockoutPolicy, OfficerRole
from tellers.errors import TellersError
from tellers.services import contests, mail, officers, organisations, people, voting
from tellers.services.audit import verify_audit_log
from tellers.services.people import MembershipRow, PersonRow
from tellers.storage.memory import FixedClock
from tellers.storage.sql import Database, SqlUnitOfWork
from tellers.storage.sql.web import SqlOfficers, SqlWebStores

RO = OfficerId("returning-officer")
CLOCK = FixedClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
REFUSED = "refused.example"
"""Mail to this domain is refused by the trigger of :func:`_refuse_outbox`."""

SPEC = {
    "kind": "motion",
    "title": "Confidence",
    "question": "That this group has confidence in its leader.",
    "motion": {"binding": False},
    "electorate": {
        "version": "t-1",
        "sections": [
            {"name": "mps", "kind": "seat", "bodies": ["grp"], "channels": ["online", "post"]}
        ],
    },
}


def _world(uow: SqlUnitOfWork, emails: list[str]) -> str:
    """An open contest whose voters have ``emails`` (``""``: no address); none issued."""
    organisations.create_organisation(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", name="Org"
    )
    organisations.add_body(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", body_id="grp", name="Group"
    )
    rows = [
        PersonRow(
            id=f"p{i:03d}",
            name=f"Person {i}",
            email=address,
            memberships=(
                MembershipRow(kind=MembershipKind.SEAT, start=date(2015, 5, 7), body_id="grp"),
            ),
        )
        for i, address in enumerate(emails)
    ]
    people.import_people(uow=uow, clock=CLOCK, officer=RO, organisation_id="org", rows=rows)
    contests.create_contest(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", contest_id="m", spec=SPEC
    )
    contests.open_voting(uow=uow, clock=CLOCK, officer=RO, contest_id="m")
    return "m"


def _refuse(uow: SqlUnitOfWork, table: str, condition: str, reason: str) -> None:
    """Make the database refuse rows of ``table`` where ``condition`` holds (a trigger)."""
    with uow:
        cur = uow.cursor()  # no parameters: the conditions hold LIKE patterns' '%'
        if uow.sqlite:
            cur.execute(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{reason}'); END"
            )
        else:
            cur.execute(
                f"CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{reason}'; END $$"
            )
            cur.execute(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN ({condition}) EXECUTE FUNCTION refuse_{table}()"
            )
        uow.commit()


def _refusal(database: Database) -> tuple[type[BaseException], ...]:
    """What a refused row raises: a domain error, or the driver's own."""
    dbapi = database.engine.dialect.dbapi
    assert dbapi is not None
    return (TellersError, dbapi.Error)


def _allow(uow: SqlUnitOfWork, table: str) -> None:
    with uow:
        if uow.sqlite:
            uow.execute(f"DROP TRIGGER refuse_{table}")
        else:
            uow.execute(f"DROP TRIGGER refuse_{table} ON {table}")
        uow.commit()


def _counts(uow: SqlUnitOfWork) -> tuple[int, int, int]:
    """Credentials, queued messages and audit entries stored."""
    with uow:
        return (
            int(uow.one("SELECT COUNT(*) FROM credentials")[0]),
            int(uow.one("SELECT COUNT(*) FROM web_outbox")[0]),
            int(uow.one("SELECT COUNT(*) FROM audit")[0]),
        )


def _log_in(
    store: SqlOfficers,
    units: Callable[[], AbstractContextManager[SqlUnitOfWork]],
    policy: LockoutPolicy,
    password: str,
) -> None:
    """An observer's log-in attempt (``obs``) through the service."""
    officers.authenticate(
        officers=store, clock=CLOCK, officer_id="obs", password=password, policy=policy, uow=units
    )


def _audit(uow: SqlUnitOfWork) -> list[tuple[str, str, dict[str, object]]]:
    with uow:
        return [(e.officer, e.action, dict(e.parameters)) for e in uow.audit.iter()]


def test_invitations_credentials_and_their_entries_commit_together(database: Database) -> None:
    uow = SqlUnitOfWork(database)
    try:
        cid = _world(uow, [f"v{i}@example.org" for i in range(6)] + [""])
        summary = mail.queue_invitations(
            uow=uow, clock=CLOCK, officer=RO, contest_id=cid, base_url="https://vote.example"
        )
        assert (summary.queued, summary.without_address) == (6, 1)
        assert _counts(uow)[:2] == (7, 6)
        # the SMTP side reads what the unit of work queued
        outbox = SqlWebStores(database).outbox
        queued = outbox.due(CLOCK.now(), 100)
        assert {m.kind for m in queued} == {MailKind.INVITATION}
        assert sorted(m.to for m in queued) == [f"v{i}@example.org" for i in range(6)]
        # the mailed code votes
        code = queued[0].body.split("type your voting code:")[1].split()[0]
        receipt = voting.cast_ballot(uow=uow, contest_id=cid, credential=code, ranking=["yes"])
        assert receipt.tracking_code
        log = _audit(uow)
        assert [a for _, a, _ in log[-2:]] == ["issue_credentials", "queue_invitations"]
        assert log[-2][2]["issued"] == 7
        assert log[-1][2] == {"contest": cid, "queued": 6, "without_address": 1}
        assert code not in json.dumps([p for _, _, p in log])
        verify_audit_log(uow=uow)
    finally:
        uow.close()


def test_a_refused_invitation_leaves_no_credential_and_no_entry(database: Database) -> None:
    uow = SqlUnitOfWork(database)
    try:
        # the refused address is the last in the batch: credentials and earlier messages
        # are already written in the transaction when the database refuses it
        cid = _world(uow, [f"v{i}@example.org" for i in range(5)] + [f"x@{REFUSED}"])
        _refuse(uow, "web_outbox", f"NEW.recipient LIKE '%@{REFUSED}'", "outbox refused")
        before = _counts(uow)
        head = verify_audit_log(uow=uow)
        with pytest.raises(_refusal(database), match="refused"):
            mail.queue_invitations(
                uow=uow, clock=CLOCK, officer=RO, contest_id=cid, base_url="https://vote.example"
            )
        assert before[0] == 0
        assert _counts(uow) == before
        assert verify_audit_log(uow=uow) == head
        assert SqlWebStores(database).outbox.counts() == {}
        # once the outbox takes it, the same action issues every credential, once
        _allow(uow, "web_outbox")
        summary = mail.queue_invitations(
            uow=uow, clock=CLOCK, officer=RO, contest_id=cid, base_url="https://vote.example"
        )
        assert summary.queued == 6
        assert _counts(uow) == (6, 6, before[2] + 2)
        verify_audit_log(uow=uow)
    finally:
        uow.close()


def test_a_refused_reminder_queues_nothing_and_logs_nothing(database: Database) -> None:
    uow = SqlUnitOfWork(database)
    try:
        cid = _world(uow, ["a@example.org", f"b@{REFUSED}", ""])
        mail.queue_invitations(
            uow=uow, clock=CLOCK, officer=RO, contest_id=cid, base_url="https://vote.example"
        )
        _refuse(uow, "web_outbox", f"NEW.recipient LIKE '%@{REFUSED}'", "outbox refused")
        before = _counts(uow)
        with pytest.raises(_refusal(database), match="refused"):
            mail.queue_reminders(
                uow=uow, clock=CLOCK, officer=RO, contest_id=cid, base_url="https://vote.example"
            )
        assert _counts(uow) == before
        _allow(uow, "web_outbox")
        summary = mail.queue_reminders(
            uow=uow, clock=CLOCK, officer=RO, contest_id=cid, base_url="https://vote.example"
        )
        assert (summary.queued, summary.without_address) == (2, 1)
        assert _audit(uow)[-1][1:] == (
            "queue_reminders",
            {"contest": cid, "queued": 2, "without_address": 1},
        )
        verify_audit_log(uow=uow)
    finally:
        uow.close()


def test_an_appointment_is_logged_in_its_transaction_without_the_password(
    database: Database,
) -> None:
    uow = SqlUnitOfWork(database)
    password = "a long password 1"  # noqa: S105 - a test officer's
    try:
        appointed = officers.appoint_officer(
            uow=uow,
            clock=CLOCK,
            officer=RO,
            officer_id="scrutineer-1",
            name="Sam Scrutineer",
            role=OfficerRole.SCRUTINEER,
            password=password,
        )
        # the log-in store reads the appointed officer
        found = SqlWebStores(database).officers.find(appointed.id)
        assert found == appointed
        log = _audit(uow)
        assert log == [
            (
                "returning-officer",
                "appoint_officer",
                {"officer": "scrutineer-1", "name": "Sam Scrutineer", "role": "scrutineer"},
            )
        ]
        logged = json.dumps(log)
        assert password not in logged
        assert appointed.password_hash not in logged
        # a refused audit entry leaves no officer either
        _refuse(uow, "audit", "NEW.action = 'appoint_officer'", "audit refused")
        with pytest.raises(_refusal(database), match="refused"):
            officers.appoint_officer(
                uow=uow,
                clock=CLOCK,
                officer=RO,
                officer_id="observer-1",
                name="Olu Observer",
                role=OfficerRole.OBSERVER,
                password=password,
            )
        assert SqlWebStores(database).officers.find(OfficerId("observer-1")) is None
        assert len(_audit(uow)) == 1
        verify_audit_log(uow=uow)
    finally:
        uow.close()


def test_a_lock_out_is_logged_without_the_password_tried(database: Database) -> None:
    uow = SqlUnitOfWork(database)
    store = SqlWebStores(database).officers
    policy = LockoutPolicy(attempts=3)

    @contextmanager
    def units() -> Iterator[SqlUnitOfWork]:
        yield uow

    try:
        officers.appoint_officer(
            uow=uow,
            clock=CLOCK,
            officer=RO,
            officer_id="obs",
            name="Obs",
            role=OfficerRole.OBSERVER,
            password="the right password",  # noqa: S106 - a test officer's
        )
        guesses = ["guess number 1", "guess number 2", "guess number 3"]
        for guess in guesses[:2]:
            with pytest.raises(officers.LoginRefused):
                _log_in(store, units, policy, guess)
        assert [a for _, a, _ in _audit(uow)] == ["appoint_officer"]  # failures only count
        with pytest.raises(officers.AccountLocked):
            _log_in(store, units, policy, guesses[2])
        locked = store.find(OfficerId("obs"))
        assert locked is not None
        assert locked.is_locked(CLOCK.now())
        log = _audit(uow)
        assert log[-1] == (
            "obs",
            "officer_locked_out",
            {
                "officer": "obs",
                "failed_logins": 3,
                "locked_until": (CLOCK.now() + policy.duration).isoformat(),
            },
        )
        assert not any(g in json.dumps(log) for g in guesses)
        verify_audit_log(uow=uow)
    finally:
        uow.close()


def test_reading_the_marked_register_is_logged_in_the_same_transaction(
    database: Database,
) -> None:
    uow = SqlUnitOfWork(database)
    try:
        cid = _world(uow, ["a@example.org", "b@example.org", "c@example.org"])
        mail.queue_invitations(
            uow=uow, clock=CLOCK, officer=RO, contest_id=cid, base_url="https://vote.example"
        )
        code = SqlWebStores(database).outbox.due(CLOCK.now(), 10)[0].body
        code = code.split("type your voting code:")[1].split()[0]
        voting.cast_ballot(uow=uow, contest_id=cid, credential=code, ranking=["no"])
        scrutineer = OfficerId("scrutineer")
        voters = contests.participation_list(
            uow=uow, clock=CLOCK, officer=scrutineer, contest_id=cid
        )
        assert len(voters) == 1
        assert _audit(uow)[-1] == (
            "scrutineer",
            "read_participation_list",
            {"contest": cid, "names": 1},
        )
        # a read whose entry the database refuses returns nothing
        _refuse(uow, "audit", "NEW.action = 'read_participation_list'", "audit refused")
        entries = len(_audit(uow))
        with pytest.raises(_refusal(database), match="refused"):
            contests.participation_list(uow=uow, clock=CLOCK, officer=scrutineer, contest_id=cid)
        assert len(_audit(uow)) == entries
        with uow:
            assert uow.roll.voted_count(ContestId(cid)) == 1
        verify_audit_log(uow=uow)
    finally:
        uow.close()


def test_wrong_passwords_sent_at_once_all_count_towards_the_lock_out(database: Database) -> None:
    """Ten wrong passwords at the same moment against a limit of five: the failures are
    counted in one transaction each, so the account ends locked, once, with one entry
    (counted in memory and saved back, they overwrote each other and never locked it)."""
    import threading

    setup = SqlUnitOfWork(database)
    store = SqlWebStores(database).officers
    policy = LockoutPolicy(attempts=5)

    @contextmanager
    def units() -> Iterator[SqlUnitOfWork]:
        unit = SqlUnitOfWork(database)
        try:
            yield unit
        finally:
            unit.close()

    try:
        officers.appoint_officer(
            uow=setup,
            clock=CLOCK,
            officer=RO,
            officer_id="obs",
            name="Obs",
            role=OfficerRole.OBSERVER,
            password="the right password",  # noqa: S106 - a test officer's
        )
        start = threading.Barrier(10)
        outcomes: list[str] = []

        def guess(n: int) -> None:
            start.wait()
            try:
                _log_in(store, units, policy, f"wrong guess {n}")
            except officers.AuthenticationError as err:
                outcomes.append(type(err).__name__)

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(outcomes) == 10
        assert outcomes.count("LoginRefused") == 4
        assert outcomes.count("AccountLocked") == 6
        locked = store.find(OfficerId("obs"))
        assert locked is not None
        assert locked.is_locked(CLOCK.now())
        assert [a for _, a, _ in _audit(setup)].count("officer_locked_out") == 1
        # and the right password is refused while the lock lasts
        with pytest.raises(officers.AccountLocked):
            _log_in(store, units, policy, "the right password")
        verify_audit_log(uow=setup)
    finally:
        setup.close()
