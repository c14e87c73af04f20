"""``tellers serve``: the web app (voter, officer and public pages, JSON API) on the
configured database (SQLite ``tellers.db`` by default; ``TELLERS_DATABASE_URL``).

The schema is created or upgraded first. ``--demo`` fills an empty database with the
demonstration election (:mod:`tellers.web.demo`) and prints invitation links and the
officers' passwords. With ``--smtp-host`` a background thread delivers the outbox
every few seconds, with retries. :func:`app_from_environment` builds the same app for
``uvicorn --factory`` with several worker processes; ``--workers N`` starts them (this
process then seeds the demo, hands the workers one session key through the environment,
and delivers the outbox while they serve).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import threading
import time
from urllib.parse import urlsplit

import typer
from fastapi import FastAPI

from tellers.cli.verify import _sealing_key
from tellers.config import load_settings
from tellers.errors import ConfigError
from tellers.notify.smtp import SmtpSender, SmtpSettings
from tellers.services import mail, portal
from tellers.storage.memory import SystemClock
from tellers.storage.sql import SqlUnitOfWork, connect, migrate
from tellers.storage.sql.board import SqlBoards, SqlElectionKeys
from tellers.storage.sql.web import SqlWebStores
from tellers.web.app import create_app, freeze_start_up_heap
from tellers.web.demo import seed_demo
from tellers.web.deps import WebContext, WebSettings

__all__ = ["app_from_environment", "build_context", "serve_command"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_context(
    *,
    database_url: str,
    base_url: str,
    secure_cookies: bool,
    secret_key: str | None = None,
    smtp: SmtpSettings | None = None,
    schema: str | None = None,
) -> WebContext:
    """The web context on a SQL database (migrated to the newest schema)."""
    database = connect(database_url, schema=schema)
    migrate(database)
    ctx = WebContext(
        uow_factory=lambda: SqlUnitOfWork(database),
        stores=SqlWebStores(database),
        clock=SystemClock(),
        settings=WebSettings(
            secret_key=secret_key or secrets.token_urlsafe(48),
            base_url=base_url,
            secure_cookies=secure_cookies,
            sealing_key=_sealing_key(),
        ),
        sender=SmtpSender(smtp) if smtp is not None else None,
        keys=SqlElectionKeys(database),
        boards=SqlBoards(database),
        serialise=database.is_sqlite and database_url.endswith(":memory:"),
        # SQLite has one writer: queue transactions here rather than in its busy handler,
        # which sleeps (1, 2, 5, 10 ms...) between retries of a locked database
        pool_size=1 if database.is_sqlite else 12,
    )
    database.checkpoint_in_background()
    ctx.on_close(database.dispose)
    return ctx


SECRET_KEY_ENV = "TELLERS_SECRET_KEY"  # noqa: S105 - the variable's name, not a secret
BASE_URL_ENV = "TELLERS_BASE_URL"
SECURE_COOKIES_ENV = "TELLERS_SECURE_COOKIES"


def app_from_environment() -> FastAPI:
    """The app for ``uvicorn --factory``, one per worker, configured by the environment.

    For several worker processes on one database::

        TELLERS_SECRET_KEY=... uvicorn --factory tellers.cli.serve:app_from_environment \\
            --workers 2 --host 127.0.0.1 --port 8000

    Every worker must sign and seal sessions with the same key, so
    ``TELLERS_SECRET_KEY`` is required here. ``TELLERS_DATABASE_URL`` names the
    database (migrated on start), ``TELLERS_BASE_URL`` the public URL for e-mailed links,
    ``TELLERS_SECURE_COOKIES`` (``1``/``0``) the cookies' ``Secure`` flag (default: on
    unless the base URL is on loopback), ``TELLERS_SEALING_KEY`` the election keys'
    seal. The outbox is not delivered by the workers (run ``tellers serve --smtp-host``
    once, or a delivery job, beside them).

    Raises:
        ConfigError: no ``TELLERS_SECRET_KEY``, or a ``TELLERS_SECURE_COOKIES`` that is
            neither 1 nor 0.
    """
    secret = os.environ.get(SECRET_KEY_ENV, "")
    if not secret:
        msg = f"{SECRET_KEY_ENV} must be set: every worker must use the same session key"
        raise ConfigError(msg)
    base_url = os.environ.get(BASE_URL_ENV, "http://127.0.0.1:8000")
    flag = os.environ.get(SECURE_COOKIES_ENV, "").strip().lower()
    if flag in ("", "auto"):
        secure = not _is_loopback(urlsplit(base_url).hostname or "")
    elif flag in ("1", "true", "yes", "on"):
        secure = True
    elif flag in ("0", "false", "no", "off"):
        secure = False
    else:
        msg = f"{SECURE_COOKIES_ENV} must be 1 or 0, not {flag!r}"
        raise ConfigError(msg)
    ctx = build_context(
        database_url=load_settings().database_url,
        base_url=base_url,
        secure_cookies=secure,
        secret_key=secret,
    )
    app = create_app(ctx)
    freeze_start_up_heap()
    return app


def _deliver_forever(ctx: WebContext, every: float) -> None:
    assert ctx.sender is not None
    while True:
        try:
            mail.deliver(
                outbox=ctx.stores.outbox,
                sender=ctx.sender,
                clock=ctx.clock,
                policy=ctx.settings.retry,
            )
        except Exception as err:  # noqa: BLE001 - the worker must outlive one bad batch
            typer.echo(f"tellers: outbox delivery failed: {err}", err=True)
        time.sleep(every)


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    demo: bool = typer.Option(False, "--demo", help="Fill an empty database with a demo."),
    base_url: str = typer.Option("", "--base-url", help="Public URL used in e-mailed links."),
    secure_cookies: bool | None = typer.Option(
        None,
        "--secure-cookies/--no-secure-cookies",
        help="Mark cookies Secure (default: on, except when listening on loopback).",
    ),
    smtp_host: str = typer.Option("", "--smtp-host", help="SMTP server for the outbox."),
    smtp_port: int = typer.Option(25, "--smtp-port"),
    smtp_sender: str = typer.Option("returning.officer@tellers.invalid", "--smtp-sender"),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Worker processes serving requests (they share one session key; this "
        "process seeds the demo and delivers the outbox).",
    ),
) -> None:
    """Serve the web pages and the JSON API (OpenAPI schema at /openapi.json)."""
    import uvicorn

    settings = load_settings()
    url = base_url or f"http://{host}:{port}"
    secure = secure_cookies if secure_cookies is not None else not _is_loopback(host)
    smtp = SmtpSettings(host=smtp_host, port=smtp_port, sender=smtp_sender) if smtp_host else None
    if workers > 1 and SECRET_KEY_ENV not in os.environ:
        # every worker must sign and seal sessions alike: one key, handed down by the
        # environment the workers inherit
        os.environ[SECRET_KEY_ENV] = secrets.token_urlsafe(48)
        typer.echo("tellers: no TELLERS_SECRET_KEY set; sessions end when the server stops.")
    ctx = build_context(
        database_url=settings.database_url,
        base_url=url,
        secure_cookies=secure,
        secret_key=os.environ.get(SECRET_KEY_ENV),
        smtp=smtp,
    )
    if SECRET_KEY_ENV not in os.environ:
        typer.echo("tellers: no TELLERS_SECRET_KEY set; sessions end when the server stops.")
    if demo:
        with ctx.uow() as uow:
            empty = not portal.list_contests(uow=uow)
        if empty:
            made = seed_demo(ctx)
            typer.echo("Demo election created. Officers (id / password):")
            for oid, pw in made.passwords.items():
                typer.echo(f"  {oid} / {pw}")
            for cid, codes in made.codes.items():
                typer.echo(f"Invitation links for {cid} (each works once):")
                for _pid, code in codes[:5]:
                    typer.echo(f"  {url}/vote/{cid}/start?code={code}")
        else:
            typer.echo("tellers: the database already has contests; --demo left it as it is.")
    if ctx.sender is not None:
        threading.Thread(target=_deliver_forever, args=(ctx, 5.0), daemon=True).start()
    if workers > 1:
        # the workers build their own app from the environment (app_from_environment);
        # this process supervises them and keeps delivering the outbox
        os.environ[BASE_URL_ENV] = url
        os.environ[SECURE_COOKIES_ENV] = "1" if secure else "0"
        typer.echo(
            f"tellers: serving on {url} with {workers} workers "
            f"(OpenAPI schema at {url}/openapi.json)"
        )
        uvicorn.run(
            "tellers.cli.serve:app_from_environment",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )
        return
    app = create_app(ctx)
    freeze_start_up_heap()

    typer.echo(f"tellers: serving on {url} (OpenAPI schema at {url}/openapi.json)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
