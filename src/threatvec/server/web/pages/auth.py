"""Log in with an org key; log out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from threatvec.orgs import service as orgs
from threatvec.server.auth import SESSION_COOKIE, encode_session
from threatvec.server.web.render import cookies_secure, set_session_cookie, templates

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "tv_login_csrf"


def _login_page(
    request: Request, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "login.html", {"csrf": token, "error": error}, status_code=status_code
    )
    # Double-submit cookie: there is no session yet to hold the login form's token.
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=cookies_secure(request),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login", response_model=None)
def login(
    request: Request,
    org_key: Annotated[str, Form(max_length=256)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf):
        return _login_page(
            request, error="Your login form expired; please try again.", status_code=400
        )
    with request.app.state.session_factory() as session:
        org = orgs.org_for_key(session=session, key=org_key.strip()) if org_key else None
        if org is None and not orgs.auth_required(session=session):
            org = orgs.get_default_org(session=session)
        if org is None:
            return _login_page(request, error="That key was not accepted.", status_code=401)
        cookie = encode_session(request.app.state.secret_key, org)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, cookie)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", response_model=None)
def logout(request: Request) -> Response:
    # Logging out needs no CSRF check: the worst a forged request can do is log you out.
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
