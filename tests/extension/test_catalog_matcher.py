"""The extension's matcher (run under node) and the server's agree on the reference list.

Both sides decide which hosts are AI services: the extension decides what is
reported at all, the server what a reported domain is. A host the two see
differently would be dropped or mislabelled, so every reference domain, a
subdomain of it and its look-alikes go through both.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from threatvec.shadow.catalog import Catalog, builtin_catalog

REPO = Path(__file__).resolve().parents[2]
NODE_MATCH = """
import { readFileSync } from "node:fs";
import { buildMatcher, normalizeCatalog } from "./extension/src/catalog.js";
const bundled = JSON.parse(readFileSync("extension/src/catalog.json", "utf8"));
const matcher = buildMatcher(normalizeCatalog(bundled));
const hosts = JSON.parse(readFileSync(0, "utf8"));
const out = {};
for (const h of hosts) { const hit = matcher.match(h); out[h] = hit ? hit.domain : null; }
process.stdout.write(JSON.stringify(out));
"""


def _hosts(shared_data: Path) -> list[str]:
    text = (shared_data / "shadow" / "ai_services.csv").read_text(encoding="utf-8")
    hosts: list[str] = ["notopenai.com", "openai.com.evil.test", "xchatgpt.com"]
    for row in csv.DictReader(text.splitlines()):
        d = row["domain"]
        hosts += [d, f"eu.{d}", f"not{d}", f"{d}.evil.test", f"{d.replace('.', '-')}.test"]
    return hosts


def test_node_and_python_matchers_agree(shared_data: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    hosts = _hosts(shared_data)
    result = subprocess.run(
        [node, "--input-type=module", "-e", NODE_MATCH],
        cwd=REPO,
        input=json.dumps(hosts),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    from_node: dict[str, str | None] = json.loads(result.stdout)
    catalog = Catalog(builtin_catalog())
    from_python = {h: (m.domain if (m := catalog.match(h)) else None) for h in hosts}
    assert from_node == from_python
    # And the answers are the right ones, not merely the same ones.
    assert from_node["notopenai.com"] is None
    assert from_node["openai.com.evil.test"] is None
    assert from_node["eu.m365.cloud.microsoft"] == "m365.cloud.microsoft"
    assert from_node["xinghuo.xfyun.cn"] == "xinghuo.xfyun.cn"
