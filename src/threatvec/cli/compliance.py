"""`threatvec compliance export FRAMEWORK`: the evidence package, without the HTTP API."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from threatvec.cli.common import fail, open_store
from threatvec.cli.org_choice import ORG_HELP, org_or_fail

__all__ = ["app"]

app = typer.Typer(help="Compliance evidence for the six frameworks.", no_args_is_help=True)


def _write(path: Path, text: str) -> None:
    # Written aside and renamed: a failed export never leaves half a file under the name.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"cannot write {path}: {exc.strerror or exc}")


@app.command("export")
def export(
    # Not listed here: loading the frameworks would slow every command's start by ~1 s.
    framework: str = typer.Argument(
        ..., help="Framework id, e.g. owasp-llm or soc2 (an unknown id lists them all)"
    ),
    org: str | None = typer.Option(None, help=ORG_HELP),
    out: Path | None = typer.Option(
        None, "--out", dir_okay=False, help="Write the JSON here (default: standard output)"
    ),
) -> None:
    """Export one framework's evidence package: the JSON of GET .../{framework}/evidence-export."""
    from threatvec.compliance import service
    from threatvec.compliance.schemas import EvidencePackageRead
    from threatvec.core.errors import NotFound

    try:
        service.get_framework_or_raise(framework)  # before touching the database
    except NotFound as exc:
        fail(exc.detail)
    _, _, factory = open_store()
    with factory() as session:
        org_id = org_or_fail(session, org).id
        package = service.evidence_package(session=session, org_id=org_id, framework=framework)
    # The API's response model, so the file and the download are the same document.
    text = EvidencePackageRead.of(package).model_dump_json(indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    _write(out, text)
    summary = package["summary"]
    coverage = summary["coverage_percent"]
    typer.echo(
        f"wrote {out}: {framework}, {summary['controls']} controls, coverage "
        f"{'no data' if coverage is None else f'{coverage:g}%'}",
        err=True,
    )
