"""Demo integrations: configured but disabled, at hosts that never resolve, with run history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.integrations.models import Integration, IntegrationRun

# (kind, name, non-secret config, counts of its last run). No secret is stored: a
# demo row cannot sync until someone enters real credentials and enables it.
DEMO: list[tuple[str, str, dict[str, Any], dict[str, int]]] = [
    (
        "okta",
        "Okta (demo)",
        {
            "base_url": "https://acme.okta.invalid",
            "page_limit": 1000,
            "lookback_hours": 24,
            "failure_burst": 5,
            "burst_window_minutes": 10,
        },
        {"fetched": 1840, "ingested": 7, "skipped": 0, "pages": 2},
    ),
    (
        "splunk",
        "Splunk HEC (demo)",
        {
            "hec_url": "https://splunk.acme.invalid:8088",
            "index": None,
            "source": "threatvec",
            "sourcetype": "threatvec:signal",
            "host": "threatvec",
            "kinds": [],
            "batch_size": 100,
        },
        {"fetched": 312, "forwarded": 312, "pages": 4},
    ),
    (
        "netskope",
        "Netskope (demo)",
        {
            "base_url": "https://acme.goskope.invalid",
            "alert_type": "dlp",
            "page_limit": 1000,
            "lookback_hours": 24,
            "lag_seconds": 60,
        },
        {"fetched": 41, "ingested": 9, "skipped": 1, "pages": 1},
    ),
]


def seed(*, session: Session, org_id: str) -> None:
    now = utcnow()
    for i, (kind, name, config, counts) in enumerate(DEMO):
        started = now - timedelta(minutes=20 + i * 7)
        status = "partial" if counts.get("skipped") else "ok"
        row = Integration(
            org_id=org_id,
            kind=kind,
            name=name,
            enabled=False,
            config=config,
            secrets_enc="",
            secret_hint="demo: no secret stored",  # noqa: S106 - a label, not a secret
            schedule_minutes=15,
            cursor={},
            last_run_at=started,
            last_status=status,
            last_counts={
                k: counts.get(k, 0) for k in ("fetched", "ingested", "forwarded", "skipped")
            },
            total_items=counts.get("ingested", 0) + counts.get("forwarded", 0),
        )
        session.add(row)
        session.flush()
        session.add(
            IntegrationRun(
                org_id=org_id,
                integration_id=row.id,
                kind=kind,
                trigger="schedule",
                status=status,
                started_at=started,
                finished_at=started + timedelta(seconds=3),
                detail={"demo": True},
                **counts,
            )
        )
    session.flush()
