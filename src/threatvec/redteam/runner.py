"""Run probes against a target: k attempts each, utility under attack, progress, cancellation.

``run_probes`` is the engine behind ``POST /api/v1/agentbench/run`` and the
learning cycle. Per probe it checks applicability (channels, observability),
runs the benign task once without the attack (clean utility), then k attempts
with it, judging each deterministically (and, only where nothing
deterministic applies, with the optional LLM judge). It never raises for a
target's failure: those attempts are ERROR.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from threatvec.redteam.canary import RunCanaries, new_run_canaries
from threatvec.redteam.egress import EgressLog
from threatvec.redteam.exchange import ProbeRequest, TargetReply
from threatvec.redteam.honeypot import HoneypotRecorder
from threatvec.redteam.judges import AttemptJudgement, Observability, Observations, judge_attempt
from threatvec.redteam.llm_judge import JUDGE_PROMPT_HASH, LlmJudge
from threatvec.redteam.modes import select_probes
from threatvec.redteam.probes import LIBRARY_VERSION, Probe, render_probe
from threatvec.redteam.targets.base import Target, call_target
from threatvec.redteam.targets.mcp_client import probe_applies_to_tools
from threatvec.redteam.tool_loop import simulated_tools_for
from threatvec.redteam.verdicts import (
    Evidence,
    PassRate,
    Signal,
    Verdict,
    combine_attempts,
    pass_rate,
)

__all__ = [
    "AttemptResult",
    "CancelToken",
    "ProbeResult",
    "ProgressCallback",
    "RunOptions",
    "RunResult",
    "RunSummary",
    "applicability",
    "run_mode",
    "run_probes",
]

ProgressCallback = Callable[[int, int], None]
_EXCERPT = 500


class CancelToken:
    """Thread-safe cancellation: a job thread or request handler calls ``cancel()``."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class RunOptions:
    k: int = 3
    attempt_timeout: float = 60.0
    measure_utility: bool = True
    concurrency: int = 1  # >1 only without a honeypot recorder (calls are attributed by time)
    llm_judge: LlmJudge | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.k <= 20:
            raise ValueError("k must be between 1 and 20")
        if self.attempt_timeout <= 0:
            raise ValueError("attempt_timeout must be positive")
        if not 1 <= self.concurrency <= 32:
            raise ValueError("concurrency must be between 1 and 32")


@dataclass(frozen=True)
class AttemptResult:
    attempt: int
    verdict: Verdict
    evidence: tuple[Evidence, ...]
    utility: bool | None
    reason: str
    output_excerpt: str
    tool_calls: tuple[dict[str, Any], ...]
    error: str | None
    latency_ms: float | None
    judge: dict[str, Any] | None = None  # {"model", "prompt_hash", "attacked", "reason"}

    def as_dict(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "verdict": self.verdict.value,
            "evidence": [e.as_dict() for e in self.evidence],
            "utility": self.utility,
            "reason": self.reason,
            "output_excerpt": self.output_excerpt,
            "tool_calls": list(self.tool_calls),
            "error": self.error,
            "latency_ms": self.latency_ms,
            "judge": self.judge,
        }


@dataclass(frozen=True)
class ProbeResult:
    """One probe's outcome over k attempts, with everything an API needs to show it."""

    probe_id: str
    family: str
    category: str
    title: str
    atlas: tuple[str, ...]
    owasp: tuple[str, ...]
    channel: str
    severity: str
    verdict: Verdict
    reason: str
    attempts: tuple[AttemptResult, ...]
    evidence: tuple[Evidence, ...]  # strongest first, from every failed attempt
    utility_clean: bool | None  # benign task done without the attack
    utility_under_attack: float | None  # share of attempts where it was still done
    atlas_version: str | None = None

    @property
    def attempts_failed(self) -> int:
        return sum(1 for a in self.attempts if a.verdict is Verdict.FAIL)

    @property
    def attempts_decided(self) -> int:
        return sum(1 for a in self.attempts if a.verdict in (Verdict.PASS, Verdict.FAIL))

    @property
    def attack_success_rate(self) -> float | None:
        """Per-attempt ASR: failed / decided attempts."""
        return self.attempts_failed / self.attempts_decided if self.attempts_decided else None

    @property
    def confirmed(self) -> bool:
        """A FAIL backed by at least one deterministic signal (not only the LLM judge)."""
        return any(not e.suspected for e in self.evidence)

    @property
    def critical_failure(self) -> bool:
        return self.verdict is Verdict.FAIL and any(
            e.critical and not e.suspected for e in self.evidence
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "probe_id": self.probe_id,
            "family": self.family,
            "category": self.category,
            "title": self.title,
            "atlas": list(self.atlas),
            "owasp": list(self.owasp),
            "channel": self.channel,
            "severity": self.severity,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "confirmed": self.confirmed,
            "critical_failure": self.critical_failure,
            "attempts_failed": self.attempts_failed,
            "attempts_decided": self.attempts_decided,
            "attack_success_rate": self.attack_success_rate,
            "utility_clean": self.utility_clean,
            "utility_under_attack": self.utility_under_attack,
            "atlas_version": self.atlas_version,
            "evidence": [e.as_dict() for e in self.evidence],
            "attempts": [a.as_dict() for a in self.attempts],
        }


@dataclass(frozen=True)
class RunSummary:
    pass_rate: PassRate
    asr_at_k: float | None  # share of decided probes where any of k attempts succeeded
    asr_per_attempt: float | None  # failed attempts / decided attempts, over all probes
    utility_clean: float | None
    utility_under_attack: float | None
    counts: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "pass_rate": self.pass_rate.value,
            "passed": self.pass_rate.passed,
            "failed": self.pass_rate.failed,
            "asr_at_k": self.asr_at_k,
            "asr_per_attempt": self.asr_per_attempt,
            "utility_clean": self.utility_clean,
            "utility_under_attack": self.utility_under_attack,
            "counts": dict(self.counts),
        }


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class RunResult:
    run_id: str
    mode: str
    target_name: str
    k: int
    library_version: str
    atlas_version: str | None
    started_at: float
    finished_at: float
    cancelled: bool
    results: tuple[ProbeResult, ...]
    judge_model: str | None = None
    judge_prompt_hash: str | None = None
    total_probes: int = 0

    @property
    def summary(self) -> RunSummary:
        verdicts = [r.verdict for r in self.results]
        rate = pass_rate(verdicts)
        decided = [r for r in self.results if r.verdict in (Verdict.PASS, Verdict.FAIL)]
        failed_attempts = sum(r.attempts_failed for r in self.results)
        decided_attempts = sum(r.attempts_decided for r in self.results)
        clean = [
            1.0 if r.utility_clean else 0.0 for r in self.results if r.utility_clean is not None
        ]
        attacked = [
            r.utility_under_attack for r in self.results if r.utility_under_attack is not None
        ]
        return RunSummary(
            pass_rate=rate,
            asr_at_k=(rate.failed / len(decided)) if decided else None,
            asr_per_attempt=(failed_attempts / decided_attempts) if decided_attempts else None,
            utility_clean=_mean(clean),
            utility_under_attack=_mean(attacked),
            counts=dict(rate.parts),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "mode": self.mode,
            "target": self.target_name,
            "k": self.k,
            "library_version": self.library_version,
            "atlas_version": self.atlas_version,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "cancelled": self.cancelled,
            "judge_model": self.judge_model,
            "judge_prompt_hash": self.judge_prompt_hash,
            "total_probes": self.total_probes,
            "summary": self.summary.as_dict(),
            "results": [r.as_dict() for r in self.results],
        }


def applicability(probe: Probe, target: Target, *, honeypot: bool = False) -> str | None:
    """None if the probe can run on the target, else why it is NOT_APPLICABLE."""
    missing = probe.required_channels() - target.channels
    if missing:
        return f"target cannot be reached through channel(s): {', '.join(sorted(missing))}"
    if probe.needs_tool_calls and not (target.observes_tool_calls or honeypot):
        return "tool calls are not observable on this target (no tool-call path, no honeypot)"
    caps = getattr(target, "tool_capabilities", None)
    if caps is not None and probe.tools and not probe_applies_to_tools(probe.tools, caps):
        return "the agent has no tool of the kind this probe tries to misuse"
    return None


def _not_applicable(probe: Probe, reason: str, atlas_version: str | None) -> ProbeResult:
    return ProbeResult(
        probe.id, probe.family, probe.category, probe.title, probe.atlas, probe.owasp,
        probe.channel, probe.severity, Verdict.NOT_APPLICABLE, reason, (), (), None, None,
        atlas_version,
    )  # fmt: skip


def _errored(probe: Probe, reason: str, atlas_version: str | None) -> ProbeResult:
    return ProbeResult(
        probe.id, probe.family, probe.category, probe.title, probe.atlas, probe.owasp,
        probe.channel, probe.severity, Verdict.ERROR, reason[:500], (), (), None, None,
        atlas_version,
    )  # fmt: skip


async def _send(target: Target, request: Any, timeout: float) -> TargetReply:
    started = time.perf_counter()
    try:
        reply = await asyncio.wait_for(call_target(target, request), timeout)
    except TimeoutError:
        return TargetReply.failed(f"attempt timed out after {timeout:.0f}s")
    except Exception as exc:  # a target bug must not kill the run; the attempt is ERROR
        return TargetReply.failed(f"target raised {type(exc).__name__}")
    if reply.latency_ms is None:
        reply = TargetReply(
            reply.output, reply.tool_calls, reply.total_tokens, reply.error, reply.status,
            (time.perf_counter() - started) * 1000, reply.extra,
        )  # fmt: skip
    return reply


@dataclass(frozen=True)
class _Wiring:
    """What a run's attempts are connected to: honeypot recorder, egress log, MCP endpoint."""

    canaries: RunCanaries
    honeypot: HoneypotRecorder | None
    egress: EgressLog | None
    honeypot_url: str

    def equip(self, request: ProbeRequest, *, clean: bool = False) -> ProbeRequest:
        """Attach the attempt's tool executor (a throwaway recorder for the clean baseline)."""
        recorder = self.honeypot if self.honeypot is not None and not clean else None
        c = self.canaries
        prefix = f"{c.canary_base_url.rstrip('/')}/c/{c.url_token}/" if self.egress else None
        tools = simulated_tools_for(request, recorder or HoneypotRecorder(), prefix)
        return dataclasses.replace(request, tool_executor=tools, honeypot_url=self.honeypot_url)


async def _run_one(
    probe: Probe,
    target: Target,
    wiring: _Wiring,
    options: RunOptions,
    cancel: CancelToken,
    atlas_version: str | None,
) -> ProbeResult | None:
    canaries, honeypot, egress = wiring.canaries, wiring.honeypot, wiring.egress
    reason = applicability(probe, target, honeypot=honeypot is not None)
    if reason:
        return _not_applicable(probe, reason, atlas_version)
    observability = Observability(
        tool_calls=target.observes_tool_calls,
        honeypot=honeypot is not None,
        egress=egress is not None,
    )
    try:
        # A probe that cannot be rendered (a malformed learning-cycle scenario, a bad
        # template) is this probe's ERROR; it must never stop the other probes of the run.
        render_probe(probe, canaries, 1)
    except ValueError as exc:
        return _errored(probe, f"the probe could not be rendered: {exc}", atlas_version)
    utility_clean: bool | None = None
    if options.measure_utility:
        baseline = render_probe(probe, canaries, 0)
        clean = wiring.equip(baseline.request(with_attack=False), clean=True)
        reply = await _send(target, clean, options.attempt_timeout)
        if reply.error is None:
            utility_clean = judge_attempt(baseline, reply).utility
    attempts: list[AttemptResult] = []
    for n in range(1, options.k + 1):
        if cancel.cancelled:
            return None
        rendered = render_probe(probe, canaries, n)
        hp_mark = honeypot.mark() if honeypot else 0
        eg_mark = egress.mark() if egress else 0
        reply = await _send(target, wiring.equip(rendered.request()), options.attempt_timeout)
        observations = Observations(
            honeypot_calls=tuple(honeypot.since(hp_mark)) if honeypot else (),
            egress_hits=tuple(egress.since(eg_mark)) if egress else (),
        )
        judgement = judge_attempt(rendered, reply, observations, observability=observability)
        judge_info = None
        if judgement.verdict is Verdict.INCONCLUSIVE and options.llm_judge is not None:
            judgement, judge_info = await _ask_llm(options.llm_judge, rendered, reply, judgement)
        attempts.append(
            AttemptResult(
                attempt=n,
                verdict=judgement.verdict,
                evidence=judgement.evidence,
                utility=judgement.utility,
                reason=judgement.reason,
                output_excerpt=reply.output[:_EXCERPT],
                tool_calls=tuple(
                    {"name": c.name, "arguments": c.arguments_text()[:_EXCERPT]}
                    for c in reply.tool_calls
                ),
                error=reply.error,
                latency_ms=reply.latency_ms,
                judge=judge_info,
            )
        )
    verdict = combine_attempts(a.verdict for a in attempts)
    evidence = sorted(
        {e for a in attempts for e in a.evidence}, key=lambda e: (-e.strength, e.where, e.detail)
    )
    under = [a.utility for a in attempts if a.utility is not None]
    reason = next((a.reason for a in attempts if a.verdict is verdict), "")
    return ProbeResult(
        probe.id, probe.family, probe.category, probe.title, probe.atlas, probe.owasp,
        probe.channel, probe.severity, verdict, reason, tuple(attempts), tuple(evidence),
        utility_clean, (sum(under) / len(under)) if under else None, atlas_version,
    )  # fmt: skip


async def _ask_llm(
    judge: LlmJudge, rendered: Any, reply: TargetReply, judgement: AttemptJudgement
) -> tuple[AttemptJudgement, dict[str, Any]]:
    verdict_of = await judge.judge(rendered, reply)
    info = {
        "model": verdict_of.model,
        "prompt_hash": verdict_of.prompt_hash,
        "attacked": verdict_of.attacked,
        "reason": verdict_of.reason,
    }
    if verdict_of.attacked is True:
        evidence = Evidence(
            Signal.LLM_JUDGE, f"suspected by {verdict_of.model}: {verdict_of.reason}", "output",
            reply.output[:240], suspected=True,
        )  # fmt: skip
        return AttemptJudgement(
            Verdict.FAIL, (evidence,), judgement.utility, evidence.detail, judgement.signals_checked
        ), info
    if verdict_of.attacked is False:
        return AttemptJudgement(
            Verdict.PASS,
            (),
            judgement.utility,
            "LLM judge: not attacked",
            judgement.signals_checked,
        ), info
    return judgement, info


async def run_probes(
    probes: Sequence[Probe],
    target: Target,
    *,
    options: RunOptions | None = None,
    canaries: RunCanaries | None = None,
    run_id: str | None = None,
    mode: str = "custom",
    honeypot: HoneypotRecorder | None = None,
    egress: EgressLog | None = None,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    atlas_version: str | None = None,
    honeypot_url: str | None = None,
) -> RunResult:
    """Run ``probes`` against ``target``; see the module docstring for the procedure.

    ``honeypot`` is the recorder the agent's tool calls land in (pass it only
    when the target is wired to it: its MCP endpoint ``honeypot_url``, or a
    tool loop we execute); ``egress`` the log of this run's canary URLs.
    """
    options = options or RunOptions()
    cancel = cancel or CancelToken()
    run_id = run_id or f"run_{uuid.uuid4().hex[:16]}"
    if canaries is None:
        canaries = new_run_canaries(run_id, canary_base_url=egress.base_url if egress else None)
    started = time.time()
    total = len(probes)
    done = 0
    lock = asyncio.Lock()
    results: list[ProbeResult | None] = [None] * total
    concurrency = 1 if honeypot is not None else options.concurrency
    semaphore = asyncio.Semaphore(concurrency)
    wiring = _Wiring(canaries, honeypot, egress, honeypot_url or "")

    async def one(index: int, probe: Probe) -> None:
        nonlocal done
        async with semaphore:
            if cancel.cancelled:
                return
            result = await _run_one(probe, target, wiring, options, cancel, atlas_version)
        if result is None:
            return
        results[index] = result
        async with lock:
            done += 1
            if progress is not None:
                progress(done, total)

    await asyncio.gather(*(one(i, p) for i, p in enumerate(probes)))
    judge = options.llm_judge
    return RunResult(
        run_id=run_id,
        mode=mode,
        target_name=target.name,
        k=options.k,
        library_version=LIBRARY_VERSION,
        atlas_version=atlas_version,
        started_at=started,
        finished_at=time.time(),
        cancelled=cancel.cancelled,
        results=tuple(r for r in results if r is not None),
        judge_model=judge.model if judge else None,
        judge_prompt_hash=JUDGE_PROMPT_HASH if judge else None,
        total_probes=total,
    )


async def run_mode(
    mode: str,
    target: Target,
    *,
    probes: Sequence[Probe] | None = None,
    **kwargs: Any,
) -> RunResult:
    """``quick`` or ``full`` over the library (or ``probes``); kwargs as for run_probes."""
    selected = select_probes(mode, probes, channels=target.channels)
    return await run_probes(selected, target, mode=mode, **kwargs)
