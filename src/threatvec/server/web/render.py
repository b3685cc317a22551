"""Rendering pages: the template environment, the session every page needs, nav."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from threatvec._version import __version__
from threatvec.core.public_url import configured_url
from threatvec.detect.normalize import visible_snippet
from threatvec.orgs import service as orgs
from threatvec.orgs.models import Org
from threatvec.server.auth import (
    SESSION_COOKIE,
    SessionData,
    decode_session,
    encode_session,
    session_org,
)

__all__ = ["NAV", "PageContext", "PageDep", "RedirectToLogin", "render", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.autoescape = True


def shown_value(value: Any) -> str:
    """A JSON value as JSON ("true", "[\"a\"]", objects with sorted keys); text as it is.

    Schema values in a diff are JSON: Python's repr ("True", "{'a': 1}") would
    show the reader a format the server never sent.
    """
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def visible(value: Any, limit: int = 100_000) -> str:
    """Text a third party controls, with invisible characters shown escaped.

    Autoescape stops markup, not a bidi override that reverses what follows on
    screen, zero-width or tag characters a model reads but a reviewer cannot
    see: those are shown as ``\\u202e`` / ``<U+E0041>``, as the scanner shows them.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else shown_value(value)
    return visible_snippet(text, limit=limit)


templates.env.filters["shown_value"] = shown_value
templates.env.filters["visible"] = visible

NAV: list[tuple[str, str]] = [
    ("/", "Overview"),
    ("/agents", "Agents"),
    ("/mcp", "MCP"),
    ("/shadow", "Shadow AI Monitor"),
    ("/vulnerabilities", "Vulnerability Exposure"),
    ("/red-team", "Red Team"),
    ("/compliance", "Compliance"),
    ("/live", "Live AI Traffic"),
    ("/settings", "Settings"),
]


class RedirectToLogin(Exception):
    """Raised by the page dependency; the app turns it into a redirect to /login."""


@dataclass
class PageContext:
    request: Request
    session: Session
    org: Org
    auth: SessionData
    new_cookie: str | None = None


def _page_context(request: Request) -> Any:
    secret = request.app.state.secret_key
    factory = request.app.state.session_factory
    session: Session = factory()
    try:
        data = decode_session(secret, request.cookies.get(SESSION_COOKIE))
        new_cookie = None
        # No session, or one that ended (its org's key changed): keyless servers open one
        org = session_org(session, data) if data is not None else None
        if org is None or data is None:
            if orgs.auth_required(session=session):
                raise RedirectToLogin()
            org = orgs.get_default_org(session=session)
            if org is None:
                raise RedirectToLogin()
            new_cookie = encode_session(secret, org)
            data = decode_session(secret, new_cookie)
            assert data is not None
        yield PageContext(
            request=request, session=session, org=org, auth=data, new_cookie=new_cookie
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


PageDep = Annotated[PageContext, Depends(_page_context)]


def cookies_secure(request: Request) -> bool:
    """Whether the dashboard's cookies carry ``Secure``.

    Behind a proxy that ends TLS the server itself sees plain http, so the
    request's scheme alone would send the session cookie without ``Secure``
    in the usual production setup; an https public URL
    (``THREATVEC_PUBLIC_URL``) says the browser reaches it over https.
    Browsers still keep ``Secure`` cookies from http://localhost.
    """
    if request.url.scheme == "https":
        return True
    public = configured_url(request.app.state.settings)
    return bool(public) and urlsplit(public).scheme == "https"


def set_session_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="strict",
        secure=cookies_secure(request),
        path="/",
        max_age=12 * 3600,
    )


# A status line is text the server chose: the redirect after a form carries it in the
# URL (?flash=...), signed with the session's CSRF secret (&fs=...). Unsigned, anyone
# could send a link that makes a trusted page say "your key expired, re-enter it at ...".
FLASH_SIG = "fs"


def _flash_sig(ctx: PageContext, text: str) -> str:
    key = ctx.auth.csrf.encode()
    return hmac.new(key, b"flash\x00" + text.encode(), hashlib.sha256).hexdigest()[:32]


def _sign_flash(ctx: PageContext, url: str) -> str:
    parts = urlsplit(url)
    flashes = [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k == "flash"]
    if not flashes:
        return url
    # Into the query, before any #fragment (the page scrolls to a row).
    query = f"{parts.query}&{FLASH_SIG}={_flash_sig(ctx, flashes[-1])}"
    return urlunsplit(parts._replace(query=query))


def _url_flash_is_signed(ctx: PageContext) -> bool:
    params = ctx.request.query_params
    text, sig = params.get("flash"), params.get(FLASH_SIG, "")
    return text is None or hmac.compare_digest(sig, _flash_sig(ctx, text))


def render(
    ctx: PageContext, template: str, *, active: str, status_code: int = 200, **data: Any
) -> HTMLResponse:
    if data.get("flash") and not _url_flash_is_signed(ctx):
        data["flash"] = None  # from a link someone made, not from this session's form
    response = templates.TemplateResponse(
        ctx.request,
        template,
        {
            "nav": NAV,
            "active": active,
            "org": ctx.org,
            "csrf": ctx.auth.csrf,
            "version": __version__,
            **data,
        },
        status_code=status_code,
    )
    if ctx.new_cookie:
        set_session_cookie(response, ctx.request, ctx.new_cookie)
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(ctx: PageContext, url: str) -> RedirectResponse:
    response = RedirectResponse(_sign_flash(ctx, url), status_code=303)
    if ctx.new_cookie:
        set_session_cookie(response, ctx.request, ctx.new_cookie)
    return response


def check_csrf(ctx: PageContext, token: str | None) -> None:
    """Forms carry the session's CSRF token; a mismatch is refused."""
    import hmac

    from threatvec.core.errors import Forbidden

    if not token or not hmac.compare_digest(token, ctx.auth.csrf):
        raise Forbidden("CSRF token missing or wrong; reload the page and try again")
