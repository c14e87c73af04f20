"""Shared fixtures.

The reference material in ``../shared`` (conformance suites, real elections, scenarios)
is read in place through :data:`SHARED`, never copied into the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Fails the run if any log record holds a credential, a session cookie or a password.
pytest_plugins = ["tests.fuzz.log_scan"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared reference material beside the repository."""
    if not SHARED.is_dir():
        pytest.fail(f"the shared reference material is missing: expected it at {SHARED}")
    return SHARED
