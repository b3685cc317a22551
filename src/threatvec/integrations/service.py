"""Integration configs and runs: create, read, change, delete; always within one org."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr, ValidationError
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.core.errors import Conflict, FieldError, InvalidInput
from threatvec.core.pagination import PageParams, SortSpec, paginate
from threatvec.core.scoped import get_scoped, get_scoped_or_raise, paginate_scoped
from threatvec.integrations import tokens
from threatvec.integrations.connectors import CONNECTORS
from threatvec.integrations.kinds import is_receive, secret_fields
from threatvec.integrations.models import Integration, IntegrationRun
from threatvec.integrations.schemas import (
    KIND_MODELS,
    IntegrationCreate,
    IntegrationRead,
    IntegrationUpdate,
)

__all__ = [
    "create",
    "create_with_token",
    "delete",
    "due",
    "get",
    "get_or_raise",
    "list_all",
    "list_page",
    "list_run_page",
    "load_settings",
    "read",
    "recent_runs",
    "update",
]

SORTS = SortSpec(
    columns={
        "created_at": Integration.created_at,
        "name": Integration.name,
        "kind": Integration.kind,
    },
    default="created_at",
)
RUN_SORTS = SortSpec(columns={"started_at": IntegrationRun.started_at}, default="-started_at")
# Changing where an integration points (or whose data it reads) makes its checkpoint meaningless.
IDENTITY_FIELDS = (
    "base_url",
    "hec_url",
    "dce_url",
    "api_url",
    "tenant_id",
    "dcr_immutable_id",
    "dns_workspace_id",
    "dns_source",
    "stream_name",
    "alert_type",
    "service_principal",
    "client_id",
)


# ── settings ↔ stored columns ─────────────────────────────────────────────


def _split(settings: BaseModel) -> tuple[dict[str, Any], dict[str, str]]:
    config: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for name, value in settings:
        if name == "kind":
            continue
        if isinstance(value, SecretStr):
            secrets[name] = value.get_secret_value()
        else:
            config[name] = value
    return config, secrets


def _hint(secrets: dict[str, str]) -> str:
    parts = []
    for name, value in sorted(secrets.items()):
        # The last four characters only when the secret is long enough that they give nothing away.
        parts.append(f"{name} ••••{value[-4:]}" if len(value) >= 16 else f"{name} set")
    return ", ".join(parts)[:200]


def _stored_secrets(row: Integration, box: SecretBox) -> dict[str, str]:
    if not row.secrets_enc:
        return {}
    raw = json.loads(box.decrypt(row.secrets_enc))
    return {str(k): str(v) for k, v in raw.items()}


def load_settings(row: Integration, box: SecretBox) -> BaseModel:
    """The validated settings model (secrets decrypted) a connector runs with."""
    model = KIND_MODELS[row.kind]
    return model.model_validate({**row.config, **_stored_secrets(row, box), "kind": row.kind})


def _blocked_literal(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def _precheck(settings: BaseModel, *, allow_private: bool) -> None:
    """An early, clear 422 for a literal internal address.

    The real SSRF guard runs on every request (core.outbound resolves names then,
    since DNS can change after saving); this only saves the user a failed sync.
    """
    if allow_private:
        return
    kind = str(getattr(settings, "kind"))  # noqa: B009 - every settings model has `kind`
    for name, value in settings:
        url_host = urlsplit(value).hostname or "" if isinstance(value, str) else ""
        if name.endswith("_url") and _blocked_literal(url_host):
            raise InvalidInput(
                ("body", "settings", kind, name),
                "points at a loopback/private address; set "
                "THREATVEC_ALLOW_PRIVATE_OUTBOUND=true to allow internal targets",
            )


def _validation_errors(exc: ValidationError, prefix: tuple[str, ...]) -> InvalidInput:
    # loc and msg only: pydantic's `input` would echo the value, which may be a secret.
    errors = [
        FieldError(
            (*prefix, *(str(p) for p in e["loc"])), str(e["msg"]).removeprefix("Value error, ")
        )
        for e in exc.errors()
    ]
    return InvalidInput(errors=errors[:20])


# ── create / read / update / delete ───────────────────────────────────────


def create(
    *,
    session: Session,
    org_id: str,
    data: IntegrationCreate,
    box: SecretBox,
    allow_private: bool = False,
) -> Integration:
    _precheck(data.settings, allow_private=allow_private)
    if _name_taken(session, org_id, data.name):
        raise Conflict(f"an integration named {data.name!r} already exists")
    config, secrets = _split(data.settings)
    row = Integration(
        org_id=org_id,
        kind=data.settings.kind,
        name=data.name,
        enabled=data.enabled,
        schedule_minutes=data.schedule_minutes,
        config=config,
        secrets_enc=box.encrypt(json.dumps(secrets)),
        secret_hint=_hint(secrets),
        cursor={},
        last_counts={},
    )
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"an integration named {data.name!r} already exists") from None
    return row


def create_with_token(
    *,
    session: Session,
    org_id: str,
    data: IntegrationCreate,
    box: SecretBox,
    allow_private: bool = False,
) -> tuple[Integration, str | None]:
    """Create; a receive kind also gets its ingest token (returned once, stored as a hash)."""
    row = create(session=session, org_id=org_id, data=data, box=box, allow_private=allow_private)
    if not is_receive(row.kind):
        return row, None
    token = tokens.issue(row)
    session.flush()
    return row, token


def _name_taken(session: Session, org_id: str, name: str, exclude: str | None = None) -> bool:
    stmt = select(Integration.id).where(Integration.org_id == org_id, Integration.name == name)
    if exclude:
        stmt = stmt.where(Integration.id != exclude)
    return session.scalar(stmt.limit(1)) is not None


def get(*, session: Session, org_id: str, integration_id: str) -> Integration | None:
    return get_scoped(session, Integration, org_id, integration_id)


def get_or_raise(*, session: Session, org_id: str, integration_id: str) -> Integration:
    return get_scoped_or_raise(
        session, Integration, org_id, integration_id, f"no integration {integration_id[:64]!r}"
    )


def list_page(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    kind: str | None = None,
    enabled: bool | None = None,
) -> tuple[Sequence[Integration], str | None]:
    stmt = select(Integration).where(Integration.org_id == org_id)
    if kind:
        stmt = stmt.where(Integration.kind == kind)
    if enabled is not None:
        stmt = stmt.where(Integration.enabled.is_(enabled))
    return paginate(session, stmt, id_column=Integration.id, sort_spec=SORTS, params=page)


def list_all(*, session: Session, org_id: str) -> list[Integration]:
    return list(
        session.scalars(
            select(Integration)
            .where(Integration.org_id == org_id)
            .order_by(Integration.created_at, Integration.id)
        )
    )


def read(row: Integration) -> IntegrationRead:
    connector = CONNECTORS.get(row.kind)
    checkpoint = connector.describe_cursor(row.cursor or {}) if connector else None
    return IntegrationRead.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "kind": row.kind,
            "enabled": row.enabled,
            "schedule_minutes": row.schedule_minutes,
            "config": dict(row.config or {}),
            "secret_hint": row.secret_hint,
            "checkpoint": checkpoint,
            "last_run_at": row.last_run_at,
            "last_status": row.last_status,
            "last_error": row.last_error,
            "last_counts": dict(row.last_counts or {}),
            "total_items": row.total_items,
            "last_test_at": row.last_test_at,
            "last_test_ok": row.last_test_ok,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "receiver": tokens.receiver_read(row),
        }
    )


def update(
    *,
    session: Session,
    org_id: str,
    integration_id: str,
    data: IntegrationUpdate,
    box: SecretBox,
    allow_private: bool = False,
) -> Integration:
    row = get_or_raise(session=session, org_id=org_id, integration_id=integration_id)
    if data.name is not None and data.name != row.name:
        if _name_taken(session, org_id, data.name, exclude=row.id):
            raise Conflict(f"an integration named {data.name!r} already exists")
        row.name = data.name
    if data.enabled is not None:
        row.enabled = data.enabled
    if data.schedule_minutes is not None:
        row.schedule_minutes = data.schedule_minutes
    if data.settings is not None:
        _apply_settings(row, data.settings, box, allow_private)
    row.updated_at = utcnow()
    session.flush()
    return row


def _apply_settings(
    row: Integration, changes: dict[str, Any], box: SecretBox, allow_private: bool
) -> None:
    if "kind" in changes and changes["kind"] != row.kind:
        raise InvalidInput(("body", "settings", "kind"), "the kind of an integration cannot change")
    secrets = set(secret_fields(row.kind))
    # A secret left out (or sent blank by a form) keeps the stored one.
    fresh = {
        k: v for k, v in changes.items() if k != "kind" and not (k in secrets and v in (None, ""))
    }
    merged = {**row.config, **_stored_secrets(row, box), **fresh, "kind": row.kind}
    try:
        settings = KIND_MODELS[row.kind].model_validate(merged)
    except ValidationError as exc:
        raise _validation_errors(exc, ("body", "settings")) from None
    _precheck(settings, allow_private=allow_private)
    config, secret_values = _split(settings)
    if any(config.get(f) != row.config.get(f) for f in IDENTITY_FIELDS):
        row.cursor = {}
    row.config = config
    row.secrets_enc = box.encrypt(json.dumps(secret_values))
    row.secret_hint = _hint(secret_values)


def delete(*, session: Session, org_id: str, integration_id: str) -> None:
    row = get_or_raise(session=session, org_id=org_id, integration_id=integration_id)
    session.delete(row)
    session.flush()


# ── runs ──────────────────────────────────────────────────────────────────


def list_run_page(
    *, session: Session, org_id: str, integration_id: str, page: PageParams
) -> tuple[Sequence[IntegrationRun], str | None]:
    row = get_or_raise(session=session, org_id=org_id, integration_id=integration_id)
    return paginate_scoped(
        session, IntegrationRun, org_id, page, RUN_SORTS, IntegrationRun.integration_id == row.id
    )


def recent_runs(
    *, session: Session, org_id: str, integration_ids: Sequence[str], per: int = 5
) -> dict[str, list[IntegrationRun]]:
    out: dict[str, list[IntegrationRun]] = {i: [] for i in integration_ids}
    if not integration_ids:
        return out
    rows = session.scalars(
        select(IntegrationRun)
        .where(
            IntegrationRun.org_id == org_id,
            IntegrationRun.integration_id.in_(list(integration_ids)),
        )
        .order_by(IntegrationRun.started_at.desc())
        .limit(per * len(integration_ids) * 4)
    )
    for run in rows:
        if len(out[run.integration_id]) < per:
            out[run.integration_id].append(run)
    return out


def due(*, session: Session, org_id: str, now: datetime | None = None) -> list[Integration]:
    """Enabled integrations whose schedule says a sync is due and that no sync holds."""
    now = now or utcnow()
    rows = session.scalars(
        select(Integration).where(
            Integration.org_id == org_id,
            Integration.enabled.is_(True),
            or_(Integration.lease_until.is_(None), Integration.lease_until < now),
        )
    )
    return [
        r
        for r in rows
        if r.kind in KIND_MODELS
        and not is_receive(r.kind)  # the vendor posts; nothing to schedule
        and (r.last_run_at is None or now - r.last_run_at >= timedelta(minutes=r.schedule_minutes))
    ]
