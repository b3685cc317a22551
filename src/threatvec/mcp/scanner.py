"""Connecting to MCP servers and listing what they offer, with the official SDK.

One server: `enumerate_server(spec)` connects (stdio, streamable HTTP or
legacy SSE), negotiates (``server/discover``, falling back to ``initialize``),
then lists tools (following ``nextCursor``) and — when the server advertises
the capability — prompts, resources and resource templates. A method a server
does not implement is a warning on the snapshot, not a failure.

Many servers: `scan_servers(specs)` runs them concurrently, each under its own
time limit; a failure becomes a `ScanOutcome` with status ``error`` or
``timeout`` and the others go on. Local commands are started only with consent
(`allow_stdio`); otherwise they come back ``skipped``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import anyio

from threatvec.mcp.identity import ServerIdentity, derive_identity
from threatvec.mcp.redact import redact_text, scrub_value, secrets_to_scrub
from threatvec.mcp.snapshot import ServerSnapshot
from threatvec.mcp.spec import ServerSpec

__all__ = [
    "ScanOutcome",
    "ScanStatus",
    "enumerate_server",
    "expand_env_refs",
    "load_static",
    "scan_servers",
    "scan_servers_sync",
]

ScanStatus = Literal["ok", "error", "timeout", "skipped"]

DEFAULT_TIMEOUT = 30.0
MAX_PAGES = 200  # a paginator that never ends must not hang a scan
MAX_ITEMS = 10_000
MAX_STATIC_BYTES = 20 * 1024 * 1024
METHOD_NOT_FOUND = -32601
NEEDS_CONSENT = "skipped: needs consent to start a local command (interactive prompt or --yes)"


@dataclass
class ScanOutcome:
    """Result of scanning one server: a snapshot, or why there is none."""

    spec: ServerSpec
    identity: ServerIdentity
    status: ScanStatus
    snapshot: ServerSnapshot | None = None
    error: str | None = None
    duration_ms: int = 0


_ENV_REF = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env_refs(value: str, environ: Mapping[str, str] | None = None) -> str:
    """Expand `${VAR}`, `${env:VAR}` and `${VAR:-default}` as clients do at launch."""
    env = os.environ if environ is None else environ
    return _ENV_REF.sub(lambda m: env.get(m.group(1), m.group(2) or ""), value)


def _dump(model: Any) -> dict[str, Any]:
    # Wire format (camelCase) — mcp 2.x renamed the Python fields to snake_case.
    data: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    return data


def _error_text(exc: BaseException) -> str:
    """First real leaf of an exception group, as one line."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    message = str(exc).strip() or type(exc).__name__
    code = getattr(exc, "code", None)
    prefix = f"{type(exc).__name__}"
    if isinstance(code, int):
        prefix += f" {code}"
    return f"{prefix}: {message}".replace("\n", " ")[:500]


async def _list_all(
    fetch: Callable[..., Awaitable[Any]], attr: str, what: str, warnings: list[str]
) -> list[dict[str, Any]]:
    from mcp.shared.exceptions import MCPError

    items: list[dict[str, Any]] = []
    cursor: str | None = None
    seen: set[str] = set()
    try:
        for _ in range(MAX_PAGES):
            page = await fetch(cursor=cursor, cache_mode="bypass")
            items.extend(_dump(x) for x in getattr(page, attr))
            cursor = page.next_cursor
            if not cursor:
                return items
            if cursor in seen or len(items) >= MAX_ITEMS:
                warnings.append(
                    f"{what}: pagination stopped (cursor repeated or more than {MAX_ITEMS} items)"
                )
                return items
            seen.add(cursor)
        warnings.append(f"{what}: more than {MAX_PAGES} pages; listing truncated")
    except MCPError as exc:
        if exc.code == METHOD_NOT_FOUND:
            warnings.append(f"{what}: not implemented by the server")
        else:
            warnings.append(f"{what}: failed ({_error_text(exc)})")
    return items


def _stdio_params(spec: ServerSpec) -> Any:
    from mcp.client.stdio import StdioServerParameters

    if not spec.command:
        raise ValueError("stdio server without a command")
    return StdioServerParameters(
        command=expand_env_refs(spec.command),
        args=[expand_env_refs(a) for a in spec.args],
        env={k: expand_env_refs(v) for k, v in spec.env.items()} or None,
        cwd=spec.cwd,
        encoding_error_handler="replace",
    )


async def enumerate_server(spec: ServerSpec, *, timeout: float = DEFAULT_TIMEOUT) -> ServerSnapshot:
    """Connect to one server and list everything it offers. Raises on failure."""
    if spec.transport == "static":
        return load_static(Path(spec.static_path or ""))
    import httpx2
    from mcp.client.sse import sse_client
    from mcp.client.stdio import stdio_client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    from mcp import Client

    warnings: list[str] = []
    # The SDK turns an HTTP error into a bare "error response"; the status is
    # what tells a user that a token is missing or wrong.
    http_errors: list[int] = []

    async def record_status(response: Any) -> None:
        if response.status_code >= 400:
            http_errors.append(response.status_code)

    def watched_client(
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
    ) -> httpx2.AsyncClient:
        client = create_mcp_http_client(headers=headers, timeout=timeout, auth=auth)
        client.event_hooks = {**client.event_hooks, "response": [record_status]}
        return client

    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errlog:
        try:
            with anyio.fail_after(timeout):
                async with AsyncExitStack() as stack:
                    headers = {k: expand_env_refs(v) for k, v in spec.headers.items()}
                    if spec.transport == "stdio":
                        transport: Any = stdio_client(_stdio_params(spec), errlog=errlog)
                    elif spec.transport == "http":
                        http = await stack.enter_async_context(
                            watched_client(
                                headers=headers or None,
                                timeout=httpx2.Timeout(timeout, read=timeout),
                            )
                        )
                        transport = streamable_http_client(
                            expand_env_refs(spec.url or ""), http_client=http
                        )
                    elif spec.transport == "sse":
                        transport = sse_client(
                            expand_env_refs(spec.url or ""),
                            headers=headers or None,
                            timeout=timeout,
                            sse_read_timeout=timeout,
                            httpx_client_factory=watched_client,
                        )
                    else:
                        raise ValueError(f"unknown transport {spec.transport!r}")
                    client = await stack.enter_async_context(
                        Client(
                            transport,
                            read_timeout_seconds=timeout,
                            cache=None,
                            raise_exceptions=False,
                        )
                    )
                    caps = client.server_capabilities
                    snap = ServerSnapshot(
                        server_info=_dump(client.server_info) if client.server_info else None,
                        protocol_version=client.protocol_version,
                        capabilities=_dump(caps),
                        instructions=client.instructions,
                        captured_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    )
                    # Tools are the point of the scan: asked for even when not
                    # advertised (some servers forget), tolerated if missing.
                    snap.tools = await _list_all(client.list_tools, "tools", "tools/list", warnings)
                    if caps.prompts is not None:
                        snap.prompts = await _list_all(
                            client.list_prompts, "prompts", "prompts/list", warnings
                        )
                    if caps.resources is not None:
                        snap.resources = await _list_all(
                            client.list_resources, "resources", "resources/list", warnings
                        )
                        snap.resource_templates = await _list_all(
                            client.list_resource_templates,
                            "resource_templates",
                            "resources/templates/list",
                            warnings,
                        )
                    snap.warnings = warnings
                    return _scrub_snapshot(snap, spec)
        except Exception as exc:
            errlog.seek(0)
            tail = errlog.read()[-600:].strip()
            message = _error_text(exc)
            if isinstance(exc, TimeoutError) or (
                isinstance(exc, BaseExceptionGroup) and exc.subgroup(TimeoutError) is not None
            ):
                message = f"timed out after {timeout:g} s"
            if http_errors:
                message = _http_status_text(http_errors[-1], bool(spec.headers)) + f" ({message})"
            if tail:
                message += " | server stderr: " + " ".join(tail.splitlines()[-3:])
            raise ScanError(
                redact_text(message, _all_secret_values(spec)), timed_out="timed out" in message
            ) from None
    raise AssertionError("unreachable")


def _http_status_text(status: int, sent_headers: bool) -> str:
    from http import HTTPStatus

    try:
        text = f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        text = f"HTTP {status}"
    if status in (401, 403):
        text += (
            ": the server refused the credentials sent"
            if sent_headers
            else ": the server needs credentials (--header 'Authorization: Bearer …')"
        )
    return text


def _expanded(values: Mapping[str, str]) -> dict[str, str]:
    return {k: expand_env_refs(v) for k, v in values.items()}


def _all_secret_values(spec: ServerSpec) -> list[str]:
    """Env and header values as written and as expanded (`${VAR}` is the real secret)."""
    expanded = ServerSpec(
        name=spec.name,
        transport=spec.transport,
        env=_expanded(spec.env),
        headers=_expanded(spec.headers),
    )
    values = spec.secret_values() + expanded.secret_values()
    if spec.url:
        # An HTTP library's error names the URL it called: its credentials and
        # secret query values go too (sanitize_url decides which are secret).
        from urllib.parse import parse_qsl, urlsplit

        from threatvec.mcp.identity import sanitize_url

        for url in {spec.url, expand_env_refs(spec.url)}:
            clean = dict(parse_qsl(urlsplit(sanitize_url(url)).query))
            parts = urlsplit(url)
            values += [v for k, v in parse_qsl(parts.query) if clean.get(k) != v]
            values += [x for x in (parts.username, parts.password) if x]
    return values


def _scrub_snapshot(snap: ServerSnapshot, spec: ServerSpec) -> ServerSnapshot:
    """Blot out configured secrets that a server echoes back in what it lists.

    A server may put its API key or the bearer token it was given into a
    description or its instructions; stored, reported or sent on, that would
    leak the config's secret. The redaction is the same on every scan, so pins
    stay stable.
    """
    secrets = secrets_to_scrub(_expanded(spec.env), _expanded(spec.headers))
    if not secrets:
        return snap
    total = 0
    for attr in ("server_info", "instructions", "tools", "prompts", "resources"):
        clean, hits = scrub_value(getattr(snap, attr), secrets)
        setattr(snap, attr, clean)
        total += hits
    snap.resource_templates, hits = scrub_value(snap.resource_templates, secrets)
    total += hits
    if total:
        snap.warnings.append(
            f"the server echoed a configured secret {total} time(s) in its listings; redacted"
        )
    return snap


class ScanError(RuntimeError):
    """A server could not be scanned; the message is already redacted."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


async def scan_servers(
    specs: Sequence[ServerSpec],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int = 4,
    allow_stdio: bool | Callable[[ServerSpec], bool] = False,
    on_result: Callable[[ScanOutcome], None] | None = None,
) -> list[ScanOutcome]:
    """Scan many servers concurrently; results come back in the order of `specs`."""
    results: list[ScanOutcome | None] = [None] * len(specs)
    limiter = anyio.CapacityLimiter(max(1, concurrency))

    async def one(index: int, spec: ServerSpec) -> None:
        identity = derive_identity(spec)
        started = time.monotonic()
        outcome: ScanOutcome
        consent = allow_stdio(spec) if callable(allow_stdio) else allow_stdio
        if spec.disabled:
            outcome = ScanOutcome(
                spec, identity, "skipped", error="skipped: disabled in its configuration"
            )
        elif spec.transport == "stdio" and not consent:
            outcome = ScanOutcome(spec, identity, "skipped", error=NEEDS_CONSENT)
        else:
            async with limiter:
                try:
                    snap = await enumerate_server(spec, timeout=timeout)
                    outcome = ScanOutcome(spec, identity, "ok", snapshot=snap)
                except ScanError as exc:
                    outcome = ScanOutcome(
                        spec, identity, "timeout" if exc.timed_out else "error", error=str(exc)
                    )
                except Exception as exc:  # one server's failure never stops the scan
                    text = redact_text(_error_text(exc), _all_secret_values(spec))
                    outcome = ScanOutcome(spec, identity, "error", error=text)
        outcome.duration_ms = int((time.monotonic() - started) * 1000)
        results[index] = outcome
        if on_result is not None:
            on_result(outcome)

    async with anyio.create_task_group() as tg:
        for i, spec in enumerate(specs):
            tg.start_soon(one, i, spec)
    return [r for r in results if r is not None]


def scan_servers_sync(specs: Sequence[ServerSpec], **kwargs: Any) -> list[ScanOutcome]:
    """`scan_servers` for synchronous callers (CLI, server jobs)."""

    async def run() -> list[ScanOutcome]:
        return await scan_servers(specs, **kwargs)

    return anyio.run(run)


# --- saved listings (--static) --------------------------------------------

_RESULT_KINDS = {
    "initialize": "initialize",
    "tools/list": "tools",
    "prompts/list": "prompts",
    "resources/list": "resources",
    "resources/templates/list": "resource_templates",
}


def _classify(result: Mapping[str, Any]) -> str | None:
    if "serverInfo" in result or "protocolVersion" in result:
        return "initialize"
    for key, kind in (
        ("tools", "tools"),
        ("prompts", "prompts"),
        ("resourceTemplates", "resource_templates"),
        ("resources", "resources"),
    ):
        if isinstance(result.get(key), list):
            return kind
    return None


def _unwrap(obj: Any) -> Any:
    if isinstance(obj, Mapping) and "jsonrpc" in obj and "result" in obj:
        return obj["result"]
    return obj


def load_static(path: Path) -> ServerSnapshot:
    """Snapshot from saved `initialize` / `tools/list` JSON; no server is started.

    Accepted: an object keyed by method (``{"initialize": ..., "tools/list": ...}``),
    a list or JSON lines of results or JSON-RPC responses (recognised by their
    keys), a bare ``tools/list`` result, or a ThreatVec snapshot. Unknown keys
    in tool objects are kept (the live SDK drops them).
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScanError(f"cannot read static file {path}: {exc.strerror or exc}") from None
    if size > MAX_STATIC_BYTES:
        raise ScanError(f"static file {path} is larger than {MAX_STATIC_BYTES} bytes")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        docs: list[Any] = [json.loads(text)]
    except json.JSONDecodeError:
        try:
            docs = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ScanError(f"static file {path} is not JSON or JSON lines: {exc.msg}") from None
    if len(docs) == 1 and isinstance(docs[0], list):
        docs = docs[0]
    if (
        len(docs) == 1
        and isinstance(docs[0], Mapping)
        and docs[0].get("schema") == "threatvec.mcp-snapshot/1"
    ):
        return ServerSnapshot.from_dict(docs[0], verify=False)

    parts: dict[str, list[Any]] = {}
    for doc in docs:
        doc = _unwrap(doc)
        if not isinstance(doc, Mapping):
            continue
        keyed = [k for k in doc if k in _RESULT_KINDS]
        if keyed:
            for key in keyed:
                value = doc[key]
                pages = value if isinstance(value, list) else [value]
                parts.setdefault(_RESULT_KINDS[key], []).extend(_unwrap(p) for p in pages)
            continue
        kind = _classify(doc)
        if kind:
            parts.setdefault(kind, []).append(doc)
    if not parts:
        raise ScanError(f"static file {path} holds no initialize or tools/list result")

    warnings: list[str] = []

    def items(kind: str, key: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in parts.get(kind, []):
            if not isinstance(page, Mapping):
                continue
            for item in page.get(key) or []:
                if isinstance(item, Mapping) and isinstance(item.get("name", item.get("uri")), str):
                    out.append(dict(item))
                else:
                    warnings.append(f"{kind}: an entry without a string name was ignored")
        return out

    init = next((p for p in parts.get("initialize", []) if isinstance(p, Mapping)), {})
    info = init.get("serverInfo")
    tools = items("tools", "tools")
    seen: set[str] = set()
    unique: list[dict[str, Any]] = []
    for tool in tools:
        if tool["name"] in seen:
            warnings.append(f"tools: duplicate tool name {tool['name']!r} ignored")
            continue
        seen.add(tool["name"])
        unique.append(tool)
    return ServerSnapshot(
        server_info=dict(info) if isinstance(info, Mapping) else None,
        protocol_version=init.get("protocolVersion")
        if isinstance(init.get("protocolVersion"), str)
        else None,
        capabilities=dict(init.get("capabilities") or {})
        if isinstance(init.get("capabilities"), Mapping)
        else {},
        instructions=init.get("instructions")
        if isinstance(init.get("instructions"), str)
        else None,
        tools=unique,
        prompts=items("prompts", "prompts"),
        resources=items("resources", "resources"),
        resource_templates=items("resource_templates", "resourceTemplates"),
        warnings=warnings,
        captured_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
