"""The Board Pack over HTTP: a zip with the summary, each framework's evidence, no secrets."""

from __future__ import annotations

import io
import json
import zipfile

from tests.compliance.helpers import SLACK_URL_SECRET, WEBHOOK_SECRET
from tests.compliance.test_router import _with_secrets
from tests.conftest import Api
from threatvec.compliance.frameworks import framework_ids


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
