"""AgentBench targets and ``build_target``, which turns a stored config into one.

Stored config shapes (JSON), by ``type``:

* ``openai_chat`` / ``openai_responses``: ``base_url``, ``model``,
  ``api_key_ref`` (a secret reference), ``system_prompt``, optional
  ``extra_tools`` (function definitions) and ``timeout``;
* ``http``: see :class:`HttpTarget.from_config` (``base_url``, ``steps``,
  ``reply_path``, ``tool_calls_path``, ``session_source``, ``headers``,
  ``channels``);
* ``sdk``: ``agent`` (the name the SDK registers with), ``timeout``,
  ``channels``.

Any of them may carry ``channels`` (which injection channels the agent
reaches), ``tool_capabilities`` (from an MCP ``tools/list``) and ``mcp_url``
(the agent's MCP server: listed at the start of each run to find those
capabilities, see ``redteam.tool_discovery``). ``http`` and
``sdk`` targets may set ``"honeypot": true`` when the agent connects to the
run's honeypot MCP endpoint (``{{honeypot_url}}`` in an HTTP step, or
``context["honeypot_mcp_url"]`` for an SDK handler); only then do the
honeypot's recorded calls count as observed. OpenAI-compatible targets are
always wired: AgentBench runs their tool loop against the honeypot itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from threatvec.redteam.channels import ALL_CHANNELS
from threatvec.redteam.targets.base import (
    SecretResolver,
    Target,
    TargetConfigError,
    call_target,
    guarded_async_client,
)
from threatvec.redteam.targets.http_flow import HttpStep, HttpTarget
from threatvec.redteam.targets.openai_compat import OpenAICompatTarget
from threatvec.redteam.targets.sdk_probe import (
    InMemoryProbeTransport,
    ProbeEnvelope,
    ProbeTransport,
    SdkProbeTarget,
)

__all__ = [
    "TARGET_TYPES",
    "HttpStep",
    "HttpTarget",
    "InMemoryProbeTransport",
    "OpenAICompatTarget",
    "ProbeEnvelope",
    "ProbeTransport",
    "SdkProbeTarget",
    "SecretResolver",
    "Target",
    "TargetConfigError",
    "build_target",
    "call_target",
    "guarded_async_client",
]

TARGET_TYPES = ("openai_chat", "openai_responses", "http", "sdk")


def _channels(config: Mapping[str, Any]) -> frozenset[str] | None:
    raw = config.get("channels")
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or not all(isinstance(c, str) for c in raw):
        raise TargetConfigError("channels must be a list of channel names")
    unknown = set(raw) - ALL_CHANNELS
    if unknown:
        raise TargetConfigError(f"unknown channels: {sorted(unknown)}")
    return frozenset(raw)


def build_target(
    config: Mapping[str, Any],
    *,
    resolve_secret: SecretResolver | None = None,
    probe_transport: ProbeTransport | None = None,
    allow_private: bool = False,
    allowed_hosts: tuple[str, ...] = (),
) -> Target:
    """A target from a stored config; raises TargetConfigError naming the bad field.

    ``allow_private`` / ``allowed_hosts`` are the deployment's outbound policy
    (agents are usually internal); they are never read from the config.
    """
    kind = config.get("type")
    channels = _channels(config)
    honeypot = config.get("honeypot", False)
    if not isinstance(honeypot, bool):
        raise TargetConfigError("honeypot must be true or false")
    caps = config.get("tool_capabilities")
    capabilities = frozenset(str(c) for c in caps) if isinstance(caps, list) else None
    mcp_url = config.get("mcp_url")
    if mcp_url is not None:
        parts = urlsplit(mcp_url) if isinstance(mcp_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise TargetConfigError("mcp_url must be the http(s) URL of the agent's MCP server")
    target: Any
    try:
        if kind in ("openai_chat", "openai_responses"):
            target = OpenAICompatTarget(
                base_url=str(config["base_url"]),
                model=str(config["model"]),
                api_key_ref=config.get("api_key_ref"),
                resolve_secret=resolve_secret,
                system_prompt=str(config.get("system_prompt", "")),
                api="chat" if kind == "openai_chat" else "responses",
                extra_tools=tuple(config.get("extra_tools") or ()),
                timeout=float(config.get("timeout", 60.0)),
                allow_private=allow_private,
                allowed_hosts=allowed_hosts,
                name=str(config.get("name", kind)),
            )
        elif kind == "http":
            target = HttpTarget.from_config(
                config,
                resolve_secret=resolve_secret,
                allow_private=allow_private,
                allowed_hosts=allowed_hosts,
            )
        elif kind == "sdk":
            if probe_transport is None:
                raise TargetConfigError("an sdk target needs the server's probe transport")
            target = SdkProbeTarget(
                agent=str(config["agent"]),
                transport=probe_transport,
                timeout=float(config.get("timeout", 60.0)),
                name=str(config.get("name", "sdk")),
            )
        else:
            raise TargetConfigError(f"type must be one of {TARGET_TYPES}")
    except KeyError as exc:
        raise TargetConfigError(f"missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        if isinstance(exc, TargetConfigError):
            raise
        raise TargetConfigError(str(exc)) from exc
    if channels is not None:
        target.channels = channels
    if capabilities is not None:
        target.tool_capabilities = capabilities
    if kind in ("http", "sdk"):
        target.uses_honeypot = honeypot
    return target  # type: ignore[no-any-return]
