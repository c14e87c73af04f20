"""The web app: ``create_app`` wires the routers, sessions, security headers and the
error handler around a :class:`~tellers.web.deps.WebContext` (the adapters).

``tellers serve`` builds the context on the SQL store; tests build it on the in-memory
one (:func:`memory_context`). The OpenAPI schema of the JSON API is at ``/openapi.json``
and its documentation at ``/api/docs``.
"""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from tellers import __version__
from tellers.services.ports import Clock
from tellers.storage.memory import MemoryStore, MemoryUnitOfWork, SystemClock
from tellers.storage.web_memory import MemoryWebStores
from tellers.web import errors
from tellers.web.deps import WebContext, WebSettings
from tellers.web.routes import api, officer, public, voter
from tellers.web.security import SecurityHeaders

__all__ = ["create_app", "freeze_start_up_heap", "memory_context"]

STATIC = Path(__file__).resolve().parent / "static"


def create_app(ctx: WebContext) -> FastAPI:
    """The FastAPI app over ``ctx``."""
    app = FastAPI(
        title="tellers",
        version=__version__,
        description=(
            "Secret ballots, nominations and exact counts. Voters cast with their code; "
            "officers log in at /api/v1/session and send X-CSRF-Token with every change. "
            "Errors are {error: {status, code, message}} with stable codes."
        ),
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.ctx = ctx
    s = ctx.settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=s.secret_key,
        session_cookie="tellers_session",
        max_age=int(s.officer_session.total_seconds()),
        same_site="lax",
        https_only=s.secure_cookies,
    )
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # the API first: routes are matched in order, and casting is the hot path
    app.include_router(api.router)
    app.include_router(public.router)
    app.include_router(voter.router)
    app.include_router(officer.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        # async: no thread-pool hop, so it measures the bare HTTP stack (as casts do)
        return {"status": "ok"}

    return app


def freeze_start_up_heap() -> None:
    """Take the objects built at start-up (modules, the app, its routes and models) out of
    the garbage collector's full collections; call once, just before serving.

    A server process holds about a million long-lived objects after start-up, and under
    load the objects of requests in flight are promoted often enough to trigger a full
    collection every second or so: each walked them all and stopped the process for
    80-90 ms, which was the p99 of casting (``bench/web_load_bench.py``). Frozen
    (:func:`gc.freeze`), they are never walked again; a full collection then costs a few
    milliseconds. Not for tests, which build many apps in one process: what is frozen is
    never collected.
    """
    gc.collect()
    gc.freeze()


def memory_context(
    *,
    settings: WebSettings | None = None,
    clock: Clock | None = None,
    store: MemoryStore | None = None,
    stores: MemoryWebStores | None = None,
) -> WebContext:
    """A context on the in-memory store (tests, demos without a database)."""
    shared = store if store is not None else MemoryStore()
    return WebContext(
        uow_factory=lambda: MemoryUnitOfWork(shared),
        stores=stores if stores is not None else MemoryWebStores(shared),
        clock=clock if clock is not None else SystemClock(),
        settings=settings or WebSettings(secret_key="test-" + "x" * 40, secure_cookies=False),
        serialise=True,
    )
