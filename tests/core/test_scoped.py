"""Org-scoped reads on a real database: another org's rows are never returned, only NotFound."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import Api, OrgHandle, create_org
from threatvec.assets.models import Asset
from threatvec.core.errors import NotFound
from threatvec.core.pagination import PageParams, SortSpec
from threatvec.core.scoped import get_scoped, get_scoped_or_raise, paginate_scoped

BY_NAME = SortSpec(columns={"name": Asset.name}, default="name")


@pytest.fixture
def orgs(session_factory: sessionmaker[Session]) -> tuple[OrgHandle, OrgHandle]:
    return create_org(session_factory), create_org(session_factory)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    # Rolled back at the end, so the rows each test adds never reach other tests.
    s = session_factory()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


def _asset(session: Session, org_id: str, name: str, kind: str = "agent") -> Asset:
    row = Asset(org_id=org_id, kind=kind, name=name, tags=[], meta={})
    session.add(row)
    session.flush()
    return row


def test_get_scoped_returns_a_row_only_to_its_own_org(session, orgs) -> None:
    a, b = orgs
    mine, theirs = _asset(session, a.id, "a-bot"), _asset(session, b.id, "b-bot")
    assert get_scoped(session, Asset, a.id, mine.id) is mine
    assert get_scoped(session, Asset, b.id, mine.id) is None
    assert get_scoped(session, Asset, a.id, theirs.id) is None
    assert get_scoped(session, Asset, a.id, "no-such-id") is None


def test_get_scoped_or_raise_raises_not_found_for_another_orgs_row(session, orgs) -> None:
    a, b = orgs
    mine = _asset(session, a.id, "a-bot")
    assert get_scoped_or_raise(session, Asset, a.id, mine.id, "unused") is mine
    with pytest.raises(NotFound) as caught:
        get_scoped_or_raise(session, Asset, b.id, mine.id, f"asset {mine.id} not found")
    assert caught.value.status == 404
    assert caught.value.detail == f"asset {mine.id} not found"


def test_extra_criteria_narrow_but_never_replace_the_org_filter(session, orgs) -> None:
    a, b = orgs
    mine = _asset(session, a.id, "a-bot")
    assert get_scoped(session, Asset, a.id, mine.id, Asset.kind == "agent") is mine
    assert get_scoped(session, Asset, a.id, mine.id, Asset.kind == "mcp_server") is None
    # A criterion naming the owner's org is ANDed with the caller's org, not ORed.
    assert get_scoped(session, Asset, b.id, mine.id, Asset.org_id == a.id) is None


def test_paginate_scoped_pages_through_one_org_only(session, orgs) -> None:
    a, b = orgs
    for name in ("a1", "a2", "a3"):
        _asset(session, a.id, name)
    _asset(session, a.id, "a-server", kind="mcp_server")
    for name in ("a0", "b1", "b2"):  # "a0" would sort first if org B leaked in
        _asset(session, b.id, name)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        rows, cursor = paginate_scoped(
            session, Asset, a.id, PageParams(limit=1, cursor=cursor), BY_NAME, Asset.kind == "agent"
        )
        seen += [r.name for r in rows]
        if cursor is None:
            break
    assert seen == ["a1", "a2", "a3"]
    rows, _ = paginate_scoped(session, Asset, b.id, PageParams(), BY_NAME)
    assert [r.name for r in rows] == ["a0", "b1", "b2"]


def test_api_answers_another_orgs_id_with_the_usual_problem(client, session_factory) -> None:
    owner = Api(client, create_org(session_factory))
    other = Api(client, create_org(session_factory))
    asset_id = owner.post("/assets", json={"kind": "agent", "name": "bot"}).json()["id"]
    assert owner.get(f"/assets/{asset_id}").status_code == 200
    r = other.get(f"/assets/{asset_id}")
    assert r.status_code == 404
    assert r.json() == {
        "type": "https://threatvec.dev/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": f"asset {asset_id} not found",
        "instance": f"/api/v1/assets/{asset_id}",
    }
    assert other.delete(f"/assets/{asset_id}").status_code == 404
    assert owner.get(f"/assets/{asset_id}").status_code == 200
