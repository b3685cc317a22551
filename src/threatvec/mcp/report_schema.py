"""JSON Schema (draft 2020-12) of the scan report `threatvec.mcp-scan/1`.

The contract for anyone who reads `threatvec mcp scan --json` (CI scripts, the
server's `POST /api/v1/mcp/scans`). It pins what a consumer may rely on:
required fields, their types and closed vocabularies (statuses, severities,
transports, trust levels, labels); objects stay open (new fields may appear
within version 1, see docs/mcp.md). `threatvec mcp schema` prints it.
"""

from __future__ import annotations

from typing import Any

from threatvec.mcp.findings import SEVERITIES
from threatvec.mcp.labels import LABELS
from threatvec.mcp.trust import TRUST_POINTS

__all__ = ["REPORT_JSON_SCHEMA", "REPORT_SCHEMA_ID"]

REPORT_SCHEMA_ID = "https://threatvec.dev/schemas/mcp-scan-1.schema.json"

_STR_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_HASH: dict[str, Any] = {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}
_SEVERITY: dict[str, Any] = {"enum": list(SEVERITIES)}
_TRANSPORT: dict[str, Any] = {"enum": ["stdio", "http", "sse", "static"]}
_LABEL_NAMES = list(LABELS)
_TRUST_LEVELS = list(TRUST_POINTS)


def _obj(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


_FINDING = _obj(
    ["rule_id", "severity", "message", "pointer", "snippet", "atlas", "owasp"],
    {
        "rule_id": {"type": "string", "pattern": "^TV-[A-Z0-9-]+$"},
        "severity": _SEVERITY,
        "message": {"type": "string"},
        "pointer": {"type": "string"},
        "snippet": {"type": "string"},
        "atlas": _STRINGS,
        "owasp": _STRINGS,
        "tool": _STR_OR_NULL,
        "server": {"type": "string"},
        "server_key": {"type": "string"},
        "source": _STR_OR_NULL,
        "config_pointer": {"type": "string"},
        "suppressed": {"type": "boolean"},
    },
)

_SNAPSHOT = _obj(
    ["schema", "tools", "prompts", "resources", "resource_templates", "pins"],
    {
        "schema": {"const": "threatvec.mcp-snapshot/1"},
        "server_info": {"type": ["object", "null"]},
        "protocol_version": _STR_OR_NULL,
        "capabilities": {"type": "object"},
        "instructions": _STR_OR_NULL,
        "tools": {
            "type": "array",
            "items": _obj(["name"], {"name": {"type": "string"}}),
        },
        "prompts": {"type": "array", "items": {"type": "object"}},
        "resources": {"type": "array", "items": {"type": "object"}},
        "resource_templates": {"type": "array", "items": {"type": "object"}},
        # Read contents (issue #4), optional within version 1: older reports lack them.
        "prompt_bodies": {
            "type": "object",
            "additionalProperties": _obj(
                ["messages"],
                {
                    "description": {"type": "string"},
                    "messages": {"type": "array", "items": {"type": "object"}},
                },
            ),
        },
        "resource_contents": {
            "type": "object",
            "additionalProperties": _obj(
                ["contents", "truncated"],
                {
                    "contents": {
                        "type": "array",
                        "items": _obj(
                            ["uri", "text"],
                            {
                                "uri": {"type": "string"},
                                "mimeType": {"type": "string"},
                                "text": {"type": "string"},
                            },
                        ),
                    },
                    "truncated": {"type": "boolean"},
                },
            ),
        },
        "content_notes": {
            "type": "array",
            "items": _obj(
                ["kind", "id", "reason"],
                {
                    "kind": {"enum": ["prompt", "resource"]},
                    "id": {"type": "string"},
                    "reason": {"type": "string"},
                },
            ),
        },
        "warnings": _STRINGS,
        "captured_at": _STR_OR_NULL,
        "pins": _obj(
            ["server_hash", "tools"],
            {
                "server_hash": _HASH,
                "tools": {
                    "type": "object",
                    "additionalProperties": _obj(
                        ["hash", "body_hash", "fields"],
                        {
                            "hash": _HASH,
                            "body_hash": _HASH,
                            "fields": {"type": "object", "additionalProperties": _HASH},
                        },
                    ),
                },
            },
        ),
    },
)

_CHANGE = _obj(
    ["kind", "severity", "pointer", "message", "directive"],
    {
        "kind": {"type": "string"},
        "severity": _SEVERITY,
        "pointer": {"type": "string"},
        "message": {"type": "string"},
        "tool": _STR_OR_NULL,
        "directive": {"type": "boolean"},
        "covert": {"type": "array", "items": {"type": "object"}},
    },
)

_PIN = _obj(
    ["status", "pin_state", "approved", "new_hash", "rug_pull", "changes", "findings"],
    {
        "status": {"enum": ["new", "unchanged", "changed", "untrusted"]},
        "pin_state": {"enum": ["ok", "none", "missing", "corrupt"]},
        "pin_error": _STR_OR_NULL,
        "approved": {"type": "boolean"},
        "old_hash": {"anyOf": [_HASH, {"type": "null"}]},
        "new_hash": _HASH,
        "severity": {"anyOf": [_SEVERITY, {"type": "null"}]},
        "rug_pull": {"type": "boolean"},
        "changes": {"type": "array", "items": _CHANGE},
        "findings": {"type": "array", "items": _FINDING},
    },
)

_SCORE_PART = _obj(
    ["points", "max", "evidence"],
    {"points": {"type": "number"}, "max": {"type": "number"}, "evidence": _STRINGS},
)

_SERVER = _obj(
    [
        "name",
        "group",
        "spec",
        "target",
        "identity",
        "status",
        "error",
        "duration_ms",
        "tool_count",
        "snapshot",
        "labels",
        "trust",
        "covert_checked",
        "pin",
        "score",
        "findings",
    ],
    {
        "name": {"type": "string"},
        "group": {"type": "string"},
        "spec": {
            # names only: an `env` or `headers` object here would hold secrets
            "not": {"anyOf": [{"required": ["env"]}, {"required": ["headers"]}]},
            **_obj(
                ["name", "transport", "args", "env_names", "header_names"],
                {
                    "name": {"type": "string"},
                    "transport": _TRANSPORT,
                    "command": _STR_OR_NULL,
                    "args": _STRINGS,
                    "env_names": _STRINGS,
                    "header_names": _STRINGS,
                    "url": _STR_OR_NULL,
                    "source": _STR_OR_NULL,
                    "pointer": {"type": "string"},
                    "client": _STR_OR_NULL,
                    "scope": _STR_OR_NULL,
                    "disabled": {"type": "boolean"},
                },
            ),
        },
        "target": {"type": "string"},
        "identity": _obj(
            ["key", "transport"],
            {
                "key": {"type": "string", "pattern": "^mcp:[0-9a-f]{32}$"},
                "transport": _TRANSPORT,
                "package": {
                    "anyOf": [
                        {"type": "null"},
                        _obj(
                            ["ecosystem", "name"],
                            {"ecosystem": {"type": "string"}, "name": {"type": "string"}},
                        ),
                    ]
                },
            },
        ),
        "status": {"enum": ["ok", "error", "timeout", "skipped"]},
        "error": _STR_OR_NULL,
        "duration_ms": {"type": "integer", "minimum": 0},
        "server_info": {"type": ["object", "null"]},
        "protocol_version": _STR_OR_NULL,
        "tool_count": {"type": "integer", "minimum": 0},
        "snapshot": {"anyOf": [{"type": "null"}, _SNAPSHOT]},
        "labels": {
            "type": "array",
            "items": _obj(
                ["tool", "labels"],
                {
                    "tool": {"type": "string"},
                    "labels": {
                        "type": "object",
                        "propertyNames": {"enum": _LABEL_NAMES},
                        "additionalProperties": _STRINGS,
                    },
                },
            ),
        },
        "trust": _obj(
            ["level", "points", "reason"],
            {
                "level": {"enum": _TRUST_LEVELS},
                "points": {"type": "number"},
                "reason": {"type": "string"},
            },
        ),
        "covert_checked": {"type": "boolean"},
        "pin": {"anyOf": [{"type": "null"}, _PIN]},
        "score": {
            "anyOf": [
                {"type": "null"},
                _obj(
                    ["value", "parts"],
                    {
                        "value": {"type": "number", "minimum": 0, "maximum": 100},
                        "parts": _obj(
                            ["integrity", "covert", "catalog_trust", "schema_stability"],
                            {
                                "integrity": _SCORE_PART,
                                "covert": _SCORE_PART,
                                "catalog_trust": _SCORE_PART,
                                "schema_stability": _SCORE_PART,
                            },
                        ),
                    },
                ),
            ]
        },
        "findings": {"type": "array", "items": _FINDING},
    },
)

REPORT_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": REPORT_SCHEMA_ID,
    "title": "ThreatVec MCP scan report, version 1",
    **_obj(
        [
            "schema",
            "generator",
            "generated_at",
            "covert_detector",
            "configs",
            "servers",
            "trifectas",
            "findings",
            "summary",
        ],
        {
            "schema": {"const": "threatvec.mcp-scan/1"},
            "generator": _obj(
                ["name", "version"],
                {"name": {"const": "threatvec"}, "version": {"type": "string"}},
            ),
            "generated_at": {"type": "string", "format": "date-time"},
            "covert_detector": {"type": "boolean"},
            "configs": {
                "type": "array",
                "items": _obj(
                    ["path", "client", "scope", "servers", "errors"],
                    {
                        "path": {"type": "string"},
                        "client": {"type": "string"},
                        "scope": {"type": "string"},
                        "servers": _STRINGS,
                        "errors": _STRINGS,
                    },
                ),
            },
            "servers": {"type": "array", "items": _SERVER},
            "trifectas": {
                "type": "array",
                "items": _obj(
                    [
                        "scope",
                        "private_data",
                        "untrusted_content",
                        "public_sink",
                        "suppressed",
                        "suppressed_reason",
                    ],
                    {
                        "scope": {"type": "string"},
                        "private_data": {**_STRINGS, "minItems": 1},
                        "untrusted_content": {**_STRINGS, "minItems": 1},
                        "public_sink": {**_STRINGS, "minItems": 1},
                        "suppressed": {"type": "boolean"},
                        "suppressed_reason": _STR_OR_NULL,
                    },
                ),
            },
            "findings": {"type": "array", "items": _FINDING},
            "summary": _obj(
                ["servers", "ok", "errors", "skipped", "tools", "findings", "max_severity"],
                {
                    "servers": {"type": "integer", "minimum": 0},
                    "ok": {"type": "integer", "minimum": 0},
                    "errors": {"type": "integer", "minimum": 0},
                    "skipped": {"type": "integer", "minimum": 0},
                    "tools": {"type": "integer", "minimum": 0},
                    "prompt_bodies": {"type": "integer", "minimum": 0},
                    "resource_texts": {"type": "integer", "minimum": 0},
                    "findings": {
                        "type": "object",
                        "required": list(SEVERITIES),
                        "additionalProperties": {"type": "integer", "minimum": 0},
                    },
                    "max_severity": {"anyOf": [_SEVERITY, {"type": "null"}]},
                },
            ),
        },
    ),
}
