"""The one pagination convention (limit + opaque cursor) over real lists: a cursor that is
not one this server issued for that sort is a 422 naming `cursor`, never a 500."""

from __future__ import annotations

import base64
import json

import pytest


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _assets(api, n: int) -> None:
    for i in range(n):
        r = api.post("/assets", json={"kind": "agent", "name": f"bot-{i}"})
        assert r.status_code == 201, r.text


@pytest.mark.db
def test_a_cursor_from_another_sort_is_a_422_naming_the_cursor(api) -> None:
    _assets(api, 3)
    first = api.get("/assets", params={"limit": 1}).json()  # sorted by name
    assert first["next_cursor"]
    # the same list re-sorted by date with the name cursor kept: it answered 500
    r = api.get(
        "/assets", params={"limit": 1, "sort": "created_at", "cursor": first["next_cursor"]}
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["query", "cursor"]
    # and the cursor still works with the sort it came from
    nxt = api.get("/assets", params={"limit": 1, "cursor": first["next_cursor"]})
    assert nxt.status_code == 200 and nxt.json()["items"][0]["name"] == "bot-1"


@pytest.mark.db
@pytest.mark.parametrize(
    ("cursor", "sorts"),
    [
        ({"k": "x", "id": "abc"}, ("name", "created_at")),  # an object unpacked as its keys
        (["x", {"a": 1}], ("name", "created_at")),
        (["x", [1]], ("name", "created_at")),
        ([{"a": 1}, "abc"], ("name", "created_at")),
        ([5, "abc"], ("name", "created_at")),  # a number for text or a date
        ([{"dt": "2026-01-01T00:00:00+00:00"}, "abc"], ("name",)),  # a date for text
        ([{"dt": "2026-01-01T00:00:00"}, "abc"], ("created_at",)),  # a date with no zone
        (["x", "abc", "extra"], ("name", "created_at")),
        (["x", True], ("name",)),
    ],
)
def test_a_forged_cursor_is_a_422(api, cursor: object, sorts: tuple[str, ...]) -> None:
    for sort in sorts:
        r = api.get("/assets", params={"limit": 1, "sort": sort, "cursor": _cursor(cursor)})
        assert r.status_code == 422, (sort, r.text)
        assert r.json()["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.db
def test_a_date_cursor_out_of_range_in_utc_is_a_422(api) -> None:
    forged = _cursor([{"dt": "0001-01-01T00:00:00+01:00"}, "abc"])
    r = api.get("/assets", params={"limit": 1, "sort": "created_at", "cursor": forged})
    assert r.status_code == 422, r.text


def _walk(api, path: str, sort: str) -> list[str]:
    names: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 1, "sort": sort, **({"cursor": cursor} if cursor else {})}
        r = api.get(path, params=params)
        assert r.status_code == 200, (sort, names, r.text)
        names += [i["name"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return names
    raise AssertionError(f"no last page: {names}")


@pytest.mark.db
def test_paging_over_a_sort_column_that_can_be_empty_reaches_every_row(
    api, session_factory
) -> None:
    """Enforcement sources sorted by last_event_at: one that never reported has none.
    Ascending, the page after such a source answered 500; descending, the pages
    stopped after the last dated source and the sources without events were never
    listed. Sources with no date come last either way, on SQLite and PostgreSQL."""
    from sqlalchemy import update

    from threatvec.core.clock import utcnow
    from threatvec.enforcement.models import EnforcementSource
    from threatvec.store.engine import session_scope

    for name in ("quiet-1", "busy-old", "quiet-2", "busy-new"):
        assert api.post("/enforcement/sources", json={"name": name}).status_code == 201
    now = utcnow()
    with session_scope(session_factory) as s:
        for name, at in (("busy-old", now.replace(year=now.year - 1)), ("busy-new", now)):
            s.execute(
                update(EnforcementSource)
                .where(EnforcementSource.org_id == api.org.id, EnforcementSource.name == name)
                .values(last_event_at=at)
            )
    up = _walk(api, "/enforcement/sources", "last_event_at")
    assert up[:2] == ["busy-old", "busy-new"] and sorted(up[2:]) == ["quiet-1", "quiet-2"]
    down = _walk(api, "/enforcement/sources", "-last_event_at")
    assert down[:2] == ["busy-new", "busy-old"] and sorted(down[2:]) == ["quiet-1", "quiet-2"]
