"""Shadow AI wire formats: the extension's event batch, services, catalog, actions.

The event contract is strict on purpose: every field is a fixed vocabulary, a
bare host name, a count, a time or a hash, so a PII value, page text, a URL
path or a file name has nowhere to go. An event whose fields look like they
carry one is rejected (with the field and reason, never the value).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from threatvec.core.clock import utcnow
from threatvec.core.pagination import Page
from threatvec.detect.pii import CATEGORIES, detect_pii
from threatvec.shadow.catalog import CATEGORY_RE, normalize_domain

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_EVENTS",
    "SIGNAL_SPEC",
    "CatalogEntryCreate",
    "CatalogEntryRead",
    "CatalogImport",
    "CatalogImportResult",
    "CatalogRead",
    "EventBatchDoc",
    "EventBatchResult",
    "PiiCategory",
    "RejectedEvent",
    "ShadowAlertCreate",
    "ShadowAlertRead",
    "ShadowEventIn",
    "ShadowRegister",
    "ShadowServiceDetail",
    "ShadowServicePage",
    "ShadowServiceRead",
    "TrendPoint",
    "clean_signals",
    "error_loc",
    "parse_event_id",
    "rule_error",
]

PiiCategory = Literal[
    "EMAIL",
    "PHONE",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN",
    "IP_ADDRESS",
    "AWS_ACCESS_KEY",
    "API_KEY",
    "PRIVATE_KEY",
    "JWT",
    "PASSPORT",
]
assert set(PiiCategory.__args__) == set(CATEGORIES)  # type: ignore[attr-defined]

MAX_BATCH_EVENTS = 500
MAX_BATCH_BYTES = 1024 * 1024
MAX_SIGNALS_BYTES = 2048
MAX_COUNT = 1_000_000
# The extension's queue may hold events for a while (backoff, browser closed).
MAX_EVENT_AGE = timedelta(days=30)
MAX_CLOCK_SKEW = timedelta(minutes=10)
# Imported history: no audit log source keeps more than 10 years (Microsoft Purview's
# longest retention); an older time is a corrupted or defaulted field (0001, 1970).
MAX_HISTORY_AGE = timedelta(days=3653)

_HEX64 = r"^[0-9a-f]{64}$"
_BROWSER = r"^[a-z]{2,16}/[0-9]{1,4}$"
_TERM = re.compile(r"^[a-z0-9]{2,16}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")

# Known signal keys and their types (the extension's events.js SIGNAL_SPEC, plus the
# Microsoft 365 Copilot fields m365.py writes and the DNS lookups a Sentinel window
# counted). Unknown keys are tolerated and dropped.
SIGNAL_SPEC: dict[str, Any] = {
    "files": "count",
    "skipped_files": "count",
    "via": ("drop", "input", "paste"),
    "large_input": "bool",
    "host_terms": "terms",
    "title_terms": "terms",
    "score": "count",
    "app_host": "token",
    "prompts": "count",
    "resources": "count",
    "resource_types": "tokens",
    "sensitivity_labels": "tokens",
    "dns_queries": "count",
}


def parse_event_id(value: object) -> str | None:
    """The canonical UUID text, or None when the value is not a UUID."""
    if not isinstance(value, str) or len(value) > 36:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _bad_string(value: str) -> bool:
    return bool(detect_pii(value)) or "/" in value or "@" in value


def rule_error(loc: tuple[str, ...], msg: str) -> PydanticCustomError:
    """A cross-field rule's error that still names its field (pydantic gives those no loc).

    The field travels in ``ctx["loc"]``; ``error_loc`` reads it back for the reply.
    """
    return PydanticCustomError("shadow_rule", msg.replace("{", "(").replace("}", ")"), {"loc": loc})


def error_loc(error: Any) -> tuple[str, ...]:
    """Where a pydantic error points: its own loc, or the field a ``rule_error`` named."""
    loc = tuple(str(p) for p in error.get("loc", ()))
    ctx = error.get("ctx") or {}
    named = ctx.get("loc") if isinstance(ctx, dict) else None
    return loc or (tuple(str(p) for p in named) if isinstance(named, tuple | list) else ())


def clean_signals(
    raw: dict[str, Any],
) -> tuple[dict[str, Any], list[tuple[tuple[str, ...], str]]]:
    """(kept signals, problems as (loc, message)). Known keys must have their type;
    unknown keys are dropped.

    A problem means the object looks like it carries a value that must never be
    stored (free text, a path, PII), and the event is rejected.
    """
    if len(json.dumps(raw, default=str)) > MAX_SIGNALS_BYTES:
        return {}, [(("signals",), f"signals must serialise to at most {MAX_SIGNALS_BYTES} bytes")]
    kept: dict[str, Any] = {}
    problems: list[tuple[tuple[str, ...], str]] = []
    for key, value in raw.items():
        spec = SIGNAL_SPEC.get(key)
        if spec is None:
            # Tolerated (a newer extension), never stored; but free text with PII in
            # it says the sender is leaking, so the event is refused.
            if isinstance(value, str) and detect_pii(value):
                name = key[:40]
                problems.append(
                    (("signals", name), f"signals.{name} looks like it carries personal data")
                )
            continue
        if spec in ("count",):
            ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT
        elif spec == "bool":
            ok = isinstance(value, bool)
        elif spec == "terms":
            ok = (
                isinstance(value, list)
                and len(value) <= 16
                and all(isinstance(t, str) and _TERM.fullmatch(t) for t in value)
            )
        elif spec in ("token", "tokens"):
            items = [value] if spec == "token" else value
            ok = (
                isinstance(items, list)
                and len(items) <= 32
                and all(
                    isinstance(t, str) and _TOKEN.fullmatch(t) and not _bad_string(t) for t in items
                )
            )
        else:
            ok = value in spec
        if ok:
            kept[key] = sorted(set(value)) if isinstance(value, list) else value
        else:
            problems.append(
                (
                    ("signals", key),
                    f"signals.{key} has the wrong type or a value outside its vocabulary",
                )
            )
    return kept, problems


class ShadowEventIn(BaseModel):
    """One event of the extension's wire contract (docs/shadow.md)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    event_id: str = Field(min_length=32, max_length=36)
    domain: str = Field(min_length=1, max_length=253)
    event_type: Literal["visit", "paste", "upload", "submit"]
    pii_categories: list[PiiCategory] = Field(default_factory=list, max_length=len(CATEGORIES))
    pii_counts: dict[PiiCategory, int] = Field(default_factory=dict)
    occurred_at: datetime
    browser: str | None = Field(default=None, max_length=24, pattern=_BROWSER)
    user_hash: str | None = Field(default=None, pattern=_HEX64)
    unknown_service: bool = False
    signals: dict[str, Any] = Field(default_factory=dict)

    @field_validator("event_id")
    @classmethod
    def _uuid(cls, v: str) -> str:
        event_id = parse_event_id(v)
        if event_id is None:
            raise ValueError("event_id must be a UUID")
        return event_id

    @field_validator("domain")
    @classmethod
    def _host(cls, v: str) -> str:
        host = normalize_domain(v)
        if host is None:
            raise ValueError("domain must be a bare host name (no scheme, path, port or user)")
        return host

    @field_validator("pii_counts")
    @classmethod
    def _counts(cls, v: dict[str, int]) -> dict[str, int]:
        for n in v.values():
            if not 1 <= n <= MAX_COUNT:
                raise ValueError(f"each count must be between 1 and {MAX_COUNT}")
        return v

    @field_validator("occurred_at")
    @classmethod
    def _recent(cls, v: datetime, info: ValidationInfo) -> datetime:
        if v.tzinfo is None:
            raise ValueError("occurred_at needs a time zone (ISO 8601 with Z or an offset)")
        now = utcnow()
        if v > now + MAX_CLOCK_SKEW:
            raise ValueError("occurred_at is in the future")
        # Imported audit logs are history by nature; live extension events are not.
        historical = bool(info.context and info.context.get("historical"))
        if not historical and v < now - MAX_EVENT_AGE:
            raise ValueError(f"occurred_at is older than {MAX_EVENT_AGE.days} days")
        if v < now - MAX_HISTORY_AGE:
            raise ValueError("occurred_at is older than 10 years (no audit log keeps that long)")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ShadowEventIn:
        cats = list(dict.fromkeys(self.pii_categories))
        if len(cats) != len(self.pii_categories):
            raise rule_error(("pii_categories",), "pii_categories lists a category twice")
        if self.pii_counts and set(self.pii_counts) != set(cats):
            raise rule_error(
                ("pii_counts",), "pii_counts must have exactly the categories in pii_categories"
            )
        if self.event_type == "visit" and cats:
            raise rule_error(("pii_categories",), "a visit carries no PII categories")
        kept, problems = clean_signals(self.signals)
        if problems:
            raise rule_error(problems[0][0], "; ".join(msg for _, msg in problems))
        self.signals = kept
        if not self.pii_counts:
            self.pii_counts = {c: 1 for c in cats}
        return self


_EVENT_EXAMPLE: JsonDict = {
    "event_id": "0b6f7d7e-6c1a-4d8e-9a43-3f1e2a9d5c11",
    "domain": "chatgpt.com",
    "event_type": "paste",
    "pii_categories": ["EMAIL", "PHONE"],
    "pii_counts": {"EMAIL": 2, "PHONE": 1},
    "occurred_at": "2026-11-25T09:30:00Z",
    "browser": "chromium/156",
    "user_hash": "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
    "unknown_service": False,
    "signals": {"via": "paste"},
}


class EventBatchDoc(BaseModel):
    """The request body of POST /api/v1/shadow/events (validated per event by the service)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"events": [_EVENT_EXAMPLE]}]})

    events: list[ShadowEventIn] = Field(max_length=MAX_BATCH_EVENTS)


class RejectedEvent(BaseModel):
    index: int
    event_id: str | None = Field(description="The event's id when it was a valid UUID")
    errors: list[dict[str, Any]] = Field(description="[{loc, msg}] — never the rejected value")


class EventBatchResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "received": 3,
                    "accepted": 1,
                    "duplicates": 1,
                    "rejected": [
                        {
                            "index": 2,
                            "event_id": None,
                            "errors": [{"loc": ["domain"], "msg": "domain must be a bare host"}],
                        }
                    ],
                    "new_services": 1,
                }
            ]
        }
    )

    received: int
    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]
    new_services: int


class TrendPoint(BaseModel):
    day: date
    events: int
    pii_events: int


_SERVICE_EXAMPLE: dict[str, Any] = {
    "id": "9c1d0e2f3a4b5c6d7e8f9a0b1c2d3e4f",
    "domain": "chatgpt.com",
    "name": "ChatGPT",
    "vendor": "OpenAI",
    "category": "chat",
    "kind": "consumer",
    "known": True,
    "source": "extension",
    "first_seen": "2026-11-20T08:00:00Z",
    "last_seen": "2026-11-25T09:30:00Z",
    "events": 412,
    "visits": 300,
    "pastes": 90,
    "uploads": 12,
    "submits": 10,
    "pii_uploads": 7,
    "pii_in_pastes": 5,
    "pii_in_uploads": 2,
    "pii_in_submits": 0,
    "users": 38,
    "pii_counts": {"EMAIL": 5, "CREDIT_CARD": 2},
    "risk": "HIGH",
    "risk_reasons": ["PII seen in data sent to it: CREDIT_CARD (2), EMAIL (5)", "not registered"],
    "registered": False,
    "approved": False,
    "marker": "!",
    "asset_id": None,
    "alert_triggers": [],
}


class ShadowServiceRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [_SERVICE_EXAMPLE]}
    )

    id: str
    domain: str
    name: str
    vendor: str | None
    category: str
    kind: str
    known: bool
    source: str
    first_seen: datetime
    last_seen: datetime
    events: int
    visits: int
    pastes: int
    uploads: int
    submits: int
    pii_uploads: int = Field(description="Paste/upload/submit events in which PII was seen")
    pii_in_pastes: int = Field(0, description="Of those, paste events (pasted text)")
    pii_in_uploads: int = Field(0, description="Of those, upload events (files)")
    pii_in_submits: int = Field(0, description="Of those, submit events (typed prompts)")
    users: int = Field(description="Distinct pseudonymous users")
    pii_counts: dict[str, int] = Field(description="Events per PII category")
    risk: Literal["HIGH", "MEDIUM", "LOW"]
    risk_reasons: list[str]
    registered: bool
    approved: bool
    marker: Literal["!", ""] = Field(description="'!' when the service is not registered")
    asset_id: str | None
    allowed_pii: list[str] = Field(
        default_factory=list,
        description="PII categories its registration allows (empty when not registered)",
    )
    alert_triggers: list[str]


class ShadowServicePage(Page[ShadowServiceRead]):
    pass


class ShadowServiceDetail(ShadowServiceRead):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_SERVICE_EXAMPLE,
                    "pii_occurrences": {"EMAIL": 9, "CREDIT_CARD": 2},
                    "trend": [{"day": "2026-11-25", "events": 41, "pii_events": 2}],
                    "browsers": {"chromium/156": 400},
                    "m365": {
                        "app_hosts": {"Word": 3},
                        "resource_types": {"docx": 4},
                        "sensitivity_labels": 2,
                    },
                }
            ]
        }
    )

    pii_occurrences: dict[str, int]
    trend: list[TrendPoint]
    browsers: dict[str, int]
    m365: dict[str, Any]


class ShadowRegister(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"owner": "it@example.com", "approved": True, "allowed_pii": ["EMAIL"]}]
        },
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    approved: bool = True
    allowed_pii: list[PiiCategory] = Field(
        default_factory=list, description="PII categories this approved service may receive"
    )


class ShadowAlertCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"trigger": "pii"}]})

    trigger: Literal["pii", "any_use"] = "pii"


class ShadowAlertRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d",
                    "service_id": "9c1d0e2f3a4b5c6d7e8f9a0b1c2d3e4f",
                    "trigger": "pii",
                    "created_by": "api",
                    "created_at": "2026-11-25T10:00:00Z",
                    "rule_id": "4f1c2b3a4d5e6f708192a3b4c5d6e7f8",
                }
            ]
        },
    )

    id: str
    service_id: str
    trigger: str
    created_by: str
    created_at: datetime
    rule_id: str | None = Field(default=None, description="The alert rule this created")


class CatalogEntryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "domain": "chat.internal-llm.example.com",
                    "service": "Internal LLM",
                    "vendor": "Example Corp",
                    "category": "chat",
                    "kind": "enterprise",
                }
            ]
        },
    )

    domain: str = Field(min_length=1, max_length=253)
    service: str = Field(min_length=1, max_length=120)
    vendor: str = Field(default="unknown", min_length=1, max_length=120)
    category: str = Field(default="other", min_length=1, max_length=40)
    kind: Literal["consumer", "enterprise"] = "consumer"

    @field_validator("domain")
    @classmethod
    def _host(cls, v: str) -> str:
        host = normalize_domain(v)
        if host is None:
            raise ValueError("domain must be a bare host name (no scheme, path, port or user)")
        return host

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        v = v.strip().lower()
        if not CATEGORY_RE.fullmatch(v):
            raise ValueError("category must be a short lowercase word")
        return v

    @field_validator("service", "vendor")
    @classmethod
    def _text(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("must not be blank")
        return v


class CatalogEntryRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "domain": "chatgpt.com",
                    "service": "ChatGPT",
                    "vendor": "OpenAI",
                    "category": "chat",
                    "kind": "consumer",
                    "origin": "builtin",
                }
            ]
        }
    )

    domain: str
    service: str
    vendor: str
    category: str
    kind: str
    origin: Literal["builtin", "org"]


class CatalogRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "count": 1,
                    "services": [
                        {
                            "domain": "chatgpt.com",
                            "service": "ChatGPT",
                            "vendor": "OpenAI",
                            "category": "chat",
                            "kind": "consumer",
                            "origin": "builtin",
                        }
                    ],
                }
            ]
        }
    )

    count: int
    services: list[CatalogEntryRead]


class CatalogImport(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "csv": "domain,service,vendor,category,kind\n"
                    "llm.example.com,Example LLM,Example,chat,enterprise\n"
                }
            ]
        },
    )

    csv: str = Field(min_length=1, max_length=1024 * 1024)


class CatalogImportResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"added": 2, "updated": 1}]})

    added: int
    updated: int


class UserIdSaltRead(BaseModel):
    """The org's user id salt, for the extension (the HMAC key never leaves the server)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"salt": "5f2b0c1e9a7d4b3c8e6f1a2d3c4b5a69"}]}
    )

    salt: str


class UserIdMerge(BaseModel):
    """Fold the ids one person got from a salt of the install's own into the org-salt id."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"from_hash": "a" * 64, "to_hash": "b" * 64}]},
    )

    from_hash: str = Field(
        pattern=_HEX64, description="client hash made with the install's own salt (64 hex)"
    )
    to_hash: str = Field(
        pattern=_HEX64, description="client hash of the same person with the org's salt (64 hex)"
    )


class UserIdMergeResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"events": 42, "service_users": 3}]})

    events: int = Field(description="stored events now under the org-salt id")
    service_users: int = Field(description="(service, user) rows folded or renamed")
