"""The Compliance page shows the same posture as the Overview and the API beside it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.shadow.helpers import event


def test_the_page_folds_in_changes_still_waiting_for_the_posture(fresh_app) -> None:
    app = fresh_app()
    app.state.posture_debounce_s = (600.0, 600.0)  # the background recompute stays away
    with TestClient(app) as c:
        assert c.get("/api/v1/posture").status_code == 200  # a snapshot before the change
        r = c.post("/api/v1/shadow/events", json={"events": [event(domain="chatgpt.com")]})
        assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
        page = c.get("/compliance")
        assert page.status_code == 200
        row = page.text.split('data-control="CC3.2"')[1].split('<tr class="control"')[0]
        live = c.get("/api/v1/posture").json()["value"]
        assert live is not None  # the shadow event gave the posture its first data
        # SOC 2 CC3.2 judges that very score: it is assessed, and shows the live value
        assert re.match(r'\s*data-status="(met|partial|gap)"', row), row[:200]
        assert f"posture score</a>: {live}" in row
