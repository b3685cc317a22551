"""Response shapes of the compliance API: the summary pills and the evidence package.

Framework and control identifiers are shared reference ids (the same for every
org), so they are named ``framework`` / ``control``, not ``*_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from threatvec.compliance.results import FrameworkResult
from threatvec.compliance.statuses import Status

__all__ = [
    "ComplianceSummaryRead",
    "EvidencePackageRead",
    "FrameworkSummaryRead",
    "StatusCounts",
]

_COUNTS_EXAMPLE: dict[str, Any] = {"met": 3, "partial": 4, "gap": 2, "not_assessed": 1}
_SUMMARY_ITEM: dict[str, Any] = {
    "framework": "owasp-llm",
    "name": "OWASP LLM Top 10",
    "edition": "2025 (v2.0)",
    "controls": 10,
    "counts": _COUNTS_EXAMPLE,
    "coverage_percent": 55.6,
    "export_href": "/api/v1/compliance/owasp-llm/evidence-export",
}
_EVIDENCE_EXAMPLE: dict[str, Any] = {
    "check": "mcp_integrity",
    "label": "changed since approval",
    "value": 1,
    "href": "/api/v1/mcp/servers",
    "objects": ["3f2a9c0d8e7b4a61b2c3d4e5f6a7b8c9"],
    "observed_at": None,
}
_CONTROL_EXAMPLE: dict[str, Any] = {
    "control": "LLM03",
    "title": "Supply Chain",
    "description": "Models, libraries and MCP servers the agents depend on are vetted, "
    "pinned and patched.",
    "group": "",
    "status": "gap",
    "state": None,
    "reason": "MCP server approval and pinning: 1 approved MCP server(s) changed their tool "
    "definitions since approval.",
    "references": ["AML.T0010"],
    "checks": [
        {"check": "mcp_integrity", "title": "MCP server approval and pinning", "status": "gap"}
    ],
    "evidence": [_EVIDENCE_EXAMPLE],
}


class StatusCounts(BaseModel):
    met: int = Field(ge=0)
    partial: int = Field(ge=0)
    gap: int = Field(ge=0)
    not_assessed: int = Field(ge=0)


class FrameworkSummaryRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_SUMMARY_ITEM]})

    framework: str = Field(description="Framework slug, as used in the export URL")
    name: str
    edition: str
    controls: int
    counts: StatusCounts
    coverage_percent: float | None = Field(
        description="100·(met + 0.5·partial)/(met + partial + gap); null if nothing is assessed"
    )
    export_href: str

    @classmethod
    def of(cls, r: FrameworkResult) -> FrameworkSummaryRead:
        return cls(
            framework=r.framework,
            name=r.name,
            edition=r.edition,
            controls=len(r.controls),
            counts=StatusCounts(**r.counts),
            coverage_percent=r.coverage,
            export_href=f"/api/v1/compliance/{r.framework}/evidence-export",
        )


class ComplianceSummaryRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"generated_at": "2026-03-02T12:00:00Z", "frameworks": [_SUMMARY_ITEM]}]
        }
    )

    generated_at: datetime
    frameworks: list[FrameworkSummaryRead]


class CheckStatusRead(BaseModel):
    check: str
    title: str
    status: Status


class EvidenceItemRead(BaseModel):
    check: str = Field(description="The check that produced this evidence")
    label: str
    value: str | int | float | bool | None = None
    href: str | None = Field(default=None, description="API resource listing the objects")
    objects: list[str] = Field(default_factory=list, description="Ids of the objects counted")
    observed_at: datetime | None = None


class ControlRead(BaseModel):
    control: str
    title: str
    description: str
    group: str
    status: Status
    state: str | None = Field(
        default=None, description="ATLAS only: holding, bypassed, tested, untested, not_testable"
    )
    reason: str
    references: list[str]
    checks: list[CheckStatusRead]
    evidence: list[EvidenceItemRead]


class SectionRead(BaseModel):
    section: str
    title: str
    state: str
    reason: str
    controls: list[str]


class OrgRef(BaseModel):
    org_id: str
    name: str


class GeneratorRef(BaseModel):
    """What produced a document: an auditor needs the version to reproduce it."""

    name: str
    version: str


class PackageSummary(BaseModel):
    controls: int
    counts: StatusCounts
    coverage_percent: float | None


class Definitions(BaseModel):
    statuses: dict[str, str]
    coverage: str


class EvidencePackageRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "format": "threatvec.compliance.evidence",
                    "format_version": "1.0",
                    "framework": "owasp-llm",
                    "framework_name": "OWASP LLM Top 10",
                    "edition": "2025 (v2.0)",
                    "description": "The ten most critical risks of applications built on large "
                    "language models.",
                    "notes": [],
                    "org": {"org_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "name": "Acme"},
                    "generated_at": "2026-03-02T12:00:00Z",
                    "generator": {"name": "ThreatVec", "version": "1.4.0"},
                    "summary": {
                        "controls": 10,
                        "counts": _COUNTS_EXAMPLE,
                        "coverage_percent": 55.6,
                    },
                    "definitions": {
                        "statuses": {"met": "the evidence shows the control working"},
                        "coverage": "100 * (met + 0.5 * partial) / (met + partial + gap)",
                    },
                    "controls": [_CONTROL_EXAMPLE],
                    "sections": [],
                }
            ]
        }
    )

    format: str
    format_version: str
    framework: str
    framework_name: str
    edition: str
    description: str
    notes: list[str]
    org: OrgRef
    generated_at: datetime
    generator: GeneratorRef
    summary: PackageSummary
    definitions: Definitions
    controls: list[ControlRead]
    sections: list[SectionRead]

    @classmethod
    def of(cls, package: dict[str, Any]) -> EvidencePackageRead:
        return cls.model_validate(package)
