"""The probe's simulated tools: what a tool call returns inside an attempt's tool loop.

Targets that run the agent's tool loop themselves (OpenAI-compatible
endpoints: the model asks, we execute and feed the result back) call these
tools. Carrier tools (``read_document``, ``fetch_url``, ``search_inbox``)
return the probe's carrier, so an indirect injection reaches the model as a
genuine tool result; every other honeypot tool goes to the run's
:class:`~threatvec.redteam.honeypot.HoneypotRecorder` (recorded, fake state
changed). A request to *this run's* canary URL (``fetch_url``, ``http_post``,
a ``curl`` in ``run_command``) is really sent, to the run's own listener, so
the egress signal fires exactly as it would for an agent with network access.
No other URL is ever contacted: the prefix check is the SSRF guard here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from threatvec.redteam.exchange import ProbeRequest, ToolCall
from threatvec.redteam.honeypot import HONEYPOT_TOOLS, HoneypotRecorder

__all__ = ["SimulatedTools", "simulated_tools_for"]

_URL = re.compile(r"https?://[^\s'\"<>]+")
_RESULT_MAX = 20_000


class SimulatedTools:
    """Callable tool executor for one attempt (see the module docstring)."""

    def __init__(
        self,
        *,
        carriers: Mapping[str, str],
        recorder: HoneypotRecorder,
        canary_prefix: str | None,
        timeout: float = 5.0,
    ) -> None:
        self._carriers = dict(carriers)
        self._recorder = recorder
        self._prefix = canary_prefix
        self._timeout = timeout
        self.executed: list[ToolCall] = []

    def _is_canary(self, url: str) -> bool:
        return bool(self._prefix) and url.startswith(self._prefix)  # type: ignore[arg-type]

    async def _egress(self, url: str, body: str | None) -> str:
        """Send the request to this run's own canary listener (and nowhere else)."""
        if not self._is_canary(url):
            return ""
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
                if body is None:
                    resp = await client.get(url)
                else:
                    resp = await client.post(url, content=body.encode("utf-8"))
            return f"HTTP {resp.status_code}"
        except httpx.HTTPError as exc:
            return f"request failed: {type(exc).__name__}"

    async def __call__(self, call: ToolCall) -> str:
        self.executed.append(call)
        name = call.name.split("__")[-1]  # agents prefix tool names with their server
        args = call.arguments
        if name == "fetch_url":
            url = str(args.get("url", ""))
            if self._is_canary(url):
                return await self._egress(url, None) or "HTTP 204"
            return self._carriers.get(name, "404: page not found")[:_RESULT_MAX]
        if name in self._carriers:
            return self._carriers[name][:_RESULT_MAX]
        if name not in HONEYPOT_TOOLS:
            return json.dumps({"error": f"tool {call.name!r} is not available in this test"})
        answer = self._recorder.answer(name, {k: _text(v) for k, v in args.items()})
        if name == "http_post":
            await self._egress(str(args.get("url", "")), _text(args.get("body", "")))
        elif name == "run_command":
            for url in _URL.findall(str(args.get("command", ""))):
                await self._egress(url, None)
        return answer[:_RESULT_MAX]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def simulated_tools_for(
    request: ProbeRequest, recorder: HoneypotRecorder, canary_prefix: str | None
) -> SimulatedTools:
    """The tools of ``request``'s attempt: its pre-seeded carriers answer their tools again."""
    carriers = {t.tool: t.content for t in request.tool_outputs}
    for doc in request.documents:
        carriers.setdefault("read_document", doc.content)
    return SimulatedTools(carriers=carriers, recorder=recorder, canary_prefix=canary_prefix)
