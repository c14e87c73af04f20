"""Two submissions of one code at the same instant, through the app on a SQLite file:
exactly one ballot is made, the other gets ``already-voted``."""

from __future__ import annotations

import threading
from pathlib import Path

from tellers.cli.serve import build_context
from tellers.domain.ids import ContestId
from tellers.web.app import create_app
from tellers.web.demo import seed_demo
from tests.web.conftest import TestClient

LEADER = "leader-2026"


def test_simultaneous_casts_with_one_code_make_one_ballot(tmp_path: Path) -> None:
    ctx = build_context(
        database_url=f"sqlite:///{tmp_path / 'tellers.db'}",
        base_url="http://testserver",
        secure_cookies=False,
        secret_key="k" * 48,
    )
    demo = seed_demo(ctx)
    app = create_app(ctx)
    codes = [c for _p, c in demo.codes[LEADER][:5]]
    start = threading.Barrier(10)
    answers: list[tuple[str, int, str]] = []

    def cast(code: str, first: str) -> None:
        with TestClient(app) as client:
            start.wait()
            r = client.post(
                f"/api/v1/contests/{LEADER}/ballots", json={"credential": code, "ranking": [first]}
            )
            answers.append((code, r.status_code, r.json().get("error", {}).get("code", "")))

    threads = [
        threading.Thread(target=cast, args=(code, first))
        for code in codes
        for first in ("harris", "nowak")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for code in codes:
        mine = sorted((status, err) for c, status, err in answers if c == code)
        assert mine == [(201, ""), (409, "already-voted")]
    with ctx.uow() as uow, uow:
        assert uow.ballots.count(ContestId(LEADER)) == 5
        assert uow.roll.voted_count(ContestId(LEADER)) == 5
    ctx.close()
