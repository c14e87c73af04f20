"""``tellers serve --workers 2``: two worker processes on one SQLite file, one session key,
the demo seeded and the outbox delivered by the supervising process.

A real ``tellers serve`` process, real HTTP on loopback, a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tellers.domain.mail import MailKind, OutboxMessage
from tellers.storage.sql import connect
from tellers.storage.sql.web import SqlWebStores
from tests.web.loopback import free_port, serving, smtp_server


def _children(pid: int) -> list[str]:
    """Command lines of the processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


@contextlib.contextmanager
def _serve(db: Path, smtp_port: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELLERS_")}
    env["TELLERS_DATABASE_URL"] = f"sqlite:///{db}"
    tellers = Path(sys.executable).with_name("tellers")
    command = [
        str(tellers),
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        "--demo",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(smtp_port),
    ]
    with serving(command, env, base) as proc:
        yield base, proc


def test_two_workers_share_sessions_and_the_supervisor_delivers_mail(tmp_path: Path) -> None:
    db = tmp_path / "tellers.db"
    with smtp_server() as (inbox, smtp_port), _serve(db, smtp_port) as (base, proc):
        workers = [c for c in _children(proc.pid) if "spawn_main" in c]
        assert len(workers) == 2, _children(proc.pid)

        # the demo was seeded once, by the supervising process: its output names the
        # officers' passwords; log in as the returning officer
        assert proc.stdout is not None
        seen = b""
        while b"Invitation links" not in seen:
            line = proc.stdout.readline()
            assert line, seen.decode()
            seen += line
        text = seen.decode()
        credentials = [
            line.split() for line in text.splitlines() if line.startswith("  ") and " / " in line
        ]
        officer_id, _, password = next(c for c in credentials if "returning" in c[0])
        with httpx.Client(base_url=base, timeout=30) as client:
            login = client.get("/officer/login")
            token = login.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            r = client.post(
                "/officer/login",
                data={
                    "officer_id": officer_id,
                    "password": password,
                    "csrf": token,
                    "next": "/officer",
                },
            )
            assert r.status_code in (200, 303), r.text
            cookies = client.cookies
        # the session works whichever worker answers: fresh connections each time
        for _ in range(12):
            with httpx.Client(base_url=base, cookies=cookies, timeout=30) as fresh:
                answer = fresh.get("/officer", headers={"connection": "close"})
            assert answer.status_code == 200
            assert "Log in" not in answer.text

        # a message put in the outbox is delivered by the supervising process
        database = connect(f"sqlite:///{db}")
        SqlWebStores(database).outbox.add_many(
            [
                OutboxMessage(
                    id="a" * 32,
                    kind=MailKind.RESULT,
                    contest_id="nec-2026",
                    to="reader@example.org",
                    subject="Result",
                    body="The result is declared.",
                    created_at=datetime.now(UTC),
                )
            ]
        )
        database.dispose()
        for _ in range(200):
            if inbox.messages:
                break
            time.sleep(0.1)
        assert [m["To"] for m in inbox.messages] == ["reader@example.org"]
