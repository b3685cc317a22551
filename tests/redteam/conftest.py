"""Fixtures for the red-team engine tests: shared data paths and the local target agents."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.redteam.agents.servers import OpenAIAgentServer
from threatvec.redteam.atlas import AtlasCatalog, load_atlas

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("THREATVEC_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data missing: {path} (set THREATVEC_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def atlas_path() -> Path:
    return shared("atlas", "ATLAS.yaml")


@pytest.fixture(scope="session")
def atlas(atlas_path: Path) -> AtlasCatalog:
    return load_atlas(atlas_path)


@pytest.fixture(scope="session")
def nvd_records() -> list[dict[str, Any]]:
    records = []
    for name in ("nvd_sample_dev.json", "nvd_sample_dev2.json"):
        data = json.loads(shared("nvd", name).read_text(encoding="utf-8"))
        records += [v["cve"] for v in data["vulnerabilities"]]
    return records


@pytest.fixture(scope="session")
def seeds() -> list[dict[str, Any]]:
    path = shared("redteam", "attack_seeds.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def openai_agents() -> Iterator[OpenAIAgentServer]:
    with OpenAIAgentServer() as server:
        yield server
