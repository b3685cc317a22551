"""`threatvec cves ...`: ingest CVE sources into the store (each run leaves a run record).

Every command shows a progress bar on stderr, prints a one-line summary on
stdout, reports skipped (malformed) records on stderr, and on failure prints
one ``error:`` line and exits non-zero.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from threatvec.cli.common import fail, open_store

app = typer.Typer(help="CVE sources: NVD, EPSS, CISA KEV, OSV, Vulners.", no_args_is_help=True)
_err = Console(stderr=True)


@contextmanager
def _bar(label: str) -> Iterator[Callable[[int, int | None], None]]:
    columns = [
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    # No bar when stderr is not a terminal: logs and pipes get only the summary.
    with Progress(*columns, console=_err, transient=True, disable=not _err.is_terminal) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _position(skip: dict[str, Any], index_label: str) -> str:
    """Where a skipped record was: a CSV line, an array position or a file (0 is a position)."""
    if skip.get("line") is not None:
        return f"line {skip['line']}"
    if skip.get("index") is not None:
        return index_label.format(skip["index"])
    return str(skip.get("path") or "(position unknown)")


def _report(what: str, detail: dict[str, Any], *, index_label: str = "vulnerabilities[{}]") -> None:
    """The summary line, then each skipped record once: position, id, reason.

    The text comes from the input file or feed, so escape sequences and other
    invisible characters are shown escaped.
    """
    from threatvec.detect.normalize import visible_snippet

    skipped = detail.get("skipped", 0)
    exp = detail.get("exposures", {})
    typer.echo(
        f"{what}: {detail.get('added', 0)} added, {detail.get('updated', 0)} updated, "
        f"{detail.get('unchanged', 0)} unchanged, {skipped} skipped"
        + (f", {detail['withdrawn']} withdrawn" if detail.get("withdrawn") else "")
        + "; "
        f"{exp.get('created', 0) + exp.get('updated', 0)} org exposures re-scored"
    )
    for s in detail.get("skipped_examples", []):
        where = visible_snippet(_position(s, index_label), limit=300)
        cve_id = visible_snippet(str(s.get("cve_id") or "-"), limit=120)
        reason = visible_snippet(str(s.get("reason")), limit=500)
        typer.echo(f"skipped {where} ({cve_id}): {reason}", err=True)


def _run(job: str, work: Callable[[Any], Any]) -> dict[str, Any]:
    """Open the store, run ``work(session)`` inside a recorded run, return its detail."""
    from threatvec.core.errors import Conflict
    from threatvec.vulns.ingest import recorded_run

    _, engine, factory = open_store()
    # `_report` lists every skipped record with its position; the parsers' own
    # warning for each would print it a second time on the same stderr.
    quiet = _SkipsListedHere()
    loggers = [logging.getLogger(name) for name in _SKIP_LOGGERS]
    for logger in loggers:
        logger.addFilter(quiet)
    try:
        with recorded_run(factory, job, trigger="cli") as detail, factory() as session:
            result = work(session)
            detail.update(result.to_dict())
            return detail
    except Conflict as exc:
        fail(exc.detail)
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)
        engine.dispose()


_SKIP_LOGGERS = ("threatvec.vulns.nvd", "threatvec.vulns.osv")


class _SkipsListedHere(logging.Filter):
    """Drops the parsers' skipped-record warnings (marked ``SKIPPED_RECORD``), nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        from threatvec.vulns.nvd import SKIPPED_RECORD

        return not getattr(record, SKIPPED_RECORD, False)


def _source_errors() -> tuple[type[BaseException], ...]:
    from threatvec.vulns.http_retry import SourceError
    from threatvec.vulns.nvd import NvdFileError

    return (SourceError, NvdFileError, OSError)


@app.command("import")
def import_file(
    path: Path = typer.Argument(..., help="NVD CVE API 2.0 JSON file (or .gz)"),
) -> None:
    """Import an NVD 2.0 JSON file (streamed; malformed records skipped and reported)."""
    if not path.is_file():
        fail(f"{path}: no such file")
    from threatvec.vulns.sources import import_nvd_file

    try:
        with _bar(f"import {path.name}") as bar:
            detail = _run("vulns.nvd_import", lambda s: import_nvd_file(s, path, on_progress=bar))
    except _source_errors() as exc:
        fail(str(exc))
    _report(f"NVD {path.name}", detail)


@app.command("sync")
def sync(full: bool = typer.Option(False, "--full", help="Download every CVE (resumable)")) -> None:
    """Sync from the NVD API (THREATVEC_NVD_BASE_URL, THREATVEC_NVD_API_KEY)."""
    from threatvec.core.settings import Settings
    from threatvec.vulns.sources import nvd_client, sync_nvd

    settings = Settings()
    try:
        with _bar("NVD sync") as bar, nvd_client(settings) as client:

            def progress(p: Any) -> None:
                bar(p.fetched, p.total or None)

            detail = _run(
                "vulns.nvd_sync", lambda s: sync_nvd(s, client, full=full, on_progress=progress)
            )
    except _source_errors() as exc:
        fail(str(exc))
    _report(
        f"NVD sync ({detail.get('mode')}, watermark {detail.get('watermark')})",
        detail,
        index_label="record at startIndex {}",  # absolute in NVD's result set
    )


@app.command("epss")
def epss(
    path: Path | None = typer.Argument(None, help="FIRST daily EPSS CSV (plain or .gz)"),
    api: bool = typer.Option(False, "--api", help="Ask FIRST's API (THREATVEC_EPSS_BASE_URL)"),
) -> None:
    """Import EPSS scores from the daily CSV file, or from the API with --api."""
    from threatvec.core.settings import Settings
    from threatvec.vulns.sources import epss_client, import_epss_file, sync_epss_api

    if (path is None) == (not api):
        fail("give an EPSS CSV file or --api (not both)")
    try:
        if path is not None:
            if not path.is_file():
                fail(f"{path}: no such file")
            with _bar(f"EPSS {path.name}") as bar:
                detail = _run(
                    "vulns.epss_import", lambda s: import_epss_file(s, path, on_progress=bar)
                )
        else:
            with _bar("EPSS API") as bar, epss_client(Settings()) as client:
                detail = _run("vulns.epss_sync", lambda s: sync_epss_api(s, client))
                bar(detail.get("added", 0) + detail.get("updated", 0), None)
    except _source_errors() as exc:
        fail(str(exc))
    _report("EPSS", detail)


@app.command("kev")
def kev(
    path: Path | None = typer.Argument(None, help="CISA KEV catalog JSON"),
    url: str | None = typer.Option(
        None,
        "--url",
        help="Download from this URL (default THREATVEC_KEV_URL when no file is given)",
    ),
) -> None:
    """Import the CISA Known Exploited Vulnerabilities catalog from a file or URL."""
    from threatvec.core.settings import Settings
    from threatvec.vulns.sources import import_kev

    if path is not None and url is not None:
        fail("give a KEV file or --url (not both)")
    if path is not None and not path.is_file():
        fail(f"{path}: no such file")
    target = url or Settings().kev_url
    try:
        with _bar("CISA KEV"):
            detail = _run(
                "vulns.kev_sync" if path is None else "vulns.kev_import",
                lambda s: import_kev(s, path=path, url=target),
            )
    except _source_errors() as exc:
        fail(str(exc))
    _report("KEV", detail)


@app.command("osv")
def osv(
    path: Path = typer.Argument(..., help="OSV advisory file (.json/.yaml) or directory"),
) -> None:
    """Import OSV advisories (exact package ranges) from a file or a directory tree."""
    if not path.exists():
        fail(f"{path}: no such file or directory")
    from threatvec.vulns.sources import import_osv_path

    try:
        with _bar(f"OSV {path.name}"):
            detail = _run("vulns.osv_import", lambda s: import_osv_path(s, path))
    except _source_errors() as exc:
        fail(str(exc))
    _report(f"OSV {path.name}", detail)


@app.command("osv-sync")
def osv_sync(
    base_url: str | None = typer.Option(
        None, "--base-url", help="OSV API (default THREATVEC_OSV_BASE_URL or https://api.osv.dev)"
    ),
) -> None:
    """Ask the OSV API about every package in the organisations' tech stacks."""
    from threatvec.core.settings import Settings
    from threatvec.vulns.osv import OsvClient
    from threatvec.vulns.osv_sync import sync_osv_stack

    url = base_url or Settings().osv_base_url
    try:
        with _bar("OSV querybatch") as bar, OsvClient(url) as client:
            detail = _run("vulns.osv_sync", lambda s: sync_osv_stack(s, client, on_progress=bar))
    except _source_errors() as exc:
        fail(str(exc))
    typer.echo(
        f"OSV: {detail['queries']} packages asked ({detail['skipped_entries']} stack entries "
        f"without an ecosystem), {detail['advisory_ids']} advisories listed, "
        f"{detail['fetched']} fetched, {detail['already_stored']} already current"
        + (
            f"; {detail['rechecked']} no longer listed re-checked by id "
            f"({detail['gone']} gone, {detail['recheck_failed']} kept: OSV did not answer)"
            if detail.get("rechecked")
            else ""
        )
    )
    _report("OSV advisories", detail)


@app.command("vulners-sync")
def vulners_sync() -> None:
    """Vulners enrichment of the relevant CVEs (needs THREATVEC_VULNERS_API_KEY)."""
    from threatvec.vulns.vulners import VulnersClient
    from threatvec.vulns.vulners_sync import sync_vulners

    client = VulnersClient.from_env()
    if client is None:
        fail("THREATVEC_VULNERS_API_KEY is not set: Vulners enrichment is off")
    try:
        with _bar("Vulners") as bar, client:
            detail = _run("vulns.vulners_sync", lambda s: sync_vulners(s, client, on_progress=bar))
    except _source_errors() as exc:
        fail(str(exc))
    _report("Vulners", detail)
