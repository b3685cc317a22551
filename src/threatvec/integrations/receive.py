"""One delivery to a receive integration: parse, convert each record on its own, record the run.

The delivery is stored as an integration run (trigger ``receive``) through the
same bookkeeping a sync uses (flows.copy_counts / record_outcome), so
Settings → Integrations shows its last status and counts like any pull kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.errors import InvalidInput, PayloadTooLarge
from threatvec.integrations import flows
from threatvec.integrations.connectors import zscaler
from threatvec.integrations.models import Integration, IntegrationRun
from threatvec.integrations.schemas import KIND_MODELS, DeliveryResult, RejectedRecord

__all__ = ["deliver", "parse_body"]

# kind → (split the body into records, turn records into a Delivery)
_RECEIVERS: dict[str, tuple[Callable[[str], list[object]], Callable[..., zscaler.Delivery]]] = {
    "zscaler": (zscaler.split_records, zscaler.process),
}


def parse_body(kind: str, body: bytes) -> list[object]:
    """The records of a delivery body (400 when it is not UTF-8, 413 past the record limit)."""
    try:
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise InvalidInput(("body",), "body is not UTF-8 text", status=400) from None
    records = _RECEIVERS[kind][0](text)
    if len(records) > zscaler.MAX_RECORDS:
        raise PayloadTooLarge(
            f"a delivery holds at most {zscaler.MAX_RECORDS} records; lower the feed's batch size"
        )
    return records


def deliver(*, session: Session, row: Integration, records: list[object]) -> DeliveryResult:
    """Store what the records hold and record the delivery as a run; the caller commits."""
    # A receive kind stores no vendor secret, so its settings are the config alone.
    settings: Any = KIND_MODELS[row.kind].model_validate({**row.config, "kind": row.kind})
    run = IntegrationRun(org_id=row.org_id, integration_id=row.id, kind=row.kind, trigger="receive")
    session.add(run)
    session.flush()  # started_at set, so the row's last_run_at can point at it
    delivery = _RECEIVERS[row.kind][1](
        session=session,
        org_id=row.org_id,
        integration_id=row.id,
        settings=settings,
        records=records,
    )
    flows.copy_counts(run, delivery.counts)
    flows.record_outcome(row=row, run=run, counts=delivery.counts, error=None)
    session.flush()
    return DeliveryResult(
        received=len(records),
        accepted=delivery.accepted,
        duplicates=delivery.duplicates,
        ignored=delivery.ignored,
        rejected=[RejectedRecord(index=i, reason=r) for i, r in delivery.rejected],
    )
