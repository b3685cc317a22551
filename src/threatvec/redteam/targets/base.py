"""The ``Target`` protocol every AgentBench target implements, and shared helpers.

A target declares the injection channels it can reach (``channels``) and
whether tool calls are visible in its replies (``observes_tool_calls``), and
answers one :class:`~threatvec.redteam.exchange.ProbeRequest` at a time with
``send``, which may be ``async`` or plain. ``send`` must not raise for
transport or API problems: it returns ``TargetReply.failed(...)`` so the
attempt is judged ERROR.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable, Collection
from typing import Protocol, runtime_checkable

import httpx

from threatvec.core.outbound import OutboundBlocked, check_url
from threatvec.redteam.exchange import ProbeRequest, TargetReply

__all__ = [
    "LoopClient",
    "SecretResolver",
    "Target",
    "TargetConfigError",
    "call_target",
    "guarded_async_client",
    "resolve_secret_refs",
]

# Resolves a secret reference (e.g. "agent-42/api-key") to its value. The store
# keeps secrets encrypted; targets only ever hold the reference.
SecretResolver = Callable[[str], str]

_SECRET_REF = re.compile(r"\{\{\s*secret:([A-Za-z0-9_.:/-]{1,200})\s*\}\}")


class TargetConfigError(ValueError):
    """A stored target configuration is invalid; the message names the field."""


@runtime_checkable
class Target(Protocol):
    name: str
    channels: frozenset[str]
    observes_tool_calls: bool

    def send(self, request: ProbeRequest) -> Awaitable[TargetReply] | TargetReply: ...


async def call_target(target: Target, request: ProbeRequest) -> TargetReply:
    """Call ``target.send`` whether it is async or sync (sync runs in a worker thread)."""
    send = target.send
    if inspect.iscoroutinefunction(send):
        reply: TargetReply = await send(request)
        return reply
    result = await asyncio.to_thread(send, request)
    if inspect.isawaitable(result):
        return await result
    return result


def resolve_secret_refs(text: str, resolver: SecretResolver | None) -> str:
    """Replace ``{{secret:ref}}`` with the resolved value (headers only; never logged)."""

    def sub(m: re.Match[str]) -> str:
        if resolver is None:
            raise TargetConfigError(f"secret reference {m.group(1)!r} but no resolver")
        return resolver(m.group(1))

    return _SECRET_REF.sub(sub, text)


def guarded_async_client(
    *,
    allow_private: bool = False,
    allowed_hosts: Collection[str] = (),
    timeout: float = 30.0,
) -> httpx.AsyncClient:
    """An httpx AsyncClient whose every request passes the SSRF guard of ``core.outbound``.

    Agent URLs are user input. Internal agents (the usual case) need
    ``allow_private=True`` or the host on ``allowed_hosts``, set from the
    deployment's outbound policy.
    """

    async def guard(request: httpx.Request) -> None:
        # check_url resolves DNS synchronously: keep it off the event loop.
        await asyncio.to_thread(
            check_url, str(request.url), allow_private=allow_private, allowed_hosts=allowed_hosts
        )

    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        event_hooks={"request": [guard]},
        headers={"User-Agent": "ThreatVec-AgentBench"},
    )


class LoopClient:
    """One guarded AsyncClient per event loop (creating one per request costs an SSL context).

    A client is bound to the loop it was first used on; a run on another loop
    (a new ``asyncio.run``) gets a fresh client, and ``fresh`` tells callers
    that per-client state such as a login must be redone.
    """

    def __init__(self, **kwargs: object) -> None:
        self._kwargs = kwargs
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.fresh = False

    def get(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        self.fresh = self._client is None or self._loop is not loop or self._client.is_closed
        if self.fresh:
            self._client = guarded_async_client(**self._kwargs)  # type: ignore[arg-type]
            self._loop = loop
        assert self._client is not None
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None


def describe_http_error(exc: Exception) -> str:
    """A short, secret-free description of a transport failure."""
    if isinstance(exc, OutboundBlocked):
        return f"blocked by outbound policy: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return f"{type(exc).__name__}: {str(exc)[:200]}"
