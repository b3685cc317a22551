"""Fixtures for the alerts tests: the app's SecretBox, channels pointing at local receivers."""

from __future__ import annotations

from typing import Any

import pytest

from threatvec.alerts import service
from threatvec.alerts.schemas import ChannelCreate, RuleCreate
from threatvec.core.crypto import SecretBox

# The key tests.conftest.settings_for_tests gives the app, so API-made channels decrypt here too.
TEST_SECRET_KEY = "test-secret-key-" + "x" * 32
WEBHOOK_SECRET = "whsec-" + "s" * 26


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(TEST_SECRET_KEY)


def add_channel(
    session: Any, org_id: str, box: SecretBox, name: str, settings: dict[str, Any]
) -> str:
    data = ChannelCreate.model_validate({"name": name, "settings": settings})
    channel = service.create_channel(
        session=session, org_id=org_id, data=data, box=box, allow_private=True
    )
    return channel.id


def add_rule(session: Any, org_id: str, condition: dict[str, Any], **fields: Any) -> str:
    data = RuleCreate.model_validate(
        {"name": f"rule {condition['trigger']}", "condition": condition, **fields}
    )
    return service.create_rule(session=session, org_id=org_id, data=data).id
