"""FastAPI dependency aliases shared by every router (no import of the server).

The server's auth dependency resolves the caller's org and puts it on
``request.state.org_id`` before any route runs; routes read it through
``OrgIdDep`` so a handler cannot forget the tenant.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from threatvec.core.errors import Unauthorized
from threatvec.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageParams
from threatvec.core.settings import Settings

__all__ = ["OrgIdDep", "PageDep", "SessionDep", "SettingsDep", "actor"]


def _session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _org_id(request: Request) -> str:
    org_id = getattr(request.state, "org_id", None)
    if not org_id:
        raise Unauthorized("no organisation resolved for this request")
    return str(org_id)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="Opaque cursor from `next_cursor`")
    ] = None,
    sort: Annotated[
        str | None,
        Query(max_length=64, pattern=r"^-?[a-z_]+$", description="Field; prefix - for descending"),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor, sort=sort)


def actor(request: Request) -> str:
    """Who is acting, for audit fields: the org key's org or the dashboard session."""
    return str(getattr(request.state, "actor", None) or "api")


# scope="function": the commit runs before the response is sent. With the
# default ("request") FastAPI sends the response first, so a client that
# created something and used it at once could be told it did not exist, and
# a failed commit would follow a success reply (session 6: a 404 in CI).
SessionDep = Annotated[Session, Depends(_session, scope="function")]
OrgIdDep = Annotated[str, Depends(_org_id)]
SettingsDep = Annotated[Settings, Depends(_settings)]
PageDep = Annotated[PageParams, Depends(_page)]
