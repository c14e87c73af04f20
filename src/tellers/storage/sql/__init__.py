"""SQL storage (SQLite by default, PostgreSQL by URL): schema, migrations, unit of work."""

from tellers.storage.sql.engine import Database, connect, migrate
from tellers.storage.sql.uow import SqlUnitOfWork

__all__ = ["Database", "SqlUnitOfWork", "connect", "migrate"]
