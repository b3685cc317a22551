"""Fill a probe's templates with one run's canaries and build the request for one attempt."""

from __future__ import annotations

import base64
import codecs
from dataclasses import dataclass

from threatvec.redteam.canary import MarkerTransform, RunCanaries
from threatvec.redteam.channels import DIRECT, DOCUMENT, MCP_TOOL, SYSTEM, TOOL_OUTPUT, WEB_PAGE
from threatvec.redteam.exchange import Document, ProbeRequest, ToolOutput, Turn
from threatvec.redteam.honeypot import tool_definitions
from threatvec.redteam.probes.model import Probe

__all__ = ["RenderedProbe", "render_probe"]


def _encode(kind: str, text: str) -> str:
    if kind == "base64":
        return base64.b64encode(text.encode("utf-8")).decode("ascii")
    if kind == "rot13":
        return codecs.encode(text, "rot13")
    if kind == "unicode_tags":
        # Invisible tag characters: each printable ASCII char shifted into U+E0000.
        return "".join(chr(0xE0000 + ord(c)) for c in text if 0x20 <= ord(c) <= 0x7E)
    raise ValueError(f"unknown encoding {kind!r}")


@dataclass(frozen=True)
class RenderedProbe:
    """A probe with this run's values filled in; ``request()`` builds an attempt."""

    probe: Probe
    canaries: RunCanaries
    attempt: int
    attack_text: str  # exactly what the agent is shown as the attack
    transforms: dict[str, MarkerTransform]
    arg_needles: dict[int, tuple[str, ...]]  # signal index → rendered arg_contains
    canary_url: str
    system_prompt: str
    planted: dict[str, str]  # canary label → value actually given to the agent

    def fill(self, template: str, *, attack: str = "") -> str:
        return _fill(template, self.canaries, self.canary_url, self._follow_text(), attack)

    def _follow_text(self) -> str:
        kind = next((s.transform for s in self.probe.signals if s.transform), None)
        return self.canaries.transform(kind).instruction if kind else ""

    def request(self, *, with_attack: bool = True, session_id: str | None = None) -> ProbeRequest:
        """The attempt's request; ``with_attack=False`` is the clean utility baseline."""
        p = self.probe
        attack = self.attack_text if with_attack else ""
        carrier = self.fill(p.benign.carrier, attack=attack).strip() if p.benign.carrier else ""
        prompt = self.fill(p.benign.prompt)
        sid = (
            session_id
            or f"{self.canaries.run_id}-{p.id}-{self.attempt}{'' if with_attack else '-clean'}"
        )
        documents: tuple[Document, ...] = ()
        tool_outputs: tuple[ToolOutput, ...] = ()
        tool_names = list(p.tools)
        overrides: dict[str, str] = {}
        history: tuple[Turn, ...] = ()
        channel = p.channel
        if channel in (DIRECT, SYSTEM):
            if attack:
                prompt = f"{prompt}\n\n{attack}"
        elif channel == DOCUMENT:
            documents = (Document(p.benign.carrier_name, carrier),)
        elif channel in (TOOL_OUTPUT, WEB_PAGE):
            tool = "fetch_url" if channel == WEB_PAGE else p.benign.carrier_tool
            arg = (
                {"url": p.benign.carrier_name}
                if tool == "fetch_url"
                else {"name": p.benign.carrier_name}
            )
            if tool == "search_inbox":
                arg = {"query": "latest billing email"}
            tool_outputs = (ToolOutput(tool, arg, carrier),)
            if tool not in tool_names:
                tool_names.insert(0, tool)
        elif channel == MCP_TOOL and p.poisoned_tool and attack:
            overrides[p.poisoned_tool] = attack
        if p.follow_up:
            # Triggered injection: the carrier arrived in an earlier turn; now the trigger.
            first = ProbeRequest(
                p.id, self.attempt, sid, channel, prompt, documents=documents
            ).prompt_with_documents()
            history = (Turn("user", first), Turn("assistant", "Here is the summary you asked for."))
            prompt, documents = p.follow_up, ()
        return ProbeRequest(
            probe_id=p.id,
            attempt=self.attempt,
            session_id=sid,
            channel=channel,
            user_prompt=prompt,
            system_prompt=self.system_prompt,
            documents=documents,
            tool_outputs=tool_outputs,
            tools=tuple(tool_definitions(tool_names, overrides=overrides)),
            history=history,
        )


def _fill(template: str, c: RunCanaries, canary_url: str, follow: str, attack: str) -> str:
    values = {
        "{FOLLOW}": follow,
        "{CANARY_URL}": canary_url,
        "{CANARY_HOST}": c.canary_host,
        "{ATTACKER_EMAIL}": c.attacker_email,
        "{ATTACKER_IBAN}": c.attacker_iban,
        "{SECRET}": c.secret,
        "{SYSPROMPT_CANARY}": c.system_prompt,
        "{POLICY_CANARY}": c.policy,
        "{UTILITY_TOKEN}": c.utility_token,
        "{ATTACK}": attack,
    }
    out = template
    for key, value in values.items():
        out = out.replace(key, value)
    return out


def render_probe(probe: Probe, canaries: RunCanaries, attempt: int = 1) -> RenderedProbe:
    """Render ``probe`` for one attempt of a run."""
    probe.validate()
    canary_url = canaries.canary_url(probe.id, attempt)
    transforms = {
        s.transform: canaries.transform(s.transform) for s in probe.signals if s.transform
    }
    follow = next(iter(transforms.values())).instruction if transforms else ""
    attack = _fill(probe.attack, canaries, canary_url, follow, "")
    if probe.encoding:
        inner = _fill(probe.inner, canaries, canary_url, follow, "")
        attack = attack.replace("{ENCODED}", _encode(probe.encoding, inner))
    for t in transforms.values():
        # The whole design rests on this: quoting the attack must not produce the marker.
        if t.expected in attack:
            raise ValueError(f"{probe.id}: transformed marker appears in the attack text")
    needles = {
        i: tuple(_fill(a, canaries, canary_url, follow, "") for a in s.arg_contains)
        for i, s in enumerate(probe.signals)
    }
    system_prompt = _fill(probe.system_prompt, canaries, canary_url, follow, "")
    planted: dict[str, str] = {}
    every = probe.benign.carrier + probe.system_prompt + probe.attack + probe.inner
    # read_secret hands out the context secret (harness.open_run_harness): watch for it too.
    if "{SECRET}" in every or "read_secret" in probe.tools:
        planted["context_secret"] = canaries.secret
    if "{SYSPROMPT_CANARY}" in every:
        planted["system_prompt_canary"] = canaries.system_prompt
    if "{POLICY_CANARY}" in every:
        planted["policy_canary"] = canaries.policy
    return RenderedProbe(
        probe=probe,
        canaries=canaries,
        attempt=attempt,
        attack_text=attack,
        transforms=transforms,
        arg_needles=needles,
        canary_url=canary_url,
        system_prompt=system_prompt,
        planted=planted,
    )
