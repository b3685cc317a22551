"""`threatvec detect ...`: the detectors on files, one JSON line out per input.

These are stable evaluation interfaces: each reads JSON lines (or an NVD
document), prints one JSON line per good input on stdout, reports each bad
line on stderr with its line number, and exits 1 if any line was bad.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import typer

from threatvec.cli.common import fail

app = typer.Typer(
    help="Run the local detectors on files (JSON lines in, JSON lines out).", no_args_is_help=True
)


def _require_input(path: str) -> None:
    if path != "-" and not Path(path).is_file():
        fail(f"{path}: no such file")


def _open(path: str) -> TextIO:
    if path == "-":
        return sys.stdin
    p = Path(path)
    if not p.is_file():
        fail(f"{path}: no such file")
    return p.open(encoding="utf-8", errors="replace")


def _jsonl(path: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with _open(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield lineno, f"not valid JSON ({exc.msg})"
                continue
            if not isinstance(obj, dict):
                yield lineno, "expected a JSON object"
                continue
            missing = [k for k in required if k not in obj]
            if missing:
                yield lineno, f"missing field(s): {', '.join(missing)}"
                continue
            yield lineno, obj


def _run(
    path: str, required: tuple[str, ...], handle: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    bad = 0
    out = sys.stdout
    for lineno, item in _jsonl(path, required):
        if isinstance(item, str):
            bad += 1
            typer.echo(f"line {lineno}: {item}", err=True)
            continue
        try:
            result = handle(item)
        except (TypeError, ValueError, AttributeError) as exc:
            bad += 1
            typer.echo(f"line {lineno}: {exc}", err=True)
            continue
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    if bad:
        raise typer.Exit(1)


@app.command("pii")
def pii(jsonl: str = typer.Option(..., "--jsonl", help="File of {id, text} lines, or -")) -> None:
    """Print the PII categories found in each text: {"id", "categories"}."""
    _require_input(jsonl)
    from threatvec.detect.pii import detect_pii

    def handle(obj: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(obj["text"], str):
            raise ValueError("field 'text' must be a string")
        return {"id": obj["id"], "categories": detect_pii(obj["text"])}

    _run(jsonl, ("id", "text"), handle)


@app.command("covert")
def covert(
    jsonl: str = typer.Option(..., "--jsonl", help="File of {id, tool} lines, or -"),
) -> None:
    """Judge each MCP tool definition: {"id", "verdict", "findings"}."""
    _require_input(jsonl)
    from threatvec.detect.covert import scan_tool

    def handle(obj: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(obj["tool"], dict):
            raise ValueError("field 'tool' must be an object")
        result = scan_tool(obj["tool"])
        return {
            "id": obj["id"],
            "verdict": result.verdict,
            "findings": [f.to_dict() for f in result.findings],
        }

    _run(jsonl, ("id", "tool"), handle)


@app.command("ai-relevance")
def ai_relevance(path: str = typer.Argument(..., help="NVD CVE API 2.0 JSON (or .gz)")) -> None:
    """Decide for each CVE whether it is AI-relevant: {"id", "ai_relevant", "reason"}."""
    _require_input(path)
    from threatvec.vulns.nvd import iter_nvd_file
    from threatvec.vulns.relevance import classify

    for record in iter_nvd_file(path):
        decision = classify(record)
        sys.stdout.write(
            json.dumps(
                {
                    "id": record.cve_id,
                    "ai_relevant": decision.ai_relevant,
                    "reason": decision.reason,
                }
            )
            + "\n"
        )
    sys.stdout.flush()
