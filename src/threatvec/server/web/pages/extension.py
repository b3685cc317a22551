"""The browser extension: setup page and the packaged zip (built per request, with the catalog).

The extension's files come from the installed package
(``threatvec/server/web/extension_src``, put there by the wheel build, see
pyproject.toml) or, in a source checkout, from ``extension/``. The zip holds
what a browser loads, with ``manifest.json`` at its root (the layout browser
stores and policy-managed installs expect), and ``src/catalog.json`` replaced
by this org's catalog (built-in entries plus the org's own), so a fresh install
knows the org's additions before its first sync. It never contains the org
key: that is entered in the popup or pushed by managed policy.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from threatvec.core.errors import NotFound
from threatvec.core.public_url import public_base
from threatvec.server.web.render import PageDep, render
from threatvec.shadow import service

__all__ = ["CHECKOUT_DIR", "PACKAGE_DIR", "build_zip", "extension_dir", "router"]

router = APIRouter(include_in_schema=False)

_HERE = Path(__file__).resolve()
PACKAGE_DIR = _HERE.parents[1] / "extension_src"  # in an installed wheel
CHECKOUT_DIR = _HERE.parents[5] / "extension"  # in a source checkout
# What a browser needs; tests, tools and the sync script stay out of the package.
PACKAGED = ("manifest.json", "managed_schema.json", "popup.html", "popup.css", "popup.js", "src")
SKIP_SUFFIXES = (".test.mjs", ".test.js", ".map")
# A fixed timestamp keeps the zip's bytes a function of its content alone.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def extension_dir() -> Path | None:
    """Where the extension's files are: the package's copy first, then the source checkout."""
    for candidate in (PACKAGE_DIR, CHECKOUT_DIR):
        if (candidate / "manifest.json").is_file():
            return candidate
    return None


def _manifest(root: Path | None) -> dict[str, object]:
    if root is None:
        return {}
    data = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def build_zip(catalog: list[dict[str, str]], root: Path | None = None) -> bytes:
    """The extension as a zip, ``manifest.json`` at its root and ``catalog`` as its catalog."""
    root = root or extension_dir()
    if root is None:
        raise NotFound("the extension sources are not installed with this server")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in PACKAGED:
            path = root / name
            files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for file in files:
                rel = file.relative_to(root).as_posix()
                if rel == "src/catalog.json" or rel.endswith(SKIP_SUFFIXES) or not file.exists():
                    continue
                _add(zf, rel, file.read_bytes())
        doc = {"version": "org", "services": catalog}
        _add(zf, "src/catalog.json", json.dumps(doc, indent=1, sort_keys=True).encode())
    return buffer.getvalue()


@router.get("/extension", response_class=HTMLResponse)
def extension_page(ctx: PageDep) -> HTMLResponse:
    root = extension_dir()
    manifest = _manifest(root)
    policy_keys: list[tuple[str, str]] = []
    schema_path = root / "managed_schema.json" if root is not None else None
    if schema_path is not None and schema_path.is_file():
        props = json.loads(schema_path.read_text(encoding="utf-8")).get("properties", {})
        policy_keys = [(k, str(v.get("description", ""))) for k, v in props.items()]
    public = public_base(ctx.request)
    return render(
        ctx,
        "extension.html",
        active="/shadow",
        title="Browser extension",
        server_url=public.url,
        public=public,
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
