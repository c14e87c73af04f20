"""The JSON API: the same actions as the pages, described at ``/openapi.json``.

Voters cast with their code in the body (no cookie, so no CSRF); officers log in at
``POST /api/v1/session`` (a session cookie) and send the returned CSRF token in the
``X-CSRF-Token`` header with every change. Errors are ``{"error": {"status", "code",
"message"}}`` with the stable codes of :mod:`tellers.web.errors`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tellers.domain.errors import NotFound
from tellers.domain.officer import OfficerAction
from tellers.domain.organisation import AffiliateKind
from tellers.domain.presentation import BallotOrder, Presentation, ballot_paper
from tellers.errors import InputError
from tellers.services import contests, mail, officers, organisations, portal
from tellers.services.board import published_public_key
from tellers.web.actions import ACTIONS, run_action, verify_audit
from tellers.web.deps import context_of
from tellers.web.security import check_csrf, csrf_token, log_in, log_out, require_officer

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"])


class ErrorBody(BaseModel):
    """An error: HTTP status, stable code, message (and problems, if several)."""

    status: int
    code: str
    message: str
    problems: list[dict[str, str]] | None = None


class ErrorResponse(BaseModel):
    """The shape of every error answer."""

    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorResponse} for s in (400, 401, 403, 404, 409, 422, 423)
}


class ContestOut(BaseModel):
    """A contest as listed."""

    id: str
    title: str
    kind: str
    phase: str
    organisation_id: str


class OptionOut(BaseModel):
    """One option on the paper."""

    key: str
    name: str


class ContestDetail(ContestOut):
    """A contest with its paper (fixed order) and how it is marked."""

    question: str
    method: str
    seats: int
    marking: str
    max_marks: int
    options: list[OptionOut]


class CastIn(BaseModel):
    """A ballot: the voter's code and the marks (option keys in order of preference)."""

    credential: str = Field(min_length=1, max_length=100)
    ranking: list[str] = Field(default_factory=list, max_length=200)


class ReceiptOut(BaseModel):
    """What the voter keeps."""

    contest_id: str
    tracking_code: str


class CredentialIn(BaseModel):
    """A code to check before voting."""

    credential: str = Field(min_length=1, max_length=100)


class CredentialOut(BaseModel):
    """The code can vote; the voter's section."""

    ok: bool
    section: str


class TrackingOut(BaseModel):
    """Whether the tracking code is on the bulletin board."""

    contest_id: str
    tracking_code: str
    counted: bool


class TurnoutOut(BaseModel):
    """Eligible and returned in one section (never partial results)."""

    section: str
    eligible: int
    returned: int


class LoginIn(BaseModel):
    """An officer's credentials."""

    officer_id: str
    password: str


class SessionOut(BaseModel):
    """The logged-in officer and the CSRF token to send in X-CSRF-Token."""

    officer_id: str
    role: str
    csrf_token: str


class ActionOut(BaseModel):
    """What an action did."""

    action: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class OrganisationIn(BaseModel):
    """A new organisation."""

    organisation_id: str
    name: str


class ContestIn(BaseModel):
    """A new draft contest from a spec (the keys of ``tellers.domain.spec``)."""

    organisation_id: str
    contest_id: str
    spec: dict[str, Any]


class NominationIn(BaseModel):
    """A nomination."""

    nominator: str
    candidate: str


class BodyIn(BaseModel):
    """A body of an organisation."""

    body_id: str
    name: str
    kind: str = ""


class AffiliateIn(BaseModel):
    """An affiliate of an organisation."""

    affiliate_id: str
    name: str
    kind: Literal["union", "society", "branch", "constituency party", "other"] = "union"
    affiliated_membership: int = Field(default=0, ge=0)


class WithdrawalIn(BaseModel):
    """A candidate's withdrawal."""

    candidate: str


class PresentationIn(BaseModel):
    """How the paper is shown: the candidates' order and the instructions."""

    order: Literal["alphabetical", "random per voter", "fixed"] = "fixed"
    instructions: str = ""


class DeliveryOut(BaseModel):
    """What one delivery run of the outbox did."""

    sent: int
    retrying: int
    failed: int


class AuditOut(BaseModel):
    """The audit log's head."""

    head: str
    sequence: int


class PublicKeyOut(BaseModel):
    """The election public key that signs a contest's boards (for ``tellers verify``)."""

    organisation_id: str
    algorithm: str
    public_key: str
    fingerprint: str


ActionName = Literal[
    "open-nominations",
    "close-nominations",
    "open-voting",
    "invitations",
    "reminders",
    "close-voting",
    "count",
    "recount",
    "declare",
    "publish-board",
    "result-notice",
]


def _summary(c: portal.ContestSummary) -> ContestOut:
    return ContestOut(
        id=c.id, title=c.title, kind=c.kind, phase=c.phase.value, organisation_id=c.organisation_id
    )


@router.get("/contests", response_model=list[ContestOut])
def list_contests(request: Request) -> list[ContestOut]:
    """Every contest, in order of creation."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        return [_summary(c) for c in portal.list_contests(uow=uow)]


@router.get("/contests/{contest_id}", response_model=ContestDetail, responses=ERRORS)
def get_contest(request: Request, contest_id: str) -> ContestDetail:
    """One contest and its ballot paper (in the fixed order)."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        c = portal.get_contest(uow=uow, contest_id=contest_id)
    paper = ballot_paper(c, None, b"")
    return ContestDetail(
        id=c.id,
        title=c.title,
        kind=c.kind.value,
        phase=c.phase.value,
        organisation_id=c.organisation_id,
        question=c.question,
        method=c.method,
        seats=c.seats,
        marking=paper.style.value,
        max_marks=paper.max_marks,
        options=[OptionOut(key=k, name=n) for k, n in paper.options],
    )


@router.post(
    "/contests/{contest_id}/ballots",
    response_model=ReceiptOut,
    status_code=201,
    responses=ERRORS,
)
async def cast(request: Request, contest_id: str, body: CastIn) -> ReceiptOut:
    """Cast a ballot with a voting code; returns the tracking code (receipt).

    The cast joins the server's next group commit (:mod:`tellers.web.batcher`); the
    answer comes once that group has committed. ``async``, so a request waits for its
    group on the event loop rather than holding a worker thread.
    """
    receipt = await context_of(request).casts.cast(contest_id, body.credential, body.ranking)
    return ReceiptOut(contest_id=receipt.contest_id, tracking_code=receipt.tracking_code)


@router.post(
    "/contests/{contest_id}/credential-check", response_model=CredentialOut, responses=ERRORS
)
def credential_check(request: Request, contest_id: str, body: CredentialIn) -> CredentialOut:
    """Check a voting code without using it."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        section = portal.check_credential(uow=uow, contest_id=contest_id, code=body.credential)
    return CredentialOut(ok=True, section=section)


@router.get(
    "/contests/{contest_id}/tracking/{tracking_code}",
    response_model=TrackingOut,
    responses=ERRORS,
)
def tracking(request: Request, contest_id: str, tracking_code: str) -> TrackingOut:
    """Was my ballot counted? (after the close of voting)."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        found = portal.check_tracking_code(
            uow=uow, contest_id=contest_id, tracking_code=tracking_code
        )
    return TrackingOut(contest_id=contest_id, tracking_code=tracking_code, counted=found)


@router.get("/contests/{contest_id}/results", responses=ERRORS)
def results(request: Request, contest_id: str) -> Response:
    """The declaration's JSON, exactly as stored (decimal strings, exact shares)."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        result = portal.published_result(uow=uow, contest_id=contest_id)
    return Response(result.raw_json, media_type="application/json")


@router.get("/contests/{contest_id}/public-key", response_model=PublicKeyOut, responses=ERRORS)
def public_key(request: Request, contest_id: str) -> PublicKeyOut:
    """The organisation's election public key and fingerprint (404 before its first board)."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        contest = portal.get_contest(uow=uow, contest_id=contest_id)
    key = published_public_key(keys=ctx.keys, organisation_id=contest.organisation_id)
    if key is None:
        msg = f"no election key yet for {contest.organisation_id}: no board has been published"
        raise NotFound(msg)
    return PublicKeyOut(
        organisation_id=key.organisation_id,
        algorithm=key.algorithm,
        public_key=key.hex,
        fingerprint=key.fingerprint,
    )


@router.get("/audit/head", response_model=AuditOut)
def audit_head(request: Request) -> AuditOut:
    """The audit log's head hash and sequence."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        entries = portal.audit_entries(uow=uow, limit=1)
    if not entries:
        return AuditOut(head="0" * 64, sequence=0)
    return AuditOut(head=entries[0].hash, sequence=entries[0].sequence)


# -- officers ----------------------------------------------------------------------------


@router.post("/session", response_model=SessionOut, responses=ERRORS)
def login(request: Request, body: LoginIn) -> SessionOut:
    """Log an officer in (sets the session cookie)."""
    ctx = context_of(request)
    officer = officers.authenticate(
        officers=ctx.stores.officers,
        clock=ctx.clock,
        officer_id=body.officer_id,
        password=body.password,
        policy=ctx.settings.lockout,
        uow=ctx.uow,
    )
    log_in(request, officer)
    return SessionOut(
        officer_id=officer.id, role=officer.role.value, csrf_token=csrf_token(request)
    )


@router.delete("/session", status_code=204, responses=ERRORS)
def logout(request: Request, x_csrf_token: str = Header("")) -> Response:
    """Log out."""
    check_csrf(request, x_csrf_token)
    log_out(request)
    return Response(status_code=204)


@router.get("/contests/{contest_id}/turnout", response_model=list[TurnoutOut], responses=ERRORS)
def turnout(request: Request, contest_id: str) -> list[TurnoutOut]:
    """Turnout by section (officers; never partial results)."""
    require_officer(request, OfficerAction.VIEW)
    ctx = context_of(request)
    with ctx.uow() as uow:
        rows = portal.turnout_by_section(uow=uow, contest_id=contest_id)
    return [TurnoutOut(section=r.section, eligible=r.eligible, returned=r.returned) for r in rows]


@router.get("/contests/{contest_id}/nominations", responses=ERRORS)
def nominations(request: Request, contest_id: str) -> JSONResponse:
    """The nomination register (officers)."""
    require_officer(request, OfficerAction.VIEW)
    ctx = context_of(request)
    with ctx.uow() as uow:
        rows = contests.nomination_register_of(uow=uow, contest_id=contest_id)
    return JSONResponse([r.as_dict() for r in rows])


@router.post("/contests/{contest_id}/nominations", status_code=201, responses=ERRORS)
def nominate(
    request: Request, contest_id: str, body: NominationIn, x_csrf_token: str = Header("")
) -> JSONResponse:
    """Record a nomination."""
    check_csrf(request, x_csrf_token)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        n = contests.nominate(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            contest_id=contest_id,
            nominator=body.nominator,
            candidate=body.candidate,
        )
    return JSONResponse({"nominator": n.nominator, "candidate": n.candidate}, status_code=201)


@router.post("/organisations", status_code=201, responses=ERRORS)
def create_organisation(
    request: Request, body: OrganisationIn, x_csrf_token: str = Header("")
) -> JSONResponse:
    """Create an organisation."""
    check_csrf(request, x_csrf_token)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        org = organisations.create_organisation(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            organisation_id=body.organisation_id,
            name=body.name,
        )
    return JSONResponse({"id": org.id, "name": org.name}, status_code=201)


@router.post("/organisations/{organisation_id}/bodies", status_code=201, responses=ERRORS)
def add_body(
    request: Request, organisation_id: str, body: BodyIn, x_csrf_token: str = Header("")
) -> JSONResponse:
    """Add a body (a parliamentary group, an executive) to an organisation."""
    check_csrf(request, x_csrf_token)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        b = organisations.add_body(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            organisation_id=organisation_id,
            body_id=body.body_id,
            name=body.name,
            kind=body.kind,
        )
    return JSONResponse({"id": b.id, "name": b.name}, status_code=201)


@router.post("/organisations/{organisation_id}/affiliates", status_code=201, responses=ERRORS)
def add_affiliate(
    request: Request, organisation_id: str, body: AffiliateIn, x_csrf_token: str = Header("")
) -> JSONResponse:
    """Add an affiliate (a union, a society, a branch) to an organisation."""
    check_csrf(request, x_csrf_token)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        a = organisations.add_affiliate(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            organisation_id=organisation_id,
            affiliate_id=body.affiliate_id,
            name=body.name,
            kind=AffiliateKind(body.kind),
            affiliated_membership=body.affiliated_membership,
        )
    return JSONResponse({"id": a.id, "name": a.name}, status_code=201)


@router.post("/contests/{contest_id}/withdrawals", responses=ERRORS)
def withdraw(
    request: Request, contest_id: str, body: WithdrawalIn, x_csrf_token: str = Header("")
) -> JSONResponse:
    """Record a candidate's withdrawal before the close of nominations."""
    check_csrf(request, x_csrf_token)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        contests.withdraw(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            contest_id=contest_id,
            candidate=body.candidate,
        )
    return JSONResponse({"candidate": body.candidate, "withdrawn": True})


@router.put("/contests/{contest_id}/presentation", responses=ERRORS)
def set_presentation(
    request: Request, contest_id: str, body: PresentationIn, x_csrf_token: str = Header("")
) -> JSONResponse:
    """Set the order of the candidates on the paper and the instructions."""
    check_csrf(request, x_csrf_token)
    require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        portal.get_contest(uow=uow, contest_id=contest_id)
    ctx.stores.presentation.set(
        Presentation(
            contest_id=contest_id, order=BallotOrder(body.order), instructions=body.instructions
        )
    )
    return JSONResponse({"order": body.order, "instructions": body.instructions})


@router.post("/outbox/deliveries", response_model=DeliveryOut, responses=ERRORS)
def deliver_outbox(request: Request, x_csrf_token: str = Header("")) -> DeliveryOut:
    """Send the outbox's due messages now (normally the background worker does it)."""
    check_csrf(request, x_csrf_token)
    require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    if ctx.sender is None:
        msg = "no SMTP server is configured"
        raise InputError(msg)
    report = mail.deliver(
        outbox=ctx.stores.outbox, sender=ctx.sender, clock=ctx.clock, policy=ctx.settings.retry
    )
    return DeliveryOut(sent=report.sent, retrying=report.retrying, failed=report.failed)


@router.post("/contests", status_code=201, response_model=ContestOut, responses=ERRORS)
def create_contest(request: Request, body: ContestIn, x_csrf_token: str = Header("")) -> ContestOut:
    """Create a draft contest from a spec."""
    check_csrf(request, x_csrf_token)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    if not isinstance(body.spec, dict):
        msg = "spec must be an object"
        raise InputError(msg)
    with ctx.uow() as uow:
        c = contests.create_contest(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            organisation_id=body.organisation_id,
            contest_id=body.contest_id,
            spec=body.spec,
        )
    return ContestOut(
        id=c.id,
        title=c.title,
        kind=c.kind.value,
        phase=c.phase.value,
        organisation_id=c.organisation_id,
    )


@router.post("/contests/{contest_id}/actions/{action}", response_model=ActionOut, responses=ERRORS)
def contest_action(
    request: Request, contest_id: str, action: ActionName, x_csrf_token: str = Header("")
) -> ActionOut:
    """Run a lifecycle action: open/close phases, invitations, count, declare..."""
    check_csrf(request, x_csrf_token)
    officer = require_officer(request, ACTIONS[action].permission)
    outcome = run_action(context_of(request), officer.id, contest_id, action)
    message = str(outcome.pop("message"))
    return ActionOut(action=action, message=message, details=json.loads(json.dumps(outcome)))


@router.post("/audit/verify", response_model=AuditOut, responses=ERRORS)
def audit_verify(request: Request, x_csrf_token: str = Header("")) -> AuditOut:
    """Verify the whole audit chain (scrutineers, returning officers)."""
    check_csrf(request, x_csrf_token)
    require_officer(request, OfficerAction.COUNT)
    ctx = context_of(request)
    head = verify_audit(ctx)
    with ctx.uow() as uow:
        entries = portal.audit_entries(uow=uow, limit=1)
    return AuditOut(head=head, sequence=entries[0].sequence if entries else 0)
