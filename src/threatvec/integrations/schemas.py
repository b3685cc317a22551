"""Request and response shapes for integrations.

An integration's ``settings`` is a discriminated union on ``kind``: each vendor
has its own model, so a bad value is a 422 naming the kind and the field
(``body.settings.okta.base_url``). Fields typed ``SecretStr`` are write-only:
they are encrypted at rest and the API only ever shows a masked hint.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from threatvec.core.outbound import url_problem
from threatvec.core.pagination import Page

__all__ = [
    "KIND_MODELS",
    "CrowdStrikeSettings",
    "DeliveryResult",
    "IntegrationCreate",
    "IntegrationCreated",
    "IntegrationKind",
    "IntegrationPage",
    "IntegrationRead",
    "IntegrationSettings",
    "IntegrationUpdate",
    "KindField",
    "KindRead",
    "M365Settings",
    "NetskopeSettings",
    "OktaSettings",
    "ProofpointSettings",
    "ReceiverRead",
    "RejectedRecord",
    "RunPage",
    "RunRead",
    "SentinelSettings",
    "SplunkSettings",
    "TestResult",
    "TokenRotate",
    "ZscalerSettings",
]

IntegrationKind = Literal[
    "okta", "crowdstrike", "splunk", "sentinel", "m365", "netskope", "zscaler", "proofpoint"
]
RunStatus = Literal["running", "ok", "partial", "error", "busy"]
LastStatus = Literal["never", "running", "ok", "partial", "error"]

_URL_RE = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+(?::[0-9]{1,5})?(?:/[^\s?#]*)?$")
_TENANT_RE = re.compile(r"^[A-Za-z0-9.-]{1,100}$")
_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_KIND_PREFIX_RE = re.compile(r"^[a-z][a-z0-9_.]{0,59}$")
_NON_WORD_RE = re.compile(r"[^a-z0-9]+")


def _base_url(v: str) -> str:
    v = v.strip().rstrip("/")
    try:
        parts = urlsplit(v)
        host, _port = parts.hostname, parts.port  # both raise on a malformed authority
    except ValueError:
        host = None
    if not host:
        raise ValueError("must be an http(s) URL with a valid host (e.g. https://acme.okta.com)")
    if not _URL_RE.match(v):
        raise ValueError(
            "must be an http(s) URL with a host and no query (e.g. https://acme.okta.com)"
        )
    problem = url_problem(v)
    if problem is not None:
        raise ValueError(f"not a usable URL: {problem}")
    return v


def _optional_base_url(v: str | None) -> str | None:
    return None if v is None else _base_url(v)


def _secret(v: SecretStr) -> SecretStr:
    raw = v.get_secret_value().strip()
    if not 8 <= len(raw) <= 2048:
        raise ValueError("must be 8–2048 characters")
    if any(c.isspace() for c in raw):
        raise ValueError("must not contain whitespace")
    return SecretStr(raw)


def _tenant(v: str) -> str:
    v = v.strip()
    if not _TENANT_RE.match(v):
        raise ValueError("must be a tenant GUID or domain name")
    return v


def _client_id(v: str) -> str:
    v = v.strip()
    if not _CLIENT_ID_RE.match(v):
        raise ValueError("must be 1–100 letters, digits, '.', '_' or '-'")
    return v


def _kind_prefixes(v: list[str]) -> list[str]:
    out: list[str] = []
    for raw in v:
        p = raw.strip()
        if not _KIND_PREFIX_RE.match(p):
            raise ValueError(
                f"{p[:40]!r} is not a signal kind or prefix (e.g. shadow. or posture.updated)"
            )
        if p not in out:
            out.append(p)
    return out


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OktaSettings(_Settings):
    """Okta System Log API (pull): auth anomalies and sign-ins to AI apps."""

    kind: Literal["okta"]
    base_url: str = Field(
        max_length=300, description="Your Okta org URL, e.g. https://acme.okta.com"
    )
    api_token: SecretStr = Field(description="API token (SSWS), read-only admin; write-only")
    page_limit: int = Field(default=1000, ge=1, le=1000, description="Events per page (`limit`)")
    lookback_hours: int = Field(
        default=24, ge=1, le=2160, description="How far back the first sync reads"
    )
    failure_burst: int = Field(
        default=5, ge=2, le=1000, description="Failed sign-ins by one user that make a burst"
    )
    burst_window_minutes: int = Field(default=10, ge=1, le=1440)

    _b = field_validator("base_url")(_base_url)
    _t = field_validator("api_token")(_secret)


class CrowdStrikeSettings(_Settings):
    """CrowdStrike Falcon Discover (pull): AI runtimes and tools on endpoints."""

    kind: Literal["crowdstrike"]
    base_url: str = Field(
        default="https://api.crowdstrike.com",
        max_length=300,
        description="Falcon API base for your cloud (us-1, us-2, eu-1, …)",
    )
    client_id: str = Field(
        max_length=100, description="API client id (scope: Falcon Discover read)"
    )
    client_secret: SecretStr = Field(description="API client secret; write-only")
    page_limit: int = Field(default=100, ge=1, le=100, description="Ids per query page")

    _b = field_validator("base_url")(_base_url)
    _c = field_validator("client_id")(_client_id)
    _s = field_validator("client_secret")(_secret)


class SplunkSettings(_Settings):
    """Splunk HTTP Event Collector (push): ThreatVec signals for SIEM correlation."""

    kind: Literal["splunk"]
    hec_url: str = Field(
        max_length=300, description="HEC base URL, e.g. https://splunk.example.com:8088"
    )
    hec_token: SecretStr = Field(description="HEC token; write-only")
    index: str | None = Field(default=None, max_length=80, pattern=r"^[a-z0-9_][a-z0-9_-]{0,79}$")
    source: str = Field(default="threatvec", min_length=1, max_length=100, pattern=r"^[\w.:/-]+$")
    sourcetype: str = Field(
        default="threatvec:signal", min_length=1, max_length=100, pattern=r"^[\w.:/-]+$"
    )
    host: str = Field(default="threatvec", min_length=1, max_length=100, pattern=r"^[\w.:-]+$")
    kinds: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Signal kinds or prefixes to send; empty = all",
    )
    batch_size: int = Field(default=100, ge=1, le=1000, description="Events per HEC request")

    _b = field_validator("hec_url")(_base_url)
    _t = field_validator("hec_token")(_secret)
    _k = field_validator("kinds")(_kind_prefixes)


class SentinelSettings(_Settings):
    """Microsoft Sentinel: signals out through the Logs Ingestion API (push), DNS
    queries to AI services in through the Log Analytics Query API (pull); either or both."""

    kind: Literal["sentinel"]
    authority_url: str = Field(default="https://login.microsoftonline.com", max_length=300)
    tenant_id: str = Field(max_length=100, description="Entra ID tenant id")
    client_id: str = Field(max_length=100, description="App registration (client) id")
    client_secret: SecretStr = Field(description="Client secret; write-only")
    dce_url: str | None = Field(
        default=None,
        max_length=300,
        description="Data collection endpoint, e.g. https://my-dce-abcd.eastus-1.ingest.monitor.azure.com"
        " (with the DCR: send ThreatVec signals)",
    )
    dcr_immutable_id: str | None = Field(
        default=None, pattern=r"^dcr-[0-9a-f]{32}$", description="The DCR's immutableId"
    )
    stream_name: str = Field(
        default="Custom-ThreatVecSignals_CL",
        pattern=r"^Custom-[A-Za-z0-9_]{1,100}$",
        description="The DCR stream the records go to",
    )
    kinds: list[str] = Field(default_factory=list, max_length=50)
    batch_size: int = Field(default=200, ge=1, le=1000)
    dns_workspace_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="Log Analytics workspace id: read DNS queries to AI services into Shadow AI",
    )
    dns_source: Literal["asim", "dnsevents"] = Field(
        default="asim",
        description="asim: the _Im_Dns parser (every DNS source); dnsevents: the DnsEvents table",
    )
    query_url: str = Field(default="https://api.loganalytics.io", max_length=300)
    dns_lookback_hours: int = Field(
        default=24, ge=1, le=720, description="How far back the first DNS read goes"
    )
    dns_window_hours: int = Field(
        default=1, ge=1, le=24, description="Whole clock hours of DNS read per query"
    )
    dns_row_limit: int = Field(
        default=10000,
        ge=10,
        le=100000,
        description="Rows per query; a full reply is read again in parts",
    )
    dns_lag_seconds: int = Field(
        default=600, ge=0, le=3600, description="Skip the newest seconds (ingestion delay)"
    )

    _a = field_validator("authority_url", "query_url")(_base_url)
    _d = field_validator("dce_url")(_optional_base_url)
    _t = field_validator("tenant_id")(_tenant)
    _c = field_validator("client_id")(_client_id)
    _s = field_validator("client_secret")(_secret)
    _k = field_validator("kinds")(_kind_prefixes)

    @model_validator(mode="after")
    def _some_direction(self) -> SentinelSettings:
        if (self.dce_url is None) != (self.dcr_immutable_id is None):
            raise ValueError("dce_url and dcr_immutable_id go together (both send signals)")
        if self.dce_url is None and self.dns_workspace_id is None:
            raise ValueError(
                "set dce_url and dcr_immutable_id (send signals), dns_workspace_id "
                "(read DNS queries), or both"
            )
        return self

    @property
    def sends(self) -> bool:
        return self.dce_url is not None


class M365Settings(_Settings):
    """Microsoft 365 Copilot audit logs via the Management Activity API (pull)."""

    kind: Literal["m365"]
    tenant_id: str = Field(max_length=100, description="Entra ID tenant id")
    client_id: str = Field(max_length=100, description="App registration with ActivityFeed.Read")
    client_secret: SecretStr = Field(description="Client secret; write-only")
    authority_url: str = Field(default="https://login.microsoftonline.com", max_length=300)
    api_url: str = Field(default="https://manage.office.com", max_length=300)

    _a = field_validator("authority_url", "api_url")(_base_url)
    _t = field_validator("tenant_id")(_tenant)
    _c = field_validator("client_id")(_client_id)
    _s = field_validator("client_secret")(_secret)


class NetskopeSettings(_Settings):
    """Netskope REST API v2 DLP alerts (pull): PII categories sent to AI services."""

    kind: Literal["netskope"]
    base_url: str = Field(max_length=300, description="Tenant URL, e.g. https://acme.goskope.com")
    api_token: SecretStr = Field(description="REST API v2 token (alerts read); write-only")
    alert_type: str = Field(default="dlp", pattern=r"^[a-z_]{2,30}$")
    page_limit: int = Field(default=1000, ge=1, le=10000)
    lookback_hours: int = Field(default=24, ge=1, le=720)
    lag_seconds: int = Field(
        default=60, ge=0, le=3600, description="Stay this far behind now (late-indexed alerts)"
    )

    _b = field_validator("base_url")(_base_url)
    _t = field_validator("api_token")(_secret)


class ProofpointSettings(_Settings):
    """Proofpoint TAP SIEM API (pull): email threats, correlated to AI services and lures."""

    kind: Literal["proofpoint"]
    base_url: str = Field(default="https://tap-api-v2.proofpoint.com", max_length=300)
    service_principal: str = Field(max_length=200, pattern=r"^[A-Za-z0-9._-]{1,200}$")
    service_secret: SecretStr = Field(description="Service credential secret; write-only")
    lookback_hours: int = Field(
        default=1, ge=1, le=12, description="First sync reads back this far (the API allows 12 h)"
    )

    _b = field_validator("base_url")(_base_url)
    _s = field_validator("service_secret")(_secret)


def _category_phrases(v: list[str]) -> list[str]:
    out: list[str] = []
    for raw in v:
        # Compared word by word, so "AI & ML Applications" and "ai ml applications" agree.
        p = " ".join(_NON_WORD_RE.sub(" ", raw.lower()).split())
        if not 2 <= len(p) <= 80:
            raise ValueError("each category phrase must be 2–80 characters")
        if p not in out:
            out.append(p)
    return out


class ZscalerSettings(_Settings):
    """Zscaler ZIA web logs with DLP hits (receive): Cloud NSS posts them to ThreatVec.

    No vendor secret is entered here: creating the integration issues the ingest
    token Cloud NSS sends (shown once; rotate with POST …/token).
    """

    kind: Literal["zscaler"]
    ai_categories: list[str] = Field(
        default_factory=lambda: [
            "generative ai",
            "ai ml applications",
            "ai and ml applications",
            "artificial intelligence",
        ],
        max_length=50,
        description=(
            "URL category / app class phrases that mean generative AI (matched in "
            "urlcat, urlsupercat, urlclass, appclass), besides the AI service catalog"
        ),
    )

    _c = field_validator("ai_categories")(_category_phrases)


IntegrationSettings = Annotated[
    OktaSettings
    | CrowdStrikeSettings
    | SplunkSettings
    | SentinelSettings
    | M365Settings
    | NetskopeSettings
    | ZscalerSettings
    | ProofpointSettings,
    Field(discriminator="kind"),
]

KIND_MODELS: dict[str, type[_Settings]] = {
    "okta": OktaSettings,
    "crowdstrike": CrowdStrikeSettings,
    "splunk": SplunkSettings,
    "sentinel": SentinelSettings,
    "m365": M365Settings,
    "netskope": NetskopeSettings,
    "zscaler": ZscalerSettings,
    "proofpoint": ProofpointSettings,
}


def _name(v: str) -> str:
    v = v.strip()
    if not v:
        raise ValueError("must not be blank")
    return v


_CREATE_EXAMPLE: dict[str, Any] = {
    "name": "Okta production",
    "enabled": True,
    "schedule_minutes": 15,
    "settings": {
        "kind": "okta",
        "base_url": "https://acme.okta.com",
        "api_token": "00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789ab",
    },
}


class IntegrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CREATE_EXAMPLE]})

    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    schedule_minutes: int = Field(default=15, ge=5, le=1440, description="Sync every N minutes")
    settings: IntegrationSettings

    _n = field_validator("name")(_name)


class IntegrationUpdate(BaseModel):
    """Rename, toggle, reschedule, or change settings.

    ``settings`` holds only the fields to change (the kind stays); a secret left
    out keeps the stored one, so a form never has to show it.
    """

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"enabled": False, "schedule_minutes": 60}]}
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    enabled: bool | None = None
    schedule_minutes: int | None = Field(default=None, ge=5, le=1440)
    settings: dict[str, Any] | None = Field(
        default=None, description="Changed settings fields; omitted secrets are kept"
    )

    @field_validator("name")
    @classmethod
    def _n(cls, v: str | None) -> str | None:
        return None if v is None else _name(v)


_READ_EXAMPLE: dict[str, Any] = {
    "id": "5a6b7c8d9e0f11223344556677889900",
    "name": "Okta production",
    "kind": "okta",
    "enabled": True,
    "schedule_minutes": 15,
    "config": {"base_url": "https://acme.okta.com", "page_limit": 1000},
    "secret_hint": "api_token ••••89ab",
    "checkpoint": "events since 2026-11-25T10:00:00Z",
    "last_run_at": "2026-11-25T10:15:00Z",
    "last_status": "ok",
    "last_error": None,
    "last_counts": {"fetched": 120, "ingested": 4, "skipped": 0},
    "total_items": 4,
    "last_test_at": None,
    "last_test_ok": None,
    "created_at": "2026-11-25T10:00:00Z",
    "updated_at": "2026-11-25T10:00:00Z",
}


class ReceiverRead(BaseModel):
    """Where a receive integration's vendor posts; never the token itself."""

    path: str = Field(description="The receiver path on this server (POST)")
    url: str | None = Field(
        default=None,
        description="When THREATVEC_PUBLIC_URL is set: the full receiver URL (the public URL "
        "+ path) to give the vendor; null otherwise",
    )
    header: str = Field(description="The header name the vendor sends")
    header_value: str = Field(description="Its value, with the token shown as <token>")
    token_hint: str = Field(description="The first characters of the token, to tell them apart")
    token_rotated_at: datetime | None
    previous_token_valid_until: datetime | None


class IntegrationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_READ_EXAMPLE]})

    id: str
    name: str
    kind: IntegrationKind
    enabled: bool
    schedule_minutes: int
    config: dict[str, Any] = Field(description="The non-secret settings")
    secret_hint: str = Field(description="A masked hint of the stored secrets; never a secret")
    checkpoint: str | None = Field(description="Where the next sync resumes, in words")
    last_run_at: datetime | None
    last_status: LastStatus
    last_error: str | None
    last_counts: dict[str, Any]
    total_items: int = Field(description="Items ingested or forwarded over all runs")
    last_test_at: datetime | None
    last_test_ok: bool | None
    created_at: datetime
    updated_at: datetime
    receiver: ReceiverRead | None = Field(
        default=None,
        description="Receive kinds only: where the vendor posts and the header it sends",
    )


class IntegrationCreated(IntegrationRead):
    """The create (or token rotation) reply; ``token`` is set for receive kinds, shown once."""

    token: str | None = Field(
        default=None,
        description="Receive kinds: the ingest token; store it now, it is not shown again",
    )


class IntegrationPage(Page[IntegrationRead]):
    pass


class RunRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                    "integration_id": "5a6b7c8d9e0f11223344556677889900",
                    "kind": "okta",
                    "trigger": "schedule",
                    "status": "ok",
                    "started_at": "2026-11-25T10:15:00Z",
                    "finished_at": "2026-11-25T10:15:02Z",
                    "fetched": 120,
                    "ingested": 4,
                    "forwarded": 0,
                    "skipped": 1,
                    "duplicates": 0,
                    "pages": 1,
                    "retries": 0,
                    "error": None,
                    "detail": {"signals": {"integration.okta.mfa_failure": 3}},
                }
            ]
        },
    )

    id: str
    integration_id: str
    kind: IntegrationKind
    trigger: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    fetched: int = Field(description="Records read from the vendor (or signals read, for push)")
    ingested: int = Field(description="Facts that became ThreatVec signals or events")
    forwarded: int = Field(description="Signals sent to the SIEM (push integrations)")
    skipped: int = Field(description="Malformed records skipped")
    duplicates: int
    pages: int
    retries: int = Field(description="Requests retried after 429/5xx/network errors")
    error: str | None = Field(description="Why it failed; never contains a secret")
    detail: dict[str, Any]


class RunPage(Page[RunRead]):
    pass


class TestResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"ok": True, "status_code": 200, "message": "token accepted"}]
        }
    )

    ok: bool
    status_code: int | None = Field(description="The vendor's HTTP status, if a request was made")
    message: str = Field(description="What was checked, or why it failed; never a secret")


class KindField(BaseModel):
    name: str
    type: str
    required: bool
    secret: bool
    default: Any = None
    description: str | None = None


class KindRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "okta",
                    "title": "Okta",
                    "provides": "Auth anomaly signals",
                    "status": "available",
                    "direction": "pull",
                    "signal_kinds": ["integration.okta.mfa_failure"],
                    "fields": [
                        {
                            "name": "base_url",
                            "type": "string",
                            "required": True,
                            "secret": False,
                            "default": None,
                            "description": "Your Okta org URL",
                        }
                    ],
                }
            ]
        }
    )

    kind: str
    title: str
    provides: str
    status: Literal["available", "coming"]
    direction: Literal["pull", "push", "push_pull", "receive"]
    signal_kinds: list[str]
    fields: list[KindField]


class TokenRotate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"grace_minutes": 60}]}
    )

    grace_minutes: int = Field(
        default=0,
        ge=0,
        le=1440,
        description="How long the previous token stays valid (0: refused at once)",
    )


class RejectedRecord(BaseModel):
    index: int = Field(description="0-based position of the record in the delivery")
    reason: str


class DeliveryResult(BaseModel):
    """Every record of one delivery counted once: accepted, duplicate, ignored or rejected."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "received": 4,
                    "accepted": ["7353686396818817024"],
                    "duplicates": [],
                    "ignored": 2,
                    "rejected": [{"index": 2, "reason": "record has no recordid"}],
                }
            ]
        }
    )

    received: int = Field(description="Records in the delivery")
    accepted: list[str] = Field(description="Record ids stored as new Shadow AI events")
    duplicates: list[str] = Field(description="Record ids already stored (a re-sent batch)")
    ignored: int = Field(description="Valid records that are not DLP hits to an AI service")
    rejected: list[RejectedRecord] = Field(description="Malformed records, by index")
