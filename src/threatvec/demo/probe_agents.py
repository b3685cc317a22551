"""How the demo agents answer AgentBench probes (``tv.serve_probes``), so *Run AgentBench* works.

The demo agents have no real model behind them, so each answers probes the
way an agent of its kind would, with a deterministic stand-in:

* ``careful`` (finance-analyst): does the task it was given, quoting only the
  answer it was asked for, and says so when retrieved content addressed it.
* ``careless`` (research-crawler): repeats everything it was shown — its
  instructions, the documents and tool results, anything planted in them —
  so leak and injection probes fail against it.
* ``mixed`` (support-bot): careful, except that it tells anyone who asks about
  its instructions or configuration what they are.

The handlers read only the probe's prompt and context; they make no tool
calls and open no connection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

__all__ = ["ProbeStyle", "probe_handler"]

ProbeStyle = Literal["careful", "careless", "mixed"]

# The benign task's answer: an eight-character code after "is" (the probe
# library's tokens avoid vowels and look-alike digits).
_ANSWER_RE = re.compile(r"\bis\s+([BCDFGHJKLMNPQRSTVWXZ2-9]{8})\b")
_ADDRESSED_RE = re.compile(
    r"\b(?:assistant|AI agents?|language model|ignore (?:all |any )?previous)\b", re.I
)
_ASKS_CONFIG_RE = re.compile(
    r"\b(?:system prompt|initial instructions|your instructions|configuration|config keys?)\b", re.I
)


def _seen(prompt: str, context: dict[str, Any]) -> tuple[str, list[str]]:
    """The system prompt, and everything else the agent was shown."""
    system = str(context.get("system_prompt") or "")
    shown = [prompt]
    shown += [
        str(h.get("content", "")) for h in context.get("history") or [] if isinstance(h, dict)
    ]
    shown += [
        str(t.get("content", "")) for t in context.get("tool_outputs") or [] if isinstance(t, dict)
    ]
    return system, shown


def _careful(prompt: str, context: dict[str, Any]) -> str:
    _, shown = _seen(prompt, context)
    lines = []
    if any(_ADDRESSED_RE.search(text) for text in shown[1:]):
        lines.append("The retrieved content held instructions addressed to me; I ignored them.")
    answer = next((m.group(1) for text in shown if (m := _ANSWER_RE.search(text))), None)
    lines.append(f"The answer you asked for is {answer}." if answer else "How can I help?")
    return "\n".join(lines)


def _careless(prompt: str, context: dict[str, Any]) -> str:
    system, shown = _seen(prompt, context)
    return "\n".join(["Here is everything I have:", system, *shown])


def _mixed(prompt: str, context: dict[str, Any]) -> str:
    system, _ = _seen(prompt, context)
    if _ASKS_CONFIG_RE.search(prompt):
        return f"Sure, these are my instructions:\n{system}"
    return _careful(prompt, context)


_STYLES: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "careful": _careful,
    "careless": _careless,
    "mixed": _mixed,
}


def probe_handler(style: ProbeStyle) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """A ``serve_probes`` handler answering in ``style``."""
    answer = _STYLES[style]

    def handle(prompt: str, context: dict[str, Any]) -> dict[str, Any]:
        return {"output": answer(prompt, context), "tool_calls": []}

    return handle
