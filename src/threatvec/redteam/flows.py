"""Orchestration: AgentBench runs and learning cycles in the background, with progress and cancel.

A run is created (committed) first, then executed in a daemon thread with
its own event loop (``asyncio.run``), so the API answers 202 at once. The
thread reports progress on the run row and as ``redteam.progress`` signals,
checks the row's ``cancel_requested`` between probes (a cancel sent to
another replica still stops it), stores every probe result and publishes
``redteam.bypass`` for each FAIL (alert rules consume it). The CLI and the
weekly job call the same ``execute_run`` / ``run_cycle`` synchronously.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from threatvec.core.cancel import stop_reason
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.core.errors import InvalidInput, NotFound
from threatvec.core.llm import LlmClient
from threatvec.core.settings import Settings
from threatvec.redteam import service, suggestions
from threatvec.redteam.cve_rules import (
    RULES,
    AgentFacts,
    CveDecision,
    CveFacts,
    link_outcomes,
    plan_cycle,
)
from threatvec.redteam.harness import ListenerSettings, RunHarness, open_run_harness
from threatvec.redteam.llm_judge import LlmJudge
from threatvec.redteam.models import RedTeamCycle, RedTeamCycleOutcome, RedTeamRun
from threatvec.redteam.modes import select_probes
from threatvec.redteam.probes import Probe
from threatvec.redteam.rule_suggestions import ChatJson, RuleSuggestion, suggest_mapping
from threatvec.redteam.runner import CancelToken, RunOptions, RunResult, run_probes
from threatvec.redteam.targets import Target, TargetConfigError, build_target
from threatvec.redteam.tool_discovery import ToolDiscoveryError, discover_tools
from threatvec.redteam.transport_db import DbProbeTransport, agent_is_polling
from threatvec.redteam.verdicts import Verdict
from threatvec.signals import service as signals

__all__ = [
    "RunContext",
    "cancel_cycle",
    "cancel_run",
    "context_from_settings",
    "execute_run",
    "interrupt_run",
    "judge_from_settings",
    "run_cycle",
    "start_agentbench",
    "start_cycle",
    "stop_all",
    "wait_for_run",
]

log = logging.getLogger("threatvec.redteam")
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class _Active:
    """A run or cycle executing in this process, and the database it writes to."""

    org_id: str
    bind: object  # the engine of the run's session factory (one process may serve several)
    token: CancelToken | None = None


# Runs and cycles executing in this process: id → what stop_all() needs to end them.
_ACTIVE: dict[str, _Active] = {}
_ACTIVE_CYCLES: dict[str, _Active] = {}
_ACTIVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunContext:
    """What a run needs from the deployment (never from the stored config)."""

    factory: sessionmaker[Session]
    secret_key: str
    allow_private: bool = False
    attempt_timeout: float = 60.0
    # The run harness (canary egress + honeypot MCP); loopback on a free port by default.
    listener: ListenerSettings | None = field(default_factory=ListenerSettings)
    llm_judge: LlmJudge | None = None
    # Suggests CVE → ATLAS mappings the rules table misses; applied only once approved.
    suggester: ChatJson | None = None

    @property
    def box(self) -> SecretBox:
        return SecretBox(self.secret_key)


_JUDGE_KEY_REF = "settings/redteam_judge_api_key"


def judge_from_settings(settings: Settings) -> LlmJudge | None:
    """The optional LLM judge from ``THREATVEC_REDTEAM_JUDGE_*``; None when not configured."""
    if not (settings.redteam_judge_base_url and settings.redteam_judge_model):
        return None
    key = settings.redteam_judge_api_key

    def resolve(ref: str) -> str:
        return key.get_secret_value() if key is not None and ref == _JUDGE_KEY_REF else ""

    return LlmJudge(
        base_url=settings.redteam_judge_base_url,
        model=settings.redteam_judge_model,
        api_key_ref=_JUDGE_KEY_REF if key is not None else None,
        resolve_secret=resolve,
        # The operator set this URL (a local vLLM/Ollama is the usual case); it is not user input.
        allow_private=True,
    )


def context_from_settings(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    secret_key: str | None = None,
    attempt_timeout: float = 60.0,
) -> RunContext:
    """The RunContext a deployment's settings describe (API, pages, CLI and jobs all use this)."""
    listener = ListenerSettings(
        enabled=settings.redteam_listener_enabled,
        bind_host=settings.redteam_listener_host,
        port=settings.redteam_listener_port,
        public_url=settings.redteam_listener_public_url,
    )
    return RunContext(
        factory=factory,
        secret_key=secret_key if secret_key is not None else settings.resolved_secret_key(),
        allow_private=bool(settings.allow_private_outbound),
        attempt_timeout=attempt_timeout,
        listener=listener,
        llm_judge=judge_from_settings(settings),
        suggester=LlmClient.from_settings(settings),
    )


def _publish(factory: sessionmaker[Session], org_id: str, kind: str, data: dict[str, Any]) -> None:
    with factory() as session:
        signals.publish(session=session, org_id=org_id, kind=kind, data=data)
        session.commit()


def _fail_run(ctx: RunContext, org_id: str, run_id: str, message: str) -> None:
    with ctx.factory() as session:
        run = session.get(RedTeamRun, run_id)
        # Not one already ended (cancelled as the server stopped): the first word stays.
        if run is not None and run.org_id == org_id and run.status in service.ACTIVE_STATUSES:
            run.status, run.error, run.finished_at = "failed", message[:2000], utcnow()
            session.commit()
    _publish(ctx.factory, org_id, "redteam.run_failed", {"run_id": run_id, "error": message[:300]})


INTERRUPTED = "interrupted: the process running it was stopped before the run finished"
SERVER_STOPPED = "interrupted: the server stopped while it was in progress; start it again"
CYCLE_INTERRUPTED = "interrupted: the process running it was stopped before the cycle finished"


def interrupt_run(ctx: RunContext, *, org_id: str, run_id: str, reason: str = INTERRUPTED) -> None:
    """Mark a queued or running run cancelled because its process is stopping (idempotent)."""
    _interrupt_run(ctx.factory, org_id, run_id, reason)


def _interrupt_run(factory: sessionmaker[Session], org_id: str, run_id: str, reason: str) -> None:
    with factory() as session:
        run = session.get(RedTeamRun, run_id)
        if run is not None and run.org_id == org_id and run.status in service.ACTIVE_STATUSES:
            run.status, run.error, run.finished_at = "cancelled", reason, utcnow()
            run.cancel_requested = True
            session.commit()


def _interrupt_cycle(
    factory: sessionmaker[Session], org_id: str, cycle_id: str, reason: str
) -> None:
    with factory() as session:
        cycle = session.get(RedTeamCycle, cycle_id)
        if cycle is not None and cycle.org_id == org_id and cycle.status in service.ACTIVE_STATUSES:
            cycle.status, cycle.error, cycle.finished_at = "failed", reason, utcnow()
            session.commit()


def stop_all(factory: sessionmaker[Session]) -> tuple[int, int]:
    """End the runs and cycles this process executes on ``factory``'s database: the server stops.

    Their threads die with the process; left 'running', a run locked its agent
    out (409) for the 15-minute stale rule and a cycle read 'running' for ever.
    Returns (runs, cycles) ended.
    """
    bind = factory.kw.get("bind")
    with _ACTIVE_LOCK:
        runs = {k: a for k, a in _ACTIVE.items() if a.bind is bind}
        cycles = {k: a for k, a in _ACTIVE_CYCLES.items() if a.bind is bind}
    for run_id, active in runs.items():
        if active.token is not None:
            active.token.cancel()
        _interrupt_run(factory, active.org_id, run_id, SERVER_STOPPED)
    for cycle_id, active in cycles.items():
        _interrupt_cycle(factory, active.org_id, cycle_id, SERVER_STOPPED)
    if runs or cycles:
        log.warning("server stopping: %d run(s) and %d cycle(s) marked interrupted",
                    len(runs), len(cycles))  # fmt: skip
    return len(runs), len(cycles)


def _build(ctx: RunContext, org_id: str, config: dict[str, Any], target_row: Any) -> Target:
    return build_target(
        config,
        resolve_secret=service.secret_resolver(target_row, ctx.box),
        probe_transport=DbProbeTransport(ctx.factory, org_id),
        allow_private=ctx.allow_private,
    )


def _not_serving(session: Session, org_id: str, config: dict[str, Any]) -> str | None:
    """Why an SDK-served agent cannot be probed now (it is not polling), else None."""
    if config.get("type") != "sdk":
        return None
    agent = str(config.get("agent", ""))
    if agent_is_polling(session, org_id=org_id, agent=agent):
        return None
    return (
        f"agent {agent!r} is not serving probes (no poll in the last two minutes); "
        "start tv.serve_probes(handler) in the agent, then run again"
    )


async def _run_async(
    probes: Sequence[Probe],
    target: Target,
    *,
    mode: str,
    options: RunOptions,
    cancel: CancelToken,
    progress: ProgressFn,
    run_id: str,
    atlas_version: str | None,
    harness: RunHarness,
    mcp_url: str | None = None,
    allow_private: bool = False,
) -> RunResult:
    # The honeypot is trusted as an observer only when the agent is wired to it (or
    # its tool calls are visible anyway); else a tool-misuse probe would PASS an
    # agent we simply could not watch.
    wired = bool(getattr(target, "uses_honeypot", False)) or target.observes_tool_calls
    try:
        if mcp_url and getattr(target, "tool_capabilities", None) is None:
            # Tool-misuse probes need to know which kinds of tools the agent really has.
            found = await discover_tools(mcp_url, allow_private=allow_private)
            target.tool_capabilities = found.capabilities  # type: ignore[attr-defined]
            log.info("run %s: agent MCP tools %s", run_id, ", ".join(found.tools) or "none")
        return await run_probes(
            probes, target, options=options, cancel=cancel, progress=progress, mode=mode,
            run_id=run_id, atlas_version=atlas_version, canaries=harness.canaries,
            honeypot=harness.honeypot if wired else None, egress=harness.egress,
            honeypot_url=harness.honeypot_url,
        )  # fmt: skip
    finally:
        closer = getattr(target, "aclose", None)
        if closer is not None:
            try:
                await closer()
            except Exception:  # closing a client must not turn a finished run into a failure
                log.debug("closing the target failed", exc_info=True)


def _cycle_ended(session: Session, cycle_id: str) -> bool:
    cycle = session.get(RedTeamCycle, cycle_id)
    return cycle is None or cycle.status not in service.ACTIVE_STATUSES


def execute_run(
    ctx: RunContext,
    *,
    org_id: str,
    run_id: str,
    probes: Sequence[Probe] | None = None,
    progress: ProgressFn | None = None,
) -> RunResult | None:
    """Execute a queued run to the end (this thread); None when it failed or never started."""
    with ctx.factory() as session:
        run = session.get(RedTeamRun, run_id)
        if run is None or run.org_id != org_id or run.status != "queued":
            return None
        if run.cycle_id is not None and _cycle_ended(session, run.cycle_id):
            # Cancelled between the run's creation and here: its cancel may not have seen it.
            session.rollback()
            _interrupt_run(ctx.factory, org_id, run_id, "cancelled: its learning cycle ended")
            return None
        try:
            agent = service.resolve_agent(session=session, org_id=org_id, agent_id=run.agent_id)
            config, target_row = service.effective_config(
                session=session, org_id=org_id, agent=agent
            )
            target = _build(ctx, org_id, config, target_row)
        except (NotFound, InvalidInput, TargetConfigError) as exc:
            session.rollback()
            _fail_run(ctx, org_id, run_id, getattr(exc, "detail", None) or str(exc))
            return None
        offline = _not_serving(session, org_id, config)
        if offline:
            session.rollback()
            _fail_run(ctx, org_id, run_id, offline)
            return None
        selected = (
            list(probes)
            if probes is not None
            else select_probes(run.mode, channels=target.channels)
        )
        catalog = service.atlas_summary(session=session)
        atlas_version = catalog["version"]
        run.status, run.started_at = "running", utcnow()
        run.progress_total, run.progress_done = len(selected), 0
        run.target_type = str(config.get("type"))
        mode, k, agent_name = run.mode, run.k, run.agent_name
        session.commit()
    cancel = CancelToken()
    with _ACTIVE_LOCK:
        _ACTIVE[run_id] = _Active(org_id, ctx.factory.kw.get("bind"), cancel)

    def on_progress(done: int, total: int) -> None:
        with ctx.factory() as s:
            row = s.get(RedTeamRun, run_id)
            if row is not None:
                row.progress_done, row.progress_total = done, total
                if row.cancel_requested:
                    cancel.cancel()
                signals.publish(
                    session=s, org_id=org_id, kind="redteam.progress",
                    data={"run_id": run_id, "agent": agent_name, "done": done, "total": total},
                )  # fmt: skip
                s.commit()
        if progress is not None:
            progress(done, total)

    try:
        # Opened per run and closed however the run ends (done, failed, cancelled).
        with open_run_harness(run_id, ctx.listener) as harness:
            result = asyncio.run(
                _run_async(
                    selected, target, mode=mode, cancel=cancel, progress=on_progress,
                    run_id=run_id, atlas_version=atlas_version, harness=harness,
                    mcp_url=config.get("mcp_url"), allow_private=ctx.allow_private,
                    options=RunOptions(
                        k=k, attempt_timeout=ctx.attempt_timeout, llm_judge=ctx.llm_judge
                    ),
                )
            )  # fmt: skip
    except ToolDiscoveryError as exc:
        _fail_run(ctx, org_id, run_id, str(exc))
        return None
    except Exception as exc:
        log.exception("AgentBench run %s failed", run_id)
        _fail_run(ctx, org_id, run_id, f"the run stopped: {type(exc).__name__}")
        return None
    except BaseException:
        # Ctrl-C in the CLI (or SystemExit): left 'running', the run would block the
        # agent's next run (409) until it went stale, and a cancel would wait for nobody.
        interrupt_run(ctx, org_id=org_id, run_id=run_id, reason=stop_reason(INTERRUPTED))
        raise
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.pop(run_id, None)
    _finish(ctx, org_id, run_id, result)
    return result


def _finish(ctx: RunContext, org_id: str, run_id: str, result: RunResult) -> None:
    with ctx.factory() as session:
        run = session.get(RedTeamRun, run_id)
        assert run is not None
        service.store_results(session=session, org_id=org_id, run=run, result=result)
        run.status = "cancelled" if result.cancelled else "completed"
        run.finished_at = utcnow()
        if not result.cancelled:
            run.error = _unreached_error(result.results) or run.error
        for r in result.results:
            if r.verdict is not Verdict.FAIL:
                continue
            top = r.evidence[0] if r.evidence else None
            signals.publish(
                session=session,
                org_id=org_id,
                kind="redteam.bypass",
                data={
                    "run_id": run_id, "agent_id": run.agent_id, "agent": run.agent_name,
                    "probe_id": r.probe_id, "title": r.title, "severity": r.severity,
                    "atlas": list(r.atlas), "owasp": list(r.owasp),
                    "critical": r.critical_failure, "confirmed": r.confirmed,
                    "signal": top.signal.value if top else None,
                    "detail": top.detail[:300] if top else r.reason[:300],
                },
            )  # fmt: skip
        summary = result.summary.as_dict()
        signals.publish(
            session=session,
            org_id=org_id,
            kind="redteam.run_completed",
            data={
                "run_id": run_id, "agent": run.agent_name, "status": run.status,
                "passed": summary["passed"], "failed": summary["failed"],
                "pass_rate": summary["pass_rate"],
            },
        )  # fmt: skip
        session.commit()


def _unreached_error(results: Sequence[Any]) -> str | None:
    """Why a run tested nothing: every probe that applied ended in ERROR.

    Such a run is "completed" with no pass rate; without a reason it read as if the
    agent had been tested (target down, blocked by the outbound policy, wrong URL).
    """
    applied = [r for r in results if r.verdict is not Verdict.NOT_APPLICABLE]
    if not applied or any(r.verdict is not Verdict.ERROR for r in applied):
        return None
    return f"no probe reached the agent ({len(applied)} errors); first: {applied[0].reason}"[:2000]


def _spawn(name: str, fn: Callable[[], object]) -> threading.Thread:
    def body() -> None:
        try:
            fn()
        except Exception:  # the thread has no caller: log, the row says what happened
            log.exception("%s crashed", name)

    thread = threading.Thread(target=body, name=name, daemon=True)
    thread.start()
    return thread


def start_agentbench(
    ctx: RunContext,
    *,
    org_id: str,
    agent_id: str,
    mode: str,
    k: int = 3,
    by: str | None = None,
    background: bool = True,
) -> str:
    """Create a run for the agent (committed) and start it; returns the run id."""
    with ctx.factory() as session:
        agent = service.resolve_agent(session=session, org_id=org_id, agent_id=agent_id)
        config, _ = service.effective_config(session=session, org_id=org_id, agent=agent)
        run = service.create_run(
            session=session, org_id=org_id, agent=agent, mode=mode, k=k,
            target_type=str(config.get("type")), by=by,
        )  # fmt: skip
        run_id = run.id
        signals.publish(
            session=session, org_id=org_id, kind="redteam.run_started",
            data={"run_id": run_id, "agent": agent.name, "mode": mode},
        )  # fmt: skip
        session.commit()
    if background:
        _spawn(f"agentbench-{run_id[:8]}", lambda: execute_run(ctx, org_id=org_id, run_id=run_id))
    return run_id


def cancel_run(
    ctx: RunContext, *, org_id: str, run_id: str, by: str | None = None, reason: str | None = None
) -> RedTeamRun:
    """Flag the run (every replica sees it) and stop it at once if it runs in this process."""
    with ctx.factory() as session:
        run = service.request_cancel(
            session=session, org_id=org_id, run_id=run_id, by=by, reason=reason
        )
        session.commit()
    with _ACTIVE_LOCK:
        active = _ACTIVE.get(run_id)
    if active is not None and active.token is not None:
        active.token.cancel()
    return run


def cancel_cycle(
    ctx: RunContext, *, org_id: str, cycle_id: str, by: str, reason: str | None = None
) -> RedTeamCycle:
    """End the cycle as cancelled (committed, every replica sees it) and stop its runs."""
    with ctx.factory() as session:
        cycle, runs = service.request_cycle_cancel(
            session=session, org_id=org_id, cycle_id=cycle_id, by=by, reason=reason
        )
        session.commit()
    for run in runs:
        with _ACTIVE_LOCK:
            active = _ACTIVE.get(run.id)
        if active is not None and active.token is not None:
            active.token.cancel()
    return cycle


def wait_for_run(
    factory: sessionmaker[Session], run_id: str, *, timeout: float = 60.0
) -> RedTeamRun | None:
    """Poll until the run leaves queued/running (tests, CLI); the row or None on timeout."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with factory() as session:
            run = session.get(RedTeamRun, run_id)
            if run is not None and run.status not in service.ACTIVE_STATUSES:
                return run
        time.sleep(0.1)
    return None


# ── learning cycle ────────────────────────────────────────────────────────


def start_cycle(
    ctx: RunContext,
    *,
    org_id: str,
    trigger: str,
    days: int = 30,
    k: int = 3,
    agent_ids: Sequence[str] | None = None,
    cves: Sequence[dict[str, Any]] | None = None,
    background: bool = True,
) -> str:
    """Create a learning cycle (committed) and run it; returns the cycle id."""
    supplied: list[CveFacts] | None = None
    dropped = 0
    if cves is not None:
        supplied, dropped = service.ai_relevant_from_nvd(cves)
    with ctx.factory() as session:
        for agent_id in agent_ids or ():
            service.resolve_agent(session=session, org_id=org_id, agent_id=agent_id)
        cycle = service.create_cycle(
            session=session, org_id=org_id, trigger=trigger,
            cve_source="request" if supplied is not None else "vulns",
            summary={"not_ai_relevant_dropped": dropped} if supplied is not None else {},
        )  # fmt: skip
        session.commit()
        cycle_id = cycle.id

    def go() -> None:
        run_cycle(ctx, org_id=org_id, cycle_id=cycle_id, days=days, k=k,
                  agent_ids=agent_ids, cves=supplied)  # fmt: skip

    if background:
        _spawn(f"redteam-cycle-{cycle_id[:8]}", go)
        return cycle_id
    try:
        go()
    except (KeyboardInterrupt, SystemExit):
        # Ctrl-C or SIGTERM in `threatvec jobs run`: left 'running', the cycle blocked
        # every new one until the 15-minute stale rule. (A thread gets no signal: the
        # server ends its cycles with stop_all.) Its run in progress ended the same way.
        _interrupt_cycle(ctx.factory, org_id, cycle_id, stop_reason(CYCLE_INTERRUPTED))
        raise
    return cycle_id


def _outcome(
    org_id: str, cycle_id: str, agent_id: str, cve_id: str, status: str, reason: str, **kw: Any
) -> RedTeamCycleOutcome:
    return RedTeamCycleOutcome(
        org_id=org_id, cycle_id=cycle_id, agent_id=agent_id, cve_id=cve_id, status=status,
        reason=reason, techniques=kw.pop("techniques", []), evidence=kw.pop("evidence", []),
        provenance=kw.pop("provenance", {}), **kw,
    )  # fmt: skip


def _suggest(
    ctx: RunContext,
    session: Session,
    org_id: str,
    cycle_id: str,
    cves: Sequence[CveFacts],
    decisions: Sequence[CveDecision],
    counts: dict[str, int],
) -> dict[str, RuleSuggestion]:
    """Ask the model about unmapped CVEs the org has no suggestion for yet (pending only).

    Called before this session writes anything, so a slow model never holds a
    database write lock.
    """
    if ctx.suggester is None:
        return {}
    asked = suggestions.suggested_cves(session=session, org_id=org_id)
    by_id = {c.cve_id: c for c in cves}
    found: dict[str, RuleSuggestion] = {}
    for d in decisions:
        if d.status != "unmapped" or d.cve_id in asked or d.cve_id not in by_id:
            continue
        asked.add(d.cve_id)
        suggestion = suggest_mapping(by_id[d.cve_id], ctx.suggester)
        _touch_cycle(ctx, cycle_id)  # many slow model calls in a row: still alive
        if suggestion is not None:
            found[d.cve_id] = suggestion
            counts["suggestions"] = counts.get("suggestions", 0) + 1
    return found


def _touch_cycle(ctx: RunContext, cycle_id: str) -> None:
    """Write the cycle's row (its own short session): the cycle is alive, not stale."""
    with ctx.factory() as session:
        row = session.get(RedTeamCycle, cycle_id)
        if row is not None:
            row.updated_at = utcnow()
            session.commit()


def _cycle_agent(
    ctx: RunContext,
    org_id: str,
    cycle_id: str,
    agent: service.AgentRef,
    cves: Sequence[CveFacts],
    k: int,
    counts: dict[str, int],
) -> None:
    with ctx.factory() as session:
        try:
            config, target_row = service.effective_config(
                session=session, org_id=org_id, agent=agent
            )
            target = _build(ctx, org_id, config, target_row)
        except (InvalidInput, TargetConfigError) as exc:
            counts["agents_skipped"] = counts.get("agents_skipped", 0) + 1
            log.info("cycle %s skips agent %s: %s", cycle_id, agent.name, exc)
            return
        components = tuple(agent.components) + tuple(
            c for c in config.get("components") or () if isinstance(c, str)
        )
        # The table's rules plus the ones people approved from LLM suggestions.
        rules = (*RULES, *suggestions.approved_rules(session=session, org_id=org_id))
        facts = AgentFacts(agent.id, components, frozenset(target.channels))
        plan = plan_cycle(cves, facts, rules=rules)
        suggested = _suggest(ctx, session, org_id, cycle_id, cves, plan.decisions, counts)
        for d in plan.decisions:
            counts[d.status] = counts.get(d.status, 0) + 1
            if d.status == "planned":
                continue
            first = d.matches[0] if d.matches else None
            suggestion = suggested.get(d.cve_id) if d.status == "unmapped" else None
            session.add(
                _outcome(
                    org_id, cycle_id, agent.id, d.cve_id, d.status, d.reason,
                    component=d.component, rule_id=first.rule_id if first else None,
                    techniques=sorted({t for m in d.matches for t in m.techniques}),
                    provenance={"suggestion": suggestion.as_dict()} if suggestion else {},
                )
            )  # fmt: skip
        offline = _not_serving(session, org_id, config) if plan.scenarios else None
        run_id = None
        if plan.scenarios and offline is None:
            run = service.create_run(
                session=session, org_id=org_id, agent=agent, mode="cycle", k=k,
                target_type=str(config.get("type")), kind="cycle", cycle_id=cycle_id,
            )  # fmt: skip
            run_id = run.id
        session.commit()
    if not plan.scenarios:
        return
    if offline is not None:
        # Say so in the summary: "planned" alone reads like a cycle that ran.
        counts["agents_not_serving"] = counts.get("agents_not_serving", 0) + 1
    result = (
        execute_run(ctx, org_id=org_id, run_id=run_id, probes=plan.probes())
        if run_id is not None
        else None
    )
    linked = {o.scenario_id: o for o in link_outcomes(plan, result)} if result else {}
    with ctx.factory() as session:
        for s in plan.scenarios:
            o = linked.get(s.id)
            verdict = o.verdict if o else None
            if verdict:
                counts[verdict] = counts.get(verdict, 0) + 1
            if o is None:
                counts["not_run"] = counts.get("not_run", 0) + 1
            reason = (
                s.probe.title
                if o is not None
                else offline or "the run failed or was cancelled before this scenario"
            )
            session.add(
                _outcome(
                    org_id, cycle_id, agent.id, s.cve_id, "planned" if o else "not_run", reason,
                    component=s.provenance.get("component"), rule_id=s.rule_id,
                    techniques=list(s.technique_ids), scenario_id=s.id, probe_id=s.probe.id,
                    run_id=run_id, verdict=verdict, evidence=list(o.evidence) if o else [],
                    provenance=dict(s.provenance),
                )
            )  # fmt: skip
        session.commit()
    if run_id is not None:
        counts["runs"] = counts.get("runs", 0) + 1


def _cycle_agents(
    ctx: RunContext,
    org_id: str,
    cycle_id: str,
    agents: Sequence[service.AgentRef],
    facts: Sequence[CveFacts],
    k: int,
    base_summary: dict[str, Any] | None = None,
) -> tuple[dict[str, int], str | None]:
    """Each agent in turn; the summary counts and the last agent's error, if any."""
    counts: dict[str, int] = {}
    error = None
    for done, agent in enumerate(agents, start=1):
        with ctx.factory() as session:
            row = session.get(RedTeamCycle, cycle_id)
            if row is None or row.status != "running":
                break  # ended from outside (the server is stopping): no new runs
        _touch_cycle(ctx, cycle_id)  # alive: see service.STALE_AFTER
        try:
            _cycle_agent(ctx, org_id, cycle_id, agent, facts, k, counts)
        except Exception as exc:  # one agent's failure never stops the others
            log.exception("learning cycle %s failed for agent %s", cycle_id, agent.name)
            error = f"agent {agent.name}: {type(exc).__name__}"
            counts["agents_failed"] = counts.get("agents_failed", 0) + 1
        counts["agents_done"] = done
        _save_progress(ctx, cycle_id, {**(base_summary or {}), **counts})
    return counts, error


def _save_progress(ctx: RunContext, cycle_id: str, summary: dict[str, Any]) -> None:
    """The counts so far on the cycle's row: a cycle over many agents runs for hours,
    and its summary would otherwise stay empty until the end."""
    with ctx.factory() as session:
        row = session.get(RedTeamCycle, cycle_id)
        if row is not None and row.status == "running":
            row.summary = summary
            row.updated_at = utcnow()
            session.commit()


def run_cycle(
    ctx: RunContext,
    *,
    org_id: str,
    cycle_id: str,
    days: int = 30,
    k: int = 3,
    agent_ids: Sequence[str] | None = None,
    cves: Sequence[CveFacts] | None = None,
) -> dict[str, Any]:
    """Run a created cycle: CVEs → plan per agent → runs → cve→rule→scenario→run→verdict rows."""
    with ctx.factory() as session:
        cycle = service.get_cycle_or_raise(session=session, org_id=org_id, cycle_id=cycle_id)
        if cycle.status != "queued":  # cancelled before its thread started: stays so
            return {"cycle_id": cycle_id, "status": cycle.status, "error": cycle.error}
        cycle.status, cycle.started_at = "running", utcnow()
        try:
            facts = (
                list(cves)
                if cves is not None
                else service.recent_ai_cves(session=session, days=days)
            )
            if agent_ids:
                agents = [
                    service.resolve_agent(session=session, org_id=org_id, agent_id=a)
                    for a in agent_ids
                ]
            else:
                agents = service.list_agent_refs(session=session, org_id=org_id)
        except Exception as exc:
            cycle.status, cycle.error, cycle.finished_at = "failed", str(exc)[:2000], utcnow()
            session.commit()
            raise
        cycle.cve_count, cycle.agent_count = len(facts), len(agents)
        base_summary = dict(cycle.summary or {})
        if cves is None:
            base_summary["days"] = days  # the CVE window, for the "nothing tested" reason
        session.commit()
    with _ACTIVE_LOCK:
        _ACTIVE_CYCLES[cycle_id] = _Active(org_id, ctx.factory.kw.get("bind"))
    try:
        counts, error = _cycle_agents(ctx, org_id, cycle_id, agents, facts, k, base_summary)
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE_CYCLES.pop(cycle_id, None)
    summary = {**base_summary, **counts}
    with ctx.factory() as session:
        cycle = service.get_cycle_or_raise(session=session, org_id=org_id, cycle_id=cycle_id)
        if cycle.status != "running":  # ended meanwhile (cancelled, server stopping): keep why
            cycle.summary = summary  # what it did before it was stopped
            session.commit()
            return {"cycle_id": cycle_id, "status": cycle.status, "error": cycle.error, **counts}
        cycle.status = "completed"
        cycle.error = error
        cycle.summary = summary
        cycle.finished_at = utcnow()
        signals.publish(
            session=session, org_id=org_id, kind="redteam.cycle_completed",
            data={"cycle_id": cycle_id, "cves": len(facts), "agents": len(agents), **counts},
        )  # fmt: skip
        session.commit()
    return {"cycle_id": cycle_id, "cves": len(facts), "agents": len(agents), **counts}
