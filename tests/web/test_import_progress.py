"""A roll import's progress lives in the store, not in the memory of the worker running
it: another worker -- another app context, another server process, ``uvicorn --workers
2`` -- shows it, mid-import and when done, and it is still there after a restart. On the
in-memory store, SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tellers.cli.serve import build_context
from tellers.domain.ids import OfficerId
from tellers.domain.officer import OfficerRole
from tellers.domain.roll_import import ImportStage, RollImportJob
from tellers.services import officers, organisations
from tellers.storage.sql import connect
from tellers.web import roll_import
from tellers.web.app import create_app, memory_context
from tellers.web.deps import WebContext, WebSettings
from tests.web.conftest import (
    SECRET,
    Site,
    SqlSite,
    TestClient,
    csrf_of,
    officer_login,
    page,
    scratch_database,
)
from tests.web.loopback import free_port, serving

RO = ("returning-officer", "demo-returning-officer")
ORG = "demo-party"


def _roll(n: int, prefix: str = "R") -> str:
    return "person_id,name,email,kind,start\n" + "".join(
        f"{prefix}{i:06d},Member {i},,member,2020-01-01\n" for i in range(1, n + 1)
    )


def _upload(client: TestClient, token: str, roll: str, org: str = ORG) -> str:
    r = client.post(
        f"/officer/organisations/{org}/roll",
        data={"csrf": token},
        files={"file": ("roll.csv", roll.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    location = str(r.headers["location"])
    assert location.startswith("/officer/jobs/")
    return location


def _wait(read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> dict:  # type: ignore[type-arg]
    state: dict[str, Any] = {}
    for _ in range(600):
        state = read()
        if done(state):
            return state
        time.sleep(0.05)
    pytest.fail(f"the import did not get there: {state}")


def _finished(state: dict[str, Any]) -> bool:
    return not state["running"]


def _other_worker(site: Site) -> TestClient:
    """An app with a context of its own over the same stores (another worker)."""
    ctx = memory_context(
        settings=WebSettings(secret_key=SECRET, secure_cookies=False, base_url="http://testserver"),
        clock=site.clock,
        store=site.store,
        stores=site.ctx.stores,  # type: ignore[arg-type]
    )
    return TestClient(create_app(ctx), base_url="http://testserver")


def test_another_worker_shows_the_progress_and_the_report(site: Site, client: TestClient) -> None:
    token = officer_login(client, *RO)
    job = _upload(client, token, _roll(500))
    with _other_worker(site) as other:
        officer_login(other, *RO)
        state = _wait(lambda: other.get(job + ".json").json(), _finished)
        assert state["stage"] == "done"
        assert (state["imported"], state["people"], state["total"]) == (500, 500, 500)
        doc = page(other.get(job))
        assert doc.find("progress").get("value") == "500"
        assert (
            "500 people and 500 memberships imported"
            in doc.find("div", class_="panel-confirm").text()
        )
        bad = _upload(client, token, "person_id,name,email,kind,start\nX1,,,member,2020-01-01\n")
        refused = _wait(lambda: other.get(bad + ".json").json(), _finished)
        assert refused["stage"] == "refused"
        assert refused["problems"] == [{"line": 2, "column": "name", "problem": "empty"}]


def test_an_unknown_job_is_not_found(client: TestClient) -> None:
    officer_login(client, *RO)
    r = client.get("/officer/jobs/" + "0" * 64 + ".json")
    assert r.status_code == 404


def test_an_import_not_heard_from_is_shown_as_possibly_interrupted(
    site: Site, client: TestClient
) -> None:
    officer_login(client, *RO)
    now = site.clock.now()
    base = RollImportJob(
        id="a" * 64,
        organisation_id=ORG,
        officer_id=RO[0],
        stage=ImportStage.IMPORTING,
        total=10,
        started_at=now - timedelta(minutes=30),
        updated_at=now - roll_import.STALE_AFTER - timedelta(seconds=1),
    )
    site.ctx.stores.jobs.add(base)
    state = client.get(f"/officer/jobs/{base.id}.json").json()
    assert (state["running"], state["stalled"]) == (True, True)
    warning = page(client.get(f"/officer/jobs/{base.id}")).find(id="job-stalled")
    assert "may have stopped" in warning.text()
    site.ctx.stores.jobs.save(
        RollImportJob(**{**_fields(base), "updated_at": now - timedelta(seconds=5)})
    )
    assert client.get(f"/officer/jobs/{base.id}.json").json()["stalled"] is False
    assert page(client.get(f"/officer/jobs/{base.id}")).find_all(id="job-stalled") == []


def _fields(job: RollImportJob) -> dict[str, Any]:
    return {name: getattr(job, name) for name in RollImportJob.__slots__}  # type: ignore[attr-defined]


# -- SQL: two contexts on one database, as two worker processes have -----------------------


@contextlib.contextmanager
def _gate(monkeypatch: pytest.MonkeyPatch, after: int) -> Iterator[threading.Event]:
    """Hold the import, inside its transaction, after ``after`` people, until released."""
    release = threading.Event()
    real = roll_import.counting

    def gated(rows: Any, progress: Any) -> Iterator[Any]:
        for i, row in enumerate(real(rows, progress), start=1):
            yield row
            if i == after:
                release.wait(60)

    monkeypatch.setattr(roll_import, "counting", gated)
    try:
        yield release
    finally:
        release.set()


def test_a_second_context_sees_the_import_move_and_finish(
    sql_site: SqlSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = build_context(
        database_url=sql_site.url,
        base_url="http://testserver",
        secure_cookies=False,
        secret_key=SECRET,
        schema=sql_site.schema,
    )
    try:
        with (
            sql_site.client() as client,
            TestClient(create_app(other), base_url="http://testserver") as watcher,
            _gate(monkeypatch, after=600) as release,
        ):
            token = officer_login(client, *RO)
            officer_login(watcher, *RO)  # before the import holds SQLite's write lock
            job = _upload(client, token, _roll(1000))

            def read() -> dict[str, Any]:
                return dict(watcher.get(job + ".json").json())

            # the count moves while the rows are written (every 200), on SQLite too:
            # the jobs are kept beside the database, out of reach of the import's lock
            held = _wait(read, lambda s: s["imported"] >= 400)
            assert held["stage"] == "importing"
            assert held["read"] == 1000
            assert held["imported"] < 1000
            release.set()
            done = _wait(read, _finished)
        assert (done["stage"], done["imported"], done["memberships"]) == ("done", 1000, 1000)
    finally:
        other.close()
    # a "restart": a fresh context on the database still has the finished job
    again = build_context(
        database_url=sql_site.url,
        base_url="http://testserver",
        secure_cookies=False,
        secret_key=SECRET,
        schema=sql_site.schema,
    )
    try:
        found = again.stores.jobs.find(job.rsplit("/", 1)[1])
        assert found is not None
        assert (found.stage, found.imported) == (ImportStage.DONE, 1000)
    finally:
        again.close()


# -- uvicorn processes: --workers 2, and a separate server --------------------------------


@contextlib.contextmanager
def _server(url: str, *, workers: int) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TELLERS_DATABASE_URL": url,
        "TELLERS_SECRET_KEY": SECRET,
        "TELLERS_BASE_URL": base,
        "TELLERS_SECURE_COOKIES": "0",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tellers.cli.serve:app_from_environment",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    with serving(command, env, base):
        yield base


@contextlib.contextmanager
def _logged_in(base: str) -> Iterator[tuple[httpx.Client, str]]:
    """An officer's HTTP client on ``base`` and the session's CSRF token."""
    with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as client:
        token = csrf_of(page(client.get("/officer/login")))
        r = client.post(
            "/officer/login",
            data={"officer_id": RO[0], "password": RO[1], "csrf": token, "next": "/officer"},
        )
        assert r.status_code == 200, r.text
        yield client, csrf_of(page(r))


def _prepared(url: str, schema: str | None) -> str:
    """Migrate, appoint the returning officer, create the organisation; the URL to serve."""
    ctx: WebContext = build_context(
        database_url=url,
        base_url="http://testserver",
        secure_cookies=False,
        secret_key=SECRET,
        schema=schema,
    )
    try:
        with ctx.uow() as uow:
            officers.appoint_officer(
                uow=uow,
                clock=ctx.clock,
                officer=OfficerId(RO[0]),
                officer_id=RO[0],
                name="RO",
                role=OfficerRole.RETURNING_OFFICER,
                password=RO[1],
            )
        with ctx.uow() as uow:
            organisations.create_organisation(
                uow=uow, clock=ctx.clock, officer=OfficerId(RO[0]), organisation_id=ORG, name="P"
            )
    finally:
        ctx.close()
    return url if schema is None else f"{url}?options=-csearch_path%3D{schema}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_progress_with_two_uvicorn_workers_and_after_a_restart(
    backend: str, tmp_path: Path
) -> None:
    with scratch_database(backend, tmp_path) as (url, schema):
        served = _prepared(url, schema)
        with (
            _server(served, workers=1) as single,
            _logged_in(single) as (single_client, _),
        ):
            with _server(served, workers=2) as pair, _logged_in(pair) as (client, token):
                r = client.post(
                    f"/officer/organisations/{ORG}/roll",
                    data={"csrf": token},
                    files={"file": ("roll.csv", _roll(40_000).encode(), "text/csv")},
                )
                assert r.status_code == 200, r.text
                job = str(r.url.path)
                assert job.startswith("/officer/jobs/")

                def read_fresh() -> dict[str, Any]:
                    # a new connection each time: either worker may answer
                    with httpx.Client(base_url=pair, cookies=client.cookies) as fresh:
                        answer = fresh.get(job + ".json", headers={"connection": "close"})
                    assert answer.status_code == 200, answer.text
                    state = answer.json()
                    seen.append((order.index(state["stage"]), state["read"], state["imported"]))
                    return dict(state)

                order = ["queued", "reading", "importing", "done"]
                seen: list[tuple[int, int, int]] = []
                done = _wait(read_fresh, _finished)
                assert (done["stage"], done["imported"]) == ("done", 40_000)
                assert seen == sorted(seen)  # stage and counts only move forward
                assert any(stage < order.index("done") for stage, _, _ in seen), seen
            # the server that ran the import has stopped; another still shows the job
            answer = single_client.get(job + ".json")
            assert answer.status_code == 200
            assert (answer.json()["stage"], answer.json()["imported"]) == ("done", 40_000)
            doc = page(single_client.get(job))
            assert doc.find("progress").get("value") == "40000"
        db = connect(url, schema=schema)
        try:
            with db.engine.connect() as conn:
                people = conn.execute(text("SELECT COUNT(*) FROM people")).scalar_one()
        finally:
            db.dispose()
        assert people == 40_000


def test_the_worker_factory_needs_the_shared_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tellers.cli.serve import app_from_environment
    from tellers.errors import ConfigError

    monkeypatch.setenv("TELLERS_DATABASE_URL", f"sqlite:///{tmp_path / 'tellers.db'}")
    monkeypatch.delenv("TELLERS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="TELLERS_SECRET_KEY"):
        app_from_environment()
    monkeypatch.setenv("TELLERS_SECRET_KEY", SECRET)
    monkeypatch.setenv("TELLERS_SECURE_COOKIES", "maybe")
    with pytest.raises(ConfigError, match="TELLERS_SECURE_COOKIES"):
        app_from_environment()
