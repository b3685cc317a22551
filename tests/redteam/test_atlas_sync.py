"""Keeping the ATLAS catalogue current from a published ATLAS.yaml, served from 127.0.0.1.

The local server hands out the real ATLAS.yaml from the shared data, as MITRE's
published location would; a newer release is the same file with its version
bumped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import make_migrated_engine, new_database_url
from tests.integrations.vendors import Reply, Request, vendor_server
from tests.redteam.conftest import shared
from threatvec.core.settings import get_settings
from threatvec.redteam import atlas_sync, service
from threatvec.redteam.atlas import AtlasError, load_atlas
from threatvec.redteam.atlas_sync import sync_atlas
from threatvec.redteam.models import AtlasImport
from threatvec.vulns.http_retry import RetryPolicy, SourceRejected

FILE = shared("atlas", "ATLAS.yaml")
FAST = {"retry": RetryPolicy(max_attempts=3, base_delay=0.0), "sleep": lambda _s: None}


class Published:
    """GET /dist/ATLAS.yaml: the current file, or whatever a test put there."""

    def __init__(self) -> None:
        self.body: bytes = FILE.read_bytes()

    def __call__(self, req: Request) -> Reply:
        if req.path != "/dist/ATLAS.yaml":
            return Reply(404, b"not found")
        return Reply(200, self.body, {"Content-Type": "text/yaml"})


def _next_version(text: str, version: str) -> tuple[str, str]:
    """The same file as a newer release."""
    bumped = f"{version}.1"
    text = text.replace(f"version: {version}", f"version: {bumped}", 1)
    return text, bumped


def _as_version(version: str) -> bytes:
    """The published file, relabelled as this release."""
    current = load_atlas(FILE).version
    text = FILE.read_text(encoding="utf-8")
    return text.replace(f"version: {current}", f"version: {version}", 1).encode()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    from threatvec.store.engine import make_session_factory

    engine = make_migrated_engine(new_database_url(tmp_path))
    yield make_session_factory(engine)
    engine.dispose()


def _imports(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(AtlasImport)) or 0)


def test_sync_imports_the_published_file_then_only_what_changed(store) -> None:
    expected = load_atlas(FILE)
    published = Published()
    with vendor_server(published) as srv, store() as session:
        url = f"{srv.url}/dist/ATLAS.yaml"
        first = sync_atlas(session, url=url, **FAST)
        assert first.status == "imported" and first.previous_version is None
        assert (first.version, first.tactic_count) == (expected.version, len(expected.tactics))
        assert first.technique_count == expected.technique_count
        assert first.subtechnique_count == expected.subtechnique_count
        summary = service.atlas_summary(session=session)
        assert summary["imported"] and summary["technique_count"] == expected.technique_count
        assert service.current_catalog(session=session).techniques.keys() == (
            expected.techniques.keys()
        )

        again = sync_atlas(session, url=url, **FAST)
        assert again.status == "unchanged" and _imports(store) == 1

        text, bumped = _next_version(FILE.read_text(encoding="utf-8"), expected.version)
        published.body = text.encode()
        newer = sync_atlas(session, url=url, **FAST)
        assert newer.status == "imported" and newer.version == bumped
        assert newer.previous_version == expected.version and _imports(store) == 2


def test_a_failed_download_keeps_the_stored_catalogue(store) -> None:
    published = Published()
    with vendor_server(published) as srv, store() as session:
        url = f"{srv.url}/dist/ATLAS.yaml"
        sync_atlas(session, url=url, **FAST)
        before = service.atlas_summary(session=session)

        published.body = b"<html><body>Rate limited, try later</body></html>"
        with pytest.raises(AtlasError, match="does not hold an ATLAS mapping"):
            sync_atlas(session, url=url, **FAST)
        published.body = b"version: [unclosed"
        with pytest.raises(AtlasError, match="is not valid YAML") as bad:
            sync_atlas(session, url=url, **FAST)
        assert "\n" not in str(bad.value) and "(line 2, column 1)" in str(bad.value)
        with pytest.raises(SourceRejected, match="HTTP 404"):
            sync_atlas(session, url=f"{srv.url}/moved/ATLAS.yaml", **FAST)
        assert service.atlas_summary(session=session) == before

        # a passing outage is retried, not reported
        published.body = FILE.read_bytes()
        srv.script = [503, 502]
        assert sync_atlas(session, url=url, **FAST).status == "unchanged"
        assert srv.paths().count("/dist/ATLAS.yaml") >= 3


def test_an_older_release_is_not_imported_unless_forced(store) -> None:
    current = load_atlas(FILE).version
    published = Published()
    with vendor_server(published) as srv, store() as session:
        url = f"{srv.url}/dist/ATLAS.yaml"
        assert sync_atlas(session, url=url, **FAST).status == "imported"

        published.body = _as_version("4.9.0")
        older = sync_atlas(session, url=url, **FAST)
        assert older.status == "skipped_older" and _imports(store) == 1
        assert (older.version, older.previous_version) == ("4.9.0", current)
        assert older.to_dict()["message"] == (
            f"the published ATLAS 4.9.0 is older than the stored {current}: not imported"
        )
        assert service.atlas_summary(session=session)["version"] == current

        # numbers, not text: 5.10.0 is newer than 5.6.0 (and than the stored one)
        published.body = _as_version("5.10.0")
        assert sync_atlas(session, url=url, **FAST).status == "imported"
        published.body = _as_version(current)
        assert sync_atlas(session, url=url, **FAST).status == "skipped_older"
        forced = sync_atlas(session, url=url, force=True, **FAST)
        assert forced.status == "imported" and forced.previous_version == "5.10.0"
        assert service.atlas_summary(session=session)["version"] == current

        # a version that is not numbers: imported when it differs, as before
        published.body = _as_version("next")
        assert sync_atlas(session, url=url, **FAST).status == "imported"
        published.body = _as_version("4.9.0")
        assert sync_atlas(session, url=url, **FAST).status == "imported"
        assert _imports(store) == 5


class Endless:
    """A server whose ATLAS.yaml is far larger than the limit, with or without Content-Length.

    It counts what it managed to write before the client hung up, so a test can
    tell a client that stopped reading from one that took the whole body.
    """

    TOTAL = 64 * 1024 * 1024
    CHUNK = 64 * 1024

    def __init__(self, declared: bool) -> None:
        self.declared, self.requests, self.sent = declared, 0, 0
        self.finished = False
        self.done = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # chunked transfer needs 1.1

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner.requests += 1
                try:
                    owner.serve(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading and hung up
                finally:
                    owner.done.set()
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/dist/ATLAS.yaml"

    def serve(self, h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/yaml")
        if self.declared:
            h.send_header("Content-Length", str(self.TOTAL))
        else:
            h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b"# " + b"x" * (self.CHUNK - 3) + b"\n"
        while self.sent < self.TOTAL:
            if self.declared:
                h.wfile.write(chunk)
            else:
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.sent += len(chunk)
        if not self.declared:
            h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()
        self.finished = True

    def __enter__(self) -> Endless:
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_file_past_the_size_limit_is_refused_without_reading_it_all(
    store, monkeypatch, declared: bool
) -> None:
    monkeypatch.setattr(atlas_sync, "MAX_BYTES", 256 * 1024)
    with Endless(declared) as srv, store() as session:
        with pytest.raises(AtlasError, match=r"larger than 262,144 bytes") as exc:
            sync_atlas(session, url=srv.url, **FAST)
        assert srv.done.wait(10)
        assert srv.requests == 1  # not a failure that retrying could fix
        # the client hung up early: what the server got out is the limit plus socket buffers
        assert not srv.finished and srv.sent < Endless.TOTAL // 2, srv.sent
        assert not service.atlas_summary(session=session)["imported"]
    if declared:
        assert f"declares {Endless.TOTAL:,}" in str(exc.value)  # refused before the body


def _cli(data_dir: Path, *args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THREATVEC_DATA_DIR": str(data_dir), "THREATVEC_SECRET_KEY": "c" * 40}
    env.pop("THREATVEC_DATABASE_URL", None)
    if url is not None:
        env["THREATVEC_ATLAS_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "threatvec.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_sync_and_show(tmp_path: Path) -> None:
    expected = load_atlas(FILE)
    data_dir = tmp_path / "tv"
    with vendor_server(Published()) as srv:
        missing = _cli(data_dir, "atlas", "show")
        assert missing.returncode != 0 and "threatvec atlas sync" in missing.stderr

        done = _cli(data_dir, "atlas", "sync", url=f"{srv.url}/dist/ATLAS.yaml")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == (
            f"ATLAS {expected.version}: {len(expected.tactics)} tactics, "
            f"{expected.technique_count} techniques, {expected.subtechnique_count} "
            "sub-techniques imported"
        )
        again = _cli(data_dir, "atlas", "sync", "--url", f"{srv.url}/dist/ATLAS.yaml")
        assert again.returncode == 0 and again.stdout.strip().endswith("already current")
        shown = _cli(data_dir, "atlas", "show")
        assert shown.returncode == 0 and f"{expected.technique_count} techniques" in shown.stdout

        gone = _cli(data_dir, "atlas", "sync", "--url", f"{srv.url}/nowhere.yaml")
        assert gone.returncode != 0
        assert gone.stderr.startswith("error: ATLAS catalogue not updated (the stored one is kept)")
        assert "HTTP 404" in gone.stderr and len(gone.stderr.strip().splitlines()) == 1
    odd = _cli(data_dir, "atlas", "sync", "--url", "file:///etc/passwd")
    assert odd.returncode != 0 and "must be an http(s) URL" in odd.stderr


def test_cli_sync_keeps_a_newer_stored_catalogue_and_force_imports(tmp_path: Path) -> None:
    current = load_atlas(FILE).version
    data_dir = tmp_path / "tv"
    published = Published()
    with vendor_server(published) as srv:
        url = f"{srv.url}/dist/ATLAS.yaml"
        assert _cli(data_dir, "atlas", "sync", "--url", url).returncode == 0
        published.body = _as_version("4.9.0")
        kept = _cli(data_dir, "atlas", "sync", "--url", url)
        assert kept.returncode == 0 and kept.stdout == "", kept.stderr
        assert kept.stderr.strip() == (
            f"warning: the published ATLAS 4.9.0 is older than the stored {current}: "
            "not imported (--force imports it anyway)"
        )
        forced = _cli(data_dir, "atlas", "sync", "--url", url, "--force")
        assert forced.returncode == 0, forced.stderr
        assert forced.stdout.strip().endswith(f"sub-techniques imported (was {current})")
        assert forced.stdout.startswith("ATLAS 4.9.0: ")
    shown = _cli(data_dir, "atlas", "show")
    assert shown.stdout.startswith("ATLAS 4.9.0: ")


def test_the_weekly_job_syncs_from_the_configured_url(store, monkeypatch, caplog) -> None:
    from threatvec.jobs.registry import load_all_jobs

    job = load_all_jobs()["redteam.atlas_sync"]
    assert not job.per_org and job.interval_s == 7 * 24 * 3600
    current = load_atlas(FILE).version
    published = Published()
    with vendor_server(published) as srv, store() as session:
        monkeypatch.setenv("THREATVEC_ATLAS_URL", f"{srv.url}/dist/ATLAS.yaml")
        get_settings.cache_clear()
        try:
            result = job.run(session=session)
            assert result is not None and result["status"] == "imported"
            published.body = _as_version("4.9.0")
            with caplog.at_level("WARNING", logger="threatvec.redteam"):
                older = job.run(session=session)
            assert f"ATLAS 4.9.0 is older than the stored {current}" in caplog.text
            assert older is not None and older["status"] == "skipped_older"
            assert older["version"] == "4.9.0" and older["previous_version"] == current
            assert older["message"].endswith(f"older than the stored {current}: not imported")
            monkeypatch.setenv("THREATVEC_ATLAS_URL", "")
            get_settings.cache_clear()
            assert job.run(session=session) == {
                "status": "off",
                "reason": "THREATVEC_ATLAS_URL is empty",
            }
        finally:
            get_settings.cache_clear()
    assert _imports(store) == 1
