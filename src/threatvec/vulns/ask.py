"""The patch query: a question in plain words → filters → a short answer citing real CVE ids.

Two ways, same facts:

* **Rules** (no LLM configured, or the LLM failed): keywords and patterns
  give the intent — technology (a product name the database or the org's
  stack knows), severity, time frame, status, overdue, KEV, in-stack, AI —
  and the answer is composed from the top results.
* **LLM** (``THREATVEC_LLM_*``): the model extracts the intent as JSON
  (validated; anything invalid falls back to the rules) and words the answer
  from the rows the database returned. Every CVE id in its answer is checked
  against those rows: a sentence citing an id that is not there is dropped,
  and if no cited sentence survives, the rule answer is used.

Either way the facts come from the database and the answer is 2–4 sentences.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.core.llm import LlmClient
from threatvec.core.pagination import PageParams
from threatvec.vulns import service
from threatvec.vulns.models import ACTIVE_STATUSES, CveProduct, TechStackEntry
from threatvec.vulns.schemas import AskIntent, AskResponse, PatchRead
from threatvec.vulns.stack import normalize_name

__all__ = ["answer_question", "extract_intent_rules", "sanitize_llm_answer"]

TOP_N = 5
_MAX_SINCE_DAYS = 3650  # AskIntent.since_days' upper bound
_CVE_RE = re.compile(r"CVE-\d{4}-\d{4,19}", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")

_SEVERITY_WORDS: dict[str, list[str]] = {
    "critical": ["CRITICAL"],
    "severe": ["CRITICAL", "HIGH"],
    "high": ["HIGH"],
    "medium": ["MEDIUM"],
    "moderate": ["MEDIUM"],
    "low": ["LOW"],
}
_STOPWORDS = frozenset(
    {
        "a",
        "about",
        "actively",
        "affect",
        "affecting",
        "affects",
        "after",
        "ai",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "critical",
        "currently",
        "cve",
        "cves",
        "day",
        "days",
        "deployed",
        "do",
        "does",
        "due",
        "exploited",
        "exposure",
        "exposures",
        "first",
        "fix",
        "fixed",
        "fixes",
        "for",
        "from",
        "give",
        "has",
        "have",
        "high",
        "how",
        "i",
        "if",
        "important",
        "in",
        "investigating",
        "is",
        "issue",
        "issues",
        "it",
        "its",
        "kev",
        "known",
        "last",
        "latest",
        "list",
        "llm",
        "low",
        "many",
        "matter",
        "matters",
        "me",
        "medium",
        "ml",
        "model",
        "models",
        "month",
        "months",
        "more",
        "most",
        "much",
        "my",
        "need",
        "needs",
        "new",
        "next",
        "now",
        "of",
        "on",
        "only",
        "open",
        "or",
        "our",
        "overdue",
        "past",
        "patch",
        "patches",
        "please",
        "priority",
        "recent",
        "recently",
        "right",
        "risk",
        "risks",
        "run",
        "running",
        "severe",
        "should",
        "show",
        "since",
        "so",
        "stack",
        "still",
        "tell",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "those",
        "to",
        "today",
        "top",
        "update",
        "updates",
        "urgent",
        "us",
        "use",
        "used",
        "using",
        "vulnerabilities",
        "vulnerability",
        "vulns",
        "was",
        "we",
        "week",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "wild",
        "will",
        "with",
        "won",
        "wont",
        "worst",
        "year",
        "years",
    }
)


@dataclass(frozen=True)
class _Query:
    intent: AskIntent
    rows: list[PatchRead]
    total: int
    overdue: int


def _words(question: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9][A-Za-z0-9._+-]*", question.lower())


def _technology(session: Session, org_id: str, question: str) -> str | None:
    """A product name from the question that the CVE data or the org's stack knows."""
    words = [w.strip(".-_+") for w in _words(question)]
    candidates: list[str] = []
    for i, w in enumerate(words):
        if i + 1 < len(words):
            candidates.append(normalize_name(f"{w}-{words[i + 1]}"))
        if len(w) >= 2 and w not in _STOPWORDS:
            candidates.append(normalize_name(w))
    candidates = [c for c in dict.fromkeys(candidates) if c and c not in _STOPWORDS]
    if not candidates:
        return None
    known = set(
        session.scalars(select(CveProduct.name).where(CveProduct.name.in_(candidates)).distinct())
    )
    known |= set(
        session.scalars(
            select(TechStackEntry.name).where(
                TechStackEntry.org_id == org_id, TechStackEntry.name.in_(candidates)
            )
        )
    )
    # Bigrams come first in `candidates`, so "jupyter notebook" beats "jupyter".
    return next((c for c in candidates if c in known), None)


def _named_cves(question: str) -> list[str]:
    """The CVE ids the question names, upper-cased, first 20, in order."""
    return list(dict.fromkeys(i.upper() for i in _CVE_RE.findall(question)))[:20]


def extract_intent_rules(session: Session, org_id: str, question: str) -> AskIntent:
    """The intent from keywords and patterns (no LLM)."""
    q = question.lower()
    severity: list[str] = []
    for word, sev in _SEVERITY_WORDS.items():
        if re.search(rf"\b{word}\b", q):
            severity.extend(s for s in sev if s not in severity)
    since: int | None = None
    m = re.search(r"\b(?:last|past)\s+(\d{1,4})\s+(day|week|month|year)s?\b", q)
    if m:
        days = int(m.group(1)) * {"day": 1, "week": 7, "month": 30, "year": 365}[m.group(2)]
        # AskIntent takes 1-3650 days: "the last 20 years" means "as far back as kept",
        # not a validation error (it was a 500).
        since = min(max(days, 1), _MAX_SINCE_DAYS)
    elif re.search(r"\btoday\b|\blast 24 hours\b", q):
        since = 1
    elif re.search(r"\b(?:this|past|last) week\b", q):
        since = 7
    elif re.search(r"\b(?:this|past|last) month\b", q):
        since = 30
    elif re.search(r"\b(?:this|past|last) year\b", q):
        since = 365
    elif re.search(r"\b(?:recent|recently|new|newly|latest)\b", q):
        since = 30
    status: list[str] = []
    overdue: bool | None = None
    if re.search(r"\boverdue\b|\bpast due\b|\blate\b|\bsla breach", q):
        overdue = True
    if re.search(r"\bwon'?t fix\b|\bwont_fix\b|\baccepted risk", q):
        status = ["wont_fix"]
    elif re.search(r"\bdeployed\b", q):
        status = ["deployed"]
    elif re.search(r"\b(?:fixed|patched|resolved)\b", q) and not re.search(
        r"\bun(?:patched|fixed|resolved)\b|\bnot (?:yet )?(?:fixed|patched)", q
    ):
        status = ["fixed"]
    elif re.search(r"\binvestigating\b|\bunder investigation\b", q):
        status = ["investigating"]
    elif (
        re.search(
            r"\b(?:open|unpatched|unfixed|unresolved|outstanding|right now|currently|"
            r"still|matter|matters|should|need|needs|urgent|todo|to do|"
            # What to act on: a CVE already fixed or accepted is not a priority.
            r"top|first|priorit(?:y|ies|i[sz]e)|important|riskiest|worst)\b",
            q,
        )
        or overdue
    ):
        status = list(ACTIVE_STATUSES)
    kev = (
        True if re.search(r"\bkev\b|\bexploited\b|\bin the wild\b|\bknown exploited\b", q) else None
    )
    in_stack = (
        True
        if re.search(
            r"\bour (?:stack|systems?|software|servers?|environment)\b|\bin (?:our |the )?stack\b|"
            r"\bwe (?:use|run|have|depend)\b|\baffect(?:s|ing)? us\b|\bdo we\b|\bare we\b",
            q,
        )
        else None
    )
    ai_only = True if re.search(r"\b(?:ai|ml|llm|llms|machine learning|genai)\b", q) else None
    sort = "priority"
    if re.search(r"\b(?:due soonest|soonest|deadline|due first|due next)\b", q):
        sort = "due"
    elif re.search(r"\b(?:newest|latest|most recent)\b", q):
        sort = "published"
    elif re.search(r"\bepss\b|\blikely to be exploited\b", q):
        sort = "epss"
    return AskIntent(
        cve_ids=_named_cves(question),
        technology=_technology(session, org_id, question),
        severity=severity,  # type: ignore[arg-type]
        since_days=since,
        status=status,  # type: ignore[arg-type]
        overdue=overdue,
        kev=kev,
        in_stack=in_stack,
        ai_only=ai_only,
        sort=sort,  # type: ignore[arg-type]
        source="rules",
    )


_SORT_PARAM = {
    "priority": "-priority",
    "cvss": "-cvss",
    "epss": "-epss",
    "published": "-published",
    "due": "due",
}


def _filters(intent: AskIntent, **extra: Any) -> service.PatchFilters:
    if intent.cve_ids:
        # "Is CVE-X patched?" asks about X whatever its status, severity or
        # relevance: filtering on the words would hide the very CVE asked about.
        return service.PatchFilters(
            scope="all", cve_ids=list(intent.cve_ids), overdue=extra.get("overdue")
        )
    return service.PatchFilters(
        severity=list(intent.severity),
        status=list(intent.status),
        # Asking about a technology by name means "all of its CVEs", in the stack or not.
        scope="all" if intent.technology else "relevant",
        ai_only=bool(intent.ai_only),
        stack_only=bool(intent.in_stack),
        kev=intent.kev,
        overdue=extra.get("overdue", intent.overdue),
        technology=intent.technology,
        published_since=(
            utcnow() - timedelta(days=intent.since_days) if intent.since_days else None
        ),
    )


def _run(session: Session, org_id: str, intent: AskIntent) -> _Query:
    f = _filters(intent)
    rows, _ = service.list_page(
        session=session,
        org_id=org_id,
        page=PageParams(limit=TOP_N, sort=_SORT_PARAM[intent.sort]),
        filters=f,
    )
    total = service.count(session=session, org_id=org_id, filters=f)
    overdue = (
        total
        if intent.overdue
        else service.count(session=session, org_id=org_id, filters=_filters(intent, overdue=True))
    )
    return _Query(intent, rows, total, overdue)


def _describe(intent: AskIntent) -> str:
    parts = []
    if intent.overdue:
        parts.append("overdue")
    elif intent.status and set(intent.status) == set(ACTIVE_STATUSES):
        parts.append("open")
    elif intent.status:
        parts.append("/".join(s.replace("_", " ") for s in intent.status))
    if intent.severity:
        parts.append("/".join(s.lower() for s in intent.severity))
    if intent.kev:
        parts.append("known-exploited")
    if intent.technology:
        parts.append(intent.technology)
    if intent.ai_only:
        parts.append("AI")
    text = " ".join(parts)
    if intent.in_stack:
        text += " in-stack" if text else "in-stack"
    return text


def _when(intent: AskIntent) -> str:
    return f" published in the last {intent.since_days} days" if intent.since_days else ""


def _fact(p: PatchRead, *, with_status: bool = True) -> str:
    bits = [p.severity or "unscored"]
    if p.cvss_score is not None:
        bits.append(f"CVSS {p.cvss_score:g}")
    bits.append(f"priority {p.priority:g}/100")
    if p.kev:
        bits.append("on CISA KEV")
    if p.in_stack and p.stack.technology:
        ver = f" {p.stack.version}" if p.stack.version else ""
        bits.append(f"matches your {p.stack.technology}{ver}")
    due = f"due {p.sla.due.isoformat()}" + (" (overdue)" if p.sla.overdue else "")
    if p.status not in ACTIVE_STATUSES:
        due = p.status.replace("_", " ") if with_status else ""
    if due:
        bits.append(due)
    return ", ".join(bits)


def _named_answer(q: _Query) -> str:
    """The CVEs the question named: each one's status and facts, then how many were found.

    The question's other words (severity, "fixed", ...) do not filter these rows,
    so they are not repeated as a label either.
    """
    asked = q.intent.cve_ids
    if not q.rows:
        return (
            f"No CVEs in your organisation match {', '.join(asked)}. "
            "It may not affect anything you run, or the CVE sources may not have it yet."
        )
    sentences = [
        f"{p.cve_id} is {p.status.replace('_', ' ')}: {_fact(p, with_status=False)}."
        for p in q.rows[:3]
    ]
    if len(asked) == 1:
        sentences.append(f"SLA: {q.rows[0].sla.reason}.")
    else:
        sentences.append(
            f"{len(q.rows)} of the {len(asked)} CVEs asked about affect your organisation."
        )
    return " ".join(sentences)


def rule_answer(q: _Query) -> str:
    what = _describe(q.intent)
    label = f"{what} CVEs" if what else "CVEs"
    if q.intent.cve_ids:
        return _named_answer(q)
    if not q.rows:
        scope = "" if q.intent.technology else " among AI-relevant or in-stack CVEs"
        return (
            f"No {label}{_when(q.intent)} match{scope}. "
            "Try a wider question, import more of your tech stack, or sync the CVE sources."
        )
    top = q.rows[0]
    lead = {
        "priority": "matters most",
        "due": "is due first",
        "published": "is the newest",
        "epss": "is the most likely to be exploited",
        "cvss": "scores highest",
    }[q.intent.sort]
    sentences = [f"{top.cve_id} {lead}: {_fact(top)}."]
    rest = q.rows[1:3]
    if rest:
        sentences.append(
            "Next: "
            + " and ".join(
                f"{p.cve_id} (priority {p.priority:g}, {p.severity or 'unscored'}"
                f"{', due ' + p.sla.due.isoformat() if p.status in ACTIVE_STATUSES else ''})"
                for p in rest
            )
            + "."
        )
    tail = f"{q.total} {label}{_when(q.intent)} match in total"
    if q.overdue and not q.intent.overdue:
        tail += f", {q.overdue} of them overdue"
    sentences.append(tail + ".")
    return " ".join(sentences)


def sanitize_llm_answer(text: str, allowed: Sequence[str]) -> tuple[str, list[str]] | None:
    """Keep 2–4 sentences citing only ``allowed`` ids; None when nothing usable is left."""
    ok = {a.upper() for a in allowed}
    flat = " ".join(text.replace("\r", " ").split())[:2000]
    kept = []
    for sentence in _SENTENCE.split(flat):
        ids = {i.upper() for i in _CVE_RE.findall(sentence)}
        if ids - ok:
            continue  # a made-up (or out-of-result) id: drop the claim with it
        kept.append(sentence)
    kept = kept[:4]
    answer = " ".join(kept).strip()
    cited = list(dict.fromkeys(i.upper() for i in _CVE_RE.findall(answer)))
    if not answer or (ok and not cited) or (not ok and cited):
        return None
    return answer, cited


_INTENT_PROMPT = (
    "You turn a security engineer's question about their organisation's CVE patches into "
    "search filters. Reply with ONE JSON object and nothing else, with these keys: "
    '"technology" (a product name such as "linux", "pytorch", "langchain", or null), '
    '"severity" (list of "CRITICAL","HIGH","MEDIUM","LOW"), "since_days" (integer or null), '
    '"status" (list of "open","investigating","fixed","deployed","wont_fix"; use '
    '["open","investigating"] for things still to do), "overdue" (true or null), '
    '"kev" (true when asking about known-exploited, else null), "in_stack" (true when asking '
    'about what the organisation runs, else null), "ai_only" (true when asking about AI/ML '
    'software, else null), "sort" (one of "priority","cvss","epss","published","due").'
)
_ANSWER_PROMPT = (
    "You answer a security engineer's question using ONLY the facts in the JSON given. "
    "Answer in 2 to 4 plain sentences. Cite CVE ids exactly as written in the facts and "
    "never mention any other CVE id. Mention priority, due dates and overdue status where "
    "they matter. If the facts list no CVEs, say that nothing matches."
)


def _llm_intent(llm: LlmClient, question: str) -> AskIntent | None:
    obj = llm.chat_json(
        [{"role": "system", "content": _INTENT_PROMPT}, {"role": "user", "content": question}],
        max_tokens=300,
    )
    if obj is None:
        return None
    allowed = {
        k: obj[k] for k in AskIntent.model_fields if k in obj and k not in ("source", "cve_ids")
    }
    try:
        intent = AskIntent(**allowed, source="llm")
    except (ValidationError, TypeError):
        return None
    if intent.technology is not None:
        tech = normalize_name(str(intent.technology))[:100]
        intent = intent.model_copy(update={"technology": tech or None})
    return intent


def _facts(q: _Query) -> str:
    rows = [
        {
            "cve_id": p.cve_id,
            "summary": p.summary,
            "severity": p.severity,
            "cvss": p.cvss_score,
            "epss_percentile": p.epss_percentile,
            "kev": p.kev,
            "in_stack": p.in_stack,
            "stack_entry": p.stack.technology,
            "priority": p.priority,
            "status": p.status,
            "due": p.sla.due.isoformat(),
            "overdue": p.sla.overdue,
        }
        for p in q.rows
    ]
    return json.dumps(
        {
            "matching_total": q.total,
            "overdue_total": q.overdue,
            "filters": q.intent.model_dump(exclude={"source"}),
            "top": rows,
        }
    )


def answer_question(
    *, session: Session, org_id: str, question: str, llm: LlmClient | None = None
) -> AskResponse:
    """Answer a question about the org's patches (LLM-worded when ``llm`` is given)."""
    intent: AskIntent | None = None
    if llm is not None:
        intent = _llm_intent(llm, question)
    if intent is None:
        intent = extract_intent_rules(session, org_id, question)
    else:
        # The ids are in the question itself: take them from there, not from the LLM.
        intent = intent.model_copy(update={"cve_ids": _named_cves(question)})
    q = _run(session, org_id, intent)
    ids = [p.cve_id for p in q.rows]
    if llm is not None:
        text = llm.chat(
            [
                {"role": "system", "content": _ANSWER_PROMPT},
                {"role": "user", "content": f"Question: {question}\nFacts: {_facts(q)}"},
            ],
            max_tokens=400,
        )
        cleaned = sanitize_llm_answer(text, ids) if text else None
        if cleaned is not None:
            answer, cited = cleaned
            return AskResponse(
                question=question,
                answer=answer,
                cited=cited,
                intent=intent,
                engine="llm",
                total=q.total,
                results=q.rows,
            )
    answer = rule_answer(q)
    # Only ids in the results are citations (a "no match" answer names the id asked about).
    cited = [i for i in dict.fromkeys(_CVE_RE.findall(answer)) if i.upper() in ids]
    return AskResponse(
        question=question,
        answer=answer,
        cited=cited,
        intent=intent,
        engine="rules",
        total=q.total,
        results=q.rows,
    )
