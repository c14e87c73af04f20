"""One handler maps every :class:`~tellers.errors.TellersError` to an HTTP status and a
stable error code (STYLE.md section 5; datasette's ``handle_exception``).

The **code** is the error class's name in kebab case (``AlreadyVoted`` ->
``already-voted``), so it is stable as long as the error tree is; the **status** is the
first entry of :data:`STATUS` along the class's method resolution order. API calls
(paths under ``/api/``) get ``{"error": {"status", "code", "message", "problems"?}}``;
pages get ``{status}.html`` if it exists, else ``error.html``, with a sentence on what
to do next (:data:`ADVICE`).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tellers.domain import errors as lifecycle
from tellers.errors import ConfigError, CountError, InputError, TellersError
from tellers.services.board import StoredBoardMismatch
from tellers.services.officers import AccountLocked, AuthenticationError, LoginRefused, NotPermitted
from tellers.services.portal import MistypedCredential
from tellers.services.results import CountMismatch
from tellers.web.pages import TEMPLATES, render
from tellers.web.security import CsrfFailed, LoginRequired

__all__ = ["ADVICE", "STATUS", "error_code", "error_status", "install"]

STATUS: dict[type[BaseException], int] = {
    MistypedCredential: 400,
    lifecycle.UnknownCredential: 403,
    lifecycle.CredentialVoided: 403,
    lifecycle.AlreadyVoted: 409,
    lifecycle.NotInElectorate: 403,
    lifecycle.WrongChannel: 403,
    lifecycle.InvalidBallot: 422,
    lifecycle.ReissueClosed: 409,
    lifecycle.WrongPhase: 409,
    lifecycle.NotReadyToOpen: 409,
    lifecycle.NotFound: 404,
    lifecycle.AlreadyExists: 409,
    lifecycle.StaleWrite: 409,
    lifecycle.NominationError: 422,
    CountMismatch: 409,
    StoredBoardMismatch: 500,
    LoginRequired: 401,
    LoginRefused: 401,
    AccountLocked: 423,
    NotPermitted: 403,
    AuthenticationError: 400,
    CsrfFailed: 403,
    lifecycle.InvalidSpec: 422,
    ConfigError: 422,
    InputError: 400,
    CountError: 422,
    lifecycle.LifecycleError: 400,
    TellersError: 400,
}

ADVICE: dict[str, str] = {
    "mistyped-credential": "Check the code in your invitation and type it again.",
    "unknown-credential": (
        "Check that you are voting in the right ballot and that the code was typed exactly."
    ),
    "credential-voided": (
        "A new code was sent to you after this one; please use the most recent code."
    ),
    "already-voted": (
        "Only one ballot per voter is counted, and yours has been received. "
        "You can check it was counted with your tracking code after voting closes."
    ),
    "poll-not-open": "Voting in this ballot is not open now.",
    "not-in-electorate": "If you think this is wrong, contact the returning officer.",
    "wrong-channel": "Your section votes by post: please use your ballot paper.",
    "login-required": "Please log in as an officer.",
    "csrf-failed": "Go back, reload the page and try again.",
}


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def error_code(err: BaseException) -> str:
    """The stable code of an error."""
    return _kebab(type(err).__name__)


def error_status(err: BaseException) -> int:
    """The HTTP status of an error (first match along the class hierarchy)."""
    for cls in type(err).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _payload(err: TellersError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": error_status(err),
        "code": error_code(err),
        "message": str(err),
    }
    if isinstance(err, lifecycle.NotReadyToOpen):
        body["problems"] = [{"code": p.code, "message": p.message} for p in err.problems]
    return body


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def handle_tellers_error(request: Request, exc: Exception) -> Response:
    """Render a TellersError as JSON (API) or a page."""
    assert isinstance(exc, TellersError)
    body = _payload(exc)
    status = body["status"]
    if _wants_json(request):
        return JSONResponse({"error": body}, status_code=status)
    if isinstance(exc, LoginRequired):
        from fastapi.responses import RedirectResponse

        return RedirectResponse(f"/officer/login?next={request.url.path}", status_code=303)
    name = f"{status}.html" if (TEMPLATES / f"{status}.html").exists() else "error.html"
    return render(
        request,
        name,
        status_code=status,
        error=body,
        advice=ADVICE.get(body["code"], ""),
        problems=body.get("problems", []),
    )


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """404s and 405s from routing, in the same shapes."""
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    body = {"status": exc.status_code, "code": code, "message": str(exc.detail)}
    if _wants_json(request):
        return JSONResponse({"error": body}, status_code=exc.status_code)
    return render(request, "error.html", status_code=exc.status_code, error=body, advice="")


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    """A request body or form that does not match its schema."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "code": str(e.get("type", "invalid")),
            "message": f"{'.'.join(map(str, e['loc']))}: {e['msg']}",
        }
        for e in exc.errors()
    ]
    body = {
        "status": 422,
        "code": "invalid-request",
        "message": "the request is not valid",
        "problems": problems,
    }
    if _wants_json(request):
        return JSONResponse({"error": body}, status_code=422)
    return render(request, "error.html", status_code=422, error=body, advice="", problems=problems)


def install(app: Any) -> None:
    """Register the handlers on a FastAPI app."""
    app.add_exception_handler(TellersError, handle_tellers_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
