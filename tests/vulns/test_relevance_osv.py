"""AI relevance on real PyPI advisories (issue 5): a regression guard out of the rules' own set.

Each advisory is turned into the record an unanalysed NVD entry would be (no
CPE, description = the advisory text) and classified as the CLI does; the
truth is the hand label of its package (tests/vectors/ai_relevance_osv_packages.json).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from threatvec.vulns.nvd import CveRecord, parse_cve, parse_nvd_document
from threatvec.vulns.osv import OsvAdvisory, load_osv_file
from threatvec.vulns.relevance import classify

from .conftest import VECTORS, need, shared_data

REPO = Path(__file__).resolve().parents[2]
LABELS: dict[str, dict[str, str]] = json.loads(
    (VECTORS / "ai_relevance_osv_packages.json").read_text()
)
# Packages whose purpose is plainly not AI, with many advisories between them;
# airflow and superset are data platforms often *used* for ML, redis-py's
# advisory says "as used in ChatGPT", mlalchemy/pyro/flower have AI-looking names.
GENERAL = (
    "django",
    "plone",
    "ansible",
    "salt",
    "pillow",
    "apache-airflow",
    "apache-superset",
    "redis",
    "mlalchemy",
    "pyro",
    "flower",
)


def _advisory_root() -> Path:
    return shared_data() / "osv" / "pypa-advisory-database" / "vulns"


def _document(adv: OsvAdvisory, n: int) -> dict[str, Any]:
    # The NVD parser takes CVE ids only; advisories without one get a placeholder.
    cve_id = adv.cve_ids[0] if adv.cve_ids else f"CVE-0000-{n:06d}"
    cve = {
        "id": cve_id,
        "published": "2024-01-01T00:00:00.000",
        "lastModified": "2024-01-01T00:00:00.000",
        "vulnStatus": "Awaiting Analysis",
        "descriptions": [{"lang": "en", "value": adv.details or adv.summary}],
    }
    return {"vulnerabilities": [{"cve": cve}]}


@cache
def _cases(package: str) -> tuple[tuple[OsvAdvisory, CveRecord], ...]:
    out = []
    for i, path in enumerate(sorted((_advisory_root() / package).glob("*.yaml"))):
        adv = load_osv_file(path)
        (rec,) = parse_nvd_document(_document(adv, i))
        out.append((adv, rec))
    return tuple(out)


def _in_sample(package: str) -> bool:
    # A fixed quarter of the packages by name hash, plus every AI package but
    # the two TensorFlow rebuilds (same texts as tensorflow): ~750 records.
    if LABELS[package]["label"] == "ai":
        return package not in ("tensorflow-cpu", "tensorflow-gpu")
    return hashlib.sha256(package.encode()).digest()[0] % 4 == 0


def _sample() -> Iterator[tuple[str, bool, OsvAdvisory, CveRecord]]:
    for package, label in sorted(LABELS.items()):
        if label["label"] == "ambiguous" or not _in_sample(package):
            continue
        for adv, rec in _cases(package):
            yield package, label["label"] == "ai", adv, rec


@pytest.fixture(scope="module")
def advisories() -> Path:
    return need(_advisory_root())


def test_every_package_in_the_database_is_labelled(advisories: Path) -> None:
    packages = {p.name for p in advisories.iterdir() if p.is_dir()}
    assert packages == set(LABELS)
    assert {v["label"] for v in LABELS.values()} == {"ai", "not", "ambiguous"}
    assert all(v["why"] for v in LABELS.values())
    # Ambiguous packages are excluded from scoring: the set must stay small.
    ambiguous = sum(v["label"] == "ambiguous" for v in LABELS.values())
    assert ambiguous <= 0.05 * len(LABELS)


@pytest.mark.parametrize("mode", ["description", "package"])
def test_accuracy_on_real_advisories(advisories: Path, mode: str) -> None:
    tp = fp = tn = fn = 0
    wrong: list[str] = []
    for package, truth, adv, rec in _sample():
        pkgs = adv.package_names if mode == "package" else ()
        said = classify(rec, packages=pkgs).ai_relevant
        tp += truth and said
        fp += said and not truth
        fn += truth and not said
        tn += not truth and not said
        if said != truth:
            wrong.append(f"{package} {adv.id}")
    n = tp + fp + tn + fn
    assert tp > 300 and tn > 300  # the sample really has both classes
    assert (tp + tn) / n >= 0.95, wrong[:20]
    assert tp / (tp + fn) >= 0.9, wrong[:20]
    assert fp == 0, wrong[:20]


@pytest.mark.parametrize("package", GENERAL)
def test_no_false_positive_on_general_packages(advisories: Path, package: str) -> None:
    assert LABELS[package]["label"] == "not"
    hits = [
        (adv.id, d.reason)
        for adv, rec in _cases(package)
        if (d := classify(rec, packages=adv.package_names)).ai_relevant
    ]
    assert _cases(package), f"no advisories for {package}"
    assert hits == []


def test_cli_agrees_with_the_library_on_real_advisories(advisories: Path, tmp_path: Path) -> None:
    """`threatvec detect ai-relevance` (the review interface) gives the same verdicts."""
    picked = [
        (adv, rec)
        for package in ("langchain", "mlflow", "notebook", "django", "redis", "pyro")
        for adv, rec in _cases(package)[:3]
        if adv.cve_ids
    ]
    doc = {"vulnerabilities": [{"cve": rec.raw} for _, rec in picked]}
    path = tmp_path / "nvd.json"
    path.write_text(json.dumps(doc))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run(
        [sys.executable, "-m", "threatvec.cli", "detect", "ai-relevance", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    ).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [row["id"] for row in lines] == [rec.cve_id for _, rec in picked]
    for row, (_, rec) in zip(lines, picked, strict=True):
        assert row["ai_relevant"] == classify(rec).ai_relevant
        assert row["reason"]
    assert any(row["ai_relevant"] for row in lines)
    assert not all(row["ai_relevant"] for row in lines)


def _bare(description: str) -> CveRecord:
    return parse_cve(
        {
            "id": "CVE-2099-0002",
            "published": "2024-01-01T00:00:00.000",
            "lastModified": "2024-01-01T00:00:00.000",
            "vulnStatus": "Received",
            "descriptions": [{"lang": "en", "value": description}],
        }
    )


@pytest.mark.parametrize(
    ("text", "ai"),
    [
        # A version bound after the product: its own releases ship the flaw.
        (
            "A heap overflow in libfoo 2.1, as used in Google TensorFlow before 2.4.0, crashes.",
            True,
        ),
        ("A heap overflow in libfoo 2.1, as used in PyTorch through 1.12, crashes.", True),
        # No bound: the AI product is only a famous user of a general library.
        ("barlib before 4.5.3, as used in ChatGPT and other products, leaks a socket.", False),
        ("barlib before 1.2, used by PyTorch, mishandles paths.", False),
        # Vocabulary added from the out-of-sample errors (products, not advisory ids).
        ("Insecure temporary file in GitHub repository horovod/horovod prior to 0.24.0.", True),
        ("Directory traversal in Jubatus 1.0.2 and earlier.", True),
        ("Apache Submarine has an SQL injection when a user logs in.", True),
        ("This affects all versions of package qlib: unsafe YAML load.", True),
        ("Fedora is a federated learning platform for hospitals.", True),
        # Words that look alike but are not the products.
        ("The submarine game server allows SQL injection.", False),
        ("pyro before 3.15 unsafely handles pid files.", False),
        ("MLAlchemy before 0.2.2 parses YAML unsafely.", False),
    ],
)
def test_description_mechanisms(text: str, ai: bool) -> None:
    assert classify(_bare(text)).ai_relevant is ai, classify(_bare(text)).reason


@pytest.mark.parametrize(
    ("package", "ai"),
    [
        ("jupyterhub-ltiauthenticator", True),  # Jupyter's plugin namespace
        ("JupyterLab_Git", True),  # PEP 503 normalisation
        ("jupyterhub", True),
        ("jupyter", True),  # the metapackage
        ("pyjupyter-tools", False),  # prefix must start the name
        ("vantage6-server", True),
        ("django", False),
    ],
)
def test_package_names(package: str, ai: bool) -> None:
    decision = classify(_bare(""), packages=[package])
    assert decision.ai_relevant is ai
    if ai:
        assert decision.rule == "package" and package in decision.reason


def test_every_labelled_ai_package_is_on_the_list_and_no_other() -> None:
    # "Package names first" (issue 5): an OSV import must not depend on the text.
    wrong = [
        p
        for p, v in LABELS.items()
        if v["label"] != "ambiguous"
        and classify(_bare(""), packages=[p]).ai_relevant != (v["label"] == "ai")
    ]
    assert wrong == []
