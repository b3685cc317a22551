"""SDK settings: each one declared once with its env var, type and default.

Resolution order is argument → environment → default. A bad environment value
logs a warning and falls back to the default; a bad *argument* type is the
caller's bug and also falls back (the SDK must never raise into the host),
while an unknown argument *name* is a ``TypeError`` raised by the constructor.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["OPTION_NAMES", "Settings", "parse_bool", "resolve_settings"]

logger = logging.getLogger("threatvec")

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})

CAPABILITY_KEYS = ("private_data", "untrusted_content", "external_comms")


def parse_bool(value: str) -> bool | None:
    """`"true"/"1"/"yes"/"on"` → True, `"false"/"0"/"no"/"off"/""` → False, else None."""
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


@dataclass(frozen=True)
class _Option:
    name: str
    kind: type
    default: Any
    env: str | None = None
    minimum: float | None = None


# One row per setting. `kind` is the expected type after parsing the env var.
_OPTIONS: tuple[_Option, ...] = (
    _Option("server_url", str, None, "THREATVEC_URL"),
    _Option("agent_name", str, None, "THREATVEC_AGENT_NAME"),
    _Option("org_key", str, None, "THREATVEC_ORG_KEY"),
    _Option("enabled", bool, True, "THREATVEC_ENABLED"),
    _Option("queue_size", int, 10_000, "THREATVEC_QUEUE_SIZE", 1),
    _Option("batch_size", int, 200, "THREATVEC_BATCH_SIZE", 1),
    _Option("flush_interval", float, 1.0, "THREATVEC_FLUSH_INTERVAL", 0.001),
    _Option("heartbeat_interval", float, 30.0, "THREATVEC_HEARTBEAT_INTERVAL", 0.01),
    _Option("timeout", float, 10.0, "THREATVEC_TIMEOUT", 0.001),
    _Option("batch_deadline", float, 60.0, "THREATVEC_BATCH_DEADLINE", 0.001),
    _Option("retry_initial_backoff", float, 0.5, None, 0.0),
    _Option("retry_max_backoff", float, 30.0, None, 0.0),
    _Option("shutdown_timeout", float, 2.0, "THREATVEC_SHUTDOWN_TIMEOUT", 0.0),
    _Option("capture_content", bool, False, "THREATVEC_CAPTURE_CONTENT"),
    _Option("max_content_chars", int, 4000, None, 0),
    _Option("max_scan_chars", int, 16_000, "THREATVEC_MAX_SCAN_CHARS", 1000),
    _Option("capabilities", dict, None),
    _Option("rules", list, None),
    _Option("integrations", object, None),
)

OPTION_NAMES: frozenset[str] = frozenset(o.name for o in _OPTIONS)


@dataclass(frozen=True)
class Settings:
    """Resolved, validated settings of one client."""

    server_url: str | None = None
    agent_name: str | None = None
    org_key: str | None = None
    enabled: bool = True
    queue_size: int = 10_000
    batch_size: int = 200
    flush_interval: float = 1.0
    heartbeat_interval: float = 30.0
    timeout: float = 10.0
    batch_deadline: float = 60.0
    retry_initial_backoff: float = 0.5
    retry_max_backoff: float = 30.0
    shutdown_timeout: float = 2.0
    capture_content: bool = False
    max_content_chars: int = 4000
    max_scan_chars: int = 16_000
    capabilities: dict[str, bool] = field(default_factory=dict)
    rules: tuple[str, ...] = ()
    integrations: Mapping[str, bool] | bool = True

    def __repr__(self) -> str:
        # The org key is a secret: never let it reach a log line through repr().
        shown = "set" if self.org_key else "unset"
        return (
            f"Settings(server_url={self.server_url!r}, agent_name={self.agent_name!r}, "
            f"org_key=<{shown}>, enabled={self.enabled})"
        )


def _from_env(option: _Option, raw: str) -> Any:
    if option.kind is bool:
        parsed = parse_bool(raw)
        if parsed is None:
            raise ValueError(f"expected true/false, got {raw!r}")
        return parsed
    if option.kind is int:
        return int(raw.strip())
    if option.kind is float:
        return float(raw.strip())
    return raw.strip() or None


def _check(option: _Option, value: Any) -> Any:
    if value is None:
        return None
    kind = option.kind
    if kind is object:
        return value
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is int and isinstance(value, bool):
        raise ValueError("expected an integer")
    if not isinstance(value, kind):
        raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
    if option.minimum is not None and isinstance(value, int | float) and value < option.minimum:
        raise ValueError(f"must be >= {option.minimum}")
    return value


def _normalise_capabilities(value: Any) -> dict[str, bool]:
    if not value:
        return {}
    out: dict[str, bool] = {}
    for key in CAPABILITY_KEYS:
        if key in value and value[key] is not None:
            out[key] = bool(value[key])
    unknown = set(value) - set(CAPABILITY_KEYS)
    if unknown:
        logger.warning("threatvec: ignoring unknown capabilities %s", sorted(unknown))
    return out


def _normalise_rules(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    rules: list[str] = []
    for item in value:
        if isinstance(item, str) and item.strip() and len(item) <= 128:
            rules.append(item.strip())
        else:
            logger.warning("threatvec: ignoring invalid guard rule id %r", item)
    return tuple(dict.fromkeys(rules))


def _normalise_integrations(value: Any) -> Mapping[str, bool] | bool:
    if value is None or value is True:
        return True
    if value is False:
        return False
    if isinstance(value, Mapping):
        return {str(k): bool(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        # A list names the integrations to turn on; everything else is off.
        return {"__only__": True, **{str(k): True for k in value}}
    logger.warning("threatvec: ignoring invalid integrations=%r", value)
    return True


def resolve_settings(
    arguments: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> Settings:
    """Resolve every option (argument → environment → default) into a `Settings`."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for option in _OPTIONS:
        value = arguments.get(option.name)
        if value is not None:
            try:
                value = _check(option, value)
            except ValueError as exc:
                logger.warning(
                    "threatvec: invalid %s argument (%s); using the default", option.name, exc
                )
                value = None
        if value is None and option.env is not None and option.env in env:
            try:
                value = _check(option, _from_env(option, env[option.env]))
            except ValueError as exc:
                logger.warning(
                    "threatvec: invalid %s=%r (%s); using the default",
                    option.env,
                    "<redacted>" if option.name == "org_key" else env[option.env],
                    exc,
                )
                value = None
        values[option.name] = option.default if value is None else value

    url = values["server_url"]
    if isinstance(url, str):
        url = url.strip().rstrip("/") or None
    values["server_url"] = url
    key = values["org_key"]
    # A key read from a file keeps its newline; a header cannot carry it.
    values["org_key"] = (key.strip() or None) if isinstance(key, str) else None
    name = values["agent_name"]
    values["agent_name"] = name.strip()[:200] if isinstance(name, str) and name.strip() else None
    values["capabilities"] = _normalise_capabilities(values["capabilities"])
    values["rules"] = _normalise_rules(values["rules"])
    values["integrations"] = _normalise_integrations(values["integrations"])
    return Settings(**values)
