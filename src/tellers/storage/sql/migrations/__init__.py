"""Alembic migrations of the tellers schema, shipped inside the package (``tellers init``)."""
