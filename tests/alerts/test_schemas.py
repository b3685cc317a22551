"""Per-trigger params and per-kind channel settings: what is accepted, and where errors point."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from threatvec.alerts.schemas import ChannelCreate, RuleCreate


def _rule(condition: dict) -> RuleCreate:
    return RuleCreate.model_validate({"name": "r", "condition": condition})


@pytest.mark.parametrize(
    "condition,loc",
    [
        ({"trigger": "score_drop", "points": 0}, ("condition", "score_drop", "points")),
        ({"trigger": "score_drop", "points": 5, "hours": 0}, ("condition", "score_drop", "hours")),
        ({"trigger": "pii_spike"}, ("condition", "pii_spike", "threshold")),
        (
            {"trigger": "pii_spike", "threshold": 1, "categories": ["SALARY"]},
            ("condition", "pii_spike", "categories", 0),
        ),
        (
            {"trigger": "new_shadow_asset", "domains": ["https://x.com/a"]},
            ("condition", "new_shadow_asset", "domains"),
        ),
        (
            {"trigger": "red_team_bypass", "min_severity": "extreme"},
            ("condition", "red_team_bypass", "min_severity"),
        ),
        (
            {"trigger": "new_critical_cve", "min_cvss": 11},
            ("condition", "new_critical_cve", "min_cvss"),
        ),
    ],
)
def test_bad_params_name_trigger_and_field(condition: dict, loc: tuple) -> None:
    with pytest.raises(ValidationError) as info:
        _rule(condition)
    assert info.value.errors()[0]["loc"] == loc


def test_defaults_and_normalisation() -> None:
    r = _rule({"trigger": "new_shadow_asset", "domains": ["Chat.OpenAI.com.", "chat.openai.com"]})
    assert r.condition.domains == ["chat.openai.com"] and r.severity == "high"
    assert _rule({"trigger": "pii_spike", "threshold": 3}).condition.window_minutes == 60
    assert _rule({"trigger": "score_drop", "points": 2}).condition.compare == "previous"


def test_channel_settings_validation() -> None:
    ok = ChannelCreate.model_validate(
        {
            "name": "m",
            "settings": {
                "kind": "email",
                "host": "smtp.example.com",
                "sender": "a@example.com",
                "recipients": ["b@example.com", "b@example.com"],
            },
        }
    )
    assert ok.settings.recipients == ["b@example.com"] and ok.settings.port == 587
    with pytest.raises(ValidationError) as info:
        ChannelCreate.model_validate(
            {
                "name": "m",
                "settings": {
                    "kind": "email",
                    "host": "smtp.example.com",
                    "sender": "a@example.com",
                    "recipients": ["not an address"],
                },
            }
        )
    assert info.value.errors()[0]["loc"] == ("settings", "email", "recipients")
    with pytest.raises(ValidationError):
        ChannelCreate.model_validate(
            {"name": "s", "settings": {"kind": "slack", "webhook_url": "ftp://x"}}
        )
    with pytest.raises(ValidationError):
        ChannelCreate.model_validate(
            {"name": "p", "settings": {"kind": "pagerduty", "routing_key": "a b"}}
        )
