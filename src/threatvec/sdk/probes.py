"""AgentBench probes: the agent long-polls the server for a prompt, answers it, posts the reply.

Contract (docs/ingest-format.md, "Probes"):
`GET /api/v1/agentbench/probes/next?agent=<name>` → 200 `{"probe_id", "prompt", "context"}`
or 204 (nothing to do); `POST /api/v1/agentbench/probes/{probe_id}/reply` with
`{"output": str, "tool_calls": [...]}`. The handler returns a string, or a dict with
`output` and `tool_calls`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from threatvec.sdk.transport import HttpTransport
from threatvec.sdk.worker import backoff_delay, utf8, without_nul

__all__ = ["NEXT_PATH", "REPLY_PATH", "ProbeServer"]

logger = logging.getLogger("threatvec")

NEXT_PATH = "/api/v1/agentbench/probes/next"
REPLY_PATH = "/api/v1/agentbench/probes/{probe_id}/reply"
_PROBE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
MAX_OUTPUT_CHARS = 100_000
MAX_TOOL_CALLS = 200  # the server refuses a reply with more (422); probe budgets are far lower
MAX_WAIT_S = 60.0


class ProbeServer:
    """Background long-poll loop answering probes with the host's handler."""

    def __init__(
        self,
        *,
        server_url: str,
        agent_name: str,
        org_key: str | None,
        handler: Callable[[str, dict[str, Any]], Any],
        poll_timeout: float,
        is_live: Callable[[], bool],
    ) -> None:
        # The server holds a poll for 0-60 s and answers 422 to anything else.
        wait = min(MAX_WAIT_S, max(0.0, poll_timeout))
        self._transport = HttpTransport(server_url, org_key=org_key, timeout=wait + 5.0)
        self._agent = agent_name
        self._handler = handler
        self._poll_timeout = wait
        self._warned: set[int] = set()
        self._refusals = 0
        self._is_live = is_live
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.answered = 0

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="threatvec-probes", daemon=True)
        self._thread = thread
        thread.start()
        return thread

    def stop(self, timeout: float) -> bool:
        """End the loop: cut a long poll or a backoff short; False if the thread outlives `timeout`.

        A handler already running is the host's own code and is not interrupted.
        """
        self._stopping.set()
        self._transport.abort()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(max(0.0, timeout))
        return not thread.is_alive()

    def _running(self) -> bool:
        return not self._stopping.is_set() and self._is_live()

    def _run(self) -> None:
        failures = 0
        while self._running():
            try:
                handled = self._poll_once()
                failures = 0 if handled is not None else failures + 1
            except Exception:
                logger.warning("threatvec: probe loop error", exc_info=True)
                failures += 1
            if failures:
                self._stopping.wait(backoff_delay(failures - 1, 0.5, 30.0))
        self._transport.close()

    def _warn_refused(self, status: int, body: Any) -> None:
        # Otherwise a refused poll (wrong key, unknown agent) only shows as no probes.
        # A 404 is normal for a moment at start (the agent.register event is on its way).
        self._refusals = self._refusals + 1 if status == 404 else 0
        if status in self._warned or (status == 404 and self._refusals < 3):
            return
        self._warned.add(status)
        detail = body.get("detail") if isinstance(body, dict) else None
        logger.warning(
            "threatvec: the server refused to hand out probes (HTTP %s): %s",
            status,
            str(detail)[:300] if detail else "no detail",
        )

    def _poll_once(self) -> bool | None:
        """True: answered a probe; False: nothing to do; None: the server could not be asked."""
        path = f"{NEXT_PATH}?agent={quote(self._agent, safe='')}&wait={int(self._poll_timeout)}"
        reply = self._transport.request("GET", path)
        if reply.status == 204 or not self._running():
            # A probe that arrives as the client stops is left to expire on the server.
            return False
        if reply.status is not None and 400 <= reply.status < 500:
            self._warn_refused(reply.status, reply.body)
            return None
        if reply.status != 200 or not isinstance(reply.body, dict):
            return None
        probe_id = reply.body.get("probe_id")
        prompt = reply.body.get("prompt")
        context = reply.body.get("context") or {}
        if not isinstance(probe_id, str) or not _PROBE_ID.match(probe_id):
            return None
        if not isinstance(prompt, str) or not isinstance(context, dict):
            return None
        answer: dict[str, Any] = {"output": "", "tool_calls": []}
        try:
            result = self._handler(prompt, context)
            if isinstance(result, dict):
                output = result.get("output")
                answer["output"] = ("" if output is None else str(output))[:MAX_OUTPUT_CHARS]
                calls = result.get("tool_calls") or []
                if isinstance(calls, list | tuple):
                    answer["tool_calls"] = [_tool_call(c) for c in calls[:MAX_TOOL_CALLS]]
            else:
                answer["output"] = ("" if result is None else str(result))[:MAX_OUTPUT_CHARS]
        except Exception as exc:
            # The agent's own failure is an answer too: the probe records it as an error.
            answer["error"] = f"{type(exc).__name__}: {exc}"[:1000]
        # As for events: no NUL (the server cannot store one) and no lone surrogate.
        body = utf8(without_nul(json.dumps(answer, default=str, ensure_ascii=False)))
        sent = self._transport.request(
            "POST",
            REPLY_PATH.format(probe_id=probe_id),
            body=body,
            headers={"Content-Type": "application/json"},
        )
        if sent.status is not None and 400 <= sent.status < 500 and sent.status != 404:
            # A refused reply is lost: the probe ends as "did not answer" on the server.
            self._warn_reply_refused(sent.status, sent.body)
        self.answered += 1
        return True

    def _warn_reply_refused(self, status: int, body: Any) -> None:
        if -status in self._warned:
            return
        self._warned.add(-status)  # negative: apart from the poll's refusals
        detail = body.get("detail") if isinstance(body, dict) else None
        logger.warning(
            "threatvec: the server refused a probe reply (HTTP %s): %s",
            status,
            str(detail)[:300] if detail else "no detail",
        )


def _tool_call(item: Any) -> dict[str, Any]:
    """One reported tool call as the JSON object the server takes.

    Handlers report calls however their framework hands them over: dicts, plain
    names, or objects (``.name``/``.arguments``, ``.function``, pydantic
    ``model_dump``). The server accepts only objects, and one refused item lost the
    whole reply, so the probe ended as "did not answer" instead of a verdict.
    """
    if isinstance(item, dict):
        return item
    if isinstance(item, str):
        return {"name": item}
    dump = getattr(item, "model_dump", None) or getattr(item, "to_dict", None)
    if callable(dump):
        try:
            dumped = dump()
        except Exception:
            dumped = None
        if isinstance(dumped, dict):
            return dumped
    fn = getattr(item, "function", None)
    source = fn if fn is not None and getattr(fn, "name", None) else item
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        args = getattr(source, "arguments", getattr(source, "args", {}))
        return {"name": name, "arguments": args if isinstance(args, dict | str) else str(args)}
    return {"name": str(item)[:200]}
