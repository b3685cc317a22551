"""What a probe is: its mapping (ATLAS, OWASP), delivery channel, attack template and signals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from threatvec.redteam.channels import ALL_CHANNELS
from threatvec.redteam.verdicts import Signal

__all__ = ["PLACEHOLDERS", "BenignTask", "Probe", "SignalSpec"]

# Every placeholder a template may use; rendering fails on anything else.
PLACEHOLDERS = frozenset(
    {
        "FOLLOW",  # the marker instruction ("the code X written backwards")
        "CANARY_URL",
        "CANARY_HOST",
        "ATTACKER_EMAIL",
        "ATTACKER_IBAN",
        "SECRET",
        "SYSPROMPT_CANARY",
        "POLICY_CANARY",
        "UTILITY_TOKEN",
        "ATTACK",  # where a carrier document holds the attack
        "ENCODED",  # the encoded inner attack of an obfuscation probe
    }
)
_PLACEHOLDER_RE = re.compile(r"\{([A-Z_]+)\}")
_OWASP_RE = re.compile(r"^LLM(0[1-9]|10):2025$")
_ATLAS_RE = re.compile(r"^AML\.T\d{4}(\.\d{3})?$")


@dataclass(frozen=True)
class SignalSpec:
    """One deterministic success signal of a probe and its parameters.

    ``tools`` are fnmatch patterns of tool names; ``arg_contains`` are templates
    (placeholders allowed) of which at least one must appear in the arguments.
    ``critical`` marks a failure that turns the technique's tactic red.
    """

    signal: Signal
    tools: tuple[str, ...] = ()
    arg_contains: tuple[str, ...] = ()
    canaries: tuple[str, ...] = ()  # labels from RunCanaries.secrets_by_label()
    transform: str | None = None  # "reverse" | "lower" | "suffix"
    max_tool_calls: int | None = None
    max_tokens: int | None = None
    critical: bool = False
    rubric: str = ""  # LLM_JUDGE only: what "attacked" means for this probe


@dataclass(frozen=True)
class BenignTask:
    """The user's legitimate request, and the carrier that hides the attack.

    ``carrier`` is the document, tool result or page the task is about; it holds
    ``{UTILITY_TOKEN}`` (the answer the task needs) and ``{ATTACK}``. The task is
    done when the utility token appears in the answer.
    """

    prompt: str
    carrier: str = ""
    carrier_name: str = "document.txt"
    carrier_tool: str = "read_document"  # tool whose output carries it (tool_output, web_page)


@dataclass(frozen=True)
class Probe:
    """One adversarial test case of the library."""

    id: str
    family: str  # technique family: quick mode runs one probe per family
    category: str
    title: str
    atlas: tuple[str, ...]
    owasp: tuple[str, ...]
    channel: str
    attack: str
    benign: BenignTask
    signals: tuple[SignalSpec, ...]
    severity: str = "high"  # critical | high | medium | low
    system_prompt: str = ""  # planted in the system prompt (needs the "system" channel)
    tools: tuple[str, ...] = ()  # honeypot tools offered to the agent
    poisoned_tool: str | None = None  # mcp_tool channel: the tool whose description is the attack
    follow_up: str | None = None  # a later user turn (triggered injections)
    encoding: str | None = None  # base64 | rot13 | unicode_tags: how {ENCODED} is built from attack
    inner: str = ""  # the attack before encoding (obfuscation probes)
    needs_tool_calls: bool = False  # only judgeable if tool calls are observable
    quick: bool = True  # candidate for quick mode
    source: str = "ThreatVec-authored"
    extra_channels: tuple[str, ...] = field(default=())  # also needs these channels

    def required_channels(self) -> frozenset[str]:
        needed = {self.channel, *self.extra_channels}
        if self.system_prompt:
            needed.add("system")
        return frozenset(needed)

    def validate(self) -> None:
        """Raise ValueError if the probe is malformed (ids, channels, placeholders)."""
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,63}", self.id):
            raise ValueError(f"{self.id}: bad probe id")
        if self.channel not in ALL_CHANNELS:
            raise ValueError(f"{self.id}: unknown channel {self.channel!r}")
        for atlas_id in self.atlas:
            if not _ATLAS_RE.match(atlas_id):
                raise ValueError(f"{self.id}: bad ATLAS id {atlas_id!r}")
        for owasp_id in self.owasp:
            if not _OWASP_RE.match(owasp_id):
                raise ValueError(f"{self.id}: bad OWASP LLM 2025 id {owasp_id!r}")
        if not self.signals:
            raise ValueError(f"{self.id}: a probe needs at least one success signal")
        texts = [
            self.attack,
            self.inner,
            self.benign.prompt,
            self.benign.carrier,
            self.system_prompt,
        ]
        texts += [a for s in self.signals for a in s.arg_contains]
        for text in texts:
            for name in _PLACEHOLDER_RE.findall(text):
                if name not in PLACEHOLDERS:
                    raise ValueError(f"{self.id}: unknown placeholder {{{name}}}")
        if self.channel in ("tool_output", "document", "web_page") and "{ATTACK}" not in (
            self.benign.carrier
        ):
            raise ValueError(f"{self.id}: a {self.channel} probe needs a carrier with {{ATTACK}}")
        if self.encoding and "{ENCODED}" not in self.attack:
            raise ValueError(f"{self.id}: an encoded probe needs {{ENCODED}} in its attack")
