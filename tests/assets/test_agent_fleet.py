"""What the assets registry's agent entries do to the agent fleet: delete, rename, approve."""

from __future__ import annotations

from tests.conftest import Api
from tests.ingest.wire import batch, tool


def _fleet(api: Api) -> dict[str, dict]:
    return {c["name"]: c for c in api.get("/agents").json()["items"]}


def test_deleting_the_asset_removes_the_never_reported_card(api: Api) -> None:
    asset = api.post("/assets", json={"kind": "agent", "name": "short-lived"}).json()
    assert _fleet(api)["short-lived"]["status"] == "never_reported"
    assert api.delete(f"/assets/{asset['id']}").status_code == 204
    assert _fleet(api) == {}
    assert api.get(f"/agents/{asset['id']}").status_code == 404


def test_deleting_the_asset_of_an_agent_that_reported_keeps_its_history(api: Api) -> None:
    asset = api.post("/assets", json={"kind": "agent", "name": "veteran"}).json()
    assert _fleet(api)["veteran"]["id"] == asset["id"]
    r = api.post("/ingest", json=batch("veteran", [tool("crm_lookup"), tool("crm_lookup")]))
    assert r.status_code == 200, r.text
    agent_id = _fleet(api)["veteran"]["id"]
    assert api.delete(f"/assets/{asset['id']}").status_code == 204
    assert agent_id != asset["id"]
    card = _fleet(api)["veteran"]
    assert card["id"] == agent_id and card["asset_id"] is None and card["events_total"] == 2
    assert len(api.get(f"/agents/{agent_id}").json()["recent_events"]) == 2


def test_renaming_and_approving_the_asset_show_on_the_card(api: Api) -> None:
    asset = api.post("/assets", json={"kind": "agent", "name": "draft-name"}).json()
    assert _fleet(api)["draft-name"]["approved"] is False
    r = api.patch(f"/assets/{asset['id']}", json={"name": "final-name", "approved": True})
    assert r.status_code == 200, r.text
    fleet = _fleet(api)
    assert list(fleet) == ["final-name"]
    assert fleet["final-name"]["approved"] is True and fleet["final-name"]["id"] == asset["id"]
    # the renamed registration is what the agent's telemetry links to
    r = api.post("/ingest", json=batch("final-name", [tool("t")]))
    assert r.status_code == 200, r.text
    card = _fleet(api)["final-name"]
    assert card["status"] == "active" and card["asset_id"] == asset["id"]
    assert len(_fleet(api)) == 1
    # renamed after it reported: the agent keeps its name and its link, no second card
    r = api.patch(f"/assets/{asset['id']}", json={"name": "renamed-later"})
    assert r.status_code == 200, r.text
    assert list(_fleet(api)) == ["final-name"]
