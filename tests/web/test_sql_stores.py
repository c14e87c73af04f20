"""The SQL web stores round-trip officers, outbox messages and presentation (SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tellers.domain.errors import AlreadyExists
from tellers.domain.ids import OfficerId
from tellers.domain.mail import MailKind, MailStatus, OutboxMessage, RetryPolicy
from tellers.domain.officer import LockoutPolicy, Officer, OfficerRole
from tellers.domain.presentation import BallotOrder, Presentation
from tellers.storage.sql import connect, migrate
from tellers.storage.sql.web import SqlWebStores

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def stores(tmp_path: Path) -> SqlWebStores:
    db = connect(f"sqlite:///{tmp_path / 'web.db'}")
    migrate(db)
    yield SqlWebStores(db)  # type: ignore[misc]
    db.dispose()


def test_officers_round_trip_with_their_lock_out(stores: SqlWebStores) -> None:
    o = Officer(
        id=OfficerId("ro"),
        name="R O",
        role=OfficerRole.SCRUTINEER,
        password_hash="$argon2id$x",  # noqa: S106
    )
    stores.officers.add(o)
    with pytest.raises(AlreadyExists):
        stores.officers.add(o)
    locked = o
    for _ in range(5):
        locked = locked.after_failure(NOW, LockoutPolicy())
    stores.officers.save(locked)
    assert stores.officers.find(OfficerId("ro")) == locked
    assert locked.is_locked(NOW)
    assert stores.officers.all() == (locked,)


def test_outbox_due_messages_and_delivery_records_round_trip(stores: SqlWebStores) -> None:
    messages = [
        OutboxMessage(
            id=f"m{i}",
            kind=MailKind.INVITATION,
            contest_id="c",
            to=f"v{i}@example.org",
            subject="s",
            body="code X",
            created_at=NOW + timedelta(seconds=i),
        )
        for i in range(3)
    ]
    assert stores.outbox.add_many(messages) == 3
    later = messages[0].failed(NOW, "refused", RetryPolicy())
    stores.outbox.save(later)
    stores.outbox.save(messages[1].delivered(NOW, "250 ok"))
    assert [m.id for m in stores.outbox.due(NOW, 10)] == ["m2"]
    assert [m.id for m in stores.outbox.due(NOW + timedelta(minutes=5), 10)] == ["m0", "m2"]
    assert stores.outbox.counts() == {"pending": 2, "sent": 1}
    sent = [m for m in stores.outbox.recent() if m.status is MailStatus.SENT]
    assert sent[0].body != "code X"
    assert sent[0].sent_at == NOW


def test_presentation_is_set_and_replaced(stores: SqlWebStores) -> None:
    assert stores.presentation.get("c") is None
    stores.presentation.set(Presentation(contest_id="c", order=BallotOrder.RANDOM))
    stores.presentation.set(
        Presentation(contest_id="c", order=BallotOrder.ALPHABETICAL, instructions="i")
    )
    assert stores.presentation.get("c") == Presentation(
        contest_id="c", order=BallotOrder.ALPHABETICAL, instructions="i"
    )


def test_import_jobs_round_trip_with_their_problems(stores: SqlWebStores) -> None:
    from tellers.domain.roll_import import ImportProblem, ImportStage, RollImportJob

    job = RollImportJob(
        id="j1",
        organisation_id="org",
        officer_id="ro",
        stage=ImportStage.QUEUED,
        total=3,
        started_at=NOW,
        updated_at=NOW,
    )
    stores.jobs.add(job)
    with pytest.raises(AlreadyExists):
        stores.jobs.add(job)
    refused = RollImportJob(
        **{
            **{name: getattr(job, name) for name in RollImportJob.__slots__},  # type: ignore[attr-defined]
            "stage": ImportStage.REFUSED,
            "read": 3,
            "people": 2,
            "problems": (ImportProblem(line=3, column='naïve, "quoted"', problem="é empty"),),
            "updated_at": NOW + timedelta(seconds=2),
        }
    )
    stores.jobs.save(refused)
    assert stores.jobs.find("j1") == refused
    assert stores.jobs.find("nope") is None


def test_reads_do_not_wait_for_a_writer_holding_the_sqlite_lock(tmp_path: Path) -> None:
    import time

    from sqlalchemy import text

    from tellers.storage.sql.reader import reader

    db = connect(f"sqlite:///{tmp_path / 'lock.db'}")
    migrate(db)
    stores = SqlWebStores(db)
    stores.presentation.set(Presentation(contest_id="c", order=BallotOrder.FIXED))
    try:
        with db.engine.begin() as writer:  # BEGIN IMMEDIATE: the write lock, held
            writer.execute(text("DELETE FROM web_presentation"))
            start = time.perf_counter()
            seen = stores.presentation.get("c")  # the last committed state, at once
            waited = time.perf_counter() - start
        assert seen is not None
        assert waited < 1.0, waited  # not the 30 s busy timeout
        assert stores.presentation.get("c") is None  # the writer has committed
        first = reader(db)
        assert reader(db) is first
    finally:
        db.dispose()
    assert reader(db) is not first  # disposed with the database; a new one on demand
    db.dispose()
