"""The log scanner finds what it is meant to find, and passes what it must pass."""

from __future__ import annotations

import logging

import pytest

from tellers.crypto.credentials import new_credential

from .log_scan import CLIENT_LOGGERS, find_secrets


def test_a_real_credential_in_a_log_line_is_found() -> None:
    code = new_credential()
    assert find_secrets(f"cast with {code} failed") == ["credential"]
    assert find_secrets(f"cast with {code.replace('-', '')} failed") == ["credential"]


@pytest.mark.parametrize(
    "line",
    [
        "Set-Cookie: tellers_session=eyJjc3JmIjogIm9rIn0=.awvr5w.fLqO1V",
        'login {"officer_id": "ro", "password": "hunter22"}',
        "settings secret_key=abcdefgh",
    ],
)
def test_passwords_and_cookies_are_found(line: str) -> None:
    assert find_secrets(line)


@pytest.mark.parametrize(
    "line",
    [
        "ballot cast; tracking code 7K3Q-9M2P",
        "audit head 3f5a0c9e1b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a",
        "no credential of m has this code",
        "password must be at least 12 characters",
    ],
)
def test_ordinary_lines_are_not_flagged(line: str) -> None:
    assert find_secrets(line) == []


def test_voting_and_logging_in_leave_no_code_or_password_in_any_log_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from .test_fuzz_api import APP, DEMO, TestClient

    caplog.set_level(logging.DEBUG)
    contest, codes = next(iter(DEMO.codes.items()))
    officer, password = next(iter(DEMO.passwords.items()))
    with TestClient(APP, base_url="http://testserver") as client:
        client.get(f"/vote/{contest}/start?code={codes[-1][1]}")
        for code in (codes[-2][1], codes[-2][1], "0000-0000-0000-0000-0000-0000-0000"):
            client.post(f"/api/v1/contests/{contest}/ballots", json={"credential": code})
        client.post("/api/v1/session", json={"officer_id": officer, "password": "wrong-pw"})
        client.post("/api/v1/session", json={"officer_id": officer, "password": password})
        client.post("/officer/login", data={"officer_id": officer, "password": password})
    secrets = {codes[-1][1], codes[-2][1], password, "wrong-pw"}
    for record in caplog.records:
        if record.name.startswith(CLIENT_LOGGERS):
            continue  # the test's HTTP client: the voter's browser, not the server
        text = record.getMessage()
        assert not find_secrets(text), text
        assert not any(secret in text for secret in secrets), text
