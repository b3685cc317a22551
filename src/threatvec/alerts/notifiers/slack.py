"""Slack incoming webhooks: a JSON body with fallback ``text`` and Block Kit ``blocks``."""

from __future__ import annotations

import json
from typing import Any

import httpx

from threatvec.alerts.notifiers.http_post import post
from threatvec.alerts.notifiers.message import AlertMessage

__all__ = ["payload", "send"]

_EMOJI = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "medium": ":large_yellow_circle:",
}


def _esc(text: str) -> str:
    # Slack's mrkdwn treats &, < and > as control characters (links, mentions).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(escaped: str, limit: int = 2900) -> str:
    """Escaped text cut to ``limit`` without splitting an entity ('&am' would show as is)."""
    cut = escaped[:limit]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut


def _context(msg: AlertMessage) -> dict[str, Any]:
    line = (
        f"rule: {msg.rule_name} · trigger: {msg.trigger} · "
        f"occurrences: {msg.occurrences} · alert {msg.alert_id}"
    )
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _esc(line)}]}


def _resolved(msg: AlertMessage) -> dict[str, Any]:
    text = f"[RESOLVED] {msg.title}"
    when = f" at {msg.resolved_at:%Y-%m-%d %H:%M} UTC" if msg.resolved_at else ""
    where, by = "ThreatVec", msg.resolved_by or ""
    if by == "PagerDuty" or by.startswith("PagerDuty: "):
        # Resolved by the on-call engineer in PagerDuty (alerts.pagerduty_sync): say so.
        where, by = "PagerDuty", by.removeprefix("PagerDuty").removeprefix(": ")
    who = f" by {by}" if by else ""
    why = f" {msg.resolution[:1].upper()}{msg.resolution[1:]}." if msg.resolution else ""
    said = _cut(_esc(f"Resolved in {where}{who}{when}.{why}"))
    return {
        "text": _esc(text),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": text[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f":white_check_mark: {said}"}},
            _context(msg),
        ],
    }


def _reopened(msg: AlertMessage) -> dict[str, Any]:
    text = f"[REOPENED] {msg.title}"
    said = msg.details.get("reopened")
    said = said if isinstance(said, dict) else {}
    where, by = "ThreatVec", str(said.get("by") or "")
    if by == "PagerDuty" or by.startswith("PagerDuty: "):
        where, by = "PagerDuty", by.removeprefix("PagerDuty").removeprefix(": ")
    who = f" by {by}" if by else ""
    at = str(said.get("at") or "")
    # "2026-11-28T09:41:07.123+00:00" -> "2026-11-28 09:41"
    when = f" at {at[:10]} {at[11:16]} UTC" if len(at) >= 16 else ""
    line = _cut(_esc(f"Reopened in {where}{who}{when}: it is open again."))
    return {
        "text": _esc(text),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": text[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f":rotating_light: {line}"}},
            _context(msg),
        ],
    }


def payload(msg: AlertMessage) -> dict[str, Any]:
    if msg.action == "resolve":
        return _resolved(msg)
    if msg.action == "reopen":
        return _reopened(msg)
    mark = _EMOJI.get(msg.severity, ":white_circle:")
    text = f"[{msg.severity.upper()}] {msg.title}"
    return {
        "text": _esc(text),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": text[:150]}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"{mark} {_cut(_esc(msg.summary))}"},
            },
            _context(msg),
        ],
    }


def send(client: httpx.Client, *, webhook_url: str, msg: AlertMessage) -> int:
    body = json.dumps(payload(msg)).encode()
    return post(
        client,
        webhook_url,
        body=body,
        headers={"Content-Type": "application/json"},
        secrets=[webhook_url],
        ok=(200,),
    )
