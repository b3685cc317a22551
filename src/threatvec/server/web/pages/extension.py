"""The browser extension: setup page and the packaged zip (built per request, with the catalog).

The zip holds the extension as shipped in ``extension/`` (manifest, popup,
``src/``, managed-policy schema) with ``src/catalog.json`` replaced by this
org's catalog (built-in entries plus the org's own), so a fresh install knows
the org's additions before its first sync. It never contains the org key:
that is entered in the popup or pushed by managed policy.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from threatvec.core.errors import NotFound
from threatvec.server.web.render import PageDep, render
from threatvec.shadow import service

router = APIRouter(include_in_schema=False)

EXTENSION_DIR = Path(__file__).resolve().parents[5] / "extension"
# What a browser needs; tests, tools and the sync script stay out of the package.
PACKAGED = ("manifest.json", "managed_schema.json", "popup.html", "popup.css", "popup.js", "src")
SKIP_SUFFIXES = (".test.mjs", ".map")


def _manifest() -> dict[str, object]:
    path = EXTENSION_DIR / "manifest.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def build_zip(catalog: list[dict[str, str]]) -> bytes:
    """The extension folder as a zip, with ``src/catalog.json`` set to ``catalog``."""
    if not (EXTENSION_DIR / "manifest.json").is_file():
        raise NotFound("the extension sources are not installed with this server")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in PACKAGED:
            path = EXTENSION_DIR / name
            files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for file in files:
                rel = file.relative_to(EXTENSION_DIR).as_posix()
                if rel == "src/catalog.json" or rel.endswith(SKIP_SUFFIXES) or not file.exists():
                    continue
                zf.write(file, f"threatvec-extension/{rel}")
        doc = {"version": "org", "services": catalog}
        zf.writestr(
            "threatvec-extension/src/catalog.json", json.dumps(doc, indent=1, sort_keys=True)
        )
    return buffer.getvalue()


@router.get("/extension", response_class=HTMLResponse)
def extension_page(ctx: PageDep) -> HTMLResponse:
    manifest = _manifest()
    schema_path = EXTENSION_DIR / "managed_schema.json"
    policy_keys: list[tuple[str, str]] = []
    if schema_path.is_file():
        props = json.loads(schema_path.read_text(encoding="utf-8")).get("properties", {})
        policy_keys = [(k, str(v.get("description", ""))) for k, v in props.items()]
    server_url = str(ctx.request.base_url).rstrip("/")
    return render(
        ctx,
        "extension.html",
        active="/shadow",
        title="Browser extension",
        server_url=server_url,
        version=manifest.get("version", "?"),
        available=bool(manifest),
        policy_keys=policy_keys,
        catalog_size=len(service.catalog_items(session=ctx.session, org_id=ctx.org.id)),
    )


@router.get("/extension/download")
def extension_download(ctx: PageDep) -> Response:
    items = service.catalog_items(session=ctx.session, org_id=ctx.org.id)
    catalog = [{k: v for k, v in i.to_dict().items() if k != "origin"} for i in items]
    data = build_zip(catalog)
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="threatvec-extension.zip"',
            "Cache-Control": "no-store",
        },
    )
