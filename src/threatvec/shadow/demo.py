"""Demo Shadow AI data: two weeks of a 60-person team's AI use, extension and Copilot.

The mix shows every verdict: approved services (LOW), known but unregistered
ones (MEDIUM), unregistered services that received personal data, a registered
one that received PII its registration does not allow, and an unknown AI
service (HIGH). Deterministic, so screenshots and tests are stable.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.shadow import m365, service
from threatvec.shadow.pseudonym import OrgUserSalt
from threatvec.shadow.schemas import ShadowEventIn, ShadowRegister

# domain: (relative traffic, share of data events, PII categories it sometimes gets)
USAGE: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "chatgpt.com": (10.0, 0.35, ("EMAIL",)),
    "claude.ai": (5.0, 0.40, ("EMAIL", "CREDIT_CARD", "US_SSN")),
    "gemini.google.com": (4.0, 0.25, ()),
    "perplexity.ai": (3.0, 0.20, ()),
    "copilot.github.com": (4.0, 0.30, ("API_KEY",)),
    "chat.deepseek.com": (1.5, 0.45, ("API_KEY", "AWS_ACCESS_KEY", "PRIVATE_KEY")),
    "huggingface.co": (1.0, 0.10, ()),
    "midjourney.com": (0.8, 0.05, ()),
    "grammarly.com": (2.0, 0.50, ("EMAIL", "PHONE")),
    "otter.ai": (0.6, 0.30, ()),
    "askmydocs-bot.ai": (0.4, 0.60, ("EMAIL", "IBAN")),
}
UNKNOWN = {"askmydocs-bot.ai"}
USERS = [f"user{n:02d}@example.com" for n in range(60)]
DAYS = 14
APP_HOSTS = ("Word", "Teams", "Outlook", "Excel", "PowerPoint", "M365App")
RESOURCE_TYPES = ("docx", "xlsx", "pptx", "pdf", "TeamsMeeting", "email")
LABELS = ("5f3d2c1a-8b7e-4d6f-9a0b-1c2d3e4f5a6b", "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")


def _events(rng: random.Random, salt: OrgUserSalt) -> list[ShadowEventIn]:
    now = utcnow()
    domains = list(USAGE)
    weights = [USAGE[d][0] for d in domains]
    out: list[ShadowEventIn] = []
    for day in range(DAYS):
        # quieter weekends, a little growth over the fortnight
        base = 120 + day * 6
        if (now - timedelta(days=day)).weekday() >= 5:
            base //= 3
        for _ in range(base):
            domain = rng.choices(domains, weights)[0]
            _, data_share, pii = USAGE[domain]
            user = rng.choice(USERS)
            kind = "visit"
            counts: dict[str, int] = {}
            signals: dict[str, Any] = {}
            if rng.random() < data_share:
                kind = rng.choice(("paste", "paste", "submit", "upload"))
                if pii and rng.random() < 0.25:
                    for category in rng.sample(pii, k=rng.randint(1, len(pii))):
                        counts[category] = rng.randint(1, 4)
                if kind == "upload":
                    signals["files"] = rng.randint(1, 3)
                elif kind == "paste":
                    signals["via"] = "paste"
            if domain in UNKNOWN and kind == "visit":
                continue  # an unknown service is only reported when data went in
            when = now - timedelta(days=day, minutes=rng.randint(0, 9 * 60))
            out.append(
                ShadowEventIn.model_validate(
                    {
                        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "domain": domain,
                        "event_type": kind,
                        "pii_categories": list(counts),
                        "pii_counts": counts,
                        "occurred_at": when,
                        "browser": rng.choice(("chrome/138", "edge/137", "chromium/156")),
                        "user_hash": m365.user_pseudonym(salt, user),
                        "unknown_service": domain in UNKNOWN,
                        "signals": signals
                        | (
                            {"host_terms": ["ai", "bot", "docs"], "large_input": True, "score": 5}
                            if domain in UNKNOWN
                            else {}
                        ),
                    }
                )
            )
    return out


def _copilot_records(rng: random.Random) -> list[dict[str, Any]]:
    now = utcnow()
    records = []
    for _ in range(90):
        resources = [
            {
                "Type": rng.choice(RESOURCE_TYPES),
                **({"SensitivityLabelId": rng.choice(LABELS)} if rng.random() < 0.4 else {}),
            }
            for _ in range(rng.randint(0, 3))
        ]
        when = now - timedelta(days=rng.randint(0, DAYS - 1), minutes=rng.randint(0, 600))
        records.append(
            {
                "CreationTime": when.strftime("%Y-%m-%dT%H:%M:%S"),
                "Id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "Operation": "CopilotInteraction",
                "RecordType": m365.COPILOT_RECORD_TYPE,
                "UserId": rng.choice(USERS[:30]),
                "CopilotEventData": {
                    "AppHost": rng.choice(APP_HOSTS),
                    "AccessedResources": resources,
                    "Messages": [{"isPrompt": True}, {"isPrompt": False}],
                },
            }
        )
    return records


def seed(*, session: Session, org_id: str) -> None:
    rng = random.Random(20261125)
    salt = service.org_user_salt(session=session, org_id=org_id)
    events = _events(rng, salt)
    for start in range(0, len(events), 500):
        service.record_events(
            session=session, org_id=org_id, events=events[start : start + 500], source="extension"
        )
    m365.import_records(session=session, org_id=org_id, records=_copilot_records(rng))
    by_domain = {s.domain: s for s in service.refresh_risk(session=session, org_id=org_id)}
    # ChatGPT Enterprise (the assets demo) may receive work e-mail addresses;
    # GitHub Copilot is approved but API keys pasted into it are not allowed.
    registrations = {
        "chatgpt.com": ShadowRegister(name="ChatGPT Enterprise", allowed_pii=["EMAIL"]),
        "copilot.github.com": ShadowRegister(name="GitHub Copilot"),
        m365.COPILOT_DOMAIN: ShadowRegister(name="Microsoft 365 Copilot", owner="it@example.com"),
        "grammarly.com": ShadowRegister(
            name="Grammarly Business", approved=True, allowed_pii=["EMAIL", "PHONE"]
        ),
    }
    for domain, data in registrations.items():
        s = by_domain.get(domain)
        if s is not None:
            service.register_service(session=session, org_id=org_id, service_id=s.id, data=data)
    claude = by_domain.get("claude.ai")
    if claude is not None:
        service.add_alert_intent(
            session=session, org_id=org_id, service_id=claude.id, trigger="pii", actor="demo"
        )
