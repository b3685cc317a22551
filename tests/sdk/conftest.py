"""Fixtures for SDK tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .capture_server import CaptureServer


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    server = CaptureServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _sdk_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No THREATVEC_* from the outer environment; internal SDK errors raise in tests."""
    for key in list(os.environ):
        if key.startswith("THREATVEC_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("THREATVEC_SDK_DEBUG_RAISE", "1")
    yield


FAST = {
    "flush_interval": 0.05,
    "retry_initial_backoff": 0.02,
    "retry_max_backoff": 0.2,
    "shutdown_timeout": 3.0,
    "timeout": 2.0,
    "integrations": False,
}


@pytest.fixture
def make_client(capture: CaptureServer) -> Iterator[Callable[..., Any]]:
    from threatvec import ThreatVec

    made: list[Any] = []

    def factory(**overrides: Any) -> Any:
        options = {"server_url": capture.url, "agent_name": "test-agent", **FAST, **overrides}
        client = ThreatVec(**options)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.stop(timeout=1.0)
