"""A pytest plugin: no log record written during the test run carries a secret.

Register it for the whole suite (``pytest_plugins = ["tests.fuzz.log_scan"]`` in
``tests/conftest.py``) or for one run (``pytest -p tests.fuzz.log_scan``). It adds a
handler to the root logger for the whole session, turns tellers' own loggers up to DEBUG,
and checks every record's formatted message (and exception text) for:

- a voting credential: 28 Crockford base32 characters, grouped by hyphens or not;
- a session cookie value (``tellers_session=...``);
- a password or secret key given as ``password=...``, ``secret_key=...`` or in JSON.

Records of the tests' own HTTP client (``httpx``) are left out: see :data:`CLIENT_LOGGERS`.

At the end it prints how many records it read, and fails the run (exit status 1) listing
the first offending records if any carried a secret.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["CLIENT_LOGGERS", "SECRET_PATTERNS", "find_secrets"]

CLIENT_LOGGERS = ("httpx", "httpcore")
"""The tests' HTTP client logs the URLs it requests -- it stands for the voter's browser,
whose history may hold the one landing link with the code. The server's access log is
off (``tellers serve`` runs uvicorn with ``access_log=False``)."""

_C = "[0-9A-HJKMNP-TV-Z]"
SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "credential": re.compile(rf"(?<![0-9A-Z-]){_C}{{4}}(?:-?{_C}{{4}}){{6}}(?![0-9A-Z-])"),
    "session cookie": re.compile(r"tellers_session=[A-Za-z0-9._\-=]{8,}"),
    "password": re.compile(
        r"""(?i)["']?(password|secret_key|sealing_key)["']?\s*[:=]\s*["']?[^\s"',}]{4,}"""
    ),
}


def find_secrets(text: str) -> list[str]:
    """The kinds of secret found in ``text`` (empty when it is clean)."""
    return [kind for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


class _Scanner(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records = 0
        self.hits: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(CLIENT_LOGGERS):
            return
        self.records += 1
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to judge
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1])
        found = find_secrets(text)
        if found:
            self.hits.append(f"{record.name} {record.levelname}: {', '.join(found)}: {text[:200]}")


_SCANNER = _Scanner()


def pytest_configure(config: Any) -> None:
    """Start reading every log record."""
    logging.getLogger().addHandler(_SCANNER)
    for name in ("tellers", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.DEBUG)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """Fail the run if any record carried a secret."""
    logging.getLogger().removeHandler(_SCANNER)
    if _SCANNER.hits and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Report what was read and what was found."""
    write = terminalreporter.write_line
    write(f"log scan: {_SCANNER.records} log records read, {len(_SCANNER.hits)} with a secret")
    for hit in _SCANNER.hits[:20]:
        write(f"  SECRET IN LOG: {hit}", red=True)
