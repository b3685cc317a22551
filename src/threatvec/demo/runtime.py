"""Live parts of the demo (e.g. agent processes), started next to the server.

Areas add starters to RUNTIME_STARTERS: ``start(app, settings) -> None``; each
must stop its processes at exit, and a module-level ``stop()`` lets the server
stop them itself before it exits.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from threatvec.core.settings import Settings

log = logging.getLogger("threatvec.demo")
RUNTIME_STARTERS: list[str] = [
    "threatvec.demo.agents_runtime",
]


def start_demo_runtime(app: Any, settings: Settings) -> None:
    for name in RUNTIME_STARTERS:
        try:
            importlib.import_module(name).start(app, settings)
        except Exception:
            log.exception("demo runtime %s did not start", name)


def stop_demo_runtime() -> None:
    """Stop every started area's processes now (each ``stop`` is safe to call twice)."""
    for name in RUNTIME_STARTERS:
        stop = getattr(importlib.import_module(name), "stop", None)
        if stop is None:
            continue
        try:
            stop()
        except Exception:
            log.exception("demo runtime %s did not stop", name)
