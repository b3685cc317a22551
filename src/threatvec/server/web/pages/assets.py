"""Settings → Assets: register, approve and remove agents, MCP servers and AI services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from threatvec.assets import service
from threatvec.assets.schemas import AssetCreate, AssetUpdate
from threatvec.core.errors import ThreatVecError
from threatvec.core.pagination import PageParams
from threatvec.server.web.render import PageContext, PageDep, check_csrf, redirect, render

router = APIRouter(include_in_schema=False)
KIND_LABELS = {"agent": "Agent", "mcp_server": "MCP server", "ai_service": "AI service"}


def _page(
    ctx: PageContext,
    *,
    kind: str | None = None,
    flash: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows, _ = service.list_page(
        session=ctx.session, org_id=ctx.org.id, page=PageParams(limit=500), kind=kind or None
    )
    return render(
        ctx,
        "assets.html",
        active="/settings",
        title="Assets",
        assets=rows,
        kinds=KIND_LABELS,
        kind=kind,
        flash=flash,
        error=error,
        form=form or {},
        status_code=status_code,
    )


@router.get("/settings/assets", response_class=HTMLResponse)
def assets_page(ctx: PageDep, kind: str | None = None, flash: str | None = None) -> HTMLResponse:
    if kind not in KIND_LABELS:
        kind = None
    return _page(ctx, kind=kind, flash=flash[:200] if flash else None)


@router.post("/settings/assets", response_model=None)
def create_asset(
    ctx: PageDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    owner: Annotated[str, Form(max_length=400)] = "",
    description: Annotated[str, Form(max_length=8000)] = "",
    tags: Annotated[str, Form(max_length=2000)] = "",
    approved: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    form = {"kind": kind, "name": name, "owner": owner, "description": description, "tags": tags}
    try:
        data = AssetCreate(
            kind=kind,  # type: ignore[arg-type]
            name=name,
            owner=owner or None,
            description=description or None,
            tags=[t for t in (p.strip() for p in tags.split(",")) if t],
            approved=approved == "on",
        )
        asset = service.create(session=ctx.session, org_id=ctx.org.id, data=data)
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return _page(ctx, error=f"Not registered: {msgs}", form=form, status_code=422)
    except ThreatVecError as exc:
        return _page(ctx, error=f"Not registered: {exc.detail}", form=form, status_code=exc.status)
    ctx.session.commit()
    return redirect(ctx, f"/settings/assets?flash=Registered+{KIND_LABELS[asset.kind]}")


@router.post("/settings/assets/{asset_id}/approve", response_model=None)
def toggle_approved(
    ctx: PageDep, asset_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    asset = service.get_or_raise(session=ctx.session, org_id=ctx.org.id, asset_id=asset_id)
    service.update(
        session=ctx.session,
        org_id=ctx.org.id,
        asset_id=asset_id,
        data=AssetUpdate(approved=not asset.approved),
    )
    return redirect(ctx, "/settings/assets?flash=Updated")


@router.post("/settings/assets/{asset_id}/delete", response_model=None)
def delete_asset(
    ctx: PageDep, asset_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    service.delete(session=ctx.session, org_id=ctx.org.id, asset_id=asset_id)
    return redirect(ctx, "/settings/assets?flash=Removed")
