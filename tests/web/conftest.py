"""Fixtures of the web tests: an app on the in-memory store with the demo election, a
test client, helpers to read forms and CSRF tokens from pages."""

from __future__ import annotations

import contextlib
import os
import secrets
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from tellers.cli.serve import build_context
from tellers.domain.officer import LockoutPolicy
from tellers.storage.memory import FixedClock, MemoryStore
from tellers.storage.web_memory import MemoryWebStores
from tellers.web.app import create_app, memory_context
from tellers.web.demo import DemoElection, seed_demo
from tellers.web.deps import WebContext, WebSettings
from tests.web.html import Element, parse

SECRET = "test-secret-" + "k" * 40


@dataclass
class Site:
    """An app with the demo election and its clients."""

    ctx: WebContext
    demo: DemoElection
    store: MemoryStore
    clock: FixedClock

    def client(self) -> TestClient:
        return TestClient(create_app(self.ctx), base_url="http://testserver")

    def codes(self, contest: str) -> list[str]:
        return [code for _pid, code in self.demo.codes[contest]]


@pytest.fixture
def site() -> Site:
    """The demo election on the in-memory store, with a fixed clock."""
    store = MemoryStore()
    clock = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    ctx = memory_context(
        settings=WebSettings(
            secret_key=SECRET,
            secure_cookies=False,
            base_url="http://testserver",
            lockout=LockoutPolicy(attempts=3),
        ),
        clock=clock,
        store=store,
        stores=MemoryWebStores(store),
    )
    demo = seed_demo(ctx)
    return Site(ctx=ctx, demo=demo, store=store, clock=clock)


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with site.client() as c:
        yield c


POSTGRES_ENV = "TELLERS_TEST_POSTGRES_URL"


@dataclass
class SqlSite:
    """The demo election on a SQL database (a SQLite file, or a PostgreSQL schema)."""

    ctx: WebContext
    demo: DemoElection
    url: str
    schema: str | None

    def client(self) -> TestClient:
        return TestClient(create_app(self.ctx), base_url="http://testserver")

    def codes(self, contest: str) -> list[str]:
        return [code for _pid, code in self.demo.codes[contest]]


@contextlib.contextmanager
def scratch_database(backend: str, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """``(url, schema)`` of an empty database: a SQLite file, or a fresh PostgreSQL schema
    (dropped afterwards) on ``TELLERS_TEST_POSTGRES_URL`` (skipped, saying why, without)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'tellers.db'}", None
        return
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(
            f"{POSTGRES_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlSite]:
    """The demo election through the app's SQL context (as ``tellers serve`` builds it),
    on each backend."""
    with scratch_database(request.param, tmp_path) as (url, schema):
        ctx = build_context(
            database_url=url,
            base_url="http://testserver",
            secure_cookies=False,
            secret_key=SECRET,
            schema=schema,
        )
        try:
            yield SqlSite(ctx=ctx, demo=seed_demo(ctx), url=url, schema=schema)
        finally:
            ctx.close()


def page(response: object) -> Element:
    """The parsed HTML of a response."""
    return parse(response.text)  # type: ignore[attr-defined]


def csrf_of(doc: Element) -> str:
    """The CSRF token of the first form on a page."""
    return doc.find("input", name="csrf").get("value")


def officer_login(client: TestClient, officer: str, password: str) -> str:
    """Log an officer in through the form; returns the session's CSRF token."""
    token = csrf_of(page(client.get("/officer/login")))
    r = client.post(
        "/officer/login",
        data={"officer_id": officer, "password": password, "csrf": token, "next": "/officer"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(page(client.get("/officer")))


__all__ = [
    "Site",
    "SqlSite",
    "TestClient",
    "csrf_of",
    "officer_login",
    "page",
    "scratch_database",
]
