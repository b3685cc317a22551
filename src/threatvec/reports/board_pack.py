"""The Board Pack: one zip with the posture summary, a readable summary and all evidence.

Layout (docs/compliance.md, "Board Pack")::

    board-pack-<org>-<time>/
      summary.json            posture score and components, brief, top risks,
                              compliance summary per framework
      SUMMARY.md              the same for people (every value escaped)
      evidence/<fw>.json      each framework's evidence package, as the export API serves it

Everything comes from the org's live data through the posture and
compliance services; no key, token or channel secret is part of any of it.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from threatvec.compliance.service import EXPORT_FORMAT_VERSION, GENERATOR
from threatvec.reports.markdown import md_cell, md_text

__all__ = ["BOARD_PACK_FORMAT", "BoardPack", "build_zip", "render_markdown"]

BOARD_PACK_FORMAT = "threatvec.board-pack"
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class BoardPack:
    filename: str
    content: bytes
    summary: dict[str, Any]


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_default).encode("utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"not serialisable: {type(value).__name__}")


def _fmt(value: float | None, suffix: str = "") -> str:
    return "no data" if value is None else f"{value:.1f}{suffix}"


def render_markdown(summary: dict[str, Any]) -> str:
    """The human-readable summary; every value from the database goes through md_text."""
    p = summary["posture"]
    lines = [
        f"# AI security Board Pack — {md_text(summary['org']['name'])}",
        "",
        f"Generated {md_text(summary['generated_at_text'])} UTC "
        f"by ThreatVec {md_text(summary['generator']['version'])}.",
        "",
        f"Evidence period: {md_text(summary['period']['start_text'])} to "
        f"{md_text(summary['period']['end_text'])} UTC "
        f"({md_text(summary['period']['basis'])}).",
        "",
        "## Posture",
        "",
        f"Score: **{md_text(_fmt(p['score'], ' / 100'))}** "
        f"(24 h change: {md_text(_fmt(p['trend']['change_24h']))}, "
        f"7 d change: {md_text(_fmt(p['trend']['change_7d']))})",
        "",
        "| Component | Score | Weight | Share of the score |",
        "|---|---|---|---|",
    ]
    for c in p["components"]:
        lines.append(
            f"| {md_cell(c['label'])} | {md_cell(_fmt(c['score']))} "
            f"| {md_cell(_fmt(c['weight'], '%'))} "
            f"| {md_cell(_fmt(c['effective_percent'], '%'))} |"
        )
    lines += ["", "## Brief", ""]
    lines += [md_text(line) for line in summary["brief"]["text"].splitlines() if line.strip()]
    lines += ["", "## Top risks", ""]
    if summary["top_risks"]:
        lines += ["| # | Risk | Area | Fix | Gain |", "|---|---|---|---|---|"]
        for r in summary["top_risks"]:
            lines.append(
                f"| {r['rank']} | {md_cell(r['title'])} | {md_cell(r['dimension'])} "
                f"| {md_cell(r['action'])} | +{md_cell(r['gain'])} |"
            )
    else:
        lines.append("No open risks.")
    lines += [
        "",
        "## Compliance",
        "",
        "Coverage = (met + ½ partial) / assessed controls; controls without data are left out.",
        "",
        "| Framework | Met | Partial | Gap | Not assessed | Coverage | Evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in summary["compliance"]:
        n = f["counts"]
        lines.append(
            f"| {md_cell(f['name'])} | {n['met']} | {n['partial']} | {n['gap']} "
            f"| {n['not_assessed']} | {md_cell(_fmt(f['coverage_percent'], '%'))} "
            f"| evidence/{md_text(f['framework'])}.json |"
        )
    gaps = [g for g in summary["gaps"]]
    lines += ["", "## Gaps to close", ""]
    if gaps:
        lines += [
            f"- **{md_text(g['framework_name'])} {md_text(g['control'])}** "
            f"{md_text(g['title'])}: {md_text(g['reason'])}"
            for g in gaps
        ]
    else:
        lines.append("No control is in gap.")
    return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:40] or "org"


def _entry(name: str, generated_at: datetime) -> zipfile.ZipInfo:
    """A zip entry stamped with the pack's own time (not the moment of zipping) and
    fixed permissions, so the same evaluation always gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=generated_at.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def build_zip(summary: dict[str, Any], packages: list[dict[str, Any]]) -> BoardPack:
    at = summary["generated_at"]
    root = f"board-pack-{_slug(summary['org']['name'])}-{at.strftime('%Y%m%dT%H%M%SZ')}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(_entry(f"{root}/summary.json", at), _json(summary))
        zf.writestr(_entry(f"{root}/SUMMARY.md", at), render_markdown(summary).encode("utf-8"))
        for package in packages:
            zf.writestr(_entry(f"{root}/evidence/{package['framework']}.json", at), _json(package))
    return BoardPack(f"{root}.zip", buf.getvalue(), summary)


def summary_format() -> dict[str, Any]:
    return {
        "format": BOARD_PACK_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "generator": dict(GENERATOR),
    }
