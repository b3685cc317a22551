from __future__ import annotations

from typing import Any

import pytest

from threatvec.vulns.vulners import VulnersClient

from .conftest import Reply, Req


def test_off_without_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THREATVEC_VULNERS_API_KEY", raising=False)
    assert VulnersClient.from_env() is None
    monkeypatch.setenv("THREATVEC_VULNERS_API_KEY", "   ")
    assert VulnersClient.from_env() is None


def test_fetch_with_key_in_header(serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def app(req: Req) -> Reply:
        if req.path != "/api/v3/search/id/" or req.headers.get("x-api-key") != "vk-123":
            return Reply(401, {"result": "error"})
        docs = {
            i: {
                "id": i,
                "title": f"{i} title",
                "href": f"https://vulners.test/cve/{i}",
                "cvss": {"score": 9.8, "vector": "AV:N"},
                "enchantments": {
                    "exploitation": {"wildExploited": i.endswith("1086")},
                    "dependencies": {
                        "references": [
                            {"type": "exploitdb", "idList": ["EDB-1", "EDB-2"]},
                            {"type": "nvd", "idList": ["x"]},
                        ]
                    },
                },
            }
            for i in req.json()["id"]
        }
        return Reply(200, {"result": "OK", "data": {"documents": docs}})

    server = serve(app)
    monkeypatch.setenv("THREATVEC_VULNERS_API_KEY", "vk-123")
    monkeypatch.setenv("THREATVEC_VULNERS_BASE_URL", server.url)
    client = VulnersClient.from_env()
    assert client is not None and "vk-123" not in repr(client)
    with client:
        got = client.fetch(["CVE-2024-1086", "CVE-2023-0386", "bogus"])
    assert set(got) == {"CVE-2024-1086", "CVE-2023-0386"}
    assert got["CVE-2024-1086"].exploited_in_wild is True
    assert got["CVE-2023-0386"].exploited_in_wild is False
    assert got["CVE-2024-1086"].exploit_count == 2 and got["CVE-2024-1086"].cvss_score == 9.8
    req = server.requests[0]
    assert "vk-123" not in req.path and not req.query and "vk-123" not in req.body.decode()
