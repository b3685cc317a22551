"""The wheel carries the extension, and a server installed from it serves the zip.

Builds the real wheel (hatchling, no build isolation so it works offline),
unpacks it as an install would, and runs ``threatvec serve`` from that copy
alone (no source checkout beside it) to download ``/extension/download``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
PACKAGED_ROOT = "threatvec/server/web/extension_src/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="the wheel is built with hatchling (dev extra)")
    out = tmp_path_factory.mktemp("wheel")
    pip_wheel = ["pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out)]
    subprocess.run(
        [sys.executable, "-m", *pip_wheel, str(REPO)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    [built] = out.glob("threatvec-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel unpacked into a directory used as the only copy of ``threatvec``."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return site


def _clean_env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
    # PYTHONPATH is searched before the venv's editable path to the checkout.
    env["PYTHONPATH"] = str(site)
    return env


def test_wheel_holds_the_browser_files_and_nothing_else(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = {n[len(PACKAGED_ROOT) :] for n in zf.namelist() if n.startswith(PACKAGED_ROOT)}
        manifest = json.loads(zf.read(PACKAGED_ROOT + "manifest.json"))
    source = REPO / "extension"
    shipped = {p.relative_to(source).as_posix() for p in source.rglob("*")}
    assert {"manifest.json", "managed_schema.json", "popup.html", "popup.js"} <= names
    assert {"src/background.js", "src/content.js", "src/pii.js", "src/catalog.json"} <= names
    assert manifest["background"]["service_worker"] in names
    # everything in the wheel is a file of extension/, and no test, tool or script
    assert names <= shipped
    assert not any(n.startswith(("test/", "tools/")) or n.endswith(".py") for n in names)


def test_installed_copy_resolves_to_package_data(installed: Path, tmp_path: Path) -> None:
    code = "from threatvec.server.web.pages import extension as e; print(e.extension_dir())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=_clean_env(installed),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert Path(out) == installed / PACKAGED_ROOT.rstrip("/")


@pytest.fixture
def server_from_wheel(installed: Path, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    serve = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data"), "--no-scheduler"]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from threatvec.cli import main; main()", *serve],
        cwd=tmp_path,
        env=_clean_env(installed),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"server from the wheel did not start:\n{output[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_server_installed_from_wheel_serves_a_loadable_zip(server_from_wheel: str) -> None:
    # No org key configured on loopback: the server runs as the default org, no login.
    with urllib.request.urlopen(f"{server_from_wheel}/extension/download", timeout=30) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "application/zip"
        data = r.read()
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert zf.testzip() is None
    names = set(zf.namelist())
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["manifest_version"] == 3
    assert manifest["background"]["service_worker"] in names
    assert not any(n.startswith(("test/", "tools/")) or ".test." in n for n in names)
    catalog = json.loads(zf.read("src/catalog.json"))
    assert len(catalog["services"]) >= 300
    with urllib.request.urlopen(f"{server_from_wheel}/extension", timeout=30) as r:
        page = r.read().decode()
    assert 'id="extension-download"' in page and f"v{manifest['version']}" in page
