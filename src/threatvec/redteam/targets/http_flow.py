"""Generic HTTP target: a JSON body template and an ordered multi-request flow.

A flow is a list of steps (e.g. login → create conversation → send). Each
step's URL, headers and JSON body may use placeholders: ``{{prompt}}``,
``{{honeypot_url}}`` (the run's honeypot MCP endpoint),
``{{session_id}}``, ``{{history}}``, ``{{system}}``, values captured by
earlier steps (``{{token}}``), and ``{{secret:ref}}`` secret references.
Substitution walks the parsed JSON template and replaces inside string values,
so a prompt full of quotes can never break the JSON (and a string that is only
``{{history}}`` becomes the history list itself). Captures read the response:
``$.json.path``, ``header:Name`` or ``cookie:Name``. Steps with
``scope="target"`` (a login) run once and are re-run once if the send step
answers 401/403; cookies persist in the client's jar.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from threatvec.redteam.channels import ALL_CHANNELS, DIRECT, DOCUMENT
from threatvec.redteam.exchange import ProbeRequest, TargetReply, ToolCall
from threatvec.redteam.jsonpath import compile_path, find_all, find_first
from threatvec.redteam.targets.base import (
    LoopClient,
    SecretResolver,
    TargetConfigError,
    describe_http_error,
    resolve_secret_refs,
)

__all__ = ["HttpStep", "HttpTarget", "StepFailed"]

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_MAX_STEPS = 10


class StepFailed(RuntimeError):
    def __init__(self, step: str, message: str, status: int | None = None) -> None:
        super().__init__(f"step {step!r}: {message}")
        self.status = status


@dataclass(frozen=True)
class HttpStep:
    """One request of a flow; the last step of the target's flow is the one that sends the probe."""

    name: str
    url: str  # absolute, or a path joined to the target's base_url
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # a JSON value (or a JSON string) with placeholders inside strings
    captures: Mapping[str, str] = field(default_factory=dict)
    scope: str = "attempt"  # "target": once per target (login); "attempt": every attempt
    expect_status: tuple[int, ...] = (200, 201)

    def __post_init__(self) -> None:
        if self.method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise TargetConfigError(f"step {self.name}: unsupported method {self.method!r}")
        if self.scope not in ("target", "attempt"):
            raise TargetConfigError(f"step {self.name}: scope must be 'target' or 'attempt'")
        if isinstance(self.body, str):
            try:
                object.__setattr__(self, "body", json.loads(self.body))
            except json.JSONDecodeError as exc:
                raise TargetConfigError(f"step {self.name}: body is not valid JSON") from exc
        for var, source in self.captures.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
                raise TargetConfigError(f"step {self.name}: bad capture name {var!r}")
            if source.startswith("$"):
                try:
                    compile_path(source)
                except ValueError as exc:
                    raise TargetConfigError(f"step {self.name}: {exc}") from exc
            elif not source.startswith(("header:", "cookie:")):
                raise TargetConfigError(
                    f"step {self.name}: capture {var!r} must be $..., header: or cookie:"
                )

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> HttpStep:
        return HttpStep(
            name=str(data.get("name") or "step"),
            url=str(data["url"]),
            method=str(data.get("method", "POST")).upper(),
            headers=dict(data.get("headers") or {}),
            body=data.get("body"),
            captures=dict(data.get("captures") or {}),
            scope=str(data.get("scope", "attempt")),
            expect_status=tuple(data.get("expect_status") or (200, 201)),
        )


def substitute(template: Any, values: Mapping[str, Any]) -> Any:
    """Fill placeholders inside a parsed JSON template; never builds JSON from strings."""
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template.strip())
        if whole and whole.group(1) in values and not isinstance(values[whole.group(1)], str):
            return values[whole.group(1)]  # e.g. "{{history}}" → the list itself

        def text(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in values:
                return m.group(0)
            value = values[name]
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

        return _PLACEHOLDER.sub(text, template)
    if isinstance(template, dict):
        return {k: substitute(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [substitute(v, values) for v in template]
    return template


@dataclass
class HttpTarget:
    """An agent behind its own HTTP API, reached through an ordered request flow."""

    base_url: str
    steps: tuple[HttpStep, ...]
    reply_path: str
    tool_calls_path: str | None = None
    tool_name_key: str = "name"
    tool_args_key: str = "arguments"
    session_source: str = "uuid"  # "uuid" | "capture:<var>" | "fixed:<value>"
    headers: Mapping[str, str] = field(default_factory=dict)
    resolve_secret: SecretResolver | None = None
    timeout: float = 60.0
    allow_private: bool = False
    allowed_hosts: tuple[str, ...] = ()
    name: str = "http"
    channels: frozenset[str] = field(default=frozenset({DIRECT, DOCUMENT}))
    observes_tool_calls: bool = False
    tool_capabilities: frozenset[str] | None = None  # from MCP tools/list; None = unknown
    uses_honeypot: bool = False  # the agent connects to {{honeypot_url}} (config "honeypot")
    _http: LoopClient | None = field(default=None, init=False, repr=False)
    _target_vars: dict[str, Any] | None = field(default=None, init=False, repr=False)
    _init_lock: asyncio.Lock | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise TargetConfigError("base_url must be an http(s) URL")
        if not self.steps or len(self.steps) > _MAX_STEPS:
            raise TargetConfigError(f"a flow needs 1 to {_MAX_STEPS} steps")
        if self.steps[-1].scope != "attempt":
            raise TargetConfigError("the last step sends the probe and must have scope 'attempt'")
        compile_path(self.reply_path)
        if self.tool_calls_path:
            compile_path(self.tool_calls_path)
            self.observes_tool_calls = True
        if not self.session_source.startswith(("uuid", "capture:", "fixed:")):
            raise TargetConfigError("session_source must be uuid, capture:<var> or fixed:<value>")
        unknown = set(self.channels) - ALL_CHANNELS
        if unknown:
            raise TargetConfigError(f"unknown channels {sorted(unknown)}")

    @staticmethod
    def from_config(
        config: Mapping[str, Any],
        *,
        resolve_secret: SecretResolver | None = None,
        allow_private: bool = False,
        allowed_hosts: tuple[str, ...] = (),
    ) -> HttpTarget:
        """Build from a stored JSON config (see docs/redteam.md for the shape)."""
        try:
            steps = tuple(HttpStep.from_dict(s) for s in config["steps"])
            return HttpTarget(
                base_url=str(config["base_url"]),
                steps=steps,
                reply_path=str(config["reply_path"]),
                tool_calls_path=config.get("tool_calls_path"),
                tool_name_key=str(config.get("tool_name_key", "name")),
                tool_args_key=str(config.get("tool_args_key", "arguments")),
                session_source=str(config.get("session_source", "uuid")),
                headers=dict(config.get("headers") or {}),
                resolve_secret=resolve_secret,
                timeout=float(config.get("timeout", 60.0)),
                # Outbound policy comes from the deployment, never from the stored config.
                allow_private=allow_private,
                allowed_hosts=allowed_hosts,
                name=str(config.get("name", "http")),
                channels=frozenset(config.get("channels") or (DIRECT, DOCUMENT)),
            )
        except (KeyError, TypeError) as exc:
            raise TargetConfigError(f"http target config: missing or bad field {exc}") from exc

    def _url(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            return url
        return self.base_url.rstrip("/") + "/" + url.lstrip("/")

    def _client_or_new(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = LoopClient(
                allow_private=self.allow_private,
                allowed_hosts=self.allowed_hosts,
                timeout=self.timeout,
            )
        client = self._http.get()
        if self._http.fresh:
            # A new client has an empty cookie jar: the login must be redone.
            self._target_vars = None
            self._init_lock = None
        return client

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def _run_step(self, step: HttpStep, values: dict[str, Any]) -> httpx.Response:
        client = self._client_or_new()
        url = substitute(self._url(step.url), {k: str(v) for k, v in values.items()})
        # Secret references are resolved in the *template* first: values substituted
        # afterwards (probe text, captured replies) are untrusted and must never be
        # able to name a secret with "{{secret:...}}".
        headers = {}
        for key, value in {**self.headers, **step.headers}.items():
            template = resolve_secret_refs(str(value), self.resolve_secret)
            headers[key] = str(substitute(template, {k: str(v) for k, v in values.items()}))
        body = None
        if step.body is not None:
            body = substitute(_resolve_in_json(step.body, self.resolve_secret), values)
        resp = await client.request(step.method, url, json=body, headers=headers)
        if resp.status_code not in step.expect_status:
            raise StepFailed(step.name, f"HTTP {resp.status_code}", resp.status_code)
        data: Any = None
        for var, source in step.captures.items():
            if source.startswith("header:"):
                captured = resp.headers.get(source[7:])
            elif source.startswith("cookie:"):
                captured = resp.cookies.get(source[7:]) or client.cookies.get(source[7:])
            else:
                if data is None:
                    try:
                        data = resp.json()
                    except ValueError as exc:
                        raise StepFailed(step.name, "response is not JSON") from exc
                captured = find_first(data, source)
            if captured is None:
                raise StepFailed(step.name, f"capture {var!r} found nothing")
            values[var] = captured
        return resp

    async def _login(self, force: bool = False) -> dict[str, Any]:
        self._client_or_new()
        if self._init_lock is None:
            self._init_lock = asyncio.Lock()
        async with self._init_lock:
            if self._target_vars is None or force:
                values: dict[str, Any] = {}
                for step in self.steps:
                    if step.scope == "target":
                        await self._run_step(step, values)
                self._target_vars = values
            return dict(self._target_vars)

    async def _attempt(self, request: ProbeRequest, target_vars: dict[str, Any]) -> httpx.Response:
        values: dict[str, Any] = dict(target_vars)
        values.update(
            prompt=request.prompt_with_documents(),
            history=request.history_json(),
            system=request.system_prompt,
            honeypot_url=request.honeypot_url,
        )
        if self.session_source.startswith("fixed:"):
            values["session_id"] = self.session_source[6:]
        elif self.session_source == "uuid":
            values["session_id"] = str(uuid.uuid4())
        attempt_steps = [s for s in self.steps if s.scope == "attempt"]
        for step in attempt_steps:
            if self.session_source.startswith("capture:") and step is attempt_steps[-1]:
                var = self.session_source[8:]
                if var not in values:
                    raise StepFailed(step.name, f"session variable {var!r} was never captured")
                values["session_id"] = values[var]
            resp = await self._run_step(step, values)
        return resp

    def parse_reply(self, data: Any) -> TargetReply:
        text = find_first(data, self.reply_path)
        calls: list[ToolCall] = []
        if self.tool_calls_path:
            for item in find_all(data, self.tool_calls_path):
                items = item if isinstance(item, list) else [item]
                for call in items:
                    if isinstance(call, dict) and call.get(self.tool_name_key):
                        calls.append(
                            ToolCall.parse(
                                call[self.tool_name_key], call.get(self.tool_args_key, {})
                            )
                        )
        if text is None and not calls:
            return TargetReply.failed(f"nothing at {self.reply_path} in the reply")
        return TargetReply(output="" if text is None else str(text), tool_calls=tuple(calls))

    async def send(self, request: ProbeRequest) -> TargetReply:
        started = time.perf_counter()
        try:
            target_vars = await self._login()
            try:
                resp = await self._attempt(request, target_vars)
            except StepFailed as exc:
                if exc.status not in (401, 403) or not any(s.scope == "target" for s in self.steps):
                    raise
                # The login expired: log in again once, then retry the attempt.
                resp = await self._attempt(request, await self._login(force=True))
            data = resp.json()
        except StepFailed as exc:
            return TargetReply.failed(str(exc), status=exc.status)
        except (httpx.HTTPError, ValueError) as exc:
            return TargetReply.failed(describe_http_error(exc))
        reply = self.parse_reply(data)
        return TargetReply(
            output=reply.output,
            tool_calls=reply.tool_calls,
            error=reply.error,
            status=resp.status_code,
            latency_ms=(time.perf_counter() - started) * 1000,
        )


def _resolve_in_json(value: Any, resolver: SecretResolver | None) -> Any:
    if isinstance(value, str):
        return resolve_secret_refs(value, resolver) if "{{" in value else value
    if isinstance(value, dict):
        return {k: _resolve_in_json(v, resolver) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_in_json(v, resolver) for v in value]
    return value
