"""threatvec.detect.pii against the shared vectors, and against pii.js itself."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from threatvec.detect.pii import CATEGORIES, count_pii, detect_jsonl, detect_pii

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "vectors" / "pii_cases.jsonl"
NODE_CLI = REPO / "extension" / "tools" / "pii_jsonl.mjs"
CASES = [json.loads(line) for line in VECTORS.read_text(encoding="utf-8").splitlines() if line]


def test_vector_file_is_broad() -> None:
    assert len(CASES) >= 150
    assert len({c["id"] for c in CASES}) == len(CASES)
    for category in CATEGORIES:
        assert sum(category in c["categories"] for c in CASES) >= 5, category
    assert sum(not c["categories"] for c in CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_vector(case: dict[str, object]) -> None:
    assert detect_pii(str(case["text"])) == case["categories"]


def test_counts_and_order() -> None:
    text = "a@example.com, b@example.com and 4111 1111 1111 1111 then c@example.org"
    assert count_pii(text) == {"EMAIL": 3, "CREDIT_CARD": 1}
    assert list(count_pii("4111111111111111 a@example.com")) == ["EMAIL", "CREDIT_CARD"]


def test_aws_key_is_not_also_an_api_key() -> None:
    assert count_pii("AKIAIOSFODNN7EXAMPLE") == {"AWS_ACCESS_KEY": 1}


def test_results_never_hold_values() -> None:
    text = "jane@example.com 536-22-8714 AKIAIOSFODNN7EXAMPLE"
    blob = json.dumps([detect_pii(text), count_pii(text)])
    for value in ("jane", "536", "AKIA"):
        assert value not in blob


def test_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        detect_pii(None)  # type: ignore[arg-type]


def test_adversarial_inputs_finish() -> None:
    # Shapes that make backtracking regexes explode; pytest-timeout would catch a hang.
    n = 100_000
    for text in ("a" * n + "@", "1 " * n, "1-" * n, "a:" * n, "sk-" + "a" * n, "1." * n):
        assert isinstance(count_pii(text), dict)


def test_detect_jsonl() -> None:
    lines = ['{"id": 1, "text": "mail a@example.com"}', "", '{"id": "x", "text": "nothing"}']
    assert list(detect_jsonl(lines)) == [
        {"id": 1, "categories": ["EMAIL"]},
        {"id": "x", "categories": []},
    ]
    with pytest.raises(ValueError, match="line 2"):
        list(detect_jsonl(['{"id": 1, "text": ""}', "{broken"]))
    with pytest.raises(ValueError, match="string 'text'"):
        list(detect_jsonl(['{"id": 1, "text": 5}']))


def _fuzz_corpus(seed: int, size: int) -> list[dict[str, object]]:
    """Random splices of the vector texts: boundaries neither implementation was tuned on."""
    rng = random.Random(seed)
    texts = [str(c["text"]) for c in CASES]
    glue = [" ", "\n", ", ", "", ":", "/", "@", "-", "(", ")", "\t", "=", '"']
    corpus = []
    for i in range(size):
        pieces = rng.sample(texts, rng.randint(1, 4))
        cut = [p[rng.randint(0, len(p) // 2) :] if rng.random() < 0.3 else p for p in pieces]
        corpus.append({"id": i, "text": rng.choice(glue).join(cut)})
    return corpus


def test_python_and_javascript_agree_on_counts() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    corpus = [{"id": c["id"], "text": c["text"]} for c in CASES] + _fuzz_corpus(6, 600)
    stdin = "\n".join(json.dumps(r) for r in corpus)
    out = subprocess.run(
        [node, str(NODE_CLI)], input=stdin, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    js = {r["id"]: r["counts"] for r in map(json.loads, out.splitlines())}
    mismatches = [
        (r["id"], count_pii(str(r["text"])), js[r["id"]])
        for r in corpus
        if count_pii(str(r["text"])) != js[r["id"]]
    ]
    assert not mismatches, mismatches[:5]
