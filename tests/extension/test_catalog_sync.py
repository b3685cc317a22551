"""The built-in catalog and the extension's bundled copy never drift apart."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILTIN = REPO / "src" / "threatvec" / "shadow" / "data" / "ai_services.json"
BUNDLED = REPO / "extension" / "src" / "catalog.json"
DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}")


def test_bundled_copy_is_identical() -> None:
    assert json.loads(BUNDLED.read_text(encoding="utf-8")) == json.loads(
        BUILTIN.read_text(encoding="utf-8")
    ), "run: python extension/sync_catalog.py"


def test_sync_script_check_mode_agrees() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "extension" / "sync_catalog.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_catalog_entries_are_well_formed() -> None:
    services = json.loads(BUILTIN.read_text(encoding="utf-8"))["services"]
    assert len(services) >= 300
    domains = [s["domain"] for s in services]
    assert len(set(domains)) == len(domains)
    for entry in services:
        assert set(entry) == {"domain", "service", "vendor", "category", "kind"}, entry
        assert DOMAIN.fullmatch(entry["domain"]), entry
        assert entry["kind"] in ("consumer", "enterprise"), entry
        assert entry["service"] and entry["vendor"] and entry["category"], entry
    categories = {s["category"] for s in services}
    expected = {"chat", "coding", "image", "video", "audio", "writing", "search", "agents", "api"}
    assert expected <= categories
