"""Client for the NVD CVE API 2.0: full and incremental sync, the way NVD asks.

What NVD documents, and what this client does about it:

* ``lastModStartDate``/``lastModEndDate`` may span at most 120 days —
  :func:`split_windows` cuts a longer span into windows of at most 120 days.
* Pages hold at most 2,000 records; ``startIndex`` pages through
  ``totalResults``.
* Rate limits: 5 requests per rolling 30 s without a key, 50 with one (the
  key goes in the ``apiKey`` header; it is never logged).
* NVD answers 403 when a client goes over its limit, and 503/504 or a stalled
  connection when it is busy: all are retried with exponential backoff.

Checkpoints. :meth:`NvdClient.sync_incremental` hands each page's records to
``on_records`` (the caller stores them) and only after *every* page of a
window has been stored calls ``on_window_done(window)``; the caller commits
``window.end`` as its watermark there. A crash mid-window leaves the old
watermark, so the next run repeats just that window (storing is idempotent),
and downtime never skips one. :meth:`NvdClient.sync_full` does the same per
page with ``on_page_done(next_start_index)`` so a full download resumes
where it stopped.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from threatvec.core.cancel import pause
from threatvec.vulns.http_retry import (
    RateLimiter,
    RetryPolicy,
    SourceError,
    request_with_retry,
)
from threatvec.vulns.nvd import CveRecord, SkippedRecord, parse_nvd_document

__all__ = [
    "DEFAULT_NVD_URL",
    "MAX_RESULTS_PER_PAGE",
    "MAX_WINDOW_DAYS",
    "NvdClient",
    "NvdPage",
    "SyncProgress",
    "SyncReport",
    "SyncWindow",
    "format_nvd_datetime",
    "split_windows",
]

DEFAULT_NVD_URL = "https://services.nvd.nist.gov/rest/json/cves/2.0"
MAX_WINDOW_DAYS = 120
MAX_RESULTS_PER_PAGE = 2000
PUBLIC_LIMIT = (5, 30.0)  # requests, seconds — without an API key
KEYED_LIMIT = (50, 30.0)  # with THREATVEC_NVD_API_KEY


@dataclass(frozen=True)
class SyncWindow:
    """One ``lastModStartDate``..``lastModEndDate`` span (≤ 120 days)."""

    start: datetime
    end: datetime
    index: int = 0
    count: int = 1


@dataclass(frozen=True)
class NvdPage:
    records: list[CveRecord]
    skipped: list[SkippedRecord]
    start_index: int
    results_per_page: int
    total_results: int


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync is: window i of n, records fetched of the window's total."""

    window_index: int
    window_count: int
    fetched: int
    total: int
    records_so_far: int


@dataclass
class SyncReport:
    windows_done: int = 0
    pages: int = 0
    records: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)
    watermark: datetime | None = None  # the last window end (incremental) or sync start (full)


def format_nvd_datetime(value: datetime) -> str:
    """ISO-8601 with milliseconds and an explicit UTC offset, as NVD's examples use."""
    v = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}+00:00"


def split_windows(
    start: datetime, end: datetime, *, max_days: int = MAX_WINDOW_DAYS
) -> list[SyncWindow]:
    """Consecutive windows covering ``start``..``end``, none longer than ``max_days``.

    Each window starts where the previous one ended (NVD's bounds are
    inclusive, so a record modified exactly on a boundary is fetched twice
    rather than never; storing is idempotent).
    """
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    if end <= start:
        return []
    span = timedelta(days=max_days)
    count = math.ceil((end - start) / span)
    windows = []
    cursor = start
    for i in range(count):
        stop = min(cursor + span, end)
        windows.append(SyncWindow(cursor, stop, i, count))
        cursor = stop
    return windows


class NvdClient:
    """Fetches CVE records from the NVD CVE API 2.0 (or anything speaking it)."""

    def __init__(
        self,
        base_url: str = DEFAULT_NVD_URL,
        *,
        api_key: str | None = None,
        results_per_page: int = MAX_RESULTS_PER_PAGE,
        timeout: float = 60.0,
        stall_timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = pause,
        clock: Callable[[], float] = time.monotonic,
        http_client: httpx.Client | None = None,
    ) -> None:
        if not 1 <= results_per_page <= MAX_RESULTS_PER_PAGE:
            raise ValueError(f"results_per_page must be 1-{MAX_RESULTS_PER_PAGE}")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        self.results_per_page = results_per_page
        calls, period = KEYED_LIMIT if self._api_key else PUBLIC_LIMIT
        self.limiter = limiter or RateLimiter(calls, period, clock=clock, sleep=sleep)
        # NVD signals "too many requests" with 403 as well as 429.
        self.retry = retry or RetryPolicy(retry_statuses=frozenset({403, 429, 500, 502, 503, 504}))
        self._sleep = sleep
        self._owns_client = http_client is None
        headers = {"User-Agent": "threatvec-nvd-sync"}
        if self._api_key:
            headers["apiKey"] = self._api_key
        self._http = http_client or httpx.Client(
            timeout=httpx.Timeout(timeout, read=stall_timeout), headers=headers
        )
        if http_client is not None and self._api_key:
            self._http.headers["apiKey"] = self._api_key

    @classmethod
    def from_env(cls, **kwargs: Any) -> NvdClient:
        """Build from ``THREATVEC_NVD_BASE_URL`` and ``THREATVEC_NVD_API_KEY`` (both optional)."""
        base = os.environ.get("THREATVEC_NVD_BASE_URL") or DEFAULT_NVD_URL
        key = (os.environ.get("THREATVEC_NVD_API_KEY") or "").strip() or None
        return cls(base, api_key=key, **kwargs)

    @property
    def has_api_key(self) -> bool:
        return self._api_key is not None

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> NvdClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ pages

    def fetch_page(self, params: dict[str, str | int]) -> NvdPage:
        """One API call (rate-limited, retried); malformed records are skipped, not fatal."""
        resp = request_with_retry(
            self._http,
            "GET",
            self.base_url,
            params=params,
            policy=self.retry,
            source="NVD",
            limiter=self.limiter,
            sleep=self._sleep,
        )
        try:
            doc = resp.json()
        except ValueError as exc:
            raise SourceError("NVD answered with a body that is not JSON") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("vulnerabilities"), list):
            raise SourceError("NVD answer has no 'vulnerabilities' list")
        skipped: list[SkippedRecord] = []
        records = parse_nvd_document(doc, errors=skipped.append)
        try:
            total = int(doc.get("totalResults", 0))
            per_page = int(doc.get("resultsPerPage", len(doc["vulnerabilities"])))
            start = int(doc.get("startIndex", params.get("startIndex", 0)))
        except (TypeError, ValueError) as exc:
            raise SourceError("NVD answer has non-numeric paging fields") from exc
        return NvdPage(records, skipped, start, per_page, total)

    def iter_pages(
        self, params: dict[str, str | int], *, start_index: int = 0
    ) -> Iterator[NvdPage]:
        """Every page of a query, following ``startIndex`` to ``totalResults``."""
        index = start_index
        while True:
            page = self.fetch_page(
                {**params, "resultsPerPage": self.results_per_page, "startIndex": index}
            )
            yield page
            got = len(page.records) + len(page.skipped)
            index = page.start_index + got
            if got == 0 or index >= page.total_results:
                return

    def fetch_cve(self, cve_id: str) -> CveRecord | None:
        """One CVE by id, or None when NVD does not know it."""
        page = self.fetch_page({"cveId": cve_id})
        return page.records[0] if page.records else None

    # ------------------------------------------------------------------ syncs

    def sync_incremental(
        self,
        since: datetime,
        until: datetime | None = None,
        *,
        on_records: Callable[[list[CveRecord]], None],
        on_window_done: Callable[[SyncWindow], None],
        on_progress: Callable[[SyncProgress], None] | None = None,
        on_skipped: Callable[[SkippedRecord], None] | None = None,
    ) -> SyncReport:
        """Records modified in ``since``..``until`` (default: now), window by window.

        ``on_window_done`` runs only after every page of the window reached
        ``on_records``; commit ``window.end`` as the watermark there. Any
        exception (from NVD after retries, or from a callback) propagates
        before that window's checkpoint.
        """
        end = until or datetime.now(UTC)
        windows = split_windows(since, end)
        report = SyncReport(watermark=since)
        for window in windows:
            params: dict[str, str | int] = {
                "lastModStartDate": format_nvd_datetime(window.start),
                "lastModEndDate": format_nvd_datetime(window.end),
            }
            fetched = 0
            for page in self.iter_pages(params):
                self._deliver(page, report, on_records, on_skipped)
                fetched += len(page.records) + len(page.skipped)
                if on_progress is not None:
                    on_progress(
                        SyncProgress(
                            window.index, window.count, fetched, page.total_results, report.records
                        )
                    )
            on_window_done(window)
            report.windows_done += 1
            report.watermark = window.end
        return report

    def sync_full(
        self,
        *,
        start_index: int = 0,
        on_records: Callable[[list[CveRecord]], None],
        on_page_done: Callable[[int], None],
        on_progress: Callable[[SyncProgress], None] | None = None,
        on_skipped: Callable[[SkippedRecord], None] | None = None,
    ) -> SyncReport:
        """Every CVE, page by page from ``start_index`` (resume with the last checkpoint).

        After a page is stored, ``on_page_done(next_start_index)`` lets the
        caller persist where to resume. The report's ``watermark`` is the time
        the sync started: an incremental sync from there catches what changed
        meanwhile.
        """
        started = datetime.now(UTC)
        report = SyncReport()
        fetched = start_index
        for page in self.iter_pages({}, start_index=start_index):
            self._deliver(page, report, on_records, on_skipped)
            fetched = page.start_index + len(page.records) + len(page.skipped)
            on_page_done(fetched)
            if on_progress is not None:
                on_progress(SyncProgress(0, 1, fetched, page.total_results, report.records))
        report.windows_done = 1
        report.watermark = started
        return report

    @staticmethod
    def _deliver(
        page: NvdPage,
        report: SyncReport,
        on_records: Callable[[list[CveRecord]], None],
        on_skipped: Callable[[SkippedRecord], None] | None,
    ) -> None:
        if page.records:
            on_records(page.records)
        for s in page.skipped:
            # Positions inside a page are page-relative; make them absolute.
            absolute = SkippedRecord(page.start_index + s.index, s.cve_id, s.reason)
            report.skipped.append(absolute)
            if on_skipped is not None:
                on_skipped(absolute)
        report.pages += 1
        report.records += len(page.records)
