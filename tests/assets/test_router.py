"""The assets registry API: CRUD, conflicts, filters, pagination, validation."""

from __future__ import annotations

PROBLEM = "application/problem+json"


def _create(api, **kw):
    body = {"kind": "agent", "name": "bot", **kw}
    return api.post("/assets", json=body)


def test_crud_round_trip(api) -> None:
    r = _create(
        api,
        name="support-bot",
        owner="me@example.com",
        tags=["prod", "prod", "eu"],
        metadata={"repo": "x"},
    )
    assert r.status_code == 201, r.text
    asset = r.json()
    assert asset["tags"] == ["prod", "eu"] and asset["approved"] is False
    assert api.get(f"/assets/{asset['id']}").json()["name"] == "support-bot"
    r = api.patch(f"/assets/{asset['id']}", json={"approved": True, "description": "d"})
    assert r.status_code == 200 and r.json()["approved"] is True and r.json()["description"] == "d"
    assert api.delete(f"/assets/{asset['id']}").status_code == 204
    r = api.get(f"/assets/{asset['id']}")
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)


def test_duplicate_name_per_kind_conflicts(api) -> None:
    assert _create(api, name="dup").status_code == 201
    r = _create(api, name="dup")
    assert r.status_code == 409
    assert r.json()["title"] == "Conflict" and "dup" in r.json()["detail"]
    assert _create(api, name="dup", kind="mcp_server").status_code == 201
    other = _create(api, name="other").json()
    r = api.patch(f"/assets/{other['id']}", json={"name": "dup"})
    assert r.status_code == 409


def test_validation_errors_name_the_field(api) -> None:
    r = api.post("/assets", json={"kind": "robot", "name": " "})
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == 422 and r.headers["content-type"].startswith(PROBLEM)
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert ("body", "kind") in locs and ("body", "name") in locs
    r = api.post("/assets", json={"kind": "agent", "name": "m", "metadata": {"x": "y" * 20000}})
    assert r.status_code == 422 and "metadata" in r.text
    r = api.post("/assets", json={"kind": "agent", "name": "m", "unknown": 1})
    assert r.status_code == 422


def test_filters_search_and_pagination(api) -> None:
    for i in range(7):
        _create(
            api, name=f"agent-{i:02d}", tags=["even"] if i % 2 == 0 else ["odd"], approved=i < 3
        )
    _create(api, kind="ai_service", name="ChatGPT 100%_off")
    assert len(api.get("/assets", params={"kind": "agent"}).json()["items"]) == 7
    assert len(api.get("/assets", params={"approved": "true"}).json()["items"]) == 3
    assert len(api.get("/assets", params={"tag": "even"}).json()["items"]) == 4
    # LIKE wildcards in the search are literal.
    assert [a["name"] for a in api.get("/assets", params={"q": "%_"}).json()["items"]] == [
        "ChatGPT 100%_off"
    ]
    seen, cursor = [], None
    while True:
        params = {"limit": 3, "kind": "agent", "sort": "-name"}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/assets", params=params).json()
        seen += [a["name"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"agent-{i:02d}" for i in reversed(range(7))]
    r = api.get("/assets", params={"sort": "owner_secret"})
    assert r.status_code == 422 and "sort" in r.json()["detail"]
    r = api.get("/assets", params={"cursor": "!!!notacursor"})
    assert r.status_code == 422 and "cursor" in r.json()["detail"]
