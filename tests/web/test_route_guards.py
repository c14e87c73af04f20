"""Every officer route of the app refuses an anonymous caller and a voter.

The routes are enumerated from the FastAPI app itself, so a route added later is
covered without editing this file: anything that is not on the short, explicit list of
public and voter routes below is an officer route, and must refuse

- an anonymous caller (no session): 401 for the JSON API, a 303 to the officer login
  page (or 401/403) for pages;
- a voter in the middle of voting (a session that holds a voting code, with that
  session's own CSRF token sent along, so that it is the role check and not the CSRF
  check that refuses): 401/403, or the login redirect;

and in neither case may the store change. Every state-changing form or API call of an
officer also refuses a logged-in officer who does not send the CSRF token.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tellers.web.actions import ACTIONS
from tellers.web.app import create_app
from tests.web.conftest import Site, TestClient, csrf_of, officer_login, page

PUBLIC = {
    # public pages and files
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/contests/{contest_id}/results"),
    ("GET", "/contests/{contest_id}/results.json"),
    ("GET", "/contests/{contest_id}/board.json"),
    ("GET", "/contests/{contest_id}/check"),
    ("GET", "/contests/{contest_id}/public-key.txt"),
    ("GET", "/audit/head.json"),
    ("GET", "/audit/log.jsonl"),
    # voters
    ("GET", "/vote"),
    ("POST", "/vote"),
    ("GET", "/vote/{contest_id}"),
    ("GET", "/vote/{contest_id}/start"),
    ("GET", "/vote/{contest_id}/ballot"),
    ("POST", "/vote/{contest_id}/review"),
    ("GET", "/vote/{contest_id}/review"),
    ("POST", "/vote/{contest_id}/cast"),
    ("GET", "/vote/{contest_id}/receipt"),
    ("POST", "/vote/{contest_id}/receipt/email"),
    ("POST", "/vote/finish"),
    # officers' way in
    ("GET", "/officer/login"),
    ("POST", "/officer/login"),
    ("POST", "/officer/logout"),
    # the JSON API's public and voter calls, and logging in and out
    ("GET", "/api/v1/contests"),
    ("GET", "/api/v1/contests/{contest_id}"),
    ("POST", "/api/v1/contests/{contest_id}/ballots"),
    ("POST", "/api/v1/contests/{contest_id}/credential-check"),
    ("GET", "/api/v1/contests/{contest_id}/tracking/{tracking_code}"),
    ("GET", "/api/v1/contests/{contest_id}/results"),
    ("GET", "/api/v1/contests/{contest_id}/public-key"),
    ("GET", "/api/v1/audit/head"),
    ("POST", "/api/v1/session"),
    ("DELETE", "/api/v1/session"),
    # documentation
    ("GET", "/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/docs/oauth2-redirect"),
}
"""Routes anyone may call. Everything else is an officer's."""


FORM_FIELDS: dict[tuple[str, str], list[str]] = {}
"""Form fields each page route reads (filled with placeholders so validation passes)."""


def _routes(site: Site) -> list[tuple[str, str]]:
    """(method, path) of every route, routers included (FastAPI includes them lazily)."""
    app = create_app(site.ctx)
    out = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        found = list(contexts()) if callable(contexts) else [route]
        for r in found:
            path = getattr(r, "path", "")
            if path.startswith("/static"):
                continue
            dependant = getattr(r, "dependant", None)
            fields = [f.name for f in getattr(dependant, "body_params", [])]
            for method in sorted((getattr(r, "methods", None) or set()) - {"HEAD", "OPTIONS"}):
                out.append((method, path))
                FORM_FIELDS[(method, path)] = fields
    return sorted(set(out))


def _officer_routes(site: Site) -> list[tuple[str, str]]:
    return [r for r in _routes(site) if r not in PUBLIC]


def _fill(path: str, site: Site, spec: dict[str, Any]) -> str:
    contest = next(iter(site.demo.codes))
    values = {
        "contest_id": contest,
        "organisation_id": site.demo.organisation_id,
        "name": next(iter(ACTIONS)),
        "job_id": "job-1",
        "tracking_code": "X",
    }
    for operation in spec["paths"].get(path, {}).values():
        for parameter in operation.get("parameters", []):
            if "enum" in parameter.get("schema", {}):  # e.g. the API's {action}
                values[parameter["name"]] = parameter["schema"]["enum"][0]
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def _snapshot(site: Site) -> Any:
    """Everything the in-memory store holds, to compare before and after."""
    return repr(sorted((k, repr(v)) for k, v in vars(site.store).items()))


def _refused(response: Any, path: str) -> bool:
    if response.status_code in (401, 403):
        return True
    if response.status_code in (302, 303, 307):
        return "/officer/login" in response.headers.get("location", "")
    return False


def _example(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A minimal instance of a JSON schema: required properties only, simplest values."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _example(spec["components"]["schemas"][name], spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _example(schema[key][0], spec)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _example(props[k], spec) for k in schema.get("required", []) if k in props}
    examples = {
        "string": "x" * max(1, schema.get("minLength", 1)),
        "integer": 1,
        "number": 1,
        "boolean": False,
        "array": [],
        "null": None,
    }
    return examples.get(kind, "x")


def _body(client: TestClient, method: str, path: str) -> Any:
    """A body the API accepts for this call, so the role check is what answers."""
    spec = client.get("/openapi.json").json()
    operation = spec["paths"].get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return None if schema is None else _example(schema, spec)


def _call(client: TestClient, method: str, path: str, url: str, csrf: str | None) -> Any:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    data = {name: "1" for name in FORM_FIELDS.get((method, path), [])}
    data.pop("csrf", None)
    if csrf:
        data["csrf"] = csrf
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if url.startswith("/api/"):
        body = _body(client, method, path)
        return client.request(method, url, json=body, headers=headers, follow_redirects=False)
    return client.request(method, url, data=data, headers=headers, follow_redirects=False)


def test_the_enumeration_finds_the_officer_routes(site: Site) -> None:
    routes = _officer_routes(site)
    assert ("POST", "/officer/contests/{contest_id}/action/{name}") in routes
    assert ("POST", "/api/v1/contests/{contest_id}/actions/{action}") in routes
    assert len(routes) >= 25, routes
    missing = PUBLIC - set(_routes(site))
    assert not missing, f"public routes that no longer exist: {sorted(missing)}"


def test_every_officer_route_refuses_an_anonymous_caller(site: Site) -> None:
    failures = []
    with site.client() as client:
        for method, path in _officer_routes(site):
            before = _snapshot(site)
            response = _call(
                client, method, path, _fill(path, site, client.get("/openapi.json").json()), None
            )
            if not _refused(response, path):
                failures.append(f"{method} {path}: {response.status_code}")
            if _snapshot(site) != before:
                failures.append(f"{method} {path}: the store changed")
    assert not failures, failures


def test_every_officer_route_refuses_a_voter_holding_a_code(site: Site) -> None:
    contest, codes = next(iter(site.demo.codes.items()))
    failures = []
    with site.client() as client:
        landed = client.get(f"/vote/{contest}/start?code={codes[0][1]}", follow_redirects=False)
        assert landed.status_code == 303, landed.text
        ballot = client.get(landed.headers["location"])
        csrf = csrf_of(page(ballot))
        for method, path in _officer_routes(site):
            before = _snapshot(site)
            response = _call(
                client, method, path, _fill(path, site, client.get("/openapi.json").json()), csrf
            )
            if not _refused(response, path):
                failures.append(f"{method} {path}: {response.status_code}")
            if _snapshot(site) != before:
                failures.append(f"{method} {path}: the store changed")
    assert not failures, failures


def test_officer_changes_without_the_csrf_token_are_refused(site: Site) -> None:
    officer, password = next(iter(site.demo.passwords.items()))
    failures = []
    with site.client() as client:
        officer_login(client, officer, password)
        for method, path in _officer_routes(site):
            if method == "GET":
                continue
            before = _snapshot(site)
            response = _call(
                client, method, path, _fill(path, site, client.get("/openapi.json").json()), None
            )
            if response.status_code not in (403, 422):
                failures.append(f"{method} {path}: {response.status_code}")
            if _snapshot(site) != before:
                failures.append(f"{method} {path}: the store changed")
    assert not failures, failures


@pytest.mark.parametrize("path", ["/", "/vote", "/officer/login", "/api/v1/contests"])
def test_pages_and_the_api_send_the_security_headers(site: Site, path: str) -> None:
    with site.client() as client:
        headers = client.get(path).headers
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp or "frame-ancestors 'self'" in csp, csp
    assert "default-src" in csp, csp
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy"), dict(headers)


def test_hsts_is_sent_when_served_over_tls(site: Site) -> None:
    with TestClient(create_app(site.ctx), base_url="https://testserver") as client:
        tls = client.get("/").headers
    with site.client() as client:
        plain = client.get("/").headers
    assert "max-age=" in tls.get("strict-transport-security", ""), dict(tls)
    assert "strict-transport-security" not in plain
