"""Fuzzing the JSON API against its own OpenAPI schema (Schemathesis).

Every operation of ``/openapi.json`` gets generated requests -- valid ones and ones that
break the schema (Schemathesis generates both by default: positive and negative modes) --
as an anonymous caller and as a logged-in returning officer (with the CSRF header). For
each:

- never a 500: the answer is a success or a 4xx whose JSON body is
  ``{"error": {"status", "code", "message"}}`` with a message that says what is wrong;
- after every refused request (4xx) the store is exactly as it was.

The app runs on the in-memory store with the demo election.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from typing import Any

import schemathesis
from hypothesis import settings
from starlette.exceptions import StarletteDeprecationWarning

from tellers.domain.officer import LockoutPolicy
from tellers.storage.memory import FixedClock, MemoryStore
from tellers.web.app import create_app, memory_context
from tellers.web.demo import seed_demo
from tellers.web.deps import WebSettings

from .support import PROFILE, counted, fuzz_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

STORE = MemoryStore()
CTX = memory_context(
    settings=WebSettings(
        secret_key="fuzz-" + "k" * 40,
        secure_cookies=False,
        base_url="http://testserver",
        lockout=LockoutPolicy(attempts=1_000_000),
    ),
    clock=FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC)),
    store=STORE,
)
DEMO = seed_demo(CTX)
APP = create_app(CTX)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

_officer: dict[str, str] = {}


def _officer_headers() -> dict[str, str]:
    """A returning officer's session cookie and CSRF header (logged in once)."""
    if not _officer:
        officer, password = next(iter(DEMO.passwords.items()))
        with TestClient(APP, base_url="http://testserver") as client:
            answer = client.post(
                "/api/v1/session", json={"officer_id": officer, "password": password}
            )
            assert answer.status_code == 200, answer.text
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            _officer.update({"Cookie": cookie, "X-CSRF-Token": str(answer.json().get("csrf", ""))})
    return dict(_officer)


def _snapshot() -> str:
    return repr(sorted((k, repr(v)) for k, v in vars(STORE).items()))


def _check(case: Any, headers: dict[str, str] | None) -> None:
    before = _snapshot()
    response = case.call(headers=headers)
    assert response.status_code < 500, f"{case.method} {case.path}: {response.text[:300]}"
    if response.status_code >= 400:
        assert _snapshot() == before, f"{case.method} {case.path}: refused but changed the store"
        body = response.json()
        assert isinstance(body, dict), body
        error = body.get("error") or body.get("detail")
        assert error, f"{case.method} {case.path}: an error without a message: {body}"


_budget = fuzz_settings(weight=0.05 if PROFILE == "fuzz" else 0.1)


@schema.parametrize()
@settings(_budget, deadline=None)
@counted("JSON API, anonymous (Schemathesis)")
def test_api_anonymous_no_500_and_refusals_change_nothing(case: Any) -> None:
    _check(case, None)


@schema.parametrize()
@settings(_budget, deadline=None)
@counted("JSON API, as an officer (Schemathesis)")
def test_api_officer_no_500_and_refusals_change_nothing(case: Any) -> None:
    _check(case, _officer_headers())
