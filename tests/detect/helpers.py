"""Small builders shared by the covert-detector round tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from threatvec.detect._covert_model import load_model
from threatvec.detect.covert import assess_text, clear_cache, scan_tool

CASES = Path(__file__).resolve().parents[1] / "vectors" / "covert_cases.jsonl"


def tool(description: str, name: str = "do_thing", **props: Any) -> dict[str, Any]:
    """A tool definition with ``props`` as its parameters (one free-text ``q`` if none)."""
    return {
        "name": name,
        "description": description,
        "inputSchema": {"type": "object", "properties": props or {"q": {"type": "string"}}},
    }


def rules(text: str) -> set[str]:
    """Rule ids reported for free text."""
    return {f.rule_id for f in assess_text(text).findings}


def poisoned(definition: dict[str, Any]) -> bool:
    return scan_tool(definition).verdict == "poisoned"


@contextmanager
def model_convicting(definition: dict[str, Any]) -> Iterator[float]:
    """Lower the shipped model's threshold just under its score for ``definition``.

    The veto tests need a text the model alone would convict. Which texts
    those are changes with every retrain, so the test moves the threshold
    (and the rule gate with it) instead of depending on one model's scores.
    Yields the probability; restores the model and empties the caches after.
    """
    clear_cache()
    probability = scan_tool(definition).model_probability or 0.0
    model = load_model()
    saved = (model.threshold, model.gate)
    model.threshold = min(saved[0], probability - 1e-6)
    model.gate = min(saved[1], model.threshold)
    clear_cache()
    try:
        yield probability
    finally:
        model.threshold, model.gate = saved
        clear_cache()


def case_strings(*, keys: bool = False) -> Iterator[str]:
    """Every string of every tool in the project's cases (dict keys too with ``keys``)."""
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        stack: list[object] = [json.loads(line)["tool"]]
        while stack:
            obj = stack.pop()
            if isinstance(obj, str):
                yield obj
            elif isinstance(obj, dict):
                if keys:
                    stack.extend(obj.keys())
                stack.extend(obj.values())
            elif isinstance(obj, list):
                stack.extend(obj)
