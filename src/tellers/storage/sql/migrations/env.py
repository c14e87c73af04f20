"""Alembic environment: runs the migrations on a connection given by tellers, or a URL.

``tellers init`` (:func:`tellers.storage.sql.engine.migrate`) passes its open connection
in ``config.attributes["connection"]``; the ``alembic`` command line passes
``sqlalchemy.url`` instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from tellers.storage.sql.tables import metadata

config = context.config
target_metadata = metadata


def run_migrations_online() -> None:
    """Run the migrations in one transaction per revision."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
