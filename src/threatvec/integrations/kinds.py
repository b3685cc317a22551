"""The integrations ThreatVec offers: what each provides, its fields, and whether it works yet.

A kind marked ``coming`` is listed so people know it is planned, but it has
no settings model and cannot be created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import SecretStr

from threatvec.integrations.connectors import CONNECTORS
from threatvec.integrations.schemas import KIND_MODELS, KindField, KindRead

__all__ = ["KINDS", "RECEIVE_KINDS", "KindInfo", "is_receive", "kind_reads", "secret_fields"]


@dataclass(frozen=True)
class KindInfo:
    kind: str
    title: str
    provides: str
    # pull: we read the vendor's API; push: we send to it; receive: it posts to us.
    direction: Literal["pull", "push", "push_pull", "receive"]
    status: Literal["available", "coming"] = "available"


KINDS: tuple[KindInfo, ...] = (
    KindInfo("okta", "Okta", "Auth anomaly signals (System Log) and sign-ins to AI apps", "pull"),
    KindInfo(
        "crowdstrike",
        "CrowdStrike Falcon",
        "AI process detection: local AI runtimes and tools on endpoints",
        "pull",
    ),
    KindInfo("splunk", "Splunk", "SIEM event correlation: ThreatVec signals sent to HEC", "push"),
    KindInfo(
        "sentinel",
        "Microsoft Sentinel",
        "SIEM: signals out via the Logs Ingestion API; DNS queries to AI services into Shadow AI",
        "push_pull",
    ),
    KindInfo(
        "m365",
        "Microsoft 365",
        "Copilot interaction logs (Management Activity API) into Shadow AI",
        "pull",
    ),
    KindInfo(
        "netskope",
        "Netskope",
        "CASB PII signals: DLP alerts to AI services, categories only",
        "pull",
    ),
    KindInfo(
        "zscaler",
        "Zscaler",
        "CASB PII signals: ZIA DLP hits to AI services, posted by a Cloud NSS feed",
        "receive",
    ),
    KindInfo(
        "proofpoint",
        "Proofpoint TAP",
        "Email threat correlation: blocked/delivered messages and clicks, AI lures",
        "pull",
    ),
)


RECEIVE_KINDS: frozenset[str] = frozenset(k.kind for k in KINDS if k.direction == "receive")


def is_receive(kind: str) -> bool:
    """True for kinds the vendor posts to (no sync, no outbound test)."""
    return kind in RECEIVE_KINDS


def secret_fields(kind: str) -> tuple[str, ...]:
    model = KIND_MODELS[kind]
    return tuple(
        name
        for name, f in model.model_fields.items()
        if f.annotation is SecretStr or f.annotation == (SecretStr | None)
    )


def _type(schema: dict[str, Any]) -> str:
    if "type" in schema:
        t = schema["type"]
        return f"list[{schema.get('items', {}).get('type', 'string')}]" if t == "array" else str(t)
    options = [o.get("type") for o in schema.get("anyOf", []) if o.get("type") != "null"]
    return str(options[0]) if options else "string"


def _default(model: Any, name: str, prop: dict[str, Any]) -> Any:
    """The field's default as the JSON schema states it, or as its factory makes it."""
    if "default" in prop:
        return prop["default"]
    field = model.model_fields[name]
    return field.get_default(call_default_factory=True) if field.default_factory else None


def _fields(kind: str) -> list[KindField]:
    model = KIND_MODELS[kind]
    schema = model.model_json_schema()
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    secrets = set(secret_fields(kind))
    out = []
    for name, prop in props.items():
        if name == "kind":
            continue
        out.append(
            KindField(
                name=name,
                type="secret" if name in secrets else _type(prop),
                required=name in required,
                secret=name in secrets,
                default=None if name in secrets else _default(model, name, prop),
                description=prop.get("description"),
            )
        )
    return out


def kind_reads() -> list[KindRead]:
    out = []
    for info in KINDS:
        available = info.status == "available" and info.kind in KIND_MODELS
        connector = CONNECTORS.get(info.kind)
        out.append(
            KindRead(
                kind=info.kind,
                title=info.title,
                provides=info.provides,
                status="available" if available else "coming",
                direction=info.direction,
                signal_kinds=list(connector.SIGNAL_KINDS) if connector and available else [],
                fields=_fields(info.kind) if available else [],
            )
        )
    return out
