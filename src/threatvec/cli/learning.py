"""`threatvec red-team ...`: the red-team learning cycle on a running server.

Unlike `threatvec agentbench run`, these commands talk to the server over its
API (`POST /api/v1/red-team/learn/run-cycle` and the cycle reads), the way
the dashboard's Red Team → Run cycle does: the cycle runs in the server,
next to the weekly job, and this command watches it. Server and key come
from --url / THREATVEC_URL and --org-key / THREATVEC_ORG_KEY.

Exit codes: 0 done; 1 a scenario FAILed and --fail-on-bypass was given; 2 an
error (server unreachable, key refused, a cycle already running, the cycle
failed); 128 + the signal when stopped while watching (130 Ctrl-C, 143
SIGTERM) — the cycle itself goes on in the server (`cancel-cycle ID` stops it).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from threatvec.cli.server_api import ServerApi
    from threatvec.redteam.cycle_report import CycleTally

__all__ = ["app"]

app = typer.Typer(
    help="Red team learning cycle: recent AI CVEs → ATLAS scenarios → runs against your agents.",
    no_args_is_help=True,
)

EXIT_ERROR = 2
ACTIVE = ("queued", "running")
POLL_S = 1.0
# A server restarting under a watched cycle (a deploy) is waited for this long.
UNREACHABLE_GRACE_S = 60.0
MAX_CVES = 500  # the API's limit per cycle

UrlOpt = typer.Option(
    None, "--url", envvar="THREATVEC_URL", help="ThreatVec server (default: http://127.0.0.1:8000)"
)
KeyOpt = typer.Option(
    None, "--org-key", envvar="THREATVEC_ORG_KEY", help="Organisation key", show_default=False
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def _api(url: str | None, org_key: str | None) -> ServerApi:
    from threatvec.cli.server_api import ServerApi, ServerError

    try:
        return ServerApi(url or "", org_key)
    except ServerError as exc:
        _fail(str(exc))


def _shown(text: object, limit: int = 200) -> str:
    """Server text (CVE ids, errors, names came from feeds) made safe for a terminal."""
    from threatvec.detect.normalize import visible_snippet

    return visible_snippet(str(text), limit=limit)


def _read_cves(path: Path) -> list[Any]:
    """NVD API 2.0 records from a file: a response page, a list of them, or bare `cve` objects."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"--cves {path}: {exc.strerror or type(exc).__name__}")
    except ValueError as exc:
        _fail(f"--cves {path}: not JSON ({exc})")
    pages = data if isinstance(data, list) else [data]
    cves: list[Any] = []
    for index, item in enumerate(pages):
        if isinstance(item, dict) and isinstance(item.get("vulnerabilities"), list):
            # Anything else is sent as is: the server names the bad record (body.cves.N).
            cves += [
                v["cve"] if isinstance(v, dict) and "cve" in v else v
                for v in item["vulnerabilities"]
            ]
        elif isinstance(item, dict) and "id" in item:
            cves.append(item)
        else:
            _fail(
                f"--cves {path}: item {index} is neither an NVD API response "
                '({"vulnerabilities": [...]}) nor a CVE record'
            )
    if not cves:
        _fail(f"--cves {path}: no CVE records")
    if len(cves) > MAX_CVES:
        _fail(f"--cves {path}: {len(cves)} CVE records; a cycle takes at most {MAX_CVES}")
    return cves


def _technique_names(api: ServerApi) -> dict[str, str]:
    """ATLAS technique names from the server's catalogue (best effort: ids alone otherwise)."""
    from threatvec.cli.server_api import ServerError

    try:
        coverage = api.get("/red-team/atlas-coverage")
    except ServerError:
        return {}
    # Without an imported catalogue the server names a technique by its id: no name then.
    return {
        str(t.get("technique")): str(t.get("name") or "")
        for t in coverage.get("techniques") or ()
        if isinstance(t, dict) and t.get("name") != t.get("technique")
    }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _print_summary(cycle: dict[str, Any], tally: CycleTally, names: dict[str, str]) -> None:
    t = tally.totals
    typer.echo(
        f"cycle {_shown(cycle['id'])} {_shown(cycle['status'])}: "
        f"{cycle['cve_count']} CVEs ingested, {_plural(cycle['agent_count'], 'agent')}"
    )
    line = (
        f"{t.scenarios} scenarios generated: {t.run} run ({t.passed} passed, {t.failed} failed), "
        f"{t.not_run} could not run"
    )
    if t.other:
        line += f"; {t.other} of those run were inconclusive or errors"
    typer.echo(line)
    if tally.not_tested:
        parts = ", ".join(f"{n} {_shown(k).replace('_', ' ')}" for k, n in tally.not_tested.items())
        typer.echo(f"CVE checks without a scenario: {parts}")
    summary = cycle.get("summary") or {}
    notes = [
        f"{summary[key]} {label}"
        for key, label in (
            ("agents_skipped", "agent(s) skipped: no AgentBench target"),
            ("agents_not_serving", "agent(s) not serving probes (tv.serve_probes)"),
            ("agents_failed", "agent(s) failed"),
        )
        if summary.get(key)
    ]
    if notes:
        typer.echo("; ".join(notes))
    if cycle.get("untested_reason"):
        typer.echo(f"nothing was tested: {_shown(cycle['untested_reason'], 500)}")
    if cycle.get("error"):
        typer.echo(f"error: {_shown(cycle['error'], 500)}")
    if not tally.techniques:
        return
    typer.echo(
        f"  {'ATLAS technique':<16} {'scenarios':>9} {'run':>5} {'passed':>7} {'failed':>7} "
        f"{'not run':>8}  name"
    )
    for row in tally.techniques:
        name = _shown(names.get(row.technique, ""), 60)
        typer.echo(
            f"  {_shown(row.technique, 16):<16} {row.scenarios:>9} {row.run:>5} {row.passed:>7} "
            f"{row.failed:>7} {row.not_run:>8}  {name}".rstrip()
        )


def _report(api: ServerApi, cycle_id: str, json_out: bool) -> tuple[dict[str, Any], CycleTally]:
    """Fetch the cycle with its rows and print it (summary, or JSON with the tally)."""
    from threatvec.cli.server_api import ServerError
    from threatvec.redteam.cycle_report import tally_outcomes

    try:
        cycle = api.get(f"/red-team/learn/cycles/{cycle_id}")
    except ServerError as exc:
        _fail(str(exc))
    tally = tally_outcomes(cycle.get("outcomes") or ())
    if json_out:
        typer.echo(json.dumps({"cycle": cycle, **tally.as_dict()}))
    else:
        _print_summary(cycle, tally, _technique_names(api))
    return cycle, tally


def _cycle_progress(api: ServerApi, cycle_id: str) -> tuple[int, int]:
    """Probes done / planned over the cycle's runs so far."""
    page = api.get("/agentbench/runs", kind="cycle", limit=200)
    runs = [r for r in page.get("items") or () if r.get("cycle_id") == cycle_id]
    return (
        sum(int(r.get("progress_done") or 0) for r in runs),
        sum(int(r.get("progress_total") or 0) for r in runs),
    )


def _wait(api: ServerApi, cycle: dict[str, Any]) -> None:
    """Poll until the cycle leaves queued/running, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from threatvec.cli.server_api import ServerError

    cycle_id = cycle["id"]
    status, lost_since = cycle["status"], None
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"learning cycle {cycle_id[:8]} · {status}", total=None)
        while status in ACTIVE:
            time.sleep(POLL_S)
            try:
                status = api.get(f"/red-team/learn/cycles/{cycle_id}")["status"]
                done, total = _cycle_progress(api, cycle_id)
            except ServerError as exc:
                if exc.status is not None:
                    _fail(str(exc))
                lost_since = lost_since or time.monotonic()
                if time.monotonic() - lost_since > UNREACHABLE_GRACE_S:
                    _fail(f"{exc} (cycle {cycle_id} was {status})")
                continue
            lost_since = None
            bar.update(
                task, description=f"learning cycle {cycle_id[:8]} · {_shown(status, 20)} · probes",
                completed=done, total=total or None,
            )  # fmt: skip


@app.command("run-cycle")
def run_cycle(
    agent: list[str] = typer.Option(
        [], "--agent", help="Only this agent id (repeat for more; default: every agent)"
    ),
    days: int = typer.Option(
        30, "--days", min=1, max=3650, help="CVEs published or changed within"
    ),
    k: int = typer.Option(3, "--k", min=1, max=10, help="Attempts per scenario"),
    cves: Path | None = typer.Option(
        None, "--cves", help="NVD API 2.0 JSON to use instead of the server's CVE database"
    ),
    no_wait: bool = typer.Option(False, "--no-wait", help="Start the cycle and return at once"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (the cycle and the tally)"),
    fail_on_bypass: bool = typer.Option(False, "--fail-on-bypass", help="Exit 1 on any FAIL"),
    url: str | None = UrlOpt,
    org_key: str | None = KeyOpt,
) -> None:
    """Run the learning cycle now: recent AI CVEs → ATLAS scenarios → runs on your agents.

    The cycle runs in the server (as Red Team → Run cycle does); this command
    shows its progress and then the summary per ATLAS technique. Exit codes:
    0 done, 1 a scenario FAILed with --fail-on-bypass, 2 an error or a failed
    cycle, 130/143 stopped watching (Ctrl-C/SIGTERM: the cycle goes on;
    `threatvec red-team cancel-cycle ID` stops it).
    """
    from threatvec.cli.common import interrupt_exit_code, interrupt_label, stop_like_ctrl_c
    from threatvec.cli.server_api import ServerError

    body: dict[str, Any] = {"days": days, "k": k}
    if agent:
        body["agent_ids"] = agent
    if cves is not None:
        body["cves"] = _read_cves(cves)
    api = _api(url, org_key)
    with stop_like_ctrl_c():
        try:
            cycle = api.post("/red-team/learn/run-cycle", body)
        except ServerError as exc:
            _fail(str(exc))
        if no_wait:
            shown = f"cycle {_shown(cycle['id'])} {_shown(cycle['status'])}"
            typer.echo(json.dumps(cycle) if json_out else shown)
            return
        try:
            _wait(api, cycle)
        except KeyboardInterrupt:
            # Stopping the watch never stops the cycle (a CI timeout or a closed terminal
            # must not cancel the organisation's cycle); the cancel is one command away.
            cycle_id = _shown(cycle["id"])
            typer.echo(
                f"stopped watching cycle {cycle_id} ({interrupt_label()}); it continues on "
                f"the server: threatvec red-team cycle {cycle_id} (to stop it: threatvec "
                f"red-team cancel-cycle {cycle_id})",
                err=True,
            )
            raise typer.Exit(interrupt_exit_code()) from None
    final, tally = _report(api, cycle["id"], json_out)
    if final["status"] != "completed":
        _fail(f"cycle {_shown(cycle['id'])} {_shown(final['status'])}")
    if fail_on_bypass and tally.totals.failed:
        raise typer.Exit(1)


@app.command("cancel-cycle")
def cancel_cycle(
    cycle_id: str = typer.Argument(..., help="Cycle id (from `threatvec red-team cycles`)"),
    reason: str | None = typer.Option(
        None, "--reason", help="Why (up to 500 characters; shown with who cancelled)"
    ),
    url: str | None = UrlOpt,
    org_key: str | None = KeyOpt,
) -> None:
    """Cancel a queued or running cycle: it starts no more runs and stops the one in progress."""
    from threatvec.cli.server_api import ServerError

    body = {"reason": reason} if reason is not None else None
    try:
        cycle = _api(url, org_key).post(f"/red-team/learn/cycles/{cycle_id}/cancel", body)
    except ServerError as exc:
        _fail(str(exc))
    typer.echo(f"cycle {_shown(cycle['id'])} {_shown(cycle['status'])}")


@app.command("cycle")
def show_cycle(
    cycle_id: str = typer.Argument(..., help="Cycle id (from `threatvec red-team cycles`)"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (the cycle and the tally)"),
    url: str | None = UrlOpt,
    org_key: str | None = KeyOpt,
) -> None:
    """One cycle's summary: CVEs, scenarios run / passed / failed / not run, per ATLAS technique."""
    _report(_api(url, org_key), cycle_id, json_out)


@app.command("cycles")
def list_cycles(
    limit: int = typer.Option(10, "--limit", min=1, max=100, help="How many, newest first"),
    json_out: bool = typer.Option(False, "--json", help="Print the API's page as JSON"),
    url: str | None = UrlOpt,
    org_key: str | None = KeyOpt,
) -> None:
    """The last learning cycles, newest first."""
    from threatvec.cli.server_api import ServerError

    try:
        page = _api(url, org_key).get("/red-team/learn/cycles", limit=limit)
    except ServerError as exc:
        _fail(str(exc))
    if json_out:
        typer.echo(json.dumps(page))
        return
    items = page.get("items") or []
    if not items:
        typer.echo("no learning cycles yet: threatvec red-team run-cycle starts one")
        return
    typer.echo(
        f"{'id':<32}  {'status':<9}  {'trigger':<7}  {'created (UTC)':<16}  {'CVEs':>5}  "
        f"{'agents':>6}  {'passed':>6}  {'failed':>6}  {'not run':>7}  error"
    )
    for c in items:
        s = c.get("summary") or {}
        created = _shown(c.get("created_at", ""))[:16].replace("T", " ")
        typer.echo(
            f"{_shown(c['id'], 32):<32}  {_shown(c['status'], 9):<9}  "
            f"{_shown(c['trigger'], 7):<7}  {created:<16}  {c['cve_count']:>5}  "
            f"{c['agent_count']:>6}  {s.get('PASS', 0):>6}  {s.get('FAIL', 0):>6}  "
            f"{s.get('not_run', 0):>7}  {_shown(c.get('error') or '', 120)}".rstrip()
        )
