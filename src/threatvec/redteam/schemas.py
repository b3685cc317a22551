"""Pydantic shapes of the AgentBench and red-team API (Create / Read / Page)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from threatvec.core.pagination import Page

__all__ = [
    "AGENT_ID_PATTERN",
    "AtlasSummary",
    "AtlasTacticRead",
    "AtlasTechniqueRead",
    "CancelRequest",
    "CoverageRead",
    "CycleCreate",
    "CycleDetail",
    "CyclePage",
    "CycleRead",
    "NavigatorLayer",
    "OutcomeRead",
    "ProbeEnvelopeRead",
    "ProbeReplyAck",
    "ProbeReplyIn",
    "ResultPage",
    "ResultRead",
    "RunCreate",
    "RunPage",
    "RunRead",
    "TargetPage",
    "TargetRead",
    "TargetWrite",
]

AGENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SECRET_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,200}$")
MAX_CONFIG_BYTES = 32 * 1024
MAX_SECRET_CHARS = 8192
_TS = "2026-11-25T10:00:00Z"
_ID = "3f2b9c0d8e7a4b6c9d1e2f3a4b5c6d7e"

_TARGET_EXAMPLE: JsonDict = {
    "config": {
        "type": "openai_chat",
        "base_url": "https://agents.internal.example.com/v1",
        "model": "support-bot",
        "api_key_ref": "openai-key",
        "system_prompt": "You are Northwind's support agent.",
        "channels": ["direct", "tool_output", "document", "web_page", "system"],
        "components": ["langchain", "openai"],
    },
    "secrets": {"openai-key": "sk-example-not-a-real-key"},
}


class TargetWrite(BaseModel):
    """A target's configuration (secret values only by reference) and the secrets to store."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_TARGET_EXAMPLE]})

    config: dict[str, Any] = Field(
        description="Target config (type openai_chat | openai_responses | http | sdk); see "
        "docs/redteam.md. Credentials go in `secrets` and are referenced as `api_key_ref` "
        "or `{{secret:NAME}}`."
    )
    secrets: dict[str, str | None] = Field(
        default_factory=dict,
        max_length=20,
        description="Secret values by name, stored encrypted and never returned; "
        "null removes one. Names not given keep their stored value.",
    )

    @field_validator("config")
    @classmethod
    def _config_size(cls, v: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(v, default=str)) > MAX_CONFIG_BYTES:
            raise ValueError(f"config must serialise to at most {MAX_CONFIG_BYTES} bytes")
        return v

    @field_validator("secrets")
    @classmethod
    def _secret_names(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        for name, value in v.items():
            if not SECRET_NAME.match(name):
                raise ValueError("secret names are 1–200 of A-Z a-z 0-9 _ . : / -")
            if value is not None and not 0 < len(value) <= MAX_SECRET_CHARS:
                raise ValueError(f"secret values are 1–{MAX_SECRET_CHARS} characters")
        return v


class TargetRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "agent_id": _ID,
                    "agent_name": "support-bot",
                    "type": "openai_chat",
                    "config": _TARGET_EXAMPLE["config"],
                    "secret_names": ["openai-key"],
                    "channels": ["direct", "document", "system", "tool_output", "web_page"],
                    "created_at": _TS,
                    "updated_at": _TS,
                }
            ]
        }
    )

    agent_id: str
    agent_name: str
    type: str
    config: dict[str, Any]
    secret_names: list[str]
    channels: list[str]
    created_at: datetime
    updated_at: datetime


class TargetPage(Page[TargetRead]):
    pass


class RunCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"agent_id": _ID, "mode": "quick"}]},
    )

    agent_id: str = Field(pattern=AGENT_ID_PATTERN, description="An agent id or its asset id")
    mode: Literal["quick", "full"] = "quick"
    k: int = Field(default=3, ge=1, le=10, description="Attempts per probe (ASR@k)")


_RUN_EXAMPLE: JsonDict = {
    "id": "9a1c2b3d4e5f60718293a4b5c6d7e8f9",
    "agent_id": _ID,
    "agent_name": "support-bot",
    "kind": "agentbench",
    "mode": "quick",
    "status": "completed",
    "k": 3,
    "target_type": "openai_chat",
    "cycle_id": None,
    "progress_done": 22,
    "progress_total": 22,
    "cancel_requested": False,
    "cancelled_by": None,
    "cancel_reason": None,
    "error": None,
    "summary": {
        "pass_rate": 0.8,
        "passed": 16,
        "failed": 4,
        "asr_at_k": 0.2,
        "asr_per_attempt": 0.15,
        "utility_clean": 1.0,
        "utility_under_attack": 0.95,
        "counts": {"PASS": 16, "FAIL": 4, "NOT_APPLICABLE": 2},
    },
    "library_version": "2026.11",
    "atlas_version": "5.6.0",
    "judge_model": None,
    "judge_prompt_hash": None,
    "created_at": _TS,
    "started_at": _TS,
    "finished_at": _TS,
}


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_RUN_EXAMPLE]})

    id: str
    agent_id: str
    agent_name: str
    kind: str
    mode: str
    status: Literal["queued", "running", "completed", "cancelled", "failed"]
    k: int
    target_type: str | None
    cycle_id: str | None
    progress_done: int
    progress_total: int
    cancel_requested: bool
    cancelled_by: str | None = Field(description="Who cancelled it (key:ORG, dashboard:ORG, …)")
    cancel_reason: str | None = Field(description="The reason given with the cancel")
    error: str | None
    summary: dict[str, Any]
    library_version: str | None
    atlas_version: str | None
    judge_model: str | None
    judge_prompt_hash: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunPage(Page[RunRead]):
    pass


class ResultRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "run_id": _RUN_EXAMPLE["id"],
                    "probe_id": "pi-tool-output-lower",
                    "family": "indirect_injection_tool",
                    "category": "prompt_injection",
                    "title": "Instruction hidden in a tool result",
                    "channel": "tool_output",
                    "severity": "high",
                    "verdict": "FAIL",
                    "reason": "followed the injected instruction",
                    "atlas": ["AML.T0051.001"],
                    "owasp": ["LLM01"],
                    "atlas_version": "5.6.0",
                    "confirmed": True,
                    "critical_failure": False,
                    "attempts_failed": 3,
                    "attempts_decided": 3,
                    "attack_success_rate": 1.0,
                    "utility_clean": True,
                    "utility_under_attack": 1.0,
                    "evidence": [
                        {
                            "signal": "followed_marker",
                            "detail": "transformed marker in the output",
                            "where": "output",
                            "excerpt": "...qzxbkt7...",
                        }
                    ],
                    "attempts": [{"attempt": 1, "verdict": "FAIL"}],
                }
            ]
        },
    )

    run_id: str
    probe_id: str
    family: str
    category: str
    title: str
    channel: str
    severity: str
    verdict: Literal["PASS", "FAIL", "INCONCLUSIVE", "ERROR", "NOT_APPLICABLE"]
    reason: str
    atlas: list[str]
    owasp: list[str]
    atlas_version: str | None
    confirmed: bool
    critical_failure: bool
    attempts_failed: int
    attempts_decided: int
    attack_success_rate: float | None
    utility_clean: bool | None
    utility_under_attack: float | None
    evidence: list[dict[str, Any]]
    attempts: list[dict[str, Any]]


class ResultPage(Page[ResultRead]):
    pass


class ProbeEnvelopeRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "probe_id": "pr_0f3c9a8b7d6e5f4a3b2c1d0e9f8a7b6c",
                    "prompt": "Summarise the attached email.",
                    "context": {"channel": "document", "documents": [], "tool_outputs": []},
                }
            ]
        }
    )

    probe_id: str
    prompt: str
    context: dict[str, Any]


class ProbeReplyIn(BaseModel):
    """What ``tv.serve_probes`` posts back (docs/ingest-format.md, "Probes")."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {"output": "Your order number is 7KQ2MXB9.", "tool_calls": []},
                {"output": "", "tool_calls": [], "error": "ValueError: boom"},
            ]
        },
    )

    output: str = Field(default="", max_length=100_000)
    tool_calls: list[dict[str, Any]] = Field(default_factory=list, max_length=200)
    error: str | None = Field(default=None, max_length=2000)

    @field_validator("output", "tool_calls", "error", mode="before")
    @classmethod
    def _storable(cls, v: Any) -> Any:
        """NULs and lone surrogates become U+FFFD: the answer is evidence to judge.

        PostgreSQL stores neither, so the reply failed to save and the probe ended
        as "did not answer"; refusing it would do the same. The SDK cleans its own
        replies; a client of this API may not.
        """
        return _replace_unstorable(v)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _replace_unstorable(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_unstorable(v) for v in value]
    if isinstance(value, dict):
        return {_replace_unstorable(k): _replace_unstorable(v) for k, v in value.items()}
    return value


class ProbeReplyAck(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"accepted": True}]})

    accepted: bool


class CancelRequest(BaseModel):
    """The optional body of a run or cycle cancel."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "maintenance window: agent redeploying"}]},
    )

    reason: str | None = Field(
        default=None,
        max_length=500,
        description="Why (shown with who cancelled); no control or invisible characters",
    )


class CycleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"days": 30}, {"agent_ids": [_ID], "days": 90, "k": 1}]},
    )

    agent_ids: list[str] | None = Field(
        default=None, max_length=200, description="Only these agents (default: every agent)"
    )
    days: int = Field(default=30, ge=1, le=3650, description="CVEs published or changed within")
    k: int = Field(default=3, ge=1, le=10)
    cves: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=500,
        description="NVD API 2.0 `cve` objects to use instead of the vulnerability database "
        "(only the AI-relevant ones are kept)",
    )

    @field_validator("agent_ids")
    @classmethod
    def _ids(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and any(not re.match(AGENT_ID_PATTERN, i) for i in v):
            raise ValueError("agent ids are 1–64 of A-Z a-z 0-9 _ -")
        return v


_CYCLE_EXAMPLE: JsonDict = {
    "id": "c71d0a9e8b7f6e5d4c3b2a1908f7e6d5",
    "status": "completed",
    "trigger": "api",
    "cve_source": "vulns",
    "cve_count": 12,
    "agent_count": 3,
    "summary": {"planned": 4, "not_applicable": 30, "runs": 2, "FAIL": 3},
    "error": None,
    "cancelled_by": None,
    "cancel_reason": None,
    "created_at": _TS,
    "started_at": _TS,
    "finished_at": _TS,
}


class CycleRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [_CYCLE_EXAMPLE]}
    )

    id: str
    status: str
    trigger: str
    cve_source: str
    cve_count: int
    agent_count: int
    summary: dict[str, Any]
    error: str | None
    untested_reason: str | None = Field(
        default=None,
        description="Why a completed cycle sent no probe and what would change that "
        "(no CVE synced, no agents, none probeable, no declared component, …); null otherwise",
    )
    cancelled_by: str | None = Field(description="Who cancelled it (key:ORG, dashboard:ORG, …)")
    cancel_reason: str | None = Field(description="The reason given with the cancel")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class CyclePage(Page[CycleRead]):
    pass


class OutcomeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="Row id (also the id of a mapping suggestion it holds)")
    agent_id: str
    cve_id: str
    status: str
    reason: str
    component: str | None
    rule_id: str | None
    techniques: list[str]
    scenario_id: str | None
    probe_id: str | None
    run_id: str | None
    verdict: str | None
    evidence: list[dict[str, Any]]
    provenance: dict[str, Any]


_SUGGESTION_EXAMPLE: dict[str, Any] = {
    "id": _ID,
    "cycle_id": _ID,
    "agent_id": _ID,
    "cve_id": "CVE-2024-5184",
    "component": "langchain",
    "techniques": ["AML.T0051.001"],
    "families": ["indirect-injection"],
    "rationale": "Prompt injection through retrieved e-mail content.",
    "model": "gpt-4o-mini",
    "prompt_hash": "9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de",
    "state": "pending",
    "decided_by": None,
    "decided_at": None,
    "created_at": "2026-11-25T10:00:00Z",
}


class SuggestionRead(BaseModel):
    """An LLM-suggested CVE → ATLAS mapping; only an approved one is ever applied."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SUGGESTION_EXAMPLE]})

    id: str = Field(description="The CVE's unmapped cycle row that holds the suggestion")
    cycle_id: str
    agent_id: str
    cve_id: str
    component: str | None
    techniques: list[str] = Field(description="ATLAS technique ids (validated against probes)")
    families: list[str] = Field(description="Probe families that would test the CVE")
    rationale: str
    model: str
    prompt_hash: str = Field(description="SHA-256 of the suggestion prompt template")
    state: Literal["pending", "approved", "rejected"]
    decided_by: str | None
    decided_at: str | None
    created_at: datetime


class SuggestionList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_SUGGESTION_EXAMPLE]}]})

    items: list[SuggestionRead]


class CycleDetail(CycleRead):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **_CYCLE_EXAMPLE,
                    "outcomes": [
                        {
                            "agent_id": _ID,
                            "cve_id": "CVE-2023-29374",
                            "status": "planned",
                            "reason": "2 scenario(s) from 1 rule(s)",
                            "component": "langchain",
                            "rule_id": "R-CODE-02",
                            "techniques": ["AML.T0050", "AML.T0053"],
                            "scenario_id": "CVE-2023-29374/R-CODE-02/exec-run-command",
                            "probe_id": "cve-2023-29374-exec-run-command",
                            "run_id": _RUN_EXAMPLE["id"],
                            "verdict": "PASS",
                            "evidence": [],
                            "provenance": {"cve": "CVE-2023-29374", "rule": "R-CODE-02"},
                        }
                    ],
                }
            ]
        },
    )

    outcomes: list[OutcomeRead]


class AtlasTacticRead(BaseModel):
    tactic: str = Field(description="ATLAS tactic id, e.g. AML.TA0005")
    name: str
    position: int
    technique_count: int


class AtlasSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "imported": True,
                    "version": "5.6.0",
                    "matrix_id": "ATLAS",
                    "source": "ATLAS.yaml",
                    "imported_at": _TS,
                    "tactic_count": 16,
                    "technique_count": 101,
                    "subtechnique_count": 69,
                    "tactics": [
                        {
                            "tactic": "AML.TA0002",
                            "name": "Reconnaissance",
                            "position": 0,
                            "technique_count": 6,
                        }
                    ],
                }
            ]
        }
    )

    imported: bool
    version: str | None
    matrix_id: str | None
    source: str | None
    imported_at: datetime | None
    tactic_count: int
    technique_count: int
    subtechnique_count: int
    tactics: list[AtlasTacticRead]


class AtlasTechniqueRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "AML.T0051.001",
                    "name": "Indirect",
                    "description": "An adversary may inject prompts indirectly...",
                    "tactic_ids": ["AML.TA0005"],
                    "parent_id": "AML.T0051",
                    "maturity": "demonstrated",
                    "version": "5.6.0",
                }
            ]
        },
    )

    id: str
    name: str
    description: str
    tactic_ids: list[str]
    parent_id: str | None
    maturity: str | None
    version: str


class CoverageRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "atlas_version": "5.6.0",
                    "catalog_imported": True,
                    "window_days": 30,
                    "agent_id": None,
                    "results_counted": 44,
                    "techniques": [
                        {
                            "technique": "AML.T0051",
                            "name": "LLM Prompt Injection",
                            "tactic_ids": ["AML.TA0005"],
                            "tested": 12,
                            "passed": 9,
                            "failed": 3,
                            "decided": 12,
                            "pass_rate": 0.75,
                            "wilson_low": 0.47,
                            "wilson_high": 0.91,
                            "band": "amber",
                            "insufficient_data": False,
                            "critical_failure": False,
                            "testable": True,
                        }
                    ],
                    "tactics": [
                        {
                            "tactic": "AML.TA0005",
                            "name": "Execution",
                            "order": 5,
                            "score": 0.75,
                            "band": "amber",
                            "tested_techniques": ["AML.T0051"],
                            "testable_techniques": ["AML.T0051", "AML.T0051.001"],
                            "decided": 12,
                            "insufficient_data": False,
                            "critical_failure": False,
                            "parts": {"AML.T0051": 0.75},
                        }
                    ],
                    "unknown_ids": [],
                }
            ]
        }
    )

    atlas_version: str
    catalog_imported: bool
    window_days: int
    agent_id: str | None
    results_counted: int
    techniques: list[dict[str, Any]]
    tactics: list[dict[str, Any]]
    unknown_ids: list[str]


class NavigatorLayer(BaseModel):
    """An ATLAS Navigator layer (format 4.5); kept open: the Navigator defines the shape."""

    model_config = ConfigDict(extra="allow")

    name: str
    versions: dict[str, Any]
    domain: str
    techniques: list[dict[str, Any]]
