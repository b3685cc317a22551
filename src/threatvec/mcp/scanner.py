"""Connecting to MCP servers and listing what they offer, with the official SDK.

One server: `enumerate_server(spec)` connects (stdio, streamable HTTP or
legacy SSE), negotiates (``server/discover``, falling back to ``initialize``),
then lists tools (following ``nextCursor``) and — when the server advertises
the capability — prompts, resources and resource templates. A method a server
does not implement is a warning on the snapshot, not a failure.

Then, in the same session and within the same time limit, it reads what a
model would be handed (issue #4): the body of every prompt that takes no
required argument (``prompts/get``; argument values are never invented) and
the text of the first resources (``resources/read``, `ContentLimits`: at most
N resources, M bytes each, text only). What is skipped is noted on the
snapshot; a read that fails is a warning and the scan goes on.

Many servers: `scan_servers(specs)` runs them concurrently, each under its own
time limit; a failure becomes a `ScanOutcome` with status ``error`` or
``timeout`` and the others go on. Local commands are started only with consent
(`allow_stdio`); otherwise they come back ``skipped``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import anyio

from threatvec.core.logs import redact as redact_secret_shapes
from threatvec.detect.normalize import visible_snippet
from threatvec.mcp.identity import ServerIdentity, derive_identity, start_dir
from threatvec.mcp.redact import redact_text, scrub_value, secrets_to_scrub
from threatvec.mcp.snapshot import (
    MAX_CONTENT_ITEMS,
    MAX_PROMPT_BODIES,
    MAX_RESOURCE_BYTES,
    MAX_RESOURCE_CONTENTS,
    ServerSnapshot,
)
from threatvec.mcp.spec import ServerSpec

__all__ = [
    "DEFAULT_MAX_RESOURCES",
    "DEFAULT_MAX_RESOURCE_BYTES",
    "ContentLimits",
    "ScanOutcome",
    "ScanStatus",
    "enumerate_server",
    "expand_env_refs",
    "is_text_mime",
    "load_static",
    "prompt_body",
    "resource_entry",
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
DEFAULT_MAX_RESOURCES = 20
DEFAULT_MAX_RESOURCE_BYTES = 64 * 1024
# A prompt body is a definition and is pinned whole, so its cap is far above
# any honest prompt; only a hostile server reaches it.
MAX_PROMPT_TEXT_BYTES = 256 * 1024


@dataclass(frozen=True)
class ContentLimits:
    """What the scanner reads beyond the listings: prompt bodies and resource texts."""

    enabled: bool = True
    max_resources: int = DEFAULT_MAX_RESOURCES
    max_resource_bytes: int = DEFAULT_MAX_RESOURCE_BYTES

    def __post_init__(self) -> None:
        if not 0 <= self.max_resources <= MAX_RESOURCE_CONTENTS:
            raise ValueError(f"max_resources must be between 0 and {MAX_RESOURCE_CONTENTS}")
        if not 1 <= self.max_resource_bytes <= MAX_RESOURCE_BYTES:
            raise ValueError(f"max_resource_bytes must be between 1 and {MAX_RESOURCE_BYTES}")


NO_CONTENTS = ContentLimits(enabled=False)


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


def unset_env_refs(value: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """Names of `${VAR}` references in `value` that have no value and no default."""
    env = os.environ if environ is None else environ
    return [
        m.group(1) for m in _ENV_REF.finditer(value) if m.group(2) is None and m.group(1) not in env
    ]


def _check_env_refs(spec: ServerSpec) -> None:
    """Say which variable is missing, not what the HTTP library makes of an empty header."""
    places = [(f"header {name!r}", v) for name, v in spec.headers.items()]
    places += [("the URL", spec.url or "")]
    for where, value in places:
        missing = unset_env_refs(value)
        if missing:
            names = ", ".join(dict.fromkeys(missing))
            text = f"{where} uses ${{{names}}}, which is not set in the environment"
            raise ScanError(visible_snippet(text, limit=300))


def _unset_stdio_refs(spec: ServerSpec) -> str | None:
    """A note naming the `${VAR}`s a stdio server would be started with empty, or None.

    Not an error: many servers list their tools without their credentials. But
    when one then fails to start, the missing variable is the likely cause.
    """
    if spec.transport != "stdio":
        return None
    places = [(f"env {name!r}", v) for name, v in spec.env.items()]
    places += [("an argument", " ".join(spec.args))]
    found = []
    for where, value in places:
        missing = unset_env_refs(value)
        if missing:
            # Named bare: the value as written is scrubbed from errors like a secret.
            found.append(f"{where} uses {', '.join(dict.fromkeys(missing))}")
    if not found:
        return None
    text = "; ".join(found) + " (not set in the environment): the server was started with it empty"
    return visible_snippet(text, limit=300)


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


# --- prompt bodies and resource texts (issue #4) ----------------------------

_TEXT_MIME_EXACT = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/ecmascript",
        "application/yaml",
        "application/x-yaml",
        "application/toml",
        "application/sql",
        "application/graphql",
        "application/x-sh",
        "application/x-ndjson",
    }
)


def is_text_mime(mime: Any) -> bool:
    """True for text a model could read; an undeclared type counts as text (read to see)."""
    if mime is None:
        return True
    if not isinstance(mime, str):
        return False
    base = mime.split(";", 1)[0].strip().lower()
    return (
        base.startswith("text/")
        or base in _TEXT_MIME_EXACT
        or base.endswith(("+json", "+xml", "+yaml"))
    )


def _truncate_utf8(text: str, limit: int) -> tuple[str, bool]:
    """`text` cut to at most `limit` UTF-8 bytes on a character boundary."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= limit:
        return text, False
    cut = raw[:limit]
    for _ in range(4):  # at most three bytes of a split character to drop
        try:
            return cut.decode("utf-8", "surrogatepass"), True
        except UnicodeDecodeError:
            cut = cut[:-1]
    return "", True


def _digest(value: Any) -> str:
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else b""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _strip_meta(value: Any) -> Any:
    # `_meta` anywhere in a body is per-response bookkeeping (timestamps,
    # trace ids): hashing it would make a pinned prompt change on every read.
    if isinstance(value, Mapping):
        return {k: _strip_meta(v) for k, v in value.items() if k != "_meta"}
    if isinstance(value, list):
        return [_strip_meta(v) for v in value]
    return value


def _content_block(block: Any) -> tuple[Any, bool]:
    """A message content block with text capped and binary data replaced by its digest."""
    if not isinstance(block, Mapping):
        return block, False
    out = dict(block)
    cut = False
    if isinstance(out.get("text"), str):
        out["text"], cut = _truncate_utf8(out["text"], MAX_PROMPT_TEXT_BYTES)
    if "data" in out:  # image / audio: the bytes stay out, a change still shows
        out["dataSha256"] = _digest(out.pop("data"))
    if isinstance(out.get("resource"), Mapping):
        out["resource"], inner = _content_block(out["resource"])
        cut = cut or inner
    if "blob" in out:
        out["blobSha256"] = _digest(out.pop("blob"))
    return out, cut


def prompt_body(result: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The pinned form of a `prompts/get` result, and whether a text was cut.

    Kept: `description` and `messages` (role and content). Binary content is
    replaced by its SHA-256 (`dataSha256`, `blobSha256`), `_meta` and
    `resultType` are dropped, texts are capped at `MAX_PROMPT_TEXT_BYTES`.
    """
    body: dict[str, Any] = {}
    if isinstance(result.get("description"), str):
        body["description"] = result["description"]
    messages: list[dict[str, Any]] = []
    cut = False
    for message in result.get("messages") or []:
        if not isinstance(message, Mapping):
            continue
        clean = _strip_meta(dict(message))
        if "content" in clean:
            content = clean["content"]
            if isinstance(content, list):  # some servers send a list of blocks
                blocks = [_content_block(b) for b in content]
                clean["content"] = [b for b, _ in blocks]
                cut = cut or any(c for _, c in blocks)
            else:
                clean["content"], inner = _content_block(content)
                cut = cut or inner
        messages.append(clean)
    body["messages"] = messages
    return _strip_meta(body), cut


def resource_entry(
    uri: str,
    result: Mapping[str, Any],
    max_bytes: int,
    *,
    listed_mime: Any = None,
) -> tuple[dict[str, Any] | None, list[str]]:
    """The stored form of a `resources/read` result (texts only, capped) and notes on what was left.

    Returns ``(None, notes)`` when the resource has no text to keep.
    """
    notes: list[str] = []
    kept: list[dict[str, Any]] = []
    budget = max_bytes
    truncated = False
    items = [c for c in result.get("contents") or [] if isinstance(c, Mapping)]
    for item in items:
        mime = item.get("mimeType", listed_mime)
        if not isinstance(item.get("text"), str):
            notes.append(f"binary content of {str(item.get('uri') or uri)[:200]} not read")
            continue
        if not is_text_mime(mime):
            notes.append(f"content with non-text type {str(mime)[:100]} not read")
            continue
        if len(kept) >= MAX_CONTENT_ITEMS or budget <= 0:
            truncated = True
            continue
        text, cut = _truncate_utf8(item["text"], budget)
        budget -= len(text.encode("utf-8", "surrogatepass"))
        truncated = truncated or cut
        entry: dict[str, Any] = {"uri": str(item.get("uri") or uri), "text": text}
        if isinstance(mime, str):
            entry["mimeType"] = mime
        kept.append(entry)
    if not kept:
        return None, notes
    return {"contents": kept, "truncated": truncated}, notes


async def _read_contents(
    client: Any,
    snap: ServerSnapshot,
    limits: ContentLimits,
    warnings: list[str],
    secrets: Sequence[str],
    hits: list[int],
) -> None:
    """Fill `snap.prompt_bodies` / `resource_contents` / `content_notes` from the live session."""

    def scrubbed(value: dict[str, Any]) -> dict[str, Any]:
        # Before any cut: a secret split by truncation would leak its prefix.
        clean, n = scrub_value(value, secrets)
        hits.append(n)
        return dict(clean)

    def note(kind: str, ident: str, reason: str) -> None:
        snap.content_notes.append({"kind": kind, "id": ident[:2000], "reason": reason})

    for prompt in snap.prompts:
        name = prompt.get("name")
        if not isinstance(name, str) or not name or name in snap.prompt_bodies:
            continue
        if len(snap.prompt_bodies) >= MAX_PROMPT_BODIES:
            note("prompt", name, f"not read: more than {MAX_PROMPT_BODIES} prompts")
            continue
        required = [
            str(a.get("name"))
            for a in prompt.get("arguments") or []
            if isinstance(a, Mapping) and a.get("required") is True
        ]
        if required:
            note("prompt", name, "not read: needs arguments " + ", ".join(required)[:500])
            continue
        try:
            result = await client.get_prompt(name)
        except Exception as exc:  # one prompt's failure never stops the scan
            warnings.append(f"prompts/get {name[:200]!r}: failed ({_error_text(exc)})")
            continue
        body, cut = prompt_body(scrubbed(_dump(result)))
        snap.prompt_bodies[name] = body
        if cut:
            note("prompt", name, f"a text was cut at {MAX_PROMPT_TEXT_BYTES} bytes")

    read = 0
    for resource in snap.resources:
        uri = resource.get("uri")
        if not isinstance(uri, str) or not uri or uri in snap.resource_contents:
            continue
        mime = resource.get("mimeType")
        if not is_text_mime(mime):
            note("resource", uri, f"not read: non-text type {str(mime)[:100]}")
            continue
        if read >= limits.max_resources:
            note("resource", uri, f"not read: limit of {limits.max_resources} resources")
            continue
        read += 1
        try:
            result = await client.read_resource(uri, cache_mode="bypass")
        except Exception as exc:
            warnings.append(f"resources/read {uri[:200]!r}: failed ({_error_text(exc)})")
            continue
        entry, notes = resource_entry(
            uri, scrubbed(_dump(result)), limits.max_resource_bytes, listed_mime=mime
        )
        for text in notes:
            note("resource", uri, text)
        if entry is not None:
            snap.resource_contents[uri] = entry
            if entry["truncated"]:
                note("resource", uri, f"truncated to {limits.max_resource_bytes} bytes")


def _stdio_params(spec: ServerSpec) -> Any:
    from mcp.client.stdio import StdioServerParameters

    if not spec.command:
        raise ValueError("stdio server without a command")
    cwd = spec.cwd
    if cwd and ("$" in cwd or cwd.startswith("~")):
        cwd = os.path.expanduser(expand_env_refs(cwd))
    elif spec.source:
        # A client starts a project's server in the project: `server.py` in a
        # config means the file next to it, wherever the scan is run from.
        try:
            folder = start_dir(spec)
        except OSError:
            folder = None
        if folder and os.path.isdir(folder):
            cwd = folder
    return StdioServerParameters(
        command=expand_env_refs(spec.command),
        args=[expand_env_refs(a) for a in spec.args],
        env={k: expand_env_refs(v) for k, v in spec.env.items()} or None,
        cwd=cwd,
        encoding_error_handler="replace",
    )


async def enumerate_server(
    spec: ServerSpec,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    contents: ContentLimits | None = None,
) -> ServerSnapshot:
    """Connect to one server, list everything it offers and read its contents. Raises on failure."""
    contents = contents or ContentLimits()
    if spec.transport == "static":
        return load_static(Path(spec.static_path or ""), contents=contents)
    if spec.transport in ("http", "sse"):
        _check_env_refs(spec)
    import httpx2
    from mcp.client.sse import sse_client
    from mcp.client.stdio import stdio_client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    from mcp import Client

    unset_note = _unset_stdio_refs(spec)
    warnings: list[str] = [unset_note] if unset_note else []
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

    secrets = secrets_to_scrub(_expanded(spec.env), _expanded(spec.headers), _expanded_args(spec))
    content_hits: list[int] = []
    # Lines of stdout that are not JSON-RPC: the SDK hands them over as
    # exceptions and goes on waiting, so without this a server that prints
    # banners to stdout would only ever show up as a timeout.
    not_jsonrpc: list[str] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, Exception) and len(not_jsonrpc) < 3:
            text = str(message).strip()
            not_jsonrpc.append(text.splitlines()[0][:160] if text else type(message).__name__)

    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errlog:
        try:
            # Contents are read only with time to spare: a slow read must cost
            # the bodies, never the listing already in hand.
            contents_deadline = anyio.current_time() + timeout - min(2.0, timeout * 0.2)
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
                            message_handler=on_message,
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
                    if contents.enabled:
                        with anyio.CancelScope(deadline=contents_deadline) as scope:
                            await _read_contents(
                                client, snap, contents, warnings, secrets, content_hits
                            )
                        if scope.cancelled_caught:
                            warnings.append(
                                "contents: time limit reached; "
                                f"{len(snap.prompt_bodies)} prompt bodies and "
                                f"{len(snap.resource_contents)} resource texts read"
                            )
                    snap.warnings = warnings
                    return _scrub_snapshot(snap, spec, already=sum(content_hits))
        except Exception as exc:
            errlog.seek(0)
            tail = errlog.read()[-600:].strip()
            message = _error_text(exc)
            if isinstance(exc, TimeoutError) or (
                isinstance(exc, BaseExceptionGroup) and exc.subgroup(TimeoutError) is not None
            ):
                message = f"timed out after {timeout:g} s"
            # The status line and its hint are ours: they are put in after the
            # scrubbing below, which would otherwise hide the hint's own
            # "Authorization: Bearer …" example as a secret.
            status_mark = f"@@status-{uuid.uuid4().hex}@@"
            if http_errors:
                message = f"{status_mark} ({message})"
            if not_jsonrpc:
                message = (
                    "the server wrote something other than JSON-RPC on stdout "
                    f"({not_jsonrpc[0]}); {message}"
                )
            if unset_note:
                message = f"{unset_note}; {message}"
            if tail:
                message += " | server stderr: " + " ".join(tail.splitlines()[-3:])
            # The text comes from the server: its secrets go, and so do the
            # control, escape and bidi characters that could drive a terminal.
            # Known values first, then anything shaped like a token the server printed itself.
            scrubbed = redact_secret_shapes(redact_text(message, _all_secret_values(spec)))
            shown = visible_snippet(scrubbed, limit=800)
            if http_errors:
                status = _http_status_text(http_errors[-1], bool(spec.headers))
                shown = (
                    shown.replace(status_mark, status, 1)
                    if status_mark in shown
                    else f"{status}: {shown}"  # cut off by the length limit
                )
            raise ScanError(shown, timed_out="timed out" in message) from None
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


def _expanded_args(spec: ServerSpec) -> list[str]:
    """Arguments as written and as launched (`--token ${TOKEN}` hides the real value)."""
    return [*spec.args, *(expand_env_refs(a) for a in spec.args)]


def _all_secret_values(spec: ServerSpec) -> list[str]:
    """Env and header values as written and as expanded (`${VAR}` is the real secret)."""
    expanded = ServerSpec(
        name=spec.name,
        transport=spec.transport,
        args=tuple(expand_env_refs(a) for a in spec.args),
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


def _scrub_snapshot(snap: ServerSnapshot, spec: ServerSpec, *, already: int = 0) -> ServerSnapshot:
    """Blot out configured secrets that a server echoes back in what it lists.

    A server may put its API key or the bearer token it was given into a
    description or its instructions; stored, reported or sent on, that would
    leak the config's secret. The redaction is the same on every scan, so pins
    stay stable.
    """
    secrets = secrets_to_scrub(_expanded(spec.env), _expanded(spec.headers), _expanded_args(spec))
    if not secrets:
        return snap
    total = already
    for attr in (
        "server_info",
        "instructions",
        "tools",
        "prompts",
        "resources",
        "prompt_bodies",
        "resource_contents",
        "content_notes",
        # fetch warnings quote the server's own error text
        "warnings",
    ):
        clean, hits = scrub_value(getattr(snap, attr), secrets)
        setattr(snap, attr, clean)
        total += hits
    snap.resource_templates, hits = scrub_value(snap.resource_templates, secrets)
    total += hits
    if total:
        snap.warnings.append(
            f"the server echoed a configured secret {total} time(s) in its listings or "
            "contents; redacted"
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
    contents: ContentLimits | None = None,
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
                    snap = await enumerate_server(spec, timeout=timeout, contents=contents)
                    outcome = ScanOutcome(spec, identity, "ok", snapshot=snap)
                except ScanError as exc:
                    outcome = ScanOutcome(
                        spec, identity, "timeout" if exc.timed_out else "error", error=str(exc)
                    )
                except Exception as exc:  # one server's failure never stops the scan
                    text = redact_text(_error_text(exc), _all_secret_values(spec))
                    outcome = ScanOutcome(
                        spec, identity, "error", error=visible_snippet(text, limit=800)
                    )
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


_CONTENT_KINDS = frozenset({"prompts/get", "resources/read"})


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


def load_static(path: Path, *, contents: ContentLimits | None = None) -> ServerSnapshot:
    """Snapshot from saved `initialize` / `tools/list` JSON; no server is started.

    Accepted: an object keyed by method (``{"initialize": ..., "tools/list": ...,
    "prompts/get": {name: result}, "resources/read": {uri: result}}``), a list
    or JSON lines of results or JSON-RPC messages (results recognised by their
    keys; ``prompts/get`` / ``resources/read`` responses paired with their
    requests by id), a bare ``tools/list`` result, or a ThreatVec snapshot.
    Unknown keys in tool objects are kept (the live SDK drops them). Prompt
    bodies and resource texts get the same limits as a live scan.
    """
    contents = contents or ContentLimits()
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
        try:
            saved = ServerSnapshot.from_dict(docs[0], verify=False)
        except ValueError as exc:
            raise ScanError(f"static file {path}: {exc}") from None
        bodies = {n: {"messages": []} | b for n, b in saved.prompt_bodies.items()}
        reads = [(u, e) for u, e in saved.resource_contents.items()]
        saved.prompt_bodies, saved.resource_contents = {}, {}
        _apply_static_contents(saved, bodies, reads, contents)
        return saved

    warnings: list[str] = []
    parts: dict[str, list[Any]] = {}
    prompt_results: dict[str, Any] = {}
    read_results: list[tuple[str | None, Any]] = []
    # JSON-RPC transcripts: a prompts/get or resources/read result names
    # neither prompt nor resource, its request (same id) does.
    requests: dict[str | int, Mapping[str, Any]] = {
        doc["id"]: doc
        for doc in docs
        if isinstance(doc, Mapping)
        and isinstance(doc.get("method"), str)
        and isinstance(doc.get("id"), str | int)
    }
    for doc in docs:
        if isinstance(doc, Mapping) and isinstance(doc.get("method"), str):
            continue  # a request or notification, not a result
        if isinstance(doc, Mapping) and "result" in doc and isinstance(doc.get("id"), str | int):
            request = requests.get(doc["id"])
            params = request.get("params") if request else None
            params = params if isinstance(params, Mapping) else {}
            method = request.get("method") if request else None
            if method == "prompts/get" and isinstance(params.get("name"), str):
                prompt_results[params["name"]] = doc["result"]
                continue
            if method == "resources/read" and isinstance(params.get("uri"), str):
                read_results.append((params["uri"], doc["result"]))
                continue
        doc = _unwrap(doc)
        if not isinstance(doc, Mapping):
            continue
        keyed = [k for k in doc if k in _RESULT_KINDS or k in _CONTENT_KINDS]
        if keyed:
            for key in keyed:
                value = doc[key]
                if key == "prompts/get":
                    if isinstance(value, Mapping):
                        prompt_results.update({str(k): _unwrap(v) for k, v in value.items()})
                    else:
                        warnings.append('"prompts/get" must map prompt names to results')
                elif key == "resources/read":
                    if isinstance(value, Mapping) and "contents" not in value:
                        read_results.extend((str(k), _unwrap(v)) for k, v in value.items())
                    else:
                        pages = value if isinstance(value, list) else [value]
                        read_results.extend((None, _unwrap(v)) for v in pages)
                else:
                    pages = value if isinstance(value, list) else [value]
                    parts.setdefault(_RESULT_KINDS[key], []).extend(_unwrap(p) for p in pages)
            continue
        kind = _classify(doc)
        if kind:
            parts.setdefault(kind, []).append(doc)
        elif isinstance(doc.get("contents"), list):
            read_results.append((None, doc))
        elif isinstance(doc.get("messages"), list):
            warnings.append(
                "prompts/get: a result without its prompt name was ignored "
                '(save it under "prompts/get" keyed by name, or with its request)'
            )
    if not parts:
        raise ScanError(f"static file {path} holds no initialize or tools/list result")

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
    snap = ServerSnapshot(
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
    _apply_static_contents(snap, prompt_results, read_results, contents)
    return snap


def _apply_static_contents(
    snap: ServerSnapshot,
    prompt_results: Mapping[str, Any],
    read_results: Sequence[tuple[str | None, Any]],
    limits: ContentLimits,
) -> None:
    """Saved `prompts/get` / `resources/read` results into `snap`, as a live scan keeps them."""
    if not limits.enabled:
        return
    for name, raw in prompt_results.items():
        if not isinstance(raw, Mapping) or not isinstance(raw.get("messages"), list):
            snap.warnings.append(f"prompts/get {name[:200]!r}: not a prompts/get result; ignored")
            continue
        if len(snap.prompt_bodies) >= MAX_PROMPT_BODIES:
            snap.content_notes.append(
                {"kind": "prompt", "id": name[:2000], "reason": "not read: too many prompts"}
            )
            continue
        body, cut = prompt_body(raw)
        snap.prompt_bodies[name] = body
        if cut:
            snap.content_notes.append(
                {
                    "kind": "prompt",
                    "id": name[:2000],
                    "reason": f"a text was cut at {MAX_PROMPT_TEXT_BYTES} bytes",
                }
            )
    listed = {r.get("uri"): r.get("mimeType") for r in snap.resources}
    for uri, raw in read_results:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("contents"), list):
            snap.warnings.append("resources/read: not a resources/read result; ignored")
            continue
        if uri is None:
            first = next((c for c in raw["contents"] if isinstance(c, Mapping)), {})
            uri = first.get("uri") if isinstance(first.get("uri"), str) else None
        if not uri or uri in snap.resource_contents:
            snap.warnings.append("resources/read: a result without a new resource URI; ignored")
            continue
        if len(snap.resource_contents) >= limits.max_resources:
            snap.content_notes.append(
                {
                    "kind": "resource",
                    "id": uri[:2000],
                    "reason": f"not read: limit of {limits.max_resources} resources",
                }
            )
            continue
        entry, notes = resource_entry(
            uri, raw, limits.max_resource_bytes, listed_mime=listed.get(uri)
        )
        for text in notes:
            snap.content_notes.append({"kind": "resource", "id": uri[:2000], "reason": text})
        if entry is not None:
            snap.resource_contents[uri] = entry
            if entry["truncated"]:
                snap.content_notes.append(
                    {
                        "kind": "resource",
                        "id": uri[:2000],
                        "reason": f"truncated to {limits.max_resource_bytes} bytes",
                    }
                )
