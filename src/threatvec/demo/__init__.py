"""The demo organisation for `threatvec serve --demo`: each area seeds its own part.

Every area with demo data has a module exposing ``seed(*, session, org_id)``
listed in DEMO_MODULES; seeding runs once per demo database.
"""

from __future__ import annotations

import importlib
import logging

from sqlalchemy.orm import Session

from threatvec.orgs import service as orgs

__all__ = ["DEMO_MODULES", "DEMO_ORG_NAME", "seed_demo"]

log = logging.getLogger("threatvec.demo")
DEMO_ORG_NAME = "Demo Org"
DEMO_MODULES = [
    "threatvec.assets.demo",
    "threatvec.mcp.demo",
    "threatvec.shadow.demo",
    "threatvec.agents.demo",
    "threatvec.redteam.demo",
    "threatvec.vulns.demo",
    "threatvec.alerts.demo",
    "threatvec.integrations.demo",
    "threatvec.enforcement.demo",
    "threatvec.posture.demo",  # last: computes from the others' data
]
SEEDED_FLAG = "demo.seeded"


def seed_demo(*, session: Session, org_key: str | None = None) -> str:
    """Seed the demo org (once) and return its id."""
    org = orgs.ensure_default_org(session=session, org_key=org_key)
    org.name = DEMO_ORG_NAME
    if orgs.get_setting(session=session, org_id=org.id, name=SEEDED_FLAG):
        return org.id
    for name in DEMO_MODULES:
        importlib.import_module(name).seed(session=session, org_id=org.id)
        session.flush()
    orgs.put_setting(session=session, org_id=org.id, name=SEEDED_FLAG, value=True, by="demo")
    log.info("demo organisation seeded")
    return org.id
