"""Red-team service: targets, runs and results, pass counts, the ATLAS catalogue, coverage, cycles.

Keyword-only functions that always take the org; no HTTP here. The engine
(probes, runner, coverage, CVE rules) lives in the sibling modules; this
module stores what it produces and reads it back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from threatvec.agents.models import Agent
from threatvec.assets import service as assets
from threatvec.core import owner as owners
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox, SecretDecryptError
from threatvec.core.errors import Conflict, InvalidInput, NotFound
from threatvec.core.pagination import PageParams, SortSpec, paginate
from threatvec.redteam.atlas import AtlasCatalog, Tactic, Technique
from threatvec.redteam.coverage import (
    CoverageInput,
    CoverageReport,
    compute_coverage,
    probe_techniques,
)
from threatvec.redteam.cve_rules import CveFacts
from threatvec.redteam.models import (
    AtlasImport,
    AtlasTactic,
    AtlasTechnique,
    RedTeamCycle,
    RedTeamCycleOutcome,
    RedTeamResult,
    RedTeamRun,
    RedTeamTarget,
)
from threatvec.redteam.probes import load_probes
from threatvec.redteam.runner import RunResult
from threatvec.redteam.targets import (
    TARGET_TYPES,
    InMemoryProbeTransport,
    Target,
    TargetConfigError,
    build_target,
)
from threatvec.redteam.verdicts import Verdict

__all__ = [
    "ACTIVE_STATUSES",
    "RECENT_DAYS",
    "AgentRef",
    "agent_summary",
    "atlas_summary",
    "clean_cancel_reason",
    "coverage_dict",
    "coverage_report",
    "create_cycle",
    "create_run",
    "current_catalog",
    "delete_target",
    "effective_config",
    "get_cycle_or_raise",
    "get_run_or_raise",
    "get_target",
    "import_catalog",
    "list_cycles",
    "list_results",
    "list_runs",
    "list_targets",
    "owner_gone",
    "pass_counts",
    "put_target",
    "recent_ai_cves",
    "request_cancel",
    "request_cycle_cancel",
    "resolve_agent",
    "secret_resolver",
    "serves_probes",
    "store_results",
    "target_read",
]

ACTIVE_STATUSES = ("queued", "running")
# A run writes progress after every probe (at most (k+1) attempts × timeout apart).
STALE_AFTER = timedelta(minutes=15)
STALE_ERROR = "interrupted: no progress for 15 minutes (the server stopped?)"
RECENT_DAYS = 30  # results this recent count for pass rates and coverage by default
_SECRET_REF = re.compile(r"\{\{\s*secret:([A-Za-z0-9_.:/-]{1,200})\s*\}\}")
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
# Keys whose values are credentials: they may only hold references / placeholders.
_SENSITIVE_KEY = re.compile(
    r"(api[_-]?key|password|passwd|secret|token|authorization|cookie|credential)", re.I
)
_AUTH_SCHEMES = {"", "bearer", "basic", "token", "apikey"}

RUN_SORTS = SortSpec(
    columns={"created_at": RedTeamRun.created_at, "status": RedTeamRun.status},
    default="-created_at",
)
TARGET_SORTS = SortSpec(
    columns={"agent_name": RedTeamTarget.agent_name, "updated_at": RedTeamTarget.updated_at},
    default="agent_name",
)
RESULT_SORTS = SortSpec(
    columns={"position": RedTeamResult.position, "verdict": RedTeamResult.verdict},
    default="position",
)
CYCLE_SORTS = SortSpec(columns={"created_at": RedTeamCycle.created_at}, default="-created_at")


# ── agents ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class AgentRef:
    """The agent a run targets: an agents-domain agent, or an asset of kind agent."""

    id: str  # canonical: the agents-domain id when there is one, else the asset id
    name: str
    asset_id: str | None
    from_sdk: bool  # known to the agents domain (it reports through the SDK / OTLP)
    components: tuple[str, ...]  # frameworks / integrations / declared components

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i for i in (self.id, self.asset_id) if i))


def _names(items: Any) -> list[str]:
    out: list[str] = []
    for item in items or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
            out.append(item["name"])
    return out


def _ref_for_agent(agent: Agent) -> AgentRef:
    components = _names(agent.frameworks) + _names(agent.integrations)
    return AgentRef(agent.id, agent.name, agent.asset_id, True, tuple(dict.fromkeys(components)))


def resolve_agent(*, session: Session, org_id: str, agent_id: str) -> AgentRef:
    """The agent for an agents-domain id or an asset id (kind agent); NotFound otherwise."""
    agent = session.scalar(select(Agent).where(Agent.org_id == org_id, Agent.id == agent_id))
    if agent is not None:
        return _ref_for_agent(agent)
    asset = assets.get(session=session, org_id=org_id, asset_id=agent_id)
    if asset is None or asset.kind != "agent":
        raise NotFound(f"agent {agent_id} not found")
    linked = session.scalar(select(Agent).where(Agent.org_id == org_id, Agent.asset_id == asset.id))
    if linked is not None:
        return _ref_for_agent(linked)
    meta = asset.meta if isinstance(asset.meta, dict) else {}
    components = _names(meta.get("components")) + _names(meta.get("frameworks"))
    return AgentRef(asset.id, asset.name, asset.id, False, tuple(dict.fromkeys(components)))


def list_agent_refs(*, session: Session, org_id: str) -> list[AgentRef]:
    """Every agent of the org (agents domain first, then assets without an agent row)."""
    refs = [_ref_for_agent(a) for a in session.scalars(select(Agent).where(Agent.org_id == org_id))]
    linked = {r.asset_id for r in refs if r.asset_id}
    rows, _ = assets.list_page(
        session=session, org_id=org_id, page=PageParams(limit=500), kind="agent"
    )
    for asset in rows:
        if asset.id not in linked:
            meta = asset.meta if isinstance(asset.meta, dict) else {}
            comps = _names(meta.get("components")) + _names(meta.get("frameworks"))
            refs.append(AgentRef(asset.id, asset.name, asset.id, False, tuple(comps)))
    return refs


# ── targets ───────────────────────────────────────────────────────────────


def _referenced_secrets(config: Any) -> set[str]:
    found: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v, key)
        elif isinstance(value, str):
            found.update(_SECRET_REF.findall(value))
            if key == "api_key_ref":
                found.add(value)

    walk(config)
    return found


def _literal_credentials(config: Any, path: tuple[str | int, ...] = ()) -> list[str]:
    """Paths of credential-looking keys holding a literal value (not a reference)."""
    bad: list[str] = []
    if isinstance(config, Mapping):
        for k, v in config.items():
            key = str(k)
            here = (*path, key)
            if key == "captures":  # JSONPath expressions naming where a token is read from
                continue
            if (
                _SENSITIVE_KEY.search(key)
                and not key.endswith("_ref")
                and isinstance(v, str)
                and v.strip()
            ):
                rest = _PLACEHOLDER.sub("", v).strip().lower()
                if not _PLACEHOLDER.search(v) or rest not in _AUTH_SCHEMES:
                    bad.append(".".join(str(p) for p in here))
            bad += _literal_credentials(v, here)
    elif isinstance(config, list):
        for i, v in enumerate(config):
            bad += _literal_credentials(v, (*path, i))
    return bad


def validate_config(config: Mapping[str, Any], secret_names: Iterable[str]) -> None:
    """Refuse a config that is not a valid target or carries a credential in clear."""
    if config.get("type") not in TARGET_TYPES:
        raise InvalidInput(("body", "config", "type"), f"type must be one of {TARGET_TYPES}")
    literal = _literal_credentials(config)
    if literal:
        raise InvalidInput(
            ("body", "config", *literal[0].split(".")),
            "credentials must not be stored in the config: put the value in `secrets` and "
            "reference it as {{secret:NAME}} (or api_key_ref)",
        )
    missing = _referenced_secrets(config) - set(secret_names)
    if missing:
        raise InvalidInput(
            ("body", "secrets"), f"referenced secret(s) not provided: {', '.join(sorted(missing))}"
        )
    comps = config.get("components")
    if comps is not None and (
        not isinstance(comps, list) or not all(isinstance(c, str) and c for c in comps)
    ):
        raise InvalidInput(("body", "config", "components"), "components is a list of names")
    try:
        build_target(
            config,
            resolve_secret=lambda ref: "validation-only",
            probe_transport=InMemoryProbeTransport(),
            allow_private=True,
        )
    except TargetConfigError as exc:
        raise InvalidInput(("body", "config"), str(exc)) from None
    except Exception as exc:  # a malformed nested value the engine did not anticipate
        raise InvalidInput(
            ("body", "config"), f"invalid target config ({type(exc).__name__})"
        ) from None


def get_target(*, session: Session, org_id: str, agent: AgentRef) -> RedTeamTarget | None:
    return session.scalar(
        select(RedTeamTarget).where(
            RedTeamTarget.org_id == org_id, RedTeamTarget.agent_id.in_(agent.ids)
        )
    )


def put_target(
    *,
    session: Session,
    org_id: str,
    agent_id: str,
    config: dict[str, Any],
    secrets: Mapping[str, str | None],
    box: SecretBox,
    by: str | None = None,
) -> RedTeamTarget:
    """Create or replace the agent's target; secrets merge (null removes) and are encrypted."""
    agent = resolve_agent(session=session, org_id=org_id, agent_id=agent_id)
    target = get_target(session=session, org_id=org_id, agent=agent)
    stored: dict[str, Any] = dict(target.secrets_enc) if target is not None else {}
    for name, value in secrets.items():
        if value is None:
            stored.pop(name, None)
        else:
            stored[name] = box.encrypt(value)
    validate_config(config, stored)
    if target is None:
        target = RedTeamTarget(org_id=org_id, agent_id=agent.id, agent_name=agent.name)
        session.add(target)
    target.agent_id, target.agent_name = agent.id, agent.name
    target.config = dict(config)
    target.secrets_enc = stored
    target.updated_by = by
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("the target was changed at the same time; try again") from None
    return target


def delete_target(*, session: Session, org_id: str, agent_id: str) -> None:
    agent = resolve_agent(session=session, org_id=org_id, agent_id=agent_id)
    target = get_target(session=session, org_id=org_id, agent=agent)
    if target is None:
        raise NotFound(f"no AgentBench target registered for agent {agent_id}")
    session.delete(target)
    session.flush()


def list_targets(
    *, session: Session, org_id: str, page: PageParams
) -> tuple[Sequence[RedTeamTarget], str | None]:
    stmt = select(RedTeamTarget).where(RedTeamTarget.org_id == org_id)
    return paginate(session, stmt, id_column=RedTeamTarget.id, sort_spec=TARGET_SORTS, params=page)


def serves_probes(*, session: Session, org_id: str, agent_name: str) -> bool:
    """May ``agent_name`` long-poll for probes: an SDK-known agent or a registered sdk target."""
    known = session.scalar(select(Agent.id).where(Agent.org_id == org_id, Agent.name == agent_name))
    if known is not None:
        return True
    configs = session.scalars(select(RedTeamTarget.config).where(RedTeamTarget.org_id == org_id))
    return any(
        isinstance(c, dict) and c.get("type") == "sdk" and c.get("agent") == agent_name
        for c in configs
    )


def default_config(agent: AgentRef) -> dict[str, Any] | None:
    """An agent seen through the SDK can be probed through the SDK without registration."""
    return {"type": "sdk", "agent": agent.name} if agent.from_sdk else None


def effective_config(
    *, session: Session, org_id: str, agent: AgentRef
) -> tuple[dict[str, Any], RedTeamTarget | None]:
    """The config a run uses: the registered target, else the SDK default; InvalidInput if none."""
    target = get_target(session=session, org_id=org_id, agent=agent)
    if target is not None:
        return dict(target.config), target
    config = default_config(agent)
    if config is None:
        raise InvalidInput(
            ("body", "agent_id"),
            f"agent {agent.name!r} has no AgentBench target: register one with "
            f"PUT /api/v1/agentbench/targets/{agent.id}",
        )
    return config, None


def secret_resolver(target: RedTeamTarget | None, box: SecretBox) -> Callable[[str], str]:
    """Resolve a secret reference of this target at call time (values never leave the run)."""
    stored = dict(target.secrets_enc) if target is not None else {}

    def resolve(ref: str) -> str:
        token = stored.get(ref)
        if not isinstance(token, str):
            raise TargetConfigError(f"unknown secret reference {ref!r}")
        try:
            return box.decrypt(token)
        except SecretDecryptError:
            raise TargetConfigError(f"secret {ref!r} cannot be decrypted") from None

    return resolve


def target_read(target: RedTeamTarget) -> dict[str, Any]:
    config = dict(target.config)
    channels = config.get("channels")
    if not isinstance(channels, list):
        try:
            built: Target = build_target(
                config,
                resolve_secret=lambda ref: "",
                probe_transport=InMemoryProbeTransport(),
                allow_private=True,
            )
            channels = sorted(built.channels)
        except Exception:
            channels = []
    return {
        "agent_id": target.agent_id,
        "agent_name": target.agent_name,
        "type": str(config.get("type", "")),
        "config": config,
        "secret_names": sorted(target.secrets_enc),
        "channels": sorted(channels),
        "created_at": target.created_at,
        "updated_at": target.updated_at,
    }


# ── runs and results ──────────────────────────────────────────────────────


def create_run(
    *,
    session: Session,
    org_id: str,
    agent: AgentRef,
    mode: str,
    k: int,
    target_type: str | None,
    kind: str = "agentbench",
    cycle_id: str | None = None,
    by: str | None = None,
) -> RedTeamRun:
    """A queued run; one AgentBench run per agent at a time (Conflict otherwise)."""
    if kind == "agentbench":
        busy = session.scalar(
            select(RedTeamRun).where(
                RedTeamRun.org_id == org_id,
                RedTeamRun.agent_id == agent.id,
                RedTeamRun.kind == "agentbench",
                RedTeamRun.status.in_(ACTIVE_STATUSES),
            )
        )
        if busy is not None and _end_if_orphaned(session, busy):
            busy = None
        if busy is not None and utcnow() - busy.updated_at > STALE_AFTER:
            # Its process went away (restart, crash): progress stopped long ago.
            busy.status, busy.finished_at = "failed", utcnow()
            busy.error = STALE_ERROR
            busy = None
        if busy is not None:
            raise _run_busy(agent, busy)
    run = RedTeamRun(
        org_id=org_id,
        agent_id=agent.id,
        agent_name=agent.name,
        kind=kind,
        mode=mode,
        status="queued",
        k=k,
        target_type=target_type,
        cycle_id=cycle_id,
        requested_by=by,
        summary={},
    )
    _stamp_owner(run)
    if kind == "agentbench":
        # The check above is not enough: requests arriving together all pass it.
        _insert_one_active(session, run, lambda: _run_busy(agent, _active_run(session, run)))
    else:
        session.add(run)
        session.flush()
    return run


def _stamp_owner(row: RedTeamRun | RedTeamCycle) -> None:
    """Record this process as the row's executor: the process creating a run or cycle runs it."""
    me = owners.current()
    row.owner_host, row.owner_pid, row.owner_token = me.host, me.pid, me.token


def owner_gone(row: RedTeamRun | RedTeamCycle) -> str | None:
    """Why an active row's process is provably gone (the row's error), else None."""
    if row.status not in ACTIVE_STATUSES:
        return None
    if not owners.is_dead(row.owner_host, row.owner_pid, row.owner_token):
        return None
    return f"interrupted: the process running it stopped (pid {row.owner_pid} on {row.owner_host})"


def _end_if_orphaned(session: Session, row: RedTeamRun | RedTeamCycle) -> bool:
    """End an active run or cycle whose process is provably dead (failed, why); True if so.

    SIGKILL and the out-of-memory killer give the process no chance to end its
    rows; without this the agent stayed locked (409) for the 15-minute stale rule.
    """
    why = owner_gone(row)
    if why is None:
        return False
    row.status, row.error, row.finished_at = "failed", why, utcnow()
    session.flush()
    return True


def _insert_one_active(session: Session, row: object, busy: Callable[[], Conflict]) -> None:
    """Insert an active run or cycle; the database's one-active index refusing it is a 409.

    The partial unique indexes (migration redteam_0002) hold the rule when two
    requests pass the check at the same time; the loser gets the same 409.
    """
    session.flush()  # an ended stale row is written before the insert is tried
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise busy() from None


def _active_run(session: Session, run: RedTeamRun) -> RedTeamRun | None:
    return session.scalar(
        select(RedTeamRun).where(
            RedTeamRun.org_id == run.org_id,
            RedTeamRun.agent_id == run.agent_id,
            RedTeamRun.kind == "agentbench",
            RedTeamRun.status.in_(ACTIVE_STATUSES),
        )
    )


def _run_busy(agent: AgentRef, busy: RedTeamRun | None) -> Conflict:
    which = f": {busy.id}" if busy is not None else ""
    return Conflict(f"agent {agent.name!r} already has an AgentBench run in progress{which}")


def _find_run(session: Session, org_id: str, run_id: str) -> RedTeamRun:
    run = session.scalar(
        select(RedTeamRun).where(RedTeamRun.org_id == org_id, RedTeamRun.id == run_id)
    )
    if run is None:
        raise NotFound(f"run {run_id} not found")
    return run


def get_run_or_raise(*, session: Session, org_id: str, run_id: str) -> RedTeamRun:
    """The run; one whose process died without ending it reads failed, with why."""
    run = _find_run(session, org_id, run_id)
    _end_if_orphaned(session, run)
    return run


def list_runs(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    agent_id: str | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> tuple[Sequence[RedTeamRun], str | None]:
    stmt = select(RedTeamRun).where(RedTeamRun.org_id == org_id)
    if agent_id:
        stmt = stmt.where(RedTeamRun.agent_id == agent_id)
    if status:
        stmt = stmt.where(RedTeamRun.status == status)
    if kind:
        stmt = stmt.where(RedTeamRun.kind == kind)
    rows, cursor = paginate(
        session, stmt, id_column=RedTeamRun.id, sort_spec=RUN_SORTS, params=page
    )
    for run in rows:
        _end_if_orphaned(session, run)
    return rows, cursor


CANCEL_REASON_MAX = 500
# Control characters, and the invisible ones that reorder or hide text on a page
# (bidi overrides, zero-width, tags): a reason is read by people on the Red Team page.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def clean_cancel_reason(
    reason: str | None, *, loc: Sequence[str] = ("body", "reason")
) -> str | None:
    """The reason a person gave for a cancel, trimmed; None when blank. InvalidInput if bad."""
    if reason is None:
        return None
    text = reason.strip()
    if not text:
        return None
    if len(text) > CANCEL_REASON_MAX:
        raise InvalidInput(loc, f"at most {CANCEL_REASON_MAX} characters (got {len(text)})")
    for i, ch in enumerate(text):
        if unicodedata.category(ch) in _HIDDEN_CATEGORIES:
            raise InvalidInput(
                loc,
                f"character U+{ord(ch):04X} at position {i + 1} is not allowed "
                "(control or invisible formatting character)",
            )
    return text


def request_cancel(
    *,
    session: Session,
    org_id: str,
    run_id: str,
    by: str | None = None,
    reason: str | None = None,
) -> RedTeamRun:
    """Ask a run to stop; the runner notices between probes. A finished run is a Conflict.

    ``by`` (the actor) and ``reason`` (checked with clean_cancel_reason) are kept on the run.
    """
    why = clean_cancel_reason(reason)  # before anything changes: a bad reason cancels nothing
    run = _find_run(session, org_id, run_id)
    if run.status not in ACTIVE_STATUSES:
        raise Conflict(f"run {run_id} is already {run.status}")
    run.cancel_requested = True
    run.cancelled_by, run.cancel_reason = (by[:200] if by else None), why
    gone = owner_gone(run)
    if run.status == "queued":
        run.status, run.finished_at = "cancelled", utcnow()
    elif gone is not None or utcnow() - run.updated_at > STALE_AFTER:
        # Its process is gone (or made no progress for that long): nobody will see the flag.
        run.status, run.finished_at = "cancelled", utcnow()
        run.error = run.error or gone or STALE_ERROR
    session.flush()
    return run


def store_results(
    *, session: Session, org_id: str, run: RedTeamRun, result: RunResult
) -> list[RedTeamResult]:
    """Persist the runner's per-probe results and summary on ``run``."""
    rows = []
    for position, r in enumerate(result.results):
        d = r.as_dict()
        row = RedTeamResult(
            org_id=org_id,
            run_id=run.id,
            agent_id=run.agent_id,
            position=position,
            probe_id=r.probe_id,
            family=r.family,
            category=r.category,
            title=r.title[:300],
            channel=r.channel,
            severity=r.severity,
            verdict=r.verdict.value,
            reason=r.reason,
            atlas=list(r.atlas),
            owasp=list(r.owasp),
            atlas_version=r.atlas_version,
            confirmed=bool(d["confirmed"]),
            critical_failure=bool(d["critical_failure"]),
            attempts_failed=r.attempts_failed,
            attempts_decided=r.attempts_decided,
            attack_success_rate=r.attack_success_rate,
            utility_clean=r.utility_clean,
            utility_under_attack=r.utility_under_attack,
            evidence=d["evidence"],
            attempts=d["attempts"],
        )
        session.add(row)
        rows.append(row)
    run.summary = result.summary.as_dict()
    run.library_version = result.library_version
    run.atlas_version = result.atlas_version
    run.judge_model = result.judge_model
    run.judge_prompt_hash = result.judge_prompt_hash
    run.progress_done = len(result.results)
    session.flush()
    return rows


def list_results(
    *,
    session: Session,
    org_id: str,
    run_id: str,
    page: PageParams,
    verdict: str | None = None,
) -> tuple[Sequence[RedTeamResult], str | None]:
    get_run_or_raise(session=session, org_id=org_id, run_id=run_id)
    stmt = select(RedTeamResult).where(
        RedTeamResult.org_id == org_id, RedTeamResult.run_id == run_id
    )
    if verdict:
        stmt = stmt.where(RedTeamResult.verdict == verdict)
    return paginate(session, stmt, id_column=RedTeamResult.id, sort_spec=RESULT_SORTS, params=page)


def _recent_results(
    session: Session, org_id: str, agent_ids: Sequence[str] | None, days: int
) -> list[RedTeamResult]:
    cutoff = utcnow() - timedelta(days=days)
    stmt = (
        select(RedTeamResult)
        .join(RedTeamRun, RedTeamRun.id == RedTeamResult.run_id)
        .where(
            RedTeamResult.org_id == org_id,
            RedTeamRun.org_id == org_id,
            RedTeamRun.status.in_(("completed", "cancelled")),
            or_(RedTeamRun.finished_at >= cutoff, RedTeamRun.finished_at.is_(None)),
            RedTeamResult.created_at >= cutoff,
        )
    )
    if agent_ids is not None:
        stmt = stmt.where(RedTeamResult.agent_id.in_(list(agent_ids)))
    return list(session.scalars(stmt))


def pass_counts(
    *, session: Session, org_id: str, agent_id: str, days: int = RECENT_DAYS
) -> tuple[int, int] | None:
    """(PASS, FAIL) over the agent's AgentBench and learning-cycle results of the last
    ``days`` days; None when it has no result in that window (untested).

    ``agent_id`` may be the agents-domain id or the asset id. Errors,
    inconclusive and not-applicable results never count either way.
    """
    try:
        ids: Sequence[str] = resolve_agent(session=session, org_id=org_id, agent_id=agent_id).ids
    except NotFound:
        ids = (agent_id,)
    cutoff = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(RedTeamResult.verdict, func.count())
        .join(RedTeamRun, RedTeamRun.id == RedTeamResult.run_id)
        .where(
            RedTeamResult.org_id == org_id,
            RedTeamResult.agent_id.in_(list(ids)),
            RedTeamRun.status.in_(("completed", "cancelled")),
            RedTeamResult.created_at >= cutoff,
        )
        .group_by(RedTeamResult.verdict)
    ).all()
    if not rows:
        return None
    counts = {str(v): int(n) for v, n in rows}
    return counts.get(Verdict.PASS.value, 0), counts.get(Verdict.FAIL.value, 0)


def pass_counts_by_agent(
    *, session: Session, org_id: str, agent_ids: Sequence[str], days: int = RECENT_DAYS
) -> dict[str, tuple[int, int]]:
    """(PASS, FAIL) per recorded agent id in one query; ids with no result are absent."""
    if not agent_ids:
        return {}
    cutoff = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(RedTeamResult.agent_id, RedTeamResult.verdict, func.count())
        .join(RedTeamRun, RedTeamRun.id == RedTeamResult.run_id)
        .where(
            RedTeamResult.org_id == org_id,
            RedTeamResult.agent_id.in_(list(agent_ids)),
            RedTeamRun.status.in_(("completed", "cancelled")),
            RedTeamResult.created_at >= cutoff,
        )
        .group_by(RedTeamResult.agent_id, RedTeamResult.verdict)
    ).all()
    out: dict[str, tuple[int, int]] = {}
    for agent_id, verdict, n in rows:
        passed, failed = out.get(str(agent_id), (0, 0))
        if verdict == Verdict.PASS.value:
            passed += int(n)
        elif verdict == Verdict.FAIL.value:
            failed += int(n)
        out[str(agent_id)] = (passed, failed)
    return out


def agent_summary(*, session: Session, org_id: str, agent_id: str) -> dict[str, Any] | None:
    """An agent's AgentBench pass rate (recent results) and its last run; None if unknown."""
    try:
        agent = resolve_agent(session=session, org_id=org_id, agent_id=agent_id)
    except (NotFound, InvalidInput):
        return None
    counts = pass_counts_by_agent(session=session, org_id=org_id, agent_ids=agent.ids)
    passed = sum(p for p, _ in counts.values())
    failed = sum(f for _, f in counts.values())
    last = session.scalar(
        select(RedTeamRun)
        .where(RedTeamRun.org_id == org_id, RedTeamRun.agent_id.in_(agent.ids))
        .order_by(RedTeamRun.created_at.desc(), RedTeamRun.id.desc())
        .limit(1)
    )
    return {
        "agent_id": agent.id,
        "passed": passed,
        "failed": failed,
        "pass_rate": passed / (passed + failed) if passed + failed else None,
        "days": RECENT_DAYS,
        "last_run": None
        if last is None
        else {
            "id": last.id, "status": last.status, "mode": last.mode, "kind": last.kind,
            "finished_at": last.finished_at, "created_at": last.created_at,
            "pass_rate": (last.summary or {}).get("pass_rate"),
        },
    }  # fmt: skip


# ── ATLAS catalogue (shared reference data) ───────────────────────────────


def import_catalog(*, session: Session, catalog: AtlasCatalog) -> AtlasImport:
    """Replace the stored catalogue with ``catalog``; counts are computed from it."""
    session.execute(delete(AtlasTechnique))
    session.execute(delete(AtlasTactic))
    for tactic in catalog.tactics.values():
        session.add(
            AtlasTactic(
                id=tactic.id,
                name=tactic.name[:200],
                description=tactic.description,
                position=tactic.order,
                version=catalog.version,
            )
        )
    for tech in catalog.techniques.values():
        session.add(
            AtlasTechnique(
                id=tech.id,
                name=tech.name[:300],
                description=tech.description,
                tactic_ids=list(tech.tactic_ids),
                parent_id=tech.parent_id,
                maturity=tech.maturity,
                version=catalog.version,
            )
        )
    record = AtlasImport(
        version=catalog.version[:40],
        matrix_id=catalog.matrix_id[:40],
        source=catalog.source.rsplit("/", 1)[-1][:400],
        tactic_count=len(catalog.tactics),
        technique_count=catalog.technique_count,
        subtechnique_count=catalog.subtechnique_count,
    )
    session.add(record)
    session.flush()
    return record


def _latest_import(session: Session) -> AtlasImport | None:
    return session.scalar(
        select(AtlasImport).order_by(AtlasImport.imported_at.desc(), AtlasImport.id).limit(1)
    )


def current_catalog(*, session: Session) -> AtlasCatalog | None:
    """The stored catalogue as the engine's ``AtlasCatalog``; None before the first import."""
    record = _latest_import(session)
    if record is None:
        return None
    tactics = {
        t.id: Tactic(t.id, t.name, t.description, t.position)
        for t in session.scalars(select(AtlasTactic).order_by(AtlasTactic.position))
    }
    techniques = {
        t.id: Technique(
            t.id, t.name, t.description, tuple(t.tactic_ids or ()), t.parent_id, t.maturity
        )
        for t in session.scalars(select(AtlasTechnique).order_by(AtlasTechnique.id))
    }
    by_tactic: dict[str, list[str]] = {t: [] for t in tactics}
    for tech in techniques.values():
        for tac in tech.tactic_ids:
            by_tactic.setdefault(tac, []).append(tech.id)
    return AtlasCatalog(
        version=record.version,
        matrix_id=record.matrix_id,
        tactics=tactics,
        techniques=techniques,
        source=record.source,
        _by_tactic={k: tuple(sorted(v)) for k, v in by_tactic.items()},
    )


def atlas_summary(*, session: Session) -> dict[str, Any]:
    """Version and counts of the stored catalogue (read from the data, never written down)."""
    record = _latest_import(session)
    if record is None:
        return {
            "imported": False, "version": None, "matrix_id": None, "source": None,
            "imported_at": None, "tactic_count": 0, "technique_count": 0,
            "subtechnique_count": 0, "tactics": [],
        }  # fmt: skip
    per_tactic: dict[str, int] = {}
    for tactic_ids, parent in session.execute(
        select(AtlasTechnique.tactic_ids, AtlasTechnique.parent_id)
    ):
        if parent is None:
            for tac in tactic_ids or ():
                per_tactic[tac] = per_tactic.get(tac, 0) + 1
    tactics = [
        {
            "tactic": t.id,
            "name": t.name,
            "position": t.position,
            "technique_count": per_tactic.get(t.id, 0),
        }
        for t in session.scalars(select(AtlasTactic).order_by(AtlasTactic.position))
    ]
    return {
        "imported": True,
        "version": record.version,
        "matrix_id": record.matrix_id,
        "source": record.source,
        "imported_at": record.imported_at,
        "tactic_count": record.tactic_count,
        "technique_count": record.technique_count,
        "subtechnique_count": record.subtechnique_count,
        "tactics": tactics,
    }


def get_technique_or_raise(*, session: Session, technique_id: str) -> AtlasTechnique:
    tech = session.get(AtlasTechnique, technique_id)
    if tech is None:
        raise NotFound(f"ATLAS technique {technique_id} is not in the imported catalogue")
    return tech


UNCATALOGUED = "uncatalogued"


def _fallback_catalog() -> AtlasCatalog:
    """Before an import: the probe library's technique ids under one pseudo-tactic."""
    ids = sorted(probe_techniques(load_probes()))
    techniques = {
        i: Technique(i, i, "", (UNCATALOGUED,), i.rsplit(".", 1)[0] if i.count(".") == 2 else None)
        for i in ids
    }
    return AtlasCatalog(
        version="not imported",
        matrix_id="ATLAS",
        tactics={UNCATALOGUED: Tactic(UNCATALOGUED, "Techniques (no catalogue)", "", 0)},
        techniques=techniques,
        _by_tactic={UNCATALOGUED: tuple(ids)},
    )


def coverage_report(
    *, session: Session, org_id: str, agent_id: str | None = None, days: int = RECENT_DAYS
) -> tuple[CoverageReport, bool, int]:
    """Coverage over the org's (or one agent's) results of the last ``days`` days.

    Returns the report, whether the ATLAS catalogue is imported, and how many
    results were counted.
    """
    ids: Sequence[str] | None = None
    if agent_id:
        ids = resolve_agent(session=session, org_id=org_id, agent_id=agent_id).ids
    catalog = current_catalog(session=session)
    imported = catalog is not None
    catalog = catalog or _fallback_catalog()
    results = _recent_results(session, org_id, ids, days)
    inputs = [
        CoverageInput(
            tuple(r.atlas or ()), Verdict(r.verdict), bool(r.critical_failure), r.probe_id
        )
        for r in results
    ]
    testable = probe_techniques(load_probes(), catalog if imported else None)
    return compute_coverage(catalog, inputs, testable=testable), imported, len(results)


def coverage_dict(report: CoverageReport) -> dict[str, Any]:
    """The report for the API: ATLAS ids under ``technique`` / ``tactic``.

    They are shared reference identifiers, not objects of the organisation,
    so they are not named like object ids (``*_id``).
    """
    data = report.as_dict()
    for tech in data["techniques"]:
        tech["technique"] = tech.pop("technique_id")
    for tac in data["tactics"]:
        tac["tactic"] = tac.pop("tactic_id")
    return data


# ── learning cycles ───────────────────────────────────────────────────────


def create_cycle(
    *,
    session: Session,
    org_id: str,
    trigger: str,
    cve_source: str = "vulns",
    summary: dict[str, Any] | None = None,
) -> RedTeamCycle:
    """A queued learning cycle; one per organisation at a time (Conflict otherwise)."""
    busy = session.scalar(
        select(RedTeamCycle)
        .where(RedTeamCycle.org_id == org_id, RedTeamCycle.status.in_(ACTIVE_STATUSES))
        .order_by(RedTeamCycle.created_at)
    )
    if busy is not None and not _end_if_stale(session, busy):
        raise _cycle_busy(busy)
    cycle = RedTeamCycle(
        org_id=org_id, trigger=trigger, status="queued", cve_source=cve_source,
        summary=summary or {},
    )  # fmt: skip
    _stamp_owner(cycle)
    _insert_one_active(session, cycle, lambda: _cycle_busy(_active_cycle(session, org_id)))
    return cycle


def _active_cycle(session: Session, org_id: str) -> RedTeamCycle | None:
    return session.scalar(
        select(RedTeamCycle).where(
            RedTeamCycle.org_id == org_id, RedTeamCycle.status.in_(ACTIVE_STATUSES)
        )
    )


def _cycle_busy(busy: RedTeamCycle | None) -> Conflict:
    if busy is None:  # it ended between the refusal and this read
        return Conflict("a learning cycle is already running; wait for it to finish")
    started = busy.started_at or busy.created_at
    return Conflict(
        f"a learning cycle is already running: {busy.id} "
        f"(started {started:%Y-%m-%d %H:%M} UTC); wait for it to finish"
    )


def _end_if_stale(session: Session, cycle: RedTeamCycle) -> bool:
    """End an active cycle whose process is provably dead, or that nothing has written for
    STALE_AFTER (its process on another host died); True if so.

    A live cycle writes its row at each agent and its run after every probe; a
    process killed without cleanup (SIGKILL, out of memory) left it 'running'
    for ever, so the page kept refreshing and no new cycle could start.
    """
    if cycle.status not in ACTIVE_STATUSES:
        return False
    if _end_if_orphaned(session, cycle):
        # Its runs executed in the same process: they are gone too.
        for run in _active_cycle_runs(session, cycle.org_id, cycle.id):
            _end_if_orphaned(session, run)
        return True
    last_run = session.scalar(
        select(func.max(RedTeamRun.updated_at)).where(
            RedTeamRun.org_id == cycle.org_id, RedTeamRun.cycle_id == cycle.id
        )
    )
    last = max(filter(None, (cycle.updated_at, last_run)))
    if utcnow() - last <= STALE_AFTER:
        return False
    cycle.status, cycle.error, cycle.finished_at = "failed", STALE_ERROR, utcnow()
    session.flush()
    return True


def get_cycle_or_raise(*, session: Session, org_id: str, cycle_id: str) -> RedTeamCycle:
    cycle = session.scalar(
        select(RedTeamCycle).where(RedTeamCycle.org_id == org_id, RedTeamCycle.id == cycle_id)
    )
    if cycle is None:
        raise NotFound(f"learning cycle {cycle_id} not found")
    _end_if_stale(session, cycle)
    return cycle


def request_cycle_cancel(
    *, session: Session, org_id: str, cycle_id: str, by: str, reason: str | None = None
) -> tuple[RedTeamCycle, list[RedTeamRun]]:
    """End a queued or running cycle as cancelled and flag its active runs; Conflict if ended.

    The cycle's thread sees the status before each agent and starts nothing
    more; each run stops between probes as a run cancel does. Returns the
    cycle and the runs that were flagged (the caller stops those it executes).
    """
    why = clean_cancel_reason(reason)
    cycle = get_cycle_or_raise(session=session, org_id=org_id, cycle_id=cycle_id)
    if cycle.status not in ACTIVE_STATUSES:
        raise Conflict(f"learning cycle {cycle_id} is already {cycle.status}")
    cycle.status, cycle.finished_at = "cancelled", utcnow()
    cycle.error = f"cancelled by {by}"[:2000]
    cycle.cancelled_by, cycle.cancel_reason = by[:200], why
    runs = _active_cycle_runs(session, org_id, cycle_id)
    for run in runs:
        request_cancel(session=session, org_id=org_id, run_id=run.id, by=by, reason=why)
    session.flush()
    return cycle, runs


def _active_cycle_runs(session: Session, org_id: str, cycle_id: str) -> list[RedTeamRun]:
    return list(
        session.scalars(
            select(RedTeamRun).where(
                RedTeamRun.org_id == org_id,
                RedTeamRun.cycle_id == cycle_id,
                RedTeamRun.status.in_(ACTIVE_STATUSES),
            )
        )
    )


def list_cycles(
    *, session: Session, org_id: str, page: PageParams
) -> tuple[Sequence[RedTeamCycle], str | None]:
    stmt = select(RedTeamCycle).where(RedTeamCycle.org_id == org_id)
    rows, cursor = paginate(
        session, stmt, id_column=RedTeamCycle.id, sort_spec=CYCLE_SORTS, params=page
    )
    for cycle in rows:
        _end_if_stale(session, cycle)
    return rows, cursor


def cycle_outcomes(*, session: Session, org_id: str, cycle_id: str) -> list[RedTeamCycleOutcome]:
    return list(
        session.scalars(
            select(RedTeamCycleOutcome)
            .where(RedTeamCycleOutcome.org_id == org_id, RedTeamCycleOutcome.cycle_id == cycle_id)
            .order_by(
                RedTeamCycleOutcome.agent_id,
                RedTeamCycleOutcome.cve_id,
                RedTeamCycleOutcome.scenario_id,
            )
        )
    )


def recent_ai_cves(*, session: Session, days: int, limit: int = 500) -> list[CveFacts]:
    """Recent AI-relevant CVEs from the vulnerability database, as the cycle's ``CveFacts``.

    A small adapter over the vulns domain's shared ``cves`` table (published or
    modified within ``days``; ``ai_relevant`` as its classifier decided), with
    the product names it normalised as package names for component matching.
    """
    from threatvec.vulns.models import Cve, CveProduct

    cutoff = utcnow() - timedelta(days=days)
    rows = list(
        session.scalars(
            select(Cve)
            .where(
                Cve.ai_relevant.is_(True),
                or_(Cve.published >= cutoff, Cve.last_modified >= cutoff),
            )
            .order_by(Cve.published.desc())
            .limit(limit)
        )
    )
    products: dict[str, list[str]] = {}
    if rows:
        for cve_id, name in session.execute(
            select(CveProduct.cve_id, CveProduct.name).where(
                CveProduct.cve_id.in_([r.cve_id for r in rows])
            )
        ):
            products.setdefault(cve_id, []).append(name)
    facts = []
    for row in rows:
        raw = row.raw if isinstance(row.raw, dict) else {}
        base = (
            CveFacts.from_nvd(raw)
            if raw.get("id")
            else CveFacts(row.cve_id, row.description or "", tuple(row.cwes or ()))
        )
        facts.append(
            CveFacts(
                base.cve_id,
                base.description or row.description or "",
                base.cwes or tuple(row.cwes or ()),
                base.products,
                tuple(dict.fromkeys(products.get(row.cve_id, []))),
            )
        )
    return facts


def _bad_cve_message(raw: Mapping[str, Any], exc: Exception) -> str:
    # The parser's own message names the field (NvdRecordError); anything else is our
    # bug on odd input and says only its type, never echoing a stack of internals.
    from threatvec.vulns.nvd import NvdRecordError

    cve_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    why = str(exc) if isinstance(exc, NvdRecordError) else type(exc).__name__
    where = f"{cve_id[:40]}: " if cve_id else ""
    return f"not an NVD API 2.0 cve object: {where}{why}"[:500]


def ai_relevant_from_nvd(cves: Sequence[Mapping[str, Any]]) -> tuple[list[CveFacts], int]:
    """Supplied NVD ``cve`` objects: the AI-relevant ones as facts, and how many were dropped."""
    from threatvec.vulns.nvd import parse_cve
    from threatvec.vulns.relevance import classify

    kept: list[CveFacts] = []
    for index, raw in enumerate(cves):
        try:
            record = parse_cve(dict(raw))
            relevant = classify(record).ai_relevant
            facts = CveFacts.from_nvd(raw)
        except Exception as exc:
            raise InvalidInput(("body", "cves", index), _bad_cve_message(raw, exc)) from None
        if relevant:
            kept.append(facts)
    return kept, len(cves) - len(kept)
