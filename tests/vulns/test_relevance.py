from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from threatvec.vulns.nvd import iter_nvd_file, parse_cve
from threatvec.vulns.relevance import AI_PRODUCTS, classify, find_ai_product_in_text

from .conftest import VECTORS


def _labels() -> dict[str, bool]:
    out = {}
    for line in (VECTORS / "ai_relevance_labels.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            out[row["id"]] = row["ai_relevant"]
    return out


def _rec(description: str, cpes: tuple[str, ...] = (), status: str = "Awaiting Analysis") -> Any:
    cve: dict[str, Any] = {
        "id": "CVE-2099-0001",
        "published": "2024-01-01T00:00:00.000",
        "lastModified": "2024-01-02T00:00:00.000",
        "vulnStatus": status,
        "descriptions": [{"lang": "en", "value": description}],
    }
    if cpes:
        cve["configurations"] = [
            {
                "nodes": [
                    {
                        "operator": "OR",
                        "negate": False,
                        "cpeMatch": [
                            {"vulnerable": True, "criteria": f"cpe:2.3:a:{c}:*:*:*:*:*:*:*:*"}
                            for c in cpes
                        ],
                    }
                ]
            }
        ]
    return parse_cve(cve)


def test_labelled_set_accuracy(nvd_files: list[Path]) -> None:
    labels = _labels()
    files = [*nvd_files, VECTORS / "ai_relevance_extra.json"]
    seen = correct = 0
    wrong = []
    for f in files:
        for rec in iter_nvd_file(f):
            d = classify(rec)
            seen += 1
            if d.ai_relevant == labels[rec.cve_id]:
                correct += 1
            else:
                wrong.append((rec.cve_id, d.reason))
    assert seen == len(labels) >= 106
    assert correct / seen >= 0.95, wrong


def test_extra_set_has_hard_negatives() -> None:
    labels = _labels()
    extra = [k for k in labels if k.startswith("CVE-2099-")]
    assert len(extra) >= 40
    assert sum(not labels[k] for k in extra) >= 20


@pytest.mark.parametrize(
    "description",
    [
        "A heap overflow in Mesa's ray tracing pipeline allows code execution.",
        "The Zabbix agent allows local file read.",
        "Zoho Notebook for Android stores notes unencrypted.",
        "The code transformer in Babel allows code execution.",
        "Active Record allows SQL injection through crafted model attribute names.",
        "libjpeg-turbo mishandles chroma subsampling.",
        "nginx, used as a reverse proxy in front of Ollama, crashes on crafted HTTP/3 input.",
        "Pillow, a library used by frameworks such as PyTorch and TensorFlow, has an overflow.",
        "H2O is an HTTP server. A crafted HTTP/3 request can crash it.",
    ],
)
def test_ambiguous_words_prove_nothing(description: str) -> None:
    d = classify(_rec(description))
    assert not d.ai_relevant, d.reason


def test_cpe_decides_first_and_says_why() -> None:
    d = classify(
        _rec("Something generic happened.", ("linuxfoundation:pytorch",), status="Analyzed")
    )
    assert d.ai_relevant and d.rule == "cpe" and d.matched == "linuxfoundation:pytorch"
    assert "PyTorch" in d.reason


def test_general_software_cpe_is_not_ai_even_if_ai_runs_on_it() -> None:
    d = classify(
        _rec(
            "Redis allows a crafted Lua script to overflow. Redis is often used as "
            "a vector database for LLM apps built with LangChain.",
            ("redis:redis",),
            status="Analyzed",
        )
    )
    assert not d.ai_relevant and "redis:redis" in d.reason


def test_non_vulnerable_platform_cpe_is_ignored() -> None:
    cve = {
        "id": "CVE-2099-0002",
        "published": "2024-01-01T00:00:00.000",
        "lastModified": "2024-01-02T00:00:00.000",
        "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": "Flaw in the job API."}],
        "configurations": [
            {
                "operator": "AND",
                "nodes": [
                    {
                        "operator": "OR",
                        "negate": False,
                        "cpeMatch": [
                            {
                                "vulnerable": True,
                                "criteria": "cpe:2.3:a:anyscale:ray:*:*:*:*:*:*:*:*",
                            }
                        ],
                    },
                    {
                        "operator": "OR",
                        "negate": False,
                        "cpeMatch": [
                            {
                                "vulnerable": False,
                                "criteria": "cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*",
                            }
                        ],
                    },
                ],
            }
        ],
    }
    d = classify(parse_cve(cve))
    assert d.ai_relevant and d.matched == "anyscale:ray"


def test_description_rules_with_word_boundaries() -> None:
    assert classify(_rec("An issue in langchain v.0.0.171 allows code execution.")).ai_relevant
    assert classify(_rec("The Ray Dashboard in Ray 2.8 lacks auth.")).ai_relevant
    assert not classify(_rec("The x-ray image viewer crashes.")).ai_relevant
    assert not classify(_rec("torchvision-like naming: mytorch.load is fine.")).ai_relevant


def test_definition_sentence() -> None:
    d = classify(
        _rec(
            "Acme is an open-source platform for serving large language models. "
            "Versions before 2.0 allow SSRF."
        )
    )
    assert d.ai_relevant and d.rule == "definition"
    hedged = classify(_rec("Jinja is a template engine commonly used with LLM apps. It has XSS."))
    assert not hedged.ai_relevant


def test_package_names_from_osv() -> None:
    d = classify(_rec("A path traversal."), packages=["LangChain_Community"])
    assert d.ai_relevant and d.rule == "package"


def test_find_ai_product_in_text() -> None:
    hit = find_ai_product_in_text("Deserialization in GitHub repository huggingface/transformers")
    assert hit is not None and hit[0].name == "Hugging Face libraries"


def test_catalogue_entries_are_complete() -> None:
    for prod in AI_PRODUCTS:
        assert prod.name and prod.category
        assert prod.cpe or prod.packages or prod.text
