"""The `--json` report against its JSON Schema: real scans validate, broken reports do not."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from threatvec.mcp.analysis import Baseline, analyze_scan
from threatvec.mcp.demo import (
    CHANGING_SPEC,
    CLEAN_SPEC,
    POISONED_SPEC,
    changing_snapshot,
    clean_snapshot,
    poisoned_snapshot,
)
from threatvec.mcp.identity import derive_identity
from threatvec.mcp.report import build_report
from threatvec.mcp.report_schema import REPORT_JSON_SCHEMA
from threatvec.mcp.scanner import ScanOutcome
from threatvec.mcp.spec import ServerSpec

from .conftest import SERVERS

PY = sys.executable
VALIDATOR = Draft202012Validator(REPORT_JSON_SCHEMA, format_checker=FormatChecker())


def _errors(report: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(report)
    ]


def test_the_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(REPORT_JSON_SCHEMA)


def test_the_cli_prints_the_schema() -> None:
    proc = subprocess.run(
        [PY, "-m", "threatvec.cli.mcp", "schema"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and json.loads(proc.stdout) == REPORT_JSON_SCHEMA


@pytest.fixture(scope="module")
def live_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real CLI run with every status: ok (clean and poisoned), error, skipped, static."""
    tmp = tmp_path_factory.mktemp("schema")
    cfg = tmp / ".mcp.json"
    cfg.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "calc": {"command": PY, "args": [str(SERVERS / "benign.py")]},
                    "evil": {"command": PY, "args": [str(SERVERS / "poisoned.py")]},
                    "broken": {"command": "/nonexistent/mcp-server"},
                    "off": {"command": PY, "disabled": True},
                    "typo": {"type": "carrier-pigeon"},
                }
            }
        ),
        encoding="utf-8",
    )
    saved = tmp / "saved.json"
    saved.write_text(json.dumps({"tools": [{"name": "add", "inputSchema": {"type": "object"}}]}))
    proc = subprocess.run(
        [
            PY,
            "-m",
            "threatvec.cli.mcp",
            "scan",
            str(cfg),
            "--static",
            str(saved),
            "--yes",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def test_a_real_scan_validates(live_report: dict[str, Any]) -> None:
    statuses = {s["name"]: s["status"] for s in live_report["servers"]}
    assert statuses == {
        "calc": "ok",
        "evil": "ok",
        "broken": "error",
        "off": "skipped",
        "saved.json": "ok",
    }
    assert live_report["configs"][0]["errors"]  # the carrier pigeon
    calc = next(s for s in live_report["servers"] if s["name"] == "calc")
    assert calc["snapshot"]["prompts"] and calc["snapshot"]["resource_templates"]
    assert _errors(live_report) == []


def test_pins_diffs_and_trifectas_validate() -> None:
    def outcome(spec: ServerSpec, snap: Any) -> ScanOutcome:
        return ScanOutcome(spec, derive_identity(spec), "ok", snapshot=snap)

    source = {"source": "/home/dev/.cursor/mcp.json"}
    specs = [
        ServerSpec(**{**CLEAN_SPEC.__dict__, **source}),
        ServerSpec(**{**POISONED_SPEC.__dict__, **source}),
        ServerSpec(**{**CHANGING_SPEC.__dict__, **source}),
    ]
    outcomes = [
        outcome(specs[0], clean_snapshot()),
        outcome(specs[1], poisoned_snapshot()),
        outcome(specs[2], changing_snapshot(2)),
    ]
    baselines = {
        outcomes[2].identity.key: Baseline(changing_snapshot(1).to_dict(), approved=True),
        outcomes[0].identity.key: Baseline({"tools": "tampered"}, approved=True),
    }
    report = build_report(analyze_scan(outcomes, baselines=baselines, include_default_labels=True))
    pins = {s["name"]: s["pin"] for s in report["servers"]}
    assert pins[CHANGING_SPEC.name]["rug_pull"] and pins[CHANGING_SPEC.name]["changes"]
    assert pins[CLEAN_SPEC.name]["pin_state"] == "corrupt"
    assert report["trifectas"] and report["trifectas"][0]["public_sink"]
    assert _errors(report) == []


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda r: r.update(schema="threatvec.mcp-scan/2"), "schema"),
        (lambda r: r["servers"][0].update(status="fine"), "servers/0/status"),
        (lambda r: r["servers"][0]["findings"][0].update(severity="severe"), "severity"),
        (lambda r: r["servers"][0]["spec"].update(env={"API_TOKEN": "x"}), "servers/0/spec"),
        (lambda r: r["servers"][0]["snapshot"]["pins"].update(server_hash="md5:1"), "server_hash"),
        (lambda r: r["summary"]["findings"].pop("critical"), "summary/findings"),
        (lambda r: r["servers"][0]["trust"].update(level="trusted-ish"), "trust/level"),
        (lambda r: r["servers"][0]["labels"][0]["labels"].update(spicy=["x"]), "labels"),
    ],
)
def test_a_broken_report_does_not_validate(
    live_report: dict[str, Any], mutate: Any, where: str
) -> None:
    report = copy.deepcopy(live_report)
    evil = next(s for s in report["servers"] if s["name"] == "evil")
    report["servers"].remove(evil)
    report["servers"].insert(0, evil)  # the poisoned one has findings and labels
    mutate(report)
    errors = _errors(report)
    assert errors and any(where.split("/")[-1] in e for e in errors), errors
