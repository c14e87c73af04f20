"""Settings, from the environment (``TELLERS_*``) with defaults (pydantic-settings).

- ``TELLERS_DATABASE_URL``: where the data lives; default ``sqlite:///tellers.db`` in the
  current directory. PostgreSQL: ``postgresql+psycopg://user@host:5432/name``.
- ``TELLERS_OFFICER``: who is acting, as recorded in the audit log (default
  ``returning-officer``); the CLI's ``--officer`` overrides it.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "load_settings"]

DEFAULT_DATABASE_URL = "sqlite:///tellers.db"


class Settings(BaseSettings):
    """What tellers reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="TELLERS_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    officer: str = "returning-officer"


def load_settings() -> Settings:
    """The settings of this process."""
    return Settings()
