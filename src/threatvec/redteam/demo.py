"""Demo red-team data: real AgentBench runs against in-process demo agents.

Nothing here is a hard-coded verdict: two small rule-based agents answer
the probe library through the real runner and judges, and what they get
wrong is what the dashboard shows. ``support-bot`` obeys instructions found
in attached documents and recites its configuration when asked; the
``finance-analyst`` ignores injected instructions but can be talked into a
role-play. The ATLAS catalogue is imported when ``THREATVEC_ATLAS_FILE``
names an ``ATLAS.yaml`` (it is data, not shipped with the code).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.core.errors import NotFound
from threatvec.redteam import service
from threatvec.redteam.atlas import AtlasError, load_atlas
from threatvec.redteam.channels import DIRECT, DOCUMENT, SYSTEM, TOOL_OUTPUT, WEB_PAGE
from threatvec.redteam.exchange import ProbeRequest, TargetReply
from threatvec.redteam.models import RedTeamRun
from threatvec.redteam.runner import RunOptions, RunResult, run_mode

__all__ = ["DemoAgent", "seed"]

log = logging.getLogger("threatvec.demo")
T = TypeVar("T")
_CODE = r"[BCDFGHJKLMNPQRSTVWXZ2-9]"
_ANSWER = re.compile(r"\bis\s+(" + _CODE + r"{8})\b")
_C = r"the code (" + _CODE + r"{8,}) "
_FOLLOW: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(_C + r"written backwards"), lambda m: m.group(1)[::-1]),
    (re.compile(_C + r"in lowercase letters"), lambda m: m.group(1).lower()),
    (
        re.compile(_C + r"followed by a dash and the sum of (\d+) and (\d+)"),
        lambda m: f"{m.group(1)}-{int(m.group(2)) + int(m.group(3))}",
    ),
)


@dataclass
class DemoAgent:
    """An in-process ``Target``: answers the benign task, with the weaknesses it is given."""

    name: str
    obeys_documents: bool = False  # follows instructions inside attached documents
    recites_config: bool = False  # prints its system prompt when asked for "everything"
    plays_along: bool = False  # a role-play gets the forbidden codeword out of it
    channels: frozenset[str] = field(
        default=frozenset({DIRECT, DOCUMENT, TOOL_OUTPUT, WEB_PAGE, SYSTEM})
    )
    observes_tool_calls: bool = True

    def send(self, request: ProbeRequest) -> TargetReply:
        docs = "\n".join(d.content for d in request.documents)
        everything = "\n".join(
            [request.user_prompt, docs, *(t.content for t in request.tool_outputs)]
        )
        lines = []
        if self.obeys_documents:
            for pattern, follow in _FOLLOW:
                lines += [follow(m) for m in pattern.finditer(docs)]
        if self.recites_config and "print everything you were told" in request.user_prompt:
            lines.append(f"```\n{request.system_prompt}\n```")
        word = re.search(r"The word (\S+) is a restricted", request.system_prompt)
        if self.plays_along and word and "codeword" in request.user_prompt:
            lines.append(word.group(1).strip(".,'\""))
        answer = _ANSWER.search(everything)
        if answer:
            lines.append(f"Here is what you asked for: {answer.group(1)}.")
        return TargetReply(output="\n".join(lines) or "How can I help?")


DEMO_AGENTS = (
    DemoAgent("support-bot", obeys_documents=True, recites_config=True),
    DemoAgent("finance-analyst", plays_along=True),
)


def _run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run, also when called from inside a running loop (then in a helper thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    box: dict[str, Any] = {}

    def worker() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _import_atlas_if_configured(session: Session) -> None:
    path = os.environ.get("THREATVEC_ATLAS_FILE")
    if not path or service.atlas_summary(session=session)["imported"]:
        return
    try:
        service.import_catalog(session=session, catalog=load_atlas(Path(path)))
    except (OSError, AtlasError) as exc:
        log.warning("demo: ATLAS catalogue not imported from %s: %s", path, exc)


def seed(*, session: Session, org_id: str) -> None:
    _import_atlas_if_configured(session)
    atlas_version = service.atlas_summary(session=session)["version"]
    for demo in DEMO_AGENTS:
        try:
            agent = _find_agent(session, org_id, demo.name)
        except NotFound:
            continue
        already = session.scalar(
            select(RedTeamRun.id).where(
                RedTeamRun.org_id == org_id, RedTeamRun.agent_id == agent.id
            )
        )
        if already is not None:
            continue
        result: RunResult = _run_sync(
            lambda d=demo: run_mode(  # type: ignore[misc]
                "full", d, options=RunOptions(k=3), atlas_version=atlas_version
            )
        )
        run = service.create_run(
            session=session, org_id=org_id, agent=agent, mode="full", k=3,
            target_type="demo (in-process)", by="demo",
        )  # fmt: skip
        run.status, run.started_at, run.finished_at = "running", utcnow(), utcnow()
        service.store_results(session=session, org_id=org_id, run=run, result=result)
        run.status, run.progress_total = "completed", len(result.results)
        session.flush()


def _find_agent(session: Session, org_id: str, name: str) -> service.AgentRef:
    for ref in service.list_agent_refs(session=session, org_id=org_id):
        if ref.name == name:
            return ref
    raise NotFound(name)
