"""`threatvec compliance export`, run as a subprocess on the database the API serves."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from tests.cli.conftest import CliStore
from tests.compliance.helpers import record_mcp_scan, register_agent, shadow_pii_event
from threatvec.compliance.frameworks import framework_ids
from threatvec.posture.recompute import recomputer_for

pytestmark = pytest.mark.db


def _without_time(package: dict[str, Any]) -> dict[str, Any]:
    # Each export is evaluated at its own moment; everything else must be identical.
    assert datetime.fromisoformat(package["generated_at"].replace("Z", "+00:00")).tzinfo
    return {k: v for k, v in package.items() if k != "generated_at"}


def test_export_is_the_api_download(cli_store: CliStore, tmp_path) -> None:
    org, api = cli_store.org("acme")
    register_agent(api, "ledger-bot", caps={"private_data": True}, rules=[], tools=[])
    shadow_pii_event(api)
    record_mcp_scan(cli_store.factory, org.id, poisoned=True)
    # The server recomputes the posture a moment after changes; let it land first, so
    # both exports read the same data.
    recomputer = recomputer_for(cli_store.factory.kw["bind"])
    assert recomputer is not None
    recomputer.flush()

    for framework in ("soc2", "mitre-atlas"):
        from_api = api.get(f"/compliance/{framework}/evidence-export")
        assert from_api.status_code == 200, from_api.text
        out = cli_store.run("compliance", "export", framework, "--org", "acme")
        assert out.returncode == 0, out.stderr
        printed = json.loads(out.stdout)
        assert printed["format"] == "threatvec.compliance.evidence"
        assert printed["format_version"] == "1.0" and printed["org"]["org_id"] == org.id
        assert _without_time(printed) == _without_time(from_api.json())
        assert org.key not in out.stdout  # an export names the org, never its key

    # --out writes the same document to a file (the org given by id this time).
    path = tmp_path / "soc2.json"
    written = cli_store.run("compliance", "export", "soc2", "--org", org.id, "--out", str(path))
    assert written.returncode == 0, written.stderr
    assert written.stdout == "" and f"wrote {path}" in written.stderr
    statuses = {c["control"]: c["status"] for c in json.loads(path.read_text())["controls"]}
    api_statuses = {
        c["control"]: c["status"]
        for c in api.get("/compliance/soc2/evidence-export").json()["controls"]
    }
    assert statuses == api_statuses and "gap" in statuses.values()


def test_without_org_the_default_org_is_exported(cli_store: CliStore) -> None:
    cli_store.org("other")
    out = cli_store.run("compliance", "export", "owasp-llm")
    assert out.returncode == 0, out.stderr
    package = json.loads(out.stdout)
    assert package["org"]["name"] == "default"
    assert [c["control"] for c in package["controls"]] == [f"LLM{i:02d}" for i in range(1, 11)]


def test_unknown_framework_or_org_is_a_clear_error(cli_store: CliStore, tmp_path) -> None:
    cli_store.org("acme")
    path = tmp_path / "never.json"
    bad = cli_store.run("compliance", "export", "pci-dss", "--out", str(path))
    assert bad.returncode == 1 and bad.stdout == "" and not path.exists()
    assert bad.stderr.startswith("error: unknown framework 'pci-dss'")
    assert all(fw in bad.stderr for fw in framework_ids())
    assert "Traceback" not in bad.stderr

    nobody = cli_store.run("compliance", "export", "soc2", "--org", "no-such-org")
    assert nobody.returncode == 1 and nobody.stdout == ""
    assert "no organisation 'no-such-org'" in nobody.stderr
    assert "'acme'" in nobody.stderr and "'default'" in nobody.stderr  # the valid choices

    unwritable = cli_store.run("compliance", "export", "soc2", "--out", str(tmp_path / "no" / "x"))
    assert unwritable.returncode == 1 and "cannot write" in unwritable.stderr
