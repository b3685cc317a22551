"""Tool risk labels and the lethal trifecta across the servers of one configuration.

Each tool gets zero or more of four labels, each with its reasons:

* ``private_data`` — reads data the user would not publish (files, repos,
  mail, databases, secrets, memory);
* ``untrusted_content`` — brings text from outside into the context (web,
  issues, comments, incoming messages);
* ``public_sink`` — can send data out (messages, posts, HTTP requests to a
  URL the model chooses, git push);
* ``destructive`` — can change or delete things irreversibly.

Evidence comes from MCP annotations (``declared``), from the name, the
description and the input schema (``inferred``), and — for every hint a tool
does not declare — from the spec's defaults (``default``: readOnlyHint false,
destructiveHint true, openWorldHint true). Default-only labels are reported
but do not on their own complete a trifecta (every unannotated tool would);
``find_trifectas(..., include_defaults=True)`` takes the strict reading.

The lethal trifecta: within one client configuration (or one agent), some
tool reads private data, some tool takes in untrusted content and some tool
can send data out. The finding names the concrete tools of each leg. A team
can accept a flow with a `Suppression` that carries a reason; it only covers
the tools it lists, so a new risky tool re-opens the finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from threatvec.mcp.findings import make_finding

__all__ = [
    "LABELS",
    "Suppression",
    "ToolLabels",
    "Trifecta",
    "find_trifectas",
    "label_tool",
    "label_tools",
]

LABELS: tuple[str, ...] = ("private_data", "untrusted_content", "public_sink", "destructive")

_READ_VERBS = {
    "read",
    "get",
    "list",
    "search",
    "find",
    "query",
    "show",
    "view",
    "open",
    "lookup",
    "load",
    "fetch",
    "retrieve",
    "describe",
    "status",
    "log",
    "diff",
    "grep",
    "cat",
    "browse",
    "download",
    "export",
    "tree",
    "info",
    "inspect",
    "select",
}
_WRITE_VERBS = {
    "write",
    "create",
    "update",
    "edit",
    "set",
    "put",
    "add",
    "insert",
    "save",
    "commit",
    "move",
    "rename",
    "copy",
    "append",
    "patch",
    "modify",
    "upsert",
    "checkout",
    "merge",
    "apply",
}
_DESTRUCTIVE_VERBS = {
    "delete",
    "remove",
    "rm",
    "drop",
    "destroy",
    "purge",
    "truncate",
    "reset",
    "wipe",
    "kill",
    "terminate",
    "erase",
    "overwrite",
    "revoke",
    "uninstall",
    "format",
    "force",
    "clear",
    "unlink",
    "rmdir",
    "shutdown",
}
_SEND_VERBS = {
    "send",
    "post",
    "publish",
    "share",
    "upload",
    "notify",
    "tweet",
    "reply",
    "forward",
    "push",
    "email",
    "mail",
    "message",
    "broadcast",
    "submit",
    "invite",
    "webhook",
    "request",
    "call",
    "invoke",
    "trigger",
    "dm",
    "sms",
    "comment",
}
_PRIVATE_OBJECTS = {
    "file",
    "files",
    "directory",
    "dir",
    "folder",
    "repo",
    "repository",
    "git",
    "commit",
    "diff",
    "branch",
    "log",
    "inbox",
    "email",
    "emails",
    "mail",
    "calendar",
    "event",
    "events",
    "contact",
    "contacts",
    "drive",
    "document",
    "documents",
    "doc",
    "docs",
    "note",
    "notes",
    "memory",
    "graph",
    "entity",
    "entities",
    "nodes",
    "observations",
    "database",
    "db",
    "sql",
    "table",
    "tables",
    "row",
    "rows",
    "record",
    "records",
    "customer",
    "customers",
    "secret",
    "secrets",
    "credential",
    "credentials",
    "password",
    "passwords",
    "key",
    "keys",
    "token",
    "env",
    "config",
    "history",
    "chat",
    "chats",
    "messages",
    "transcript",
    "account",
    "accounts",
    "invoice",
    "payment",
    "payments",
    "patient",
    "salary",
    "ssh",
    "vault",
    "clipboard",
    "screenshot",
}
_UNTRUSTED_OBJECTS = {
    "web",
    "url",
    "http",
    "https",
    "page",
    "webpage",
    "html",
    "site",
    "website",
    "internet",
    "rss",
    "feed",
    "news",
    "comment",
    "comments",
    "issue",
    "issues",
    "pr",
    "pull",
    "review",
    "reviews",
    "ticket",
    "tickets",
    "tweet",
    "tweets",
    "post",
    "posts",
    "inbox",
    "email",
    "emails",
    "mail",
    "messages",
    "message",
    "chat",
    "channel",
    "forum",
    "reddit",
    "search",
    "scrape",
    "crawl",
    "browser",
    "fetch",
}
_SINK_PARAMS = {
    "url",
    "uri",
    "endpoint",
    "webhook",
    "webhook_url",
    "callback",
    "callback_url",
    "to",
    "recipient",
    "recipients",
    "email",
    "cc",
    "bcc",
    "channel",
    "phone",
    "destination",
    "target_url",
    "host",
    "remote",
}
_DESCRIPTION_PRIVATE = re.compile(
    r"(?i)\b(read|access|list|search|show|retrieve|get)s?\b[^.]{0,60}\b(files?|repositor(y|ies)|"
    r"emails?|inbox|messages|database|records|documents|notes|credentials?|secrets?|passwords?|"
    r"calendar|contacts|customer data|private)\b"
)
_DESCRIPTION_UNTRUSTED = re.compile(
    r"(?i)\b(from the (internet|web)|web ?pages?|any url|a url|websites?|"
    r"search (the )?(web|internet)|"
    r"(issues?|comments?|pull requests?|reviews?|posts?|tweets?|incoming (emails?|messages?)))\b"
)
_DESCRIPTION_SINK = re.compile(
    r"(?i)\b(sends?|posts?|publish(es)?|uploads?|shares?|notif(y|ies)|emails?|tweets?|forwards?|"
    r"pushe?s?)\b[^.]{0,40}\b(to|message|email|webhook|channel|slack|url|server|remote|recipients?|"
    r"public|internet|the web)\b"
)


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [t for t in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if t]


@dataclass
class ToolLabels:
    """Labels of one tool with the reasons for each (reason strings start with their source)."""

    server: str
    server_key: str
    tool: str
    labels: dict[str, list[str]] = field(default_factory=dict)

    def has(self, label: str, *, include_defaults: bool = False) -> bool:
        reasons = self.labels.get(label, [])
        if include_defaults:
            return bool(reasons)
        return any(not r.startswith("default:") for r in reasons)

    @property
    def ref(self) -> str:
        return f"{self.server}/{self.tool}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "server_key": self.server_key,
            "tool": self.tool,
            "labels": {k: list(v) for k, v in self.labels.items()},
        }


def label_tool(tool: Mapping[str, Any]) -> dict[str, list[str]]:
    """Labels → reasons for one wire-format tool definition."""
    name = str(tool.get("name") or "")
    desc = str(tool.get("description") or "")
    ann_raw = tool.get("annotations")
    ann: Mapping[str, Any] = ann_raw if isinstance(ann_raw, Mapping) else {}
    schema = tool.get("inputSchema")
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    params = {str(p).lower(): v for p, v in props.items()} if isinstance(props, Mapping) else {}
    words = set(_tokens(name))
    out: dict[str, list[str]] = {}

    def add(label: str, reason: str) -> None:
        out.setdefault(label, [])
        if reason not in out[label]:
            out[label].append(reason)

    read_only = ann.get("readOnlyHint") if isinstance(ann.get("readOnlyHint"), bool) else None
    destructive = (
        ann.get("destructiveHint") if isinstance(ann.get("destructiveHint"), bool) else None
    )
    open_world = ann.get("openWorldHint") if isinstance(ann.get("openWorldHint"), bool) else None
    writes = (
        bool(words & (_WRITE_VERBS | _DESTRUCTIVE_VERBS | _SEND_VERBS)) and read_only is not True
    )
    reads = bool(words & _READ_VERBS) or read_only is True or not writes

    # The spec gives each hint its own default (readOnlyHint false,
    # destructiveHint true, openWorldHint true); a hint not declared takes it
    # whatever else is declared (a title alone, or readOnlyHint false alone).
    hints_declared = any(
        isinstance(ann.get(k), bool) for k in ("readOnlyHint", "destructiveHint", "openWorldHint")
    )
    read_only_unknown = read_only is None and bool(ann.get("readOnlyHint"))  # not a bool

    # destructive
    if read_only is False and destructive is True:
        add("destructive", "declared: readOnlyHint false, destructiveHint true")
    elif read_only is not True and destructive is None and not read_only_unknown:
        add(
            "destructive",
            "default: no annotations (spec: readOnlyHint false, destructiveHint true)"
            if not hints_declared
            else (
                "default: destructiveHint not declared (spec: destructiveHint true"
                + (", readOnlyHint false)" if read_only is None else ")")
            ),
        )
    elif read_only is None and destructive is True:
        add("destructive", "declared: destructiveHint true (readOnlyHint defaults to false)")
    hit = words & _DESTRUCTIVE_VERBS
    if hit and read_only is not True:
        add("destructive", f"inferred: name says {sorted(hit)[0]!r}")

    # private data
    objects = words & _PRIVATE_OBJECTS
    if objects and reads:
        add("private_data", f"inferred: reads {sorted(objects)[0]!r}")
    if (
        params.keys() & {"path", "file_path", "filepath", "repo_path", "filename", "directory"}
        and reads
    ):
        add("private_data", "inferred: takes a local path")
    if _DESCRIPTION_PRIVATE.search(desc) and reads:
        add("private_data", "inferred: description says it reads private data")

    # untrusted content
    u_objects = words & _UNTRUSTED_OBJECTS
    if u_objects and reads:
        add("untrusted_content", f"inferred: brings in {sorted(u_objects)[0]!r} content")
    if open_world is True and reads:
        add("untrusted_content", "declared: openWorldHint true (reads from an open world)")
    if _DESCRIPTION_UNTRUSTED.search(desc) and reads:
        add("untrusted_content", "inferred: description names outside content")

    # public sink
    send = words & _SEND_VERBS
    if send:
        add("public_sink", f"inferred: name says {sorted(send)[0]!r}")
    sink_params = sorted(params.keys() & _SINK_PARAMS)
    if sink_params and (open_world is not False):
        add(
            "public_sink",
            f"inferred: the model chooses {sink_params[0]!r} (data can leave in the request)",
        )
    if open_world is True and read_only is False:
        add("public_sink", "declared: openWorldHint true and not read-only")
    if _DESCRIPTION_SINK.search(desc):
        add("public_sink", "inferred: description says it sends data out")
    if not hints_declared:
        add("public_sink", "default: no annotations (spec: openWorldHint true, readOnlyHint false)")
    elif read_only is None and not read_only_unknown and open_world is not False:
        add(
            "public_sink",
            "default: readOnlyHint not declared (spec: readOnlyHint false"
            + (", openWorldHint true)" if open_world is None else ")"),
        )
    elif read_only is False and open_world is None:
        add("public_sink", "default: openWorldHint not declared (spec: openWorldHint true)")
    return out


def label_tools(
    server: str, server_key: str, tools: Iterable[Mapping[str, Any]]
) -> list[ToolLabels]:
    """`ToolLabels` for every tool of one server."""
    return [ToolLabels(server, server_key, str(t.get("name")), label_tool(t)) for t in tools]


@dataclass(frozen=True)
class Suppression:
    """An accepted trifecta: `scope` ("*" or a configuration/agent id), covered tools, reason."""

    scope: str
    reason: str
    tools: frozenset[str] | None = None  # "server/tool" refs; None covers any tools

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("a suppression needs a reason")

    def covers(self, scope: str, refs: Iterable[str]) -> bool:
        if self.scope not in {"*", scope}:
            return False
        return self.tools is None or set(refs) <= self.tools


@dataclass
class Trifecta:
    """One configuration whose tools complete the lethal trifecta."""

    scope: str
    private_data: list[str]
    untrusted_content: list[str]
    public_sink: list[str]
    suppressed_reason: str | None = None

    @property
    def tools(self) -> list[str]:
        return sorted(set(self.private_data) | set(self.untrusted_content) | set(self.public_sink))

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "private_data": self.private_data,
            "untrusted_content": self.untrusted_content,
            "public_sink": self.public_sink,
            "suppressed": self.suppressed_reason is not None,
            "suppressed_reason": self.suppressed_reason,
        }

    def finding(self) -> dict[str, Any]:
        def short(refs: list[str]) -> str:
            return ", ".join(refs[:4]) + (f" (+{len(refs) - 4})" if len(refs) > 4 else "")

        return make_finding(
            "TV-MCP-TRIFECTA",
            f"Lethal trifecta in {self.scope}: private data from {short(self.private_data)}; "
            f"untrusted content from {short(self.untrusted_content)}; "
            f"can send out via {short(self.public_sink)}",
            severity="info" if self.suppressed_reason else "high",
            scope=self.scope,
            tools=self.tools,
            suppressed=self.suppressed_reason is not None,
            suppressed_reason=self.suppressed_reason,
        )


def find_trifectas(
    groups: Mapping[str, Sequence[ToolLabels]],
    *,
    suppressions: Sequence[Suppression] = (),
    include_defaults: bool = False,
) -> list[Trifecta]:
    """Trifectas per group (scope → labelled tools of all its servers)."""
    out: list[Trifecta] = []
    for scope, tools in groups.items():
        legs = {
            label: sorted({t.ref for t in tools if t.has(label, include_defaults=include_defaults)})
            for label in ("private_data", "untrusted_content", "public_sink")
        }
        if not all(legs.values()):
            continue
        tri = Trifecta(scope, legs["private_data"], legs["untrusted_content"], legs["public_sink"])
        for sup in suppressions:
            if sup.covers(scope, tri.tools):
                tri.suppressed_reason = sup.reason
                break
        out.append(tri)
    return out
