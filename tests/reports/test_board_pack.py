"""The Board Pack over HTTP: a zip with the summary, each framework's evidence, no secrets."""

from __future__ import annotations

import io
import json
import zipfile

from tests.compliance.helpers import SLACK_URL_SECRET, WEBHOOK_SECRET
from tests.compliance.test_router import _with_secrets
from tests.conftest import Api
from threatvec.compliance.frameworks import framework_ids
from threatvec.reports.board_pack import build_zip


def _pack(api: Api) -> tuple[zipfile.ZipFile, str]:
    r = api.get("/reports/board-pack")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(r.content)), r.headers["content-disposition"]


def test_board_pack_bundles_summary_markdown_and_all_evidence(api: Api, session_factory) -> None:
    _with_secrets(api, session_factory)
    zf, disposition = _pack(api)
    names = zf.namelist()
    root = names[0].split("/")[0]
    assert disposition == f'attachment; filename="{root}.zip"'
    assert set(names) == {
        f"{root}/summary.json",
        f"{root}/SUMMARY.md",
        *(f"{root}/evidence/{fw}.json" for fw in framework_ids()),
    }
    summary = json.loads(zf.read(f"{root}/summary.json"))
    assert summary["format"] == "threatvec.board-pack"
    assert summary["org"]["org_id"] == api.org.id
    posture = api.get("/posture").json()
    assert summary["posture"]["score"] == posture["value"]
    assert {c["dimension"] for c in summary["posture"]["components"]} == {"agent", "mcp", "shadow"}
    assert summary["brief"]["text"] and summary["top_risks"]
    assert summary["top_risks"][0]["rank"] == 1
    # each framework's file is the export, and its counts are the summary's
    for entry in summary["compliance"]:
        package = json.loads(zf.read(f"{root}/evidence/{entry['framework']}.json"))
        assert package["format"] == "threatvec.compliance.evidence"
        assert package["summary"]["counts"] == entry["counts"]
        live = api.get(f"/compliance/{entry['framework']}/evidence-export").json()
        assert [c["status"] for c in live["controls"]] == [c["status"] for c in package["controls"]]
    md = zf.read(f"{root}/SUMMARY.md").decode()
    assert md.startswith("# AI security Board Pack")
    assert "## Top risks" in md and "## Compliance" in md and "evidence/soc2.json" in md
    # no secret anywhere in the bundle
    for name in names:
        text = zf.read(name).decode()
        for secret in (WEBHOOK_SECRET, SLACK_URL_SECRET, "tokenSECRET", api.org.key):
            assert secret not in text, f"{secret[:8]}… leaked into {name}"


def test_org_name_with_markup_is_escaped_in_the_markdown(client, session_factory) -> None:
    from tests.conftest import OrgHandle
    from threatvec.orgs import service as orgs
    from threatvec.store.engine import session_scope

    with session_scope(session_factory) as s:
        org, key = orgs.create_org(session=s, name="<b>Acme</b> [x](javascript:1) #1")
        handle = OrgHandle(org.id, org.name, key)
    zf, disposition = _pack(Api(client, handle))
    assert "<" not in disposition and "[" not in disposition
    md = next(zf.read(n).decode() for n in zf.namelist() if n.endswith("SUMMARY.md"))
    title = md.splitlines()[0]
    assert "<b>" not in title and "&lt;b&gt;Acme&lt;/b&gt;" in title
    assert "\\[x\\]" in title and "\\#1" in title


def test_board_pack_is_reproducible_and_states_generator_and_period(
    api: Api, session_factory
) -> None:
    """An auditor re-running the pack for the same moment gets the same bytes, and can
    tell which ThreatVec version made it and which period its evidence covers."""
    import time
    from datetime import timedelta

    from threatvec import __version__
    from threatvec.core.clock import utcnow
    from threatvec.reports import service as reports
    from threatvec.store.engine import session_scope

    _with_secrets(api, session_factory)
    now = utcnow().replace(microsecond=0)
    with session_scope(session_factory) as s:
        first = reports.board_pack(session=s, org_id=api.org.id, now=now)
    # The same evaluation zipped again later gives the same bytes. (The pack is rebuilt
    # from its summary alone: a second evaluation could differ legitimately, because
    # the posture may be recomputed in the background after the data above changed.)
    again = build_zip(first.summary, [])
    time.sleep(2.2)  # zip times have a 2 s resolution: cross at least one step
    assert build_zip(first.summary, []).content == again.content
    zf = zipfile.ZipFile(io.BytesIO(first.content))
    # entries are stamped with the pack's own time (to the zip's 2 s), not the zipping's
    stamp = (*now.timetuple()[:5], now.second // 2 * 2)
    assert {i.date_time for i in zf.infolist()} == {stamp}
    root = zf.namelist()[0].split("/")[0]
    summary = json.loads(zf.read(f"{root}/summary.json"))
    assert summary["generator"] == {"name": "ThreatVec", "version": __version__}
    start = (now - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    assert summary["period"]["start"] == start
    assert summary["period"]["end"] == now.isoformat().replace("+00:00", "Z")
    md = zf.read(f"{root}/SUMMARY.md").decode()
    assert f"ThreatVec {md_version(__version__)}" in md
    assert "Evidence period:" in md
    for fw in framework_ids():
        package = json.loads(zf.read(f"{root}/evidence/{fw}.json"))
        assert package["generator"] == {"name": "ThreatVec", "version": __version__}


def md_version(version: str) -> str:
    from threatvec.reports.markdown import md_text

    return md_text(version)


def test_board_pack_and_evidence_include_changes_still_waiting_for_the_posture(
    fresh_app,
) -> None:
    """Data changed a moment ago (the debounced recompute has not run yet) is in the
    pack: its posture score and the compliance risk check agree with GET /posture."""
    from fastapi.testclient import TestClient

    from tests.ingest.wire import batch, register
    from tests.shadow.helpers import event

    app = fresh_app()
    app.state.posture_debounce_s = (600.0, 600.0)  # the background recompute stays away
    with TestClient(app) as c:
        assert c.get("/api/v1/posture").status_code == 200  # a snapshot before the change
        events = [register("fresh-agent", "0" * 32, capabilities={}, rules=[])]
        r = c.post("/api/v1/ingest", json=batch("fresh-agent", events, instance_id="0" * 32))
        assert r.status_code == 200, r.text
        r = c.get("/api/v1/reports/board-pack")
        assert r.status_code == 200, r.text
        zf = zipfile.ZipFile(io.BytesIO(r.content))
        root = zf.namelist()[0].split("/")[0]
        summary = json.loads(zf.read(f"{root}/summary.json"))
        live = c.get("/api/v1/posture").json()
        assert summary["posture"]["score"] == live["value"]
        assert summary["posture"]["snapshot_id"] == live["snapshot_id"]
        # the evidence export folds waiting changes in too: shadow AI use is seen
        r = c.post("/api/v1/shadow/events", json={"events": [event(domain="chatgpt.com")]})
        assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
        soc2 = c.get("/api/v1/compliance/soc2/evidence-export").json()
        score = [
            e["value"]
            for ctl in soc2["controls"]
            for e in ctl["evidence"]
            if e["check"] == "risk_posture" and e["label"] == "posture score"
        ]
        after = c.get("/api/v1/posture").json()["value"]
        assert after != live["value"]  # the change moved the score
        assert score == [after]
