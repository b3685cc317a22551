from __future__ import annotations

from collections.abc import Iterator

import pytest

from .provider_server import ProviderServer


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    server = ProviderServer()
    yield server
    server.close()
