"""Web group commit (tellers.web.batcher) on real SQLite and PostgreSQL, through the app.

Concurrent ``POST /api/v1/contests/{id}/ballots`` requests are sent through the ASGI app
(httpx on one event loop, so they really are in flight together) while another
connection holds a lock the first group needs: the casts queue up behind it and are
committed in a few groups, not one transaction each. Faults are real: a trigger on the
ballot box that aborts an insert.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tellers.domain.ids import ContestId, TrackingCode
from tellers.web.app import create_app
from tests.web.conftest import SqlSite, csrf_of, page

LEADER = "leader-2026"
API = f"/api/v1/contests/{LEADER}/ballots"


def _plain_pg(site: SqlSite) -> str:
    return make_url(site.url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def _blocking_first_group(site: SqlSite) -> Iterator[None]:
    """Hold, from another connection, a lock every cast transaction needs (SQLite: the
    write lock; PostgreSQL: the contest row), until the block ends."""
    if site.schema is None:
        conn = sqlite3.connect(make_url(site.url).database or "", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with psycopg.connect(_plain_pg(site), options=f"-csearch_path={site.schema}") as pg:
        pg.execute("SELECT 1 FROM contests WHERE id = %s FOR UPDATE", (LEADER,))
        try:
            yield
        finally:
            pg.rollback()


def _sql(site: SqlSite, statements: list[str]) -> None:
    if site.schema is None:
        conn = sqlite3.connect(make_url(site.url).database or "", isolation_level=None)
        try:
            for s in statements:
                conn.execute(s)
        finally:
            conn.close()
        return
    with psycopg.connect(
        _plain_pg(site), options=f"-csearch_path={site.schema}", autocommit=True
    ) as pg:
        for s in statements:
            pg.execute(s)


def _fault_on_ballots(site: SqlSite, needle: str) -> None:
    """A trigger that aborts the insert of any ballot whose marks contain ``needle``."""
    if site.schema is None:
        _sql(
            site,
            [
                "CREATE TRIGGER fault BEFORE INSERT ON ballots "
                f"WHEN NEW.ranking LIKE '%{needle}%' "
                "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
            ],
        )
        return
    _sql(
        site,
        [
            "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.ranking::text LIKE '%{needle}%' THEN RAISE EXCEPTION 'injected fault'; "
            "END IF; RETURN NEW; END $$",
            "CREATE TRIGGER fault BEFORE INSERT ON ballots FOR EACH ROW EXECUTE FUNCTION fault()",
        ],
    )


def _drop_fault(site: SqlSite) -> None:
    _sql(
        site,
        ["DROP TRIGGER fault"]
        if site.schema is None
        else ["DROP TRIGGER fault ON ballots", "DROP FUNCTION fault()"],
    )


def _cast_together(
    site: SqlSite, casts: list[tuple[str, list[str]]], *, hold: bool = True
) -> list[tuple[int, dict[str, Any]]]:
    """Send every cast at once through the app; with ``hold``, while the first group is
    blocked, so the rest queue up. Returns (status, JSON body) per cast, in order."""
    app = create_app(site.ctx)

    async def main() -> list[tuple[int, dict[str, Any]]]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            sent = [
                asyncio.create_task(c.post(API, json={"credential": code, "ranking": ranking}))
                for code, ranking in casts
            ]
            if hold:
                with _blocking_first_group(site):
                    await asyncio.sleep(0.5)  # every request is now waiting for its group
                    assert not any(t.done() for t in sent)
            answers = await asyncio.gather(*sent)
        return [
            (r.status_code, r.json() if r.headers.get("content-type", "").endswith("json") else {})
            for r in answers
        ]

    return asyncio.run(main())


def _error(body: dict[str, Any]) -> str:
    return str(body.get("error", {}).get("code", ""))


def _box(site: SqlSite) -> tuple[int, int]:
    with site.ctx.uow() as uow, uow:
        cid = ContestId(LEADER)
        return uow.ballots.count(cid), uow.roll.voted_count(cid)


def _in_box(site: SqlSite, tracking_code: str) -> bool:
    with site.ctx.uow() as uow, uow:
        found = uow.ballots.find_by_tracking_code(ContestId(LEADER), TrackingCode(tracking_code))
        return found is not None


def test_concurrent_casts_make_one_ballot_per_code_in_few_transactions(sql_site: SqlSite) -> None:
    codes = sql_site.codes(LEADER)
    assert len(codes) >= 14
    # two voters vote first, one transaction each (no lock held)
    early = _cast_together(sql_site, [(c, ["harris"]) for c in codes[:2]], hold=False)
    assert [s for s, _ in early] == [201, 201]
    groups_before = sql_site.ctx.casts.groups
    fresh = codes[2:14]
    casts: list[tuple[str, list[str]]] = []
    for i, code in enumerate(fresh):
        casts.append((code, ["nowak", "harris"]))
        if i % 3 == 0:  # the same code again, typed loosely, in the same burst
            casts.append((code.lower(), ["byrne"]))
    casts += [(c, ["adeyemi"]) for c in codes[:2]]  # codes already used
    casts += [("ZZZZ-ZZZZ-ZZZZ-ZZZZ", ["harris"]), ("not a code", ["harris"])]
    answers = _cast_together(sql_site, casts)
    groups = sql_site.ctx.casts.groups - groups_before
    assert groups < len(casts) // 2, f"{groups} transactions for {len(casts)} casts"

    outcome: dict[str, list[tuple[int, str]]] = {}
    receipts: list[str] = []
    for (code, _ranking), (status, body) in zip(casts, answers, strict=True):
        outcome.setdefault(code.upper(), []).append((status, _error(body)))
        if status == 201:
            assert body["contest_id"] == LEADER
            receipts.append(body["tracking_code"])
    for i, code in enumerate(fresh):
        expected = [(201, "")] + ([(409, "already-voted")] if i % 3 == 0 else [])
        assert sorted(outcome[code.upper()]) == expected, code
    for code in codes[:2]:
        assert outcome[code.upper()] == [(409, "already-voted")]
    assert outcome["ZZZZ-ZZZZ-ZZZZ-ZZZZ"] == [(403, "unknown-credential")]
    assert outcome["NOT A CODE"][0][0] in (400, 403)
    assert len(receipts) == len(set(receipts)) == len(fresh)
    assert all(_in_box(sql_site, t) for t in receipts)
    assert _box(sql_site) == (2 + len(fresh), 2 + len(fresh))


def test_a_fault_in_a_group_writes_nothing_and_the_others_are_cast_alone(
    sql_site: SqlSite,
) -> None:
    """A ballot insert that fails (after the whole group's roll marks) rolls the group
    back; each cast is then tried alone, so only the faulty one fails, and it leaves its
    credential unused and its voter unmarked."""
    codes = sql_site.codes(LEADER)[:8]
    _fault_on_ballots(sql_site, "byrne")
    retried = sql_site.ctx.casts.retried
    casts = [(c, ["byrne"] if i == 3 else ["harris", "nowak"]) for i, c in enumerate(codes)]
    answers = _cast_together(sql_site, casts)
    assert sql_site.ctx.casts.retried > retried
    statuses = [s for s, _ in answers]
    assert statuses[:3] + statuses[4:] == [201] * 7
    assert statuses[3] >= 400
    assert _box(sql_site) == (7, 7)
    # the faulty voter's code is still good once the fault is gone
    _drop_fault(sql_site)
    again = _cast_together(sql_site, [(codes[3], ["byrne"])], hold=False)
    assert again[0][0] == 201
    assert _box(sql_site) == (8, 8)


def test_a_group_that_cannot_commit_leaves_nothing_behind(sql_site: SqlSite) -> None:
    """Every insert fails: no ballot, no roll mark and no used credential remains, every
    request is told so, and every code still works afterwards."""
    codes = sql_site.codes(LEADER)[:6]
    _fault_on_ballots(sql_site, "")  # every ballot
    answers = _cast_together(sql_site, [(c, ["adeyemi"]) for c in codes])
    assert all(s >= 400 for s, _ in answers), answers
    assert _box(sql_site) == (0, 0)
    _drop_fault(sql_site)
    answers = _cast_together(sql_site, [(c, ["adeyemi"]) for c in codes])
    assert [s for s, _ in answers] == [201] * 6
    assert _box(sql_site) == (6, 6)


def _page_up_to_review(client: Any, code: str, first: str) -> str:
    """Through the voter pages up to the review; returns the form token for casting."""
    r = client.get(f"/vote/{LEADER}/start", params={"code": code}, follow_redirects=False)
    assert r.status_code == 303
    token = csrf_of(page(client.get(f"/vote/{LEADER}/ballot")))
    r = client.post(
        f"/vote/{LEADER}/review", data={"csrf": token, "pref-1": first}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return token


def test_the_voter_page_and_the_api_share_the_group_commit(sql_site: SqlSite) -> None:
    """The page's cast goes through the same batcher and gets the same answers: a code
    cast on the page is used for the API, and a code cast through the API while its voter
    is on the review page is refused on the page with the already-voted message."""
    code_page, code_api = sql_site.codes(LEADER)[:2]
    groups = sql_site.ctx.casts.groups
    with sql_site.client() as client:
        token = _page_up_to_review(client, code_page, "nowak")
        r = client.post(f"/vote/{LEADER}/cast", data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == f"/vote/{LEADER}/receipt"
    assert sql_site.ctx.casts.groups == groups + 1
    answers = _cast_together(sql_site, [(code_page, ["harris"])], hold=False)
    assert [(s, _error(b)) for s, b in answers] == [(409, "already-voted")]
    with sql_site.client() as client:
        token = _page_up_to_review(client, code_api, "byrne")
        answers = _cast_together(sql_site, [(code_api, ["harris"])], hold=False)
        assert answers[0][0] == 201
        r = client.post(f"/vote/{LEADER}/cast", data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 409
        assert "already" in page(r).find("h1").text().lower()
    assert _box(sql_site) == (2, 2)


def test_a_groups_ballots_are_written_in_random_id_order(sql_site: SqlSite) -> None:
    """The physical order of a group's new ballots (PostgreSQL ``ctid``) follows their
    random ids, not the order in which the voters cast (SQLite keeps the box in id order
    anyway: its table has no rowid)."""
    if sql_site.schema is None:
        pytest.skip("SQLite stores the ballot box in primary-key order")
    codes = sql_site.codes(LEADER)[:30]
    outcomes = cast_ballots_now(sql_site, codes)
    assert all(not isinstance(o, Exception) for o in outcomes)
    with psycopg.connect(_plain_pg(sql_site), options=f"-csearch_path={sql_site.schema}") as pg:
        ids = [
            r[0]
            for r in pg.execute(
                "SELECT id FROM ballots WHERE contest_id = %s ORDER BY ctid", (LEADER,)
            )
        ]
        cast_order = [
            r[0]
            for r in pg.execute(
                "SELECT id FROM ballots WHERE contest_id = %s "
                "ORDER BY array_position(%s::text[], tracking_code)",
                (LEADER, [o.tracking_code for o in outcomes]),  # type: ignore[union-attr]
            )
        ]
    assert len(ids) == 30
    assert ids == sorted(ids)
    assert ids != cast_order


def cast_ballots_now(site: SqlSite, codes: list[str]) -> list[object]:
    """One group through the service the batcher uses."""
    from tellers.services.voting import cast_ballots  # noqa: PLC0415

    with site.ctx.uow() as uow:
        return list(
            cast_ballots(uow=uow, contest_id=LEADER, casts=[(c, ["harris"]) for c in codes])
        )


@pytest.mark.parametrize("backend", ["memory"])
def test_closing_the_batcher_answers_what_was_handed_in(backend: str) -> None:
    """close() finishes the casts already queued before stopping the writers."""
    from tellers.web.app import memory_context  # noqa: PLC0415
    from tellers.web.demo import seed_demo  # noqa: PLC0415

    del backend
    ctx = memory_context()
    demo = seed_demo(ctx)
    codes = [c for _p, c in demo.codes[LEADER][:3]]
    receipts = [ctx.casts.cast_blocking(LEADER, c, ["harris"]) for c in codes]
    assert len({r.tracking_code for r in receipts}) == 3
    ctx.close()
    with pytest.raises(RuntimeError, match="closed"):
        ctx.casts.cast_blocking(LEADER, codes[0], ["harris"])
