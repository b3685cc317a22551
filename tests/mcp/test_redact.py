"""Config secrets never leave: not on stdout, not in JSON or SARIF, not in the server's database.

The end-to-end test plants distinct secrets in every place a config can hold
one (an env value, a command-line flag, a `${VAR}` bearer header, a URL query
value), scans real servers that need them (a bearer-guarded HTTP server) or
echo them (a careless server that puts its token in its description and on
stderr), sends the report to a live ThreatVec server, then greps everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import create_org
from threatvec.mcp.redact import REDACTED, redact_args, scrub_value, secrets_to_scrub
from threatvec.store.base import Base
from threatvec.store.engine import session_scope

from .conftest import SERVERS, http_server

PY = sys.executable


def test_which_configured_values_are_scrubbed() -> None:
    secrets = secrets_to_scrub(
        {
            "API_TOKEN": "short-but-named",
            "STAGE": "production",
            "PATH": "/usr/local/bin:/usr/bin",
            "OPAQUE": "a81f0c9e27d44b6b9f3e",  # unnamed, but shaped like a credential
            "PIN": "1234",  # too short to scrub without blotting out digits everywhere
        },
        {"Authorization": "Bearer tok-9f8e7d6c5b"},
    )
    assert set(secrets) == {
        "short-but-named",
        "a81f0c9e27d44b6b9f3e",
        "Bearer tok-9f8e7d6c5b",
        "tok-9f8e7d6c5b",
    }
    assert secrets[0] == "Bearer tok-9f8e7d6c5b"  # longest first: no half-redacted remains


def test_scrub_value_walks_every_string_and_counts() -> None:
    tool = {
        "name": "t",
        "description": "key s3cr3t-v4lue-x here; again s3cr3t-v4lue-x",
        "inputSchema": {"properties": {"s3cr3t-v4lue-x": {"default": ["s3cr3t-v4lue-x", 3]}}},
    }
    clean, hits = scrub_value(tool, ["s3cr3t-v4lue-x"])
    assert hits == 4 and "s3cr3t-v4lue-x" not in json.dumps(clean)
    assert clean["inputSchema"]["properties"][REDACTED]["default"] == [REDACTED, 3]
    assert scrub_value(tool, []) == (tool, 0)


def test_secret_arguments_are_redacted_for_display() -> None:
    args = ["--api-key", "k-1", "--token=k-2", "TOKEN=k-3", "ghp_" + "a" * 30, "--port", "80"]
    assert redact_args(args) == [
        "--api-key",
        REDACTED,
        f"--token={REDACTED}",
        f"TOKEN={REDACTED}",
        REDACTED,
        "--port",
        "80",
    ]


def _db_text(factory: sessionmaker[Session]) -> str:
    """Every row of every table, as text."""
    chunks: list[str] = []
    with session_scope(factory) as s:
        for table in Base.metadata.sorted_tables:
            chunks.extend(repr(tuple(row)) for row in s.execute(table.select()))
    return "\n".join(chunks)


def test_planted_secrets_never_reach_output_reports_or_the_database(
    live_server, session_factory, tmp_path: Path
) -> None:
    org = create_org(session_factory)
    env_secret = "tv-env-secret-0c1d2e3f4a5b"
    arg_secret = "tv-arg-secret-9a8b7c6d5e4f"
    bearer = "tv-bearer-secret-13579bdf2468"
    query_secret = "tv-query-secret-24680ace1357"
    planted = [env_secret, arg_secret, bearer, query_secret]

    with http_server(
        "benign", "http", env={"TV_TEST_BEARER": bearer}, bearer_env="TV_TEST_BEARER"
    ) as url:
        cfg = tmp_path / ".mcp.json"
        cfg.write_text(
            json.dumps(
                {
                    "mcpServers": {
                        "leaky": {
                            "command": PY,
                            "args": [str(SERVERS / "leaky.py")],
                            "env": {"API_TOKEN": env_secret},
                        },
                        "calc": {
                            "command": PY,
                            "args": [str(SERVERS / "benign.py"), f"--api-key={arg_secret}"],
                        },
                        "crash": {
                            "command": "sh",
                            "args": ["-c", 'echo "token is $API_TOKEN" >&2; exit 3'],
                            "env": {"API_TOKEN": env_secret},
                        },
                        "remote": {
                            "type": "http",
                            "url": f"{url}?api_key={query_secret}",
                            "headers": {"Authorization": "Bearer ${TV_E2E_BEARER}"},
                        },
                    }
                }
            ),
            encoding="utf-8",
        )
        sarif = tmp_path / "scan.sarif"
        env = {**os.environ, "TV_E2E_BEARER": bearer}
        base = [PY, "-m", "threatvec.cli.mcp", "scan", str(cfg), "--yes", "--timeout", "60"]
        as_json = subprocess.run(
            [
                *base,
                "--json",
                "--sarif",
                str(sarif),
                "--report",
                "--threatvec-url",
                live_server.url,
                "--org-key",
                org.key,
            ],
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        as_text = subprocess.run(
            base,
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    # The secrets were really used: the guarded server let the scan in, the
    # careless one echoed its token (redacted), the crash printed it (redacted).
    report = json.loads(as_json.stdout)
    servers = {s["name"]: s for s in report["servers"]}
    assert {n: s["status"] for n, s in servers.items()} == {
        "leaky": "ok",
        "calc": "ok",
        "crash": "error",
        "remote": "ok",
    }, as_json.stderr
    leaky = servers["leaky"]["snapshot"]
    assert REDACTED in leaky["tools"][0]["description"] and REDACTED in leaky["instructions"]
    assert any("echoed a configured secret" in w for w in leaky["warnings"])
    assert REDACTED in servers["crash"]["error"]
    assert f"--api-key={REDACTED}" in servers["calc"]["spec"]["args"]
    assert any(f["rule_id"] == "TV-MCP-SECRET-IN-ARGS" for f in servers["calc"]["findings"])
    assert servers["remote"]["spec"]["header_names"] == ["Authorization"]
    assert "Report sent." in as_json.stderr
    assert "leaky" in as_text.stdout and "remote" in as_text.stdout

    stored = _db_text(session_factory)
    assert "tv-leaky" in stored and "/mcpServers/crash" in stored  # the rows we mean are there
    places = {
        "json stdout": as_json.stdout,
        "json stderr": as_json.stderr,
        "text stdout": as_text.stdout,
        "text stderr": as_text.stderr,
        "sarif": sarif.read_text(encoding="utf-8"),
        "database": stored,
    }
    leaks = [(where, s) for where, text in places.items() for s in planted if s in text]
    assert leaks == []
