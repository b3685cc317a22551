"""Settings → Integrations: a card per vendor; configure (secrets write-only), test, sync.

A receive kind (Zscaler) shows its receiver URL and header; its ingest token is
rendered into the reply page once, at creation or rotation (never put in a
redirect URL, never shown again).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from threatvec.core.crypto import SecretBox
from threatvec.core.errors import Conflict, ThreatVecError
from threatvec.core.public_url import public_base
from threatvec.integrations import flows, service, tokens
from threatvec.integrations.kinds import KINDS, kind_reads
from threatvec.integrations.schemas import IntegrationCreate, IntegrationUpdate, KindRead
from threatvec.server.web.render import PageContext, PageDep, check_csrf, redirect, render

router = APIRouter(include_in_schema=False)
PAGE = "/settings/integrations"
MAX_VALUE = 2048


async def _form(request: Request) -> dict[str, str]:
    # The fields depend on the kind, so the form is read whole (bounded) rather than declared.
    form = await request.form(max_files=0, max_fields=100)
    return {str(k)[:64]: str(v)[:MAX_VALUE] for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(_form)]


def _page(
    ctx: PageContext,
    *,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    new_token: tuple[str, str] | None = None,
) -> HTMLResponse:
    rows = service.list_all(session=ctx.session, org_id=ctx.org.id)
    runs = service.recent_runs(
        session=ctx.session, org_id=ctx.org.id, integration_ids=[r.id for r in rows]
    )
    by_kind: dict[str, list[Any]] = {k.kind: [] for k in KINDS}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(service.read(row))
    return render(
        ctx,
        "integrations.html",
        active="/settings",
        title="Integrations",
        kinds=kind_reads(),
        by_kind=by_kind,
        runs=runs,
        flash=flash,
        error=error,
        status_code=status_code,
        # Absolute, so it can be pasted into the Cloud NSS feed's API URL as is.
        public=public_base(ctx.request),
        new_token=new_token,
    )


@router.get(PAGE, response_class=HTMLResponse)
def integrations_page(ctx: PageDep, flash: str | None = None) -> HTMLResponse:
    return _page(ctx, flash=flash[:300] if flash else None)


def _kind(kind: str) -> KindRead | None:
    return next((k for k in kind_reads() if k.kind == kind and k.status == "available"), None)


def _settings_from_form(
    info: KindRead, form: dict[str, str], *, for_update: bool
) -> dict[str, Any]:
    """The kind's fields from the form; blank means "default" (or, for a secret on edit, "keep")."""
    out: dict[str, Any] = {} if for_update else {"kind": info.kind}
    for field in info.fields:
        raw = form.get(f"f_{field.name}", "").strip()
        if not raw:
            if (
                for_update
                and not field.secret
                and not field.required
                and field.type.startswith("list")
            ):
                out[field.name] = []
            continue
        if field.type.startswith("list"):
            out[field.name] = [p.strip() for p in raw.split(",") if p.strip()]
        else:
            out[field.name] = raw
    return out


def _messages(exc: ValidationError | ThreatVecError) -> str:
    if isinstance(exc, ThreatVecError):
        return exc.detail
    kinds = {k.kind for k in KINDS}
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'] if p not in kinds)}: "
        f"{str(e['msg']).removeprefix('Value error, ')}"
        for e in exc.errors()
    )


def _box(ctx: PageContext) -> SecretBox:
    return SecretBox(ctx.request.app.state.secret_key)


def _allow_private(ctx: PageContext) -> bool:
    return bool(ctx.request.app.state.settings.allow_private_outbound)


@router.post(PAGE + "/{kind}/create", response_model=None)
def create(ctx: PageDep, kind: str, form: FormDep) -> Response:
    check_csrf(ctx, form.get("csrf"))
    info = _kind(kind[:30])
    if info is None:
        return _page(ctx, error="This integration is not available yet", status_code=404)
    try:
        data = IntegrationCreate.model_validate(
            {
                "name": form.get("name", ""),
                "schedule_minutes": form.get("schedule_minutes") or 15,
                "enabled": form.get("enabled") == "on",
                "settings": _settings_from_form(info, form, for_update=False),
            }
        )
        row, token = service.create_with_token(
            session=ctx.session,
            org_id=ctx.org.id,
            data=data,
            box=_box(ctx),
            allow_private=_allow_private(ctx),
        )
    except (ValidationError, ThreatVecError) as exc:
        ctx.session.rollback()
        return _page(ctx, error=f"{info.title} not saved: {_messages(exc)}", status_code=422)
    ctx.session.commit()
    if token is not None:
        return _page(ctx, flash=f"Saved {row.kind} integration", new_token=(row.id, token))
    return redirect(ctx, f"{PAGE}?flash=Saved+{row.kind}+integration#i-{row.id}")


@router.post(PAGE + "/{integration_id}/token", response_model=None)
def rotate_token(ctx: PageDep, integration_id: str, form: FormDep) -> Response:
    check_csrf(ctx, form.get("csrf"))
    row, token = tokens.rotate(
        session=ctx.session, org_id=ctx.org.id, integration_id=integration_id[:64]
    )
    ctx.session.commit()
    return _page(ctx, flash="Ingest token rotated", new_token=(row.id, token))


@router.post(PAGE + "/{integration_id}/update", response_model=None)
def update(ctx: PageDep, integration_id: str, form: FormDep) -> Response:
    check_csrf(ctx, form.get("csrf"))
    row = service.get_or_raise(
        session=ctx.session, org_id=ctx.org.id, integration_id=integration_id[:64]
    )
    info = _kind(row.kind)
    if info is None:
        return _page(ctx, error="This integration is not available", status_code=404)
    try:
        data = IntegrationUpdate.model_validate(
            {
                "name": form.get("name") or None,
                "schedule_minutes": form.get("schedule_minutes") or None,
                "settings": _settings_from_form(info, form, for_update=True),
            }
        )
        service.update(
            session=ctx.session,
            org_id=ctx.org.id,
            integration_id=row.id,
            data=data,
            box=_box(ctx),
            allow_private=_allow_private(ctx),
        )
    except (ValidationError, ThreatVecError) as exc:
        ctx.session.rollback()
        return _page(ctx, error=f"Not saved: {_messages(exc)}", status_code=422)
    ctx.session.commit()
    return redirect(ctx, f"{PAGE}?flash=Saved#i-{row.id}")


@router.post(PAGE + "/{integration_id}/toggle", response_model=None)
def toggle(ctx: PageDep, integration_id: str, form: FormDep) -> Response:
    check_csrf(ctx, form.get("csrf"))
    row = service.get_or_raise(
        session=ctx.session, org_id=ctx.org.id, integration_id=integration_id[:64]
    )
    service.update(
        session=ctx.session,
        org_id=ctx.org.id,
        integration_id=row.id,
        data=IntegrationUpdate(enabled=not row.enabled),
        box=_box(ctx),
    )
    ctx.session.commit()
    return redirect(ctx, f"{PAGE}?flash={'Enabled' if row.enabled else 'Disabled'}#i-{row.id}")


@router.post(PAGE + "/{integration_id}/test", response_model=None)
def test(ctx: PageDep, integration_id: str, form: FormDep) -> Response:
    check_csrf(ctx, form.get("csrf"))
    result = flows.test_connection(
        session=ctx.session,
        org_id=ctx.org.id,
        integration_id=integration_id[:64],
        box=_box(ctx),
        allow_private=_allow_private(ctx),
    )
    ctx.session.commit()
    if result.ok:
        return _page(ctx, flash=f"Connection OK: {result.message}")
    return _page(ctx, error=f"Connection failed: {result.message}")


@router.post(PAGE + "/{integration_id}/sync", response_model=None)
def sync(ctx: PageDep, integration_id: str, form: FormDep) -> Response:
    check_csrf(ctx, form.get("csrf"))
    try:
        run = flows.run_sync(
            session=ctx.session,
            org_id=ctx.org.id,
            integration_id=integration_id[:64],
            box=_box(ctx),
            allow_private=_allow_private(ctx),
            trigger="dashboard",
        )
    except Conflict as exc:
        return _page(ctx, error=exc.detail, status_code=409)
    counts = (
        f"{run.fetched} fetched, {run.ingested} ingested, {run.forwarded} forwarded, "
        f"{run.skipped} skipped"
    )
    if run.status == "error":
        return _page(ctx, error=f"Sync failed: {run.error} ({counts})")
    return _page(ctx, flash=f"Sync {run.status}: {counts}")


@router.post(PAGE + "/{integration_id}/delete", response_model=None)
def delete(ctx: PageDep, integration_id: str, form: FormDep) -> Response:
    check_csrf(ctx, form.get("csrf"))
    service.delete(session=ctx.session, org_id=ctx.org.id, integration_id=integration_id[:64])
    ctx.session.commit()
    return redirect(ctx, f"{PAGE}?flash=Integration+deleted")
