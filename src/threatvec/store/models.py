"""Imports every model module so the metadata (and Alembic) sees all tables.

A domain that adds models appends its module here.
"""

from __future__ import annotations

import importlib

from threatvec.store.base import Base

MODEL_MODULES = [
    "threatvec.orgs.models",
    "threatvec.assets.models",
    "threatvec.jobs.models",
    "threatvec.signals.models",
    "threatvec.shadow.models",
    "threatvec.agents.models",
    "threatvec.mcp.models",
    "threatvec.posture.models",
    "threatvec.vulns.models",
    "threatvec.redteam.models",
    "threatvec.alerts.models",
    "threatvec.integrations.models",
    "threatvec.enforcement.models",
]


def load_all_models() -> type[Base]:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base
