"""The SQL schema of a tellers database (SQLAlchemy Core metadata).

This is the schema the Alembic migrations build (``migrations/versions``); it is kept
here too so tests and tools can compare them. Every instant and date is ISO 8601 text
(instants keep their offset), so SQLite and PostgreSQL store the same values and a
round trip is exact. Rules (electorate, motion, nominations, candidates) live in the
contest's JSON document (:mod:`tellers.storage.sql.codec`).

Secrecy (``docs/architecture-lifecycle.md``): the ``ballots`` table has **no voter key,
credential, paper number or time**, and **no autoincrement**: its primary key is the
ballot's random id, and on SQLite it is a ``WITHOUT ROWID`` table, so rows are stored
in the order of that random key, not in the order they were cast. The ``roll`` records
whether and by which channel a voter returned a ballot, never when. Credentials are
keyed hashes only; the per-contest key sits in its own table.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["metadata"]

metadata = MetaData()

ID = 200
"""Length of id columns (membership numbers, slugs, random hex)."""

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", Text, nullable=False),
)

bodies = Table(
    "bodies",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), ForeignKey("organisations.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
)

affiliates = Table(
    "affiliates",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), ForeignKey("organisations.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("affiliated_membership", Integer, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), ForeignKey("organisations.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("address", Text, nullable=False),
    Index("people_by_organisation", "organisation_id", "id"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("person_id", String(ID), ForeignKey("people.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("start_on", String(10), nullable=False),
    Column("end_on", String(10)),
    Column("standing", String(20), nullable=False),
    Column("body_id", String(ID), ForeignKey("bodies.id")),
    Column("affiliate_id", String(ID), ForeignKey("affiliates.id")),
    Column("fee_paid_at", String(40)),
    Column("fee_pence", Integer),
    Index("memberships_by_person", "person_id"),
    Index("memberships_by_body", "body_id"),
)

contests = Table(
    "contests",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("organisation_id", String(ID), ForeignKey("organisations.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("phase", String(40), nullable=False),
    Column("data", Text, nullable=False),
)

nominations = Table(
    "nominations",
    metadata,
    Column("contest_id", String(ID), ForeignKey("contests.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("nominator", String(ID), nullable=False),
    Column("candidate", String(ID), nullable=False),
    Column("at", String(40), nullable=False),
    PrimaryKeyConstraint("contest_id", "position"),
)

roll = Table(
    "roll",
    metadata,
    Column("contest_id", String(ID), nullable=False),
    Column("person_id", String(ID), nullable=False),
    Column("section", Text),
    Column("rule_version", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("voted", Boolean, nullable=False),
    Column("voted_channel", String(20)),
    PrimaryKeyConstraint("contest_id", "person_id"),
    sqlite_with_rowid=False,
)

credential_keys = Table(
    "credential_keys",
    metadata,
    Column("contest_id", String(ID), primary_key=True),
    Column("key", LargeBinary, nullable=False),
)

credentials = Table(
    "credentials",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("contest_id", String(ID), nullable=False),
    Column("person_id", String(ID), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("paper_number", Integer),
    Column("status", String(10), nullable=False),
    Column("issue", Integer, nullable=False),
    UniqueConstraint("contest_id", "code_hash", name="credentials_hash_unique"),
    UniqueConstraint("contest_id", "paper_number", name="credentials_paper_unique"),
    Index("credentials_by_person", "contest_id", "person_id"),
)

ballots = Table(
    "ballots",
    metadata,
    Column("id", String(64), primary_key=True, autoincrement=False),
    Column("contest_id", String(ID), nullable=False),
    Column("section", Text, nullable=False),
    Column("channel", String(10), nullable=False),
    Column("ranking", Text, nullable=False),
    Column("rejection", String(40)),
    Column("tracking_code", String(40), nullable=False),
    UniqueConstraint("contest_id", "tracking_code", name="ballots_tracking_unique"),
    sqlite_with_rowid=False,
)

postal_batches = Table(
    "postal_batches",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("contest_id", String(ID), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("entered_by", String(ID), nullable=False),
    Column("paper_numbers", Text, nullable=False),
    Column("gaps", Text, nullable=False),
    Column("counted", Integer, nullable=False),
    Column("spoilt", Text, nullable=False),
    Column("refused", Text, nullable=False),
    UniqueConstraint("contest_id", "sequence", name="postal_batches_sequence_unique"),
)

counts = Table(
    "counts",
    metadata,
    Column("contest_id", String(ID), nullable=False),
    Column("number", Integer, nullable=False),
    Column("result_json", Text, nullable=False),
    PrimaryKeyConstraint("contest_id", "number"),
)

declarations = Table(
    "declarations",
    metadata,
    Column("contest_id", String(ID), primary_key=True),
    Column("text", Text, nullable=False),
    Column("json", Text, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("officer", String(ID), nullable=False),
    Column("action", String(80), nullable=False),
    Column("parameters", Text, nullable=False),
    Column("time", String(40), nullable=False),
    Column("previous", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
