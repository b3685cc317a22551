"""Shadow AI API: extension events, the AI service catalog, discovered services and actions."""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from threatvec.core.deps import OrgIdDep, PageDep, SessionDep, actor
from threatvec.core.errors import InvalidInput, PayloadTooLarge, RateLimited
from threatvec.core.pagination import Page
from threatvec.core.problems import problem_responses
from threatvec.ingest.body import check_declared_length
from threatvec.ingest.ratelimit import IngestRateLimiter
from threatvec.shadow import service, user_ids
from threatvec.shadow.schemas import (
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    CatalogEntryCreate,
    CatalogEntryRead,
    CatalogImport,
    CatalogImportResult,
    CatalogRead,
    EventBatchDoc,
    EventBatchResult,
    ShadowAlertCreate,
    ShadowAlertRead,
    ShadowRegister,
    ShadowServiceDetail,
    ShadowServicePage,
    ShadowServiceRead,
    UserIdMerge,
    UserIdMergeResult,
    UserIdSaltRead,
)
from threatvec.store.engine import session_scope

__all__ = ["router"]

router = APIRouter(prefix="/shadow", tags=["shadow"], responses=problem_responses(401, 422))
# SQLite has one writer: queueing batches here is fairer and faster than letting
# every request poll the database lock with the busy-timeout's growing sleeps.
_sqlite_writer = threading.Lock()
_limiter_lock = threading.Lock()


class ShadowAlertPage(Page[ShadowAlertRead]):
    pass


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with `$defs` references resolved (the route reads its body itself)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = defs[ref.rsplit("/", 1)[1]]
            return _inline({**target, **{k: v for k, v in node.items() if k != "$ref"}}, defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    inlined = _inline(schema, schema.get("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inlined}}}}


def _check_rate(request: Request, org_id: str) -> None:
    """One token from the org's event-batch bucket, or 429 with Retry-After.

    The extension keeps a batch that got 429 and retries after Retry-After, so
    a flood from one org (a misbehaving rollout, a leaked key) costs it delay,
    not data, and never starves the other orgs on this replica.
    """
    state = request.app.state
    limiter: IngestRateLimiter | None = getattr(state, "shadow_events_limiter", None)
    if limiter is None:
        with _limiter_lock:
            limiter = getattr(state, "shadow_events_limiter", None)
            if limiter is None:
                limiter = IngestRateLimiter(state.settings.shadow_events_rate_per_minute)
                state.shadow_events_limiter = limiter
    wait = limiter.take(org_id)
    if wait:
        raise RateLimited(f"event rate limit reached; retry in {wait} s", retry_after=wait)


async def _read_body(request: Request) -> Any:
    check_declared_length(request.headers, MAX_BATCH_BYTES)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise InvalidInput(("header", "content-encoding"), "send uncompressed JSON", status=400)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BATCH_BYTES:
            raise PayloadTooLarge(f"request body is larger than {MAX_BATCH_BYTES} bytes")
    try:
        return json.loads(bytes(body))
    except (ValueError, RecursionError):
        raise InvalidInput(("body",), "body is not valid UTF-8 JSON", status=400) from None


@router.post(
    "/events",
    response_model=EventBatchResult,
    summary="Receive a batch of browser-extension usage events",
    description=(
        "Validated per event: good events are kept, each bad one is listed with the field "
        "and reason (never the value). Idempotent by `event_id` per org: a retried batch "
        f"reports duplicates. At most {MAX_BATCH_EVENTS} events and {MAX_BATCH_BYTES} bytes "
        "per batch (413 beyond); `THREATVEC_SHADOW_EVENTS_RATE_PER_MINUTE` batches per org "
        "(429 with Retry-After beyond). The contract is docs/shadow.md."
    ),
    responses=problem_responses(400, 413, 429),
    openapi_extra=_body_doc(EventBatchDoc),
)
async def post_events(request: Request, org_id: OrgIdDep) -> EventBatchResult:
    _check_rate(request, org_id)
    payload = await _read_body(request)
    factory = request.app.state.session_factory

    serialize = request.app.state.engine.dialect.name == "sqlite"

    def work() -> EventBatchResult:
        lock = _sqlite_writer if serialize else contextlib.nullcontext()
        with lock, session_scope(factory) as session:
            return service.ingest_batch(session=session, org_id=org_id, payload=payload)

    return await run_in_threadpool(work)


@router.get(
    "/user-id-salt",
    response_model=UserIdSaltRead,
    summary="The org's user id salt, for the browser extension",
    description=(
        "What the extension hashes users with, so a person is one user across the extension "
        "and the Copilot, Okta and proxy logs (the same value `threatvec shadow user-id-salt` "
        "prints). Org-scoped by the ingest key; never cached, never logged. The HMAC key that "
        "stored ids are keyed with is not part of it and never leaves the server."
    ),
)
def get_user_id_salt(response: Response, session: SessionDep, org_id: OrgIdDep) -> UserIdSaltRead:
    response.headers["Cache-Control"] = "no-store"
    return UserIdSaltRead(salt=user_ids.extension_salt(session=session, org_id=org_id))


@router.post(
    "/user-ids/merge",
    response_model=UserIdMergeResult,
    summary="Fold ids an extension made with its own salt into the org-salt id",
    description=(
        "The extension sends its user's client hash under the salt it used before it had "
        "the org's, and under the org's salt; the org's stored events and user counts of "
        "the first move to the second. Idempotent. See docs/shadow.md, user pseudonyms."
    ),
    responses=problem_responses(400),
)
def merge_user_ids(data: UserIdMerge, session: SessionDep, org_id: OrgIdDep) -> UserIdMergeResult:
    return user_ids.merge_user_ids(session=session, org_id=org_id, data=data)


@router.get(
    "/catalog",
    response_model=CatalogRead,
    summary="The AI service catalog: built-in entries plus this org's own",
    openapi_extra={"x-threatvec-scope": "global"},
)
def get_catalog(session: SessionDep, org_id: OrgIdDep) -> CatalogRead:
    items = service.catalog_items(session=session, org_id=org_id)
    return CatalogRead(
        count=len(items), services=[CatalogEntryRead.model_validate(i.to_dict()) for i in items]
    )


@router.post(
    "/catalog",
    response_model=CatalogEntryRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add (or replace) an entry in this org's catalog",
)
def add_catalog_entry(
    data: CatalogEntryCreate, session: SessionDep, org_id: OrgIdDep
) -> CatalogEntryRead:
    item, _ = service.add_catalog_entry(session=session, org_id=org_id, data=data)
    return CatalogEntryRead.model_validate(item.to_dict())


@router.post(
    "/catalog/import",
    response_model=CatalogImportResult,
    summary="Import catalog entries from CSV (domain,service,vendor,category,kind)",
)
def import_catalog(
    data: CatalogImport, session: SessionDep, org_id: OrgIdDep
) -> CatalogImportResult:
    added, updated = service.import_catalog_csv(session=session, org_id=org_id, text=data.csv)
    return CatalogImportResult(added=added, updated=updated)


@router.get(
    "/services",
    response_model=ShadowServicePage,
    summary="AI services seen in this org, with risk and usage",
    description=(
        "Sort by `risk` (default, highest first), `last_seen`, `first_seen`, `events`, "
        "`users`, `pii_uploads`, `name` or `domain`."
    ),
)
def list_services(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    risk: Literal["HIGH", "MEDIUM", "LOW"] | None = None,
    registered: bool | None = None,
    known: bool | None = None,
    pii: Annotated[bool | None, Query(description="Only services that did (not) get PII")] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search name or domain")] = None,
) -> ShadowServicePage:
    rows, cursor = service.list_page(
        session=session,
        org_id=org_id,
        page=page,
        risk=risk,
        registered=registered,
        known=known,
        category=category,
        pii=pii,
        q=q,
    )
    return ShadowServicePage(
        items=service.service_reads(session=session, org_id=org_id, rows=rows),
        next_cursor=cursor,
    )


@router.get(
    "/services/{service_id}",
    response_model=ShadowServiceDetail,
    responses=problem_responses(404),
    summary="One service: counts, PII by category, 30-day trend, browsers, M365 summary",
)
def get_service(service_id: str, session: SessionDep, org_id: OrgIdDep) -> ShadowServiceDetail:
    return service.service_detail(session=session, org_id=org_id, service_id=service_id)


@router.post(
    "/services/{service_id}/register",
    response_model=ShadowServiceRead,
    responses=problem_responses(404, 409),
    summary="Register the service as an AI service asset (approved, with allowed PII)",
)
def register_service(
    service_id: str, data: ShadowRegister, session: SessionDep, org_id: OrgIdDep
) -> ShadowServiceRead:
    row = service.register_service(session=session, org_id=org_id, service_id=service_id, data=data)
    return service.service_reads(session=session, org_id=org_id, rows=[row])[0]


@router.post(
    "/services/{service_id}/alerts",
    response_model=ShadowAlertRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404),
    summary="Ask for an alert on this service (PII sent to it, or any use)",
)
def add_alert(
    service_id: str,
    data: ShadowAlertCreate,
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
) -> ShadowAlertRead:
    row = service.add_alert_intent(
        session=session,
        org_id=org_id,
        service_id=service_id,
        trigger=data.trigger,
        actor=actor(request),
    )
    return ShadowAlertRead.model_validate(row)


@router.get(
    "/alerts", response_model=ShadowAlertPage, summary="Alert rules asked for from Shadow AI"
)
def list_alerts(session: SessionDep, org_id: OrgIdDep, page: PageDep) -> ShadowAlertPage:
    rows, cursor = service.list_alert_page(session=session, org_id=org_id, page=page)
    return ShadowAlertPage(
        items=[ShadowAlertRead.model_validate(r) for r in rows], next_cursor=cursor
    )
