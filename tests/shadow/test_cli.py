"""`threatvec shadow ...` on its own database: once as a real subprocess, the rest in-process
(typer's runner, same code path, without paying the interpreter start-up each time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import new_database_url
from tests.shadow.helpers import visit
from tests.shadow.m365_server import CLIENT_ID, CLIENT_SECRET, TENANT, M365Server

THREATVEC = [sys.executable, "-m", "threatvec.cli"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(THREATVEC + args, env=env, capture_output=True, text=True, timeout=120)


def invoke(args: list[str], env: dict[str, str]) -> Any:
    from typer.testing import CliRunner

    from threatvec.cli import app

    cleared = {k: None for k in os.environ if k.startswith(("THREATVEC_", "ORG_KEY"))}
    return CliRunner().invoke(app, args, env={**cleared, **env})


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
    env.update(
        {
            "THREATVEC_DATA_DIR": str(tmp_path / "data"),
            "THREATVEC_DATABASE_URL": new_database_url(tmp_path),
        }
    )
    return env


@pytest.mark.db
def test_import_m365_catalog_and_list(cli_env, shared_data: Path) -> None:
    sample = shared_data / "m365" / "copilot_audit_sample.json"
    first = run(["shadow", "import-m365", str(sample)], cli_env)
    assert first.returncode == 0, first.stderr
    assert "10 Copilot interaction(s), 10 imported" in first.stdout
    again = invoke(["shadow", "import-m365", str(sample)], cli_env)
    assert "0 imported, 10 already present" in again.stdout

    imported = invoke(
        ["shadow", "import-catalog", str(shared_data / "shadow" / "ai_services.csv")], cli_env
    )
    assert imported.exit_code == 0 and "181 added" in imported.stdout

    listed = invoke(["shadow", "services", "--json"], cli_env)
    [svc] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert svc["domain"] == "copilot.cloud.microsoft" and svc["events"] == 10
    assert svc["marker"] == "!" and svc["risk"] == "MEDIUM"

    bad = Path(cli_env["THREATVEC_DATA_DIR"]).parent / "bad.json"
    bad.write_text("{not json")
    failed = invoke(["shadow", "import-m365", str(bad)], cli_env)
    assert failed.exit_code == 1 and failed.output.startswith("error:")
    assert "Traceback" not in failed.output


@pytest.mark.db
def test_m365_configure_and_pull(cli_env, shared_data: Path) -> None:
    records = json.loads((shared_data / "m365" / "copilot_audit_sample.json").read_text())
    with M365Server([records[:5], records[5:]]) as server:
        env = {
            **cli_env,
            "THREATVEC_M365_AUTHORITY_URL": server.url,
            "THREATVEC_M365_API_URL": server.url,
            "THREATVEC_ALLOW_PRIVATE_OUTBOUND": "true",
            "THREATVEC_M365_CLIENT_SECRET": CLIENT_SECRET,
        }
        unconfigured = invoke(["shadow", "m365-pull"], env)
        assert unconfigured.exit_code != 0 and "not configured" in unconfigured.output
        conf = invoke(
            ["shadow", "m365-configure", "--tenant", TENANT, "--client-id", CLIENT_ID], env
        )
        assert conf.exit_code == 0, conf.output
        pulled = invoke(["shadow", "m365-pull", "--hours", "2"], env)
        assert pulled.exit_code == 0, pulled.output
        result = json.loads(pulled.stdout)
        assert (result["blobs"], result["imported"]) == (2, 10)
        assert CLIENT_SECRET not in pulled.output


@pytest.mark.db
def test_import_m365_json_lines_with_a_broken_line_keeps_the_others(
    cli_env, shared_data: Path
) -> None:
    # An export cut short or edited by hand: one bad line must not cost the good ones.
    sample = json.loads((shared_data / "m365" / "copilot_audit_sample.json").read_text())
    lines = [json.dumps(r) for r in sample[:5]]
    lines[2] = lines[2][:60]  # truncated mid-record
    path = Path(cli_env["THREATVEC_DATA_DIR"]).parent / "copilot.jsonl"
    path.write_text("\n".join(lines) + "\n\n")
    result = invoke(["shadow", "import-m365", str(path)], cli_env)
    assert result.exit_code == 0, result.output
    assert "5 record(s): 4 Copilot interaction(s), 4 imported" in result.output
    assert "1 skipped" in result.output and "line 3: not JSON" in result.output
    assert sample[2]["UserId"] not in result.output


@pytest.mark.db
def test_m365_pull_shows_progress_and_keeps_what_it_imported_when_a_later_blob_fails(
    cli_env, shared_data: Path
) -> None:
    # A seven-day pull of a big tenant runs for a long time: it says how far it got,
    # and a failure near the end must not throw away the blobs already imported.
    records = json.loads((shared_data / "m365" / "copilot_audit_sample.json").read_text())
    with M365Server([records[:4], records[4:]]) as server:
        env = {
            **cli_env,
            "THREATVEC_M365_AUTHORITY_URL": server.url,
            "THREATVEC_M365_API_URL": server.url,
            "THREATVEC_ALLOW_PRIVATE_OUTBOUND": "true",
            "THREATVEC_M365_CLIENT_SECRET": CLIENT_SECRET,
        }
        conf = invoke(
            ["shadow", "m365-configure", "--tenant", TENANT, "--client-id", CLIENT_ID], env
        )
        assert conf.exit_code == 0, conf.output
        server.fail_next[f"/api/v1.0/{TENANT}/activity/feed/audit/blob-1"] = [500] * 10
        failed = run(["shadow", "m365-pull", "--hours", "2"], env)
        assert failed.returncode == 1
        assert "blob 1: 4 Copilot record(s), 4 new" in failed.stderr
        assert "4 record(s) imported before the failure are kept" in failed.stderr
        listed = invoke(["shadow", "services", "--json"], env)
        [svc] = [json.loads(line) for line in listed.stdout.splitlines()]
        assert svc["events"] == 4

        server.fail_next.clear()
        again = run(["shadow", "m365-pull", "--hours", "2"], env)
        assert again.returncode == 0, again.stderr
        assert "blob 2: 10 Copilot record(s), 6 new" in again.stderr
        assert json.loads(again.stdout)["imported"] == 6
        assert CLIENT_SECRET not in failed.stderr + again.stderr


@pytest.mark.db
def test_import_m365_reads_a_purview_audit_search_csv_export(cli_env, shared_data: Path) -> None:
    # Purview's audit search (and Search-UnifiedAuditLog | Export-Csv) exports CSV with
    # the record JSON in an AuditData column: the export an admin most likely has.
    import csv
    import io

    sample = json.loads((shared_data / "m365" / "copilot_audit_sample.json").read_text())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData"])
    for r in sample:
        row = [r["Id"], r["CreationTime"], "CopilotInteraction", r["Operation"], r["UserId"]]
        writer.writerow([*row, json.dumps(r)])
    writer.writerow(["x", "2026-06-01T08:00:00", "CopilotInteraction", "x", "x", "{cut short"])
    path = Path(cli_env["THREATVEC_DATA_DIR"]).parent / "AuditLog_2026-06-01.csv"
    path.write_text(out.getvalue(), encoding="utf-8-sig")  # Purview writes a BOM
    result = invoke(["shadow", "import-m365", str(path)], cli_env)
    assert result.exit_code == 0, result.output
    assert "11 record(s): 10 Copilot interaction(s), 10 imported" in result.output
    assert "line 12: AuditData is not JSON" in result.output
    # The same records from the API's JSON are already there.
    again = invoke(
        ["shadow", "import-m365", str(shared_data / "m365" / "copilot_audit_sample.json")], cli_env
    )
    assert "0 imported, 10 already present" in again.output


@pytest.mark.db
def test_user_id_salt_is_the_one_imports_hash_with_and_never_the_key(cli_env) -> None:
    from threatvec.shadow.service import org_user_salt
    from threatvec.store.engine import make_engine, make_session_factory, session_scope

    shown = invoke(["shadow", "user-id-salt"], cli_env)
    assert shown.exit_code == 0, shown.output
    assert invoke(["shadow", "user-id-salt"], cli_env).stdout == shown.stdout  # stable
    engine = make_engine(cli_env["THREATVEC_DATABASE_URL"])
    try:
        with session_scope(make_session_factory(engine)) as s:
            from threatvec.orgs import service as orgs

            org_id = orgs.ensure_default_org(session=s, org_key=None).id
            secrets = org_user_salt(session=s, org_id=org_id)
    finally:
        engine.dispose()
    assert shown.stdout.strip() == secrets.salt
    assert secrets.key not in shown.output


@pytest.mark.db
def test_services_lists_every_service_beyond_one_page(cli_env) -> None:
    """`threatvec shadow services` stopped at the first 500 services, silently."""
    from threatvec.orgs import service as orgs
    from threatvec.shadow import service
    from threatvec.shadow.schemas import ShadowEventIn
    from threatvec.store.engine import make_engine, make_session_factory, session_scope
    from threatvec.store.migrate import upgrade

    hosts = [f"chat.llm-{i:03d}.example.com" for i in range(503)]
    engine = make_engine(cli_env["THREATVEC_DATABASE_URL"])
    try:
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as s:
            org_id = orgs.ensure_default_org(session=s, org_key=None).id
            events = [ShadowEventIn.model_validate(visit(h)) for h in hosts]
            service.record_events(session=s, org_id=org_id, events=events, source="extension")
    finally:
        engine.dispose()
    listed = invoke(["shadow", "services"], cli_env)
    assert listed.exit_code == 0, listed.output
    shown = {line.split()[2] for line in listed.stdout.splitlines()}
    assert shown == set(hosts)
    as_json = invoke(["shadow", "services", "--json"], cli_env).stdout.splitlines()
    assert len(as_json) == 503


@pytest.mark.db
def test_import_m365_says_how_many_skipped_lines_it_does_not_list(
    cli_env, shared_data: Path
) -> None:
    # Five reasons are listed; the others were dropped without a word, so a file with 8
    # cut lines read as if lines 2-6 were the only ones to look at.
    sample = json.loads((shared_data / "m365" / "copilot_audit_sample.json").read_text())
    lines = [json.dumps(r) if i in (0, 9) else json.dumps(r)[:60] for i, r in enumerate(sample)]
    path = Path(cli_env["THREATVEC_DATA_DIR"]).parent / "copilot.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = invoke(["shadow", "import-m365", str(path)], cli_env)
    assert result.exit_code == 0, result.output
    assert "2 imported" in result.output and "8 skipped" in result.output
    assert "line 6: not JSON" in result.output and "line 7:" not in result.output
    assert "3 more skipped line(s) or record(s) not listed" in result.output
