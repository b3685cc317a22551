"""The vocabulary of guard rules, the tool kinds they answer to, and which rules an agent needs.

An agent's rules *in force* come from what its SDK declares (and, later, from
enforcement layers); the rules *recommended* for it follow from its lethal
trifecta legs and the kinds of tools it uses. docs/scoring.md lists the table.

Tool kinds are read from a tool's name (split into words: ``readFile``,
``read_file`` and ``read-file`` all give ``{read, file}``) and from labels
attached to it (the MCP labeller's ``private_data`` / ``untrusted_content`` /
``public_sink`` / ``destructive``, or a kind name used directly as a label).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "LEGS",
    "RULES",
    "TOOL_KINDS",
    "GuardRule",
    "RuleRecommendation",
    "get_rule",
    "is_known_rule",
    "recommended_rules",
    "tool_kinds",
]

# The lethal trifecta legs, in the order they are always reported.
LEGS: tuple[str, ...] = ("private_data", "untrusted_content", "external_comms")

# Each kind matches when ANY of its word sets is contained in the tool's words.
_KIND_WORDS: dict[str, tuple[frozenset[str], ...]] = {
    "private_data": tuple(
        frozenset(w.split())
        for w in (
            "db",
            "sql",
            "database",
            "postgres",
            "mysql",
            "mongo",
            "crm",
            "salesforce",
            "hubspot",
            "inbox",
            "read file",
            "file read",
            "readfile",
            "read email",
            "read mail",
            "get email",
            "list emails",
            "calendar",
            "contacts",
            "drive",
            "sharepoint",
            "notion",
            "customer",
            "customers",
            "patient",
            "records",
            "payroll",
            "hr",
            "ledger",
            "vault",
            "secrets",
            "memory",
            "repo",
        )
    ),
    "untrusted_content": tuple(
        frozenset(w.split())
        for w in (
            "fetch",
            "web",
            "browse",
            "browser",
            "scrape",
            "crawl",
            "search",
            "url",
            "download",
            "rss",
            "inbox",
            "read email",
            "read mail",
            "get email",
            "list emails",
            "issue",
            "issues",
            "comments",
            "http get",
        )
    ),
    "external_comms": tuple(
        frozenset(w.split())
        for w in (
            "http post",
            "post",
            "send",
            "slack",
            "webhook",
            "upload",
            "tweet",
            "sms",
            "notify",
            "publish",
            "discord",
            "teams",
            "push",
            "reply",
        )
    ),
    "destructive": tuple(
        frozenset(w.split())
        for w in (
            "delete",
            "drop",
            "remove",
            "rm",
            "truncate",
            "destroy",
            "wipe",
            "transfer",
            "payment",
            "pay",
            "refund",
            "revoke",
            "shutdown",
            "kill",
            "deploy",
        )
    ),
    "code_exec": tuple(
        frozenset(w.split())
        for w in (
            "exec",
            "execute",
            "shell",
            "bash",
            "eval",
            "python",
            "run code",
            "terminal",
            "subprocess",
            "interpreter",
        )
    ),
    "file_access": tuple(
        frozenset(w.split()) for w in ("file", "files", "fs", "filesystem", "path", "readfile")
    ),
}
TOOL_KINDS: tuple[str, ...] = (*tuple(_KIND_WORDS), "mcp")

# Labels other parts of the product attach to tools, mapped to our kinds.
_LABEL_KINDS: dict[str, str] = {
    "private_data": "private_data",
    "untrusted_content": "untrusted_content",
    "public_sink": "external_comms",
    "external_comms": "external_comms",
    "destructive": "destructive",
    "code_exec": "code_exec",
    "file_access": "file_access",
    "mcp": "mcp",
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")


def _words(name: str) -> frozenset[str]:
    return frozenset(w for w in _SPLIT.split(_CAMEL.sub(" ", name).lower()) if w)


def tool_kinds(name: str, labels: Iterable[str] = ()) -> frozenset[str]:
    """The kinds of one tool, from its name's words and its labels."""
    return _tool_kinds(name, tuple(labels))


# a fleet reuses a few hundred tool names; caching makes a 10k-agent recompute cheap
@lru_cache(maxsize=16384)
def _tool_kinds(name: str, labels: tuple[str, ...]) -> frozenset[str]:
    words = _words(name)
    kinds = {kind for kind, sets in _KIND_WORDS.items() if any(s <= words for s in sets)}
    for label in labels:
        kind = _LABEL_KINDS.get(label.strip().lower())
        if kind:
            kinds.add(kind)
    return frozenset(kinds)


@dataclass(frozen=True, slots=True)
class GuardRule:
    """One guard rule: recommended when the agent has any of ``legs`` or any of ``tool_kinds``.

    ``always`` rules are recommended for every agent.
    """

    id: str
    name: str
    description: str
    legs: frozenset[str] = frozenset()
    tool_kinds: frozenset[str] = frozenset()
    always: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "legs": sorted(self.legs),
            "tool_kinds": sorted(self.tool_kinds),
            "always": self.always,
        }


def _rule(
    rule_id: str,
    name: str,
    description: str,
    *,
    legs: Collection[str] = (),
    kinds: Collection[str] = (),
    always: bool = False,
) -> GuardRule:
    return GuardRule(rule_id, name, description, frozenset(legs), frozenset(kinds), always)


RULES: tuple[GuardRule, ...] = (
    _rule(
        "prompt_injection_guard",
        "Prompt-injection guard",
        "Screens content from outside (web pages, mail, documents, tool results) for "
        "injected instructions before the model acts on it.",
        legs=("untrusted_content",),
    ),
    _rule(
        "pii_redaction",
        "PII redaction",
        "Masks personal data (names, e-mail addresses, card and ID numbers) before it "
        "reaches a model, a log or a third party.",
        legs=("private_data",),
    ),
    _rule(
        "tool_allowlist",
        "Tool allowlist",
        "Only tools on a reviewed list can be called; a new tool needs approval.",
        legs=LEGS,
        kinds=("destructive", "code_exec", "mcp"),
    ),
    _rule(
        "egress_allowlist",
        "Egress allowlist",
        "Outbound requests may only reach approved hosts, so stolen data has nowhere to go.",
        legs=("external_comms",),
    ),
    _rule(
        "human_approval_destructive",
        "Human approval for destructive tools",
        "A person confirms calls that delete, pay, deploy or otherwise cannot be undone.",
        kinds=("destructive",),
    ),
    _rule(
        "output_filtering",
        "Output filtering",
        "Checks what the agent sends out (answers, messages, rendered links and images) "
        "for private data and exfiltration tricks.",
        legs=("private_data", "external_comms"),
    ),
    _rule(
        "token_budget",
        "Token / cost budget",
        "Caps tokens and spend per run so a loop or an attack cannot run up the bill.",
        always=True,
    ),
    _rule(
        "secret_scanning",
        "Secret scanning",
        "Stops API keys, passwords and tokens from entering prompts, outputs or tool arguments.",
        legs=("private_data",),
        kinds=("code_exec", "file_access"),
    ),
    _rule(
        "sandboxed_execution",
        "Sandboxed code execution",
        "Model-written code runs in an isolated sandbox without network or host access.",
        kinds=("code_exec",),
    ),
    _rule(
        "mcp_tool_pinning",
        "MCP tool pinning",
        "MCP tool definitions are pinned and re-checked, so a changed tool is not trusted.",
        kinds=("mcp",),
    ),
)
_BY_ID: dict[str, GuardRule] = {r.id: r for r in RULES}


def is_known_rule(rule_id: str) -> bool:
    return rule_id in _BY_ID


def get_rule(rule_id: str) -> GuardRule:
    """The rule with this id; KeyError for an id outside the vocabulary."""
    return _BY_ID[rule_id]


@dataclass(frozen=True, slots=True)
class RuleRecommendation:
    """A rule recommended for an agent and why (the legs and tool kinds that call for it)."""

    rule: GuardRule
    because: tuple[str, ...]


def recommended_rules(
    legs: Collection[str], kinds: Collection[str]
) -> tuple[RuleRecommendation, ...]:
    """Rules this agent should run, in vocabulary order, each with its reasons."""
    return _recommended(frozenset(legs), frozenset(kinds))


@lru_cache(maxsize=1024)
def _recommended(legs: frozenset[str], kinds: frozenset[str]) -> tuple[RuleRecommendation, ...]:
    out: list[RuleRecommendation] = []
    for rule in RULES:
        because = [f"leg:{leg}" for leg in LEGS if leg in legs and leg in rule.legs]
        because += [f"tool:{k}" for k in sorted(rule.tool_kinds & kinds)]
        if rule.always:
            because.insert(0, "every agent")
        if because:
            out.append(RuleRecommendation(rule, tuple(because)))
    return tuple(out)
