"""Optional Vulners enrichment, used only when ``THREATVEC_VULNERS_API_KEY`` is set.

Endpoint targeted: ``POST {base}/api/v3/search/id/`` with the JSON body
``{"id": ["CVE-...", ...], "fields": [...]}`` and the key in the
``X-Api-Key`` header (never in the URL, so it cannot end up in access logs).
The answer is ``{"result": "OK", "data": {"documents": {"CVE-...": {...}}}}``;
from each document we keep the title, link, CVSS score, whether Vulners has
seen exploitation in the wild (``enchantments.exploitation.wildExploited``)
and how many exploit documents it links. Unknown fields are ignored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from threatvec.core.cancel import pause
from threatvec.vulns.http_retry import RetryPolicy, SourceError, request_with_retry

__all__ = ["DEFAULT_VULNERS_URL", "VulnersClient", "VulnersInfo"]

DEFAULT_VULNERS_URL = "https://vulners.com"
_CVE = re.compile(r"^CVE-\d{4}-\d{4,19}$")
_FIELDS = ["id", "title", "href", "cvss", "enchantments", "type", "bulletinFamily"]


@dataclass(frozen=True)
class VulnersInfo:
    cve_id: str
    title: str | None
    href: str | None
    cvss_score: float | None
    exploited_in_wild: bool | None
    exploit_count: int


class VulnersClient:
    """Vulners bulletin lookup by CVE id. Build with :meth:`from_env` to honour the opt-in."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_VULNERS_URL,
        *,
        batch_size: int = 100,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = pause,
        http_client: httpx.Client | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("a Vulners API key is required")
        self.url = base_url.rstrip("/") + "/api/v3/search/id/"
        self.batch_size = batch_size
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._owns = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self._headers = {"X-Api-Key": api_key}

    @classmethod
    def from_env(cls, **kwargs: Any) -> VulnersClient | None:
        """A client when ``THREATVEC_VULNERS_API_KEY`` is set, else ``None`` (feature off)."""
        key = (os.environ.get("THREATVEC_VULNERS_API_KEY") or "").strip()
        if not key:
            return None
        base = os.environ.get("THREATVEC_VULNERS_BASE_URL") or DEFAULT_VULNERS_URL
        return cls(key, base, **kwargs)

    def __repr__(self) -> str:  # never show the key
        return f"VulnersClient(url={self.url!r})"

    def close(self) -> None:
        if self._owns:
            self._http.close()

    def __enter__(self) -> VulnersClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, cve_ids: Iterable[str]) -> dict[str, VulnersInfo]:
        ids = sorted({c.strip().upper() for c in cve_ids if _CVE.match(c.strip().upper())})
        out: dict[str, VulnersInfo] = {}
        for i in range(0, len(ids), self.batch_size):
            batch = ids[i : i + self.batch_size]
            resp = request_with_retry(
                self._http,
                "POST",
                self.url,
                json={"id": batch, "fields": _FIELDS},
                headers=self._headers,
                policy=self.retry,
                source="Vulners",
                sleep=self._sleep,
            )
            try:
                doc = resp.json()
            except ValueError as exc:
                raise SourceError("Vulners answered with a body that is not JSON") from exc
            if not isinstance(doc, dict) or doc.get("result") != "OK":
                raise SourceError("Vulners answer is not OK")
            documents = (doc.get("data") or {}).get("documents") or {}
            if not isinstance(documents, dict):
                raise SourceError("Vulners answer has no documents object")
            for cve, item in documents.items():
                if isinstance(item, dict) and _CVE.match(str(cve)):
                    out[str(cve)] = _info(str(cve), item)
        return out


def _info(cve: str, item: dict[str, Any]) -> VulnersInfo:
    cvss = item.get("cvss")
    score: float | None = None
    if isinstance(cvss, dict) and isinstance(cvss.get("score"), int | float):
        score = float(cvss["score"])
    ench = item.get("enchantments")
    exploited: bool | None = None
    exploit_count = 0
    if isinstance(ench, dict):
        expl = ench.get("exploitation")
        if isinstance(expl, dict) and isinstance(expl.get("wildExploited"), bool):
            exploited = expl["wildExploited"]
        deps = ench.get("dependencies")
        if isinstance(deps, dict) and isinstance(deps.get("references"), list):
            for ref in deps["references"]:
                if isinstance(ref, dict) and ref.get("type") in (
                    "exploitdb",
                    "metasploit",
                    "githubexploit",
                    "packetstorm",
                ):
                    exploit_count += len(ref.get("idList") or [])
    title = item.get("title")
    href = item.get("href")
    return VulnersInfo(
        cve,
        title if isinstance(title, str) else None,
        href if isinstance(href, str) else None,
        score,
        exploited,
        exploit_count,
    )
