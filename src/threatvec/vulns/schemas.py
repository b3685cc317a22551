"""API shapes for CVEs, patches (an org's exposure to a CVE), the tech stack and the patch query."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.config import JsonDict, JsonValue

from threatvec.core.pagination import Page

PatchStatus = Literal["open", "investigating", "fixed", "deployed", "wont_fix"]
Severity = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE"]
PatchSort = Literal["priority", "cvss", "epss", "published", "due"]

_COMPONENTS: list[JsonValue] = [
    {"name": "cvss", "points": 39.2, "max_points": 40.0, "reason": "CVSS base 9.8 / 10 x 40"},
    {
        "name": "stack",
        "points": 30.0,
        "max_points": 30.0,
        "reason": "version in range (1 x 30): torch 2.5.1 is in linuxfoundation:pytorch < 2.6.0",
    },
    {
        "name": "epss",
        "points": 17.0,
        "max_points": 20.0,
        "reason": "EPSS percentile 0.960 >= 0.95, probability 0.1130",
    },
    {
        "name": "age",
        "points": 5.0,
        "max_points": 10.0,
        "reason": "published 15 days ago, of a 30-day SLA window",
    },
]
_SLA: JsonDict = {
    "severity": "CRITICAL",
    "window_days": 7,
    "starts": "2026-11-20",
    "due": "2026-11-27",
    "basis": "severity",
    "overdue": False,
    "days_open": 5,
    "days_remaining": 2,
    "clock_stopped": False,
    "reason": "CRITICAL severity: 7 days from 2026-11-20",
}
_PATCH: JsonDict = {
    "id": "6c1f0b7e2d9a4c5b8e3f1a2b3c4d5e6f",
    "cve_id": "CVE-2025-32434",
    "summary": "PyTorch torch.load with weights_only=True can still execute code.",
    "status": "open",
    "severity": "CRITICAL",
    "cvss_score": 9.8,
    "cvss_version": "3.1",
    "epss": 0.113,
    "epss_percentile": 0.96,
    "kev": False,
    "kev_due": None,
    "ai_relevant": True,
    "ai_reason": "vulnerable CPE linuxfoundation:pytorch is PyTorch (ML framework)",
    "in_stack": True,
    "stack": {
        "level": "version_in_range",
        "reason": "torch 2.5.1 is in < 2.6.0",
        "entry_id": "0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a",
        "technology": "pytorch",
        "version": "2.5.1",
        "matched_on": "cpe:2.3:a:linuxfoundation:pytorch:*",
    },
    "published": "2025-04-18T16:15:23Z",
    "priority": 91.2,
    "components": _COMPONENTS,
    "sla": _SLA,
    "scored_on": "2026-11-25",
    "status_changed_at": None,
    "status_changed_by": None,
    "justification": None,
    "wont_fix_until": None,
}


class PriorityComponentRead(BaseModel):
    name: Literal["cvss", "stack", "epss", "age"]
    points: float
    max_points: float
    reason: str


class SlaRead(BaseModel):
    severity: str = Field(description="The severity the SLA window came from")
    window_days: int
    starts: date = Field(description="When the CVE first affected the organisation")
    due: date
    basis: Literal["severity", "kev"]
    overdue: bool
    days_open: int
    days_remaining: int = Field(description="Negative when overdue")
    clock_stopped: bool = Field(description="True for fixed, deployed and wont_fix")
    reason: str


class StackMatchRead(BaseModel):
    level: Literal[
        "version_in_range", "version_unknown", "name_only", "version_outside", "none", "no_stack"
    ]
    reason: str
    entry_id: str | None = None
    technology: str | None = None
    version: str | None = None
    matched_on: str | None = None


class PatchRead(BaseModel):
    """One CVE as it concerns this organisation: priority, SLA, status."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PATCH]})

    id: str = Field(description="This organisation's patch id")
    cve_id: str
    summary: str = Field(description="First sentence of the CVE description")
    status: PatchStatus
    severity: str | None
    cvss_score: float | None
    cvss_version: str | None
    epss: float | None
    epss_percentile: float | None
    kev: bool
    kev_due: date | None
    ai_relevant: bool
    ai_reason: str
    in_stack: bool
    stack: StackMatchRead
    published: datetime
    priority: float = Field(ge=0, le=100)
    components: list[PriorityComponentRead]
    sla: SlaRead
    scored_on: date
    status_changed_at: datetime | None
    status_changed_by: str | None
    justification: str | None
    wont_fix_until: date | None


class PatchPage(Page[PatchRead]):
    total: int | None = Field(default=None, description="Matching patches (first page only)")


class StatusChangeRead(BaseModel):
    from_status: PatchStatus
    to_status: PatchStatus
    justification: str | None
    expires_on: date | None
    changed_by: str
    changed_at: datetime


class CvssRead(BaseModel):
    score: float | None
    version: str | None
    vector: str | None
    source: str | None
    severity: str | None
    reason: str
    large_disagreement: bool


class KevRead(BaseModel):
    listed: bool
    due_date: date | None
    date_added: date | None
    required_action: str | None
    ransomware: str | None = Field(description="CISA's knownRansomwareCampaignUse")
    vulnerability_name: str | None


class EpssRead(BaseModel):
    epss: float
    percentile: float
    model_version: str | None
    score_date: date | None


class OsvRead(BaseModel):
    advisory: str
    packages: list[str]
    summary: str


_CVE: JsonDict = {
    "cve_id": "CVE-2025-32434",
    "published": "2025-04-18T16:15:23Z",
    "last_modified": "2025-08-01T10:00:00Z",
    "vuln_status": "Analyzed",
    "description": "PyTorch is a Python package ... torch.load with weights_only=True ...",
    "cvss": {
        "score": 9.8,
        "version": "3.1",
        "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "source": "nvd@nist.gov",
        "severity": "CRITICAL",
        "reason": "CVSS v3.1 9.8 (NVD Primary): newest version",
        "large_disagreement": False,
    },
    "metrics": [
        {
            "version": "3.1",
            "source": "nvd@nist.gov",
            "type": "Primary",
            "base_score": 9.8,
            "base_severity": "CRITICAL",
            "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        }
    ],
    "cwes": ["CWE-502"],
    "references": [
        {"url": "https://nvd.nist.gov/vuln/detail/CVE-2025-32434", "source": None, "tags": []}
    ],
    "products": ["torch"],
    "ai_relevant": True,
    "ai_reason": "vulnerable CPE linuxfoundation:pytorch is PyTorch (ML framework)",
    "ai_rule": "cpe",
    "kev": None,
    "epss": {
        "epss": 0.113,
        "percentile": 0.96,
        "model_version": "v2025.03.14",
        "score_date": "2026-11-24",
    },
    "osv": [],
}


class CveFactsRead(BaseModel):
    """What the sources say about a CVE (shared reference data, the same for every org)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CVE]})

    cve_id: str
    published: datetime
    last_modified: datetime
    vuln_status: str
    description: str
    cvss: CvssRead
    metrics: list[dict[str, object]]
    cwes: list[str]
    references: list[dict[str, object]]
    products: list[str]
    ai_relevant: bool
    ai_reason: str
    ai_rule: str
    kev: KevRead | None
    epss: EpssRead | None
    osv: list[OsvRead]


class PatchDetail(PatchRead):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_PATCH,
                    "cve": _CVE,
                    "history": [
                        {
                            "from_status": "open",
                            "to_status": "investigating",
                            "justification": None,
                            "expires_on": None,
                            "changed_by": "api",
                            "changed_at": "2026-11-25T10:00:00Z",
                        }
                    ],
                }
            ]
        }
    )

    cve: CveFactsRead
    history: list[StatusChangeRead]


class PatchStatusUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "investigating"},
                {
                    "status": "wont_fix",
                    "justification": "Not reachable: the model server is offline-only",
                    "expires_on": "2027-03-01",
                },
            ]
        },
    )

    status: PatchStatus
    # validate_default: a missing justification is checked too, and the error
    # names the field ("body.justification"), not the whole body.
    justification: str | None = Field(default=None, max_length=2000, validate_default=True)
    expires_on: date | None = Field(
        default=None, description="wont_fix only: the day it reopens by itself"
    )

    @field_validator("justification")
    @classmethod
    def _justified(cls, v: str | None, info: ValidationInfo) -> str | None:
        v = v.strip() or None if v is not None else None
        if info.data.get("status") == "wont_fix" and not v:
            raise ValueError("wont_fix needs a justification")
        return v

    @field_validator("expires_on")
    @classmethod
    def _only_wont_fix(cls, v: date | None, info: ValidationInfo) -> date | None:
        if v is not None and info.data.get("status") != "wont_fix":
            raise ValueError("expires_on is only for wont_fix")
        return v


class PatchStats(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "open_critical": 3,
                    "overdue": 2,
                    "in_stack": 7,
                    "kev": 1,
                    "relevant": 25,
                    "total": 250,
                    "by_severity": {"CRITICAL": 3, "HIGH": 9, "MEDIUM": 10, "LOW": 3},
                    "stack_entries": 12,
                }
            ]
        }
    )

    open_critical: int = Field(
        description="Open or investigating, CRITICAL, AI-relevant or in stack"
    )
    overdue: int = Field(description="Open or investigating, AI-relevant or in stack, past due")
    in_stack: int = Field(description="Open or investigating and matched to the tech stack")
    kev: int = Field(description="Open or investigating, AI-relevant or in stack, on CISA KEV")
    relevant: int = Field(description="AI-relevant or in-stack CVEs (any status)")
    total: int = Field(description="Every CVE scored for this organisation")
    by_severity: dict[str, int]
    stack_entries: int


# --------------------------------------------------------------------------- ask


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"question": "what linux patches matter most right now?"}]},
    )

    question: str = Field(min_length=1, max_length=500)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("question must not be blank")
        return v


class AskIntent(BaseModel):
    technology: str | None = None
    severity: list[Severity] = Field(default_factory=list)
    since_days: int | None = Field(default=None, ge=1, le=3650)
    status: list[PatchStatus] = Field(default_factory=list)
    overdue: bool | None = None
    kev: bool | None = None
    in_stack: bool | None = None
    ai_only: bool | None = None
    sort: PatchSort = "priority"
    # CVE ids named in the question: the answer is about exactly these.
    cve_ids: list[Annotated[str, Field(pattern=r"^CVE-\d{4}-\d{4,19}$")]] = Field(
        default_factory=list, max_length=20
    )
    source: Literal["rules", "llm"] = "rules"


class AskResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "question": "what linux patches matter most right now?",
                    "answer": (
                        "CVE-2024-1086 matters most: a HIGH Linux kernel flaw (CVSS 7.8) on "
                        "CISA's KEV list, priority 78.4, due 2026-11-30. 2 linux CVEs are open "
                        "in total."
                    ),
                    "cited": ["CVE-2024-1086"],
                    "intent": {
                        "technology": "linux",
                        "severity": [],
                        "since_days": None,
                        "status": ["open", "investigating"],
                        "overdue": None,
                        "kev": None,
                        "in_stack": None,
                        "ai_only": None,
                        "sort": "priority",
                        "source": "rules",
                    },
                    "engine": "rules",
                    "total": 2,
                    "results": [_PATCH],
                }
            ]
        }
    )

    question: str
    answer: str
    cited: list[str]
    intent: AskIntent
    engine: Literal["rules", "llm"]
    total: int
    results: list[PatchRead]


# --------------------------------------------------------------------------- tech stack


class TechStackEntryRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a",
                    "technology": "pytorch",
                    "name": "torch",
                    "version": "2.5.1",
                    "vendor": "Meta",
                    "asset_count": 12,
                    "source": "csv",
                    "purl": None,
                    "created_at": "2026-11-25T10:00:00Z",
                }
            ]
        },
    )

    id: str
    technology: str
    name: str = Field(description="Normalised name used for matching (aliases applied)")
    version: str | None
    vendor: str | None
    asset_count: int | None
    source: str
    purl: str | None
    created_at: datetime


class TechStackPage(Page[TechStackEntryRead]):
    pass


class RowErrorRead(BaseModel):
    line: int | None
    location: str | None
    reason: str


class TechStackImportResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "format": "csv",
                    "strict": False,
                    "applied": True,
                    "rows": 4,
                    "imported": 3,
                    "updated": 0,
                    "unchanged": 0,
                    "rejected": [
                        {
                            "line": 4,
                            "location": None,
                            "reason": "asset_count 'many' is not a whole number 0-10000000",
                        }
                    ],
                    "entries": 3,
                    "rescored": 250,
                }
            ]
        }
    )

    format: Literal["csv", "cyclonedx", "requirements"]
    strict: bool
    applied: bool = Field(description="False when strict and any row was bad: nothing imported")
    rows: int = Field(description="Good rows read")
    imported: int
    updated: int
    unchanged: int
    rejected: list[RowErrorRead]
    entries: int = Field(description="Stack entries after the import")
    rescored: int = Field(description="CVE exposures re-scored against the new stack")


class StackImportJobRead(BaseModel):
    """A background tech-stack import: poll it until ``status`` is completed or failed."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "8c1f0e2d4b6a49a7b3c5d7e9f1a3b5c7",
                    "status": "running",
                    "phase": "scoring CVEs",
                    "percent": 57.5,
                    "filename": "stack.csv",
                    "result": None,
                    "error": None,
                    "created_at": "2026-11-28T09:00:00Z",
                    "started_at": "2026-11-28T09:00:00Z",
                    "finished_at": None,
                }
            ]
        },
    )

    id: str
    status: Literal["queued", "running", "completed", "failed"]
    phase: str = Field(description="what it is doing: reading the file, storing entries, ...")
    percent: float = Field(ge=0, le=100, description="how far it is, 0-100")
    filename: str | None
    result: TechStackImportResult | None = Field(
        description="what the synchronous import would have answered; set once completed"
    )
    error: str | None = Field(description="why it failed (the file's problem, named)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
