"""The NVD client against a real local server speaking the NVD CVE API 2.0."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from threatvec.vulns.http_retry import RateLimiter, RetryPolicy, SourceRejected, SourceUnavailable
from threatvec.vulns.nvd import CveRecord, SkippedRecord
from threatvec.vulns.nvd_client import (
    NvdClient,
    SyncWindow,
    format_nvd_datetime,
    split_windows,
)

from .conftest import FakeClock, Reply, Req


def _ts(value: str) -> datetime:
    v = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return v if v.tzinfo else v.replace(tzinfo=UTC)


class FakeNvd:
    """NVD's documented behaviour: paging, ≤120-day windows, 404 on bad parameters."""

    def __init__(self, raw: list[dict[str, Any]], clock: FakeClock | None = None) -> None:
        self.raw = sorted(raw, key=lambda c: c["id"])
        self.script: list[Reply] = []  # answers to give before behaving normally
        self.clock = clock
        self.times: list[float] = []

    def __call__(self, req: Req) -> Reply:
        if self.clock is not None:
            self.times.append(self.clock.now)
        if self.script:
            return self.script.pop(0)
        rpp = int(req.q("resultsPerPage", "2000") or 2000)
        start = int(req.q("startIndex", "0") or 0)
        if not 1 <= rpp <= 2000 or start < 0:
            return Reply(404, b"", {"message": "Invalid resultsPerPage or startIndex"})
        items = self.raw
        s, e = req.q("lastModStartDate"), req.q("lastModEndDate")
        if (s is None) != (e is None):
            return Reply(404, b"", {"message": "Both lastModStartDate and lastModEndDate needed"})
        if s is not None and e is not None:
            lo, hi = _ts(s), _ts(e)
            if hi - lo > timedelta(days=120):
                return Reply(404, b"", {"message": "Date range exceeds 120 days"})
            items = [c for c in items if lo <= _ts(c["lastModified"]) <= hi]
        if req.q("cveId"):
            items = [c for c in items if c["id"] == req.q("cveId")]
        page = items[start : start + rpp]
        return Reply(
            200,
            {
                "resultsPerPage": len(page),
                "startIndex": start,
                "totalResults": len(items),
                "format": "NVD_CVE",
                "version": "2.0",
                "timestamp": "2026-01-01T00:00:00.000",
                "vulnerabilities": [{"cve": c} for c in page],
            },
        )


def _client(url: str, clock: FakeClock, **kw: Any) -> NvdClient:
    kw.setdefault(
        "retry",
        RetryPolicy(
            max_attempts=4, base_delay=1.0, retry_statuses=frozenset({403, 429, 500, 502, 503, 504})
        ),
    )
    return NvdClient(url, sleep=clock.sleep, clock=clock, **kw)


# --------------------------------------------------------------------------- windows


def test_split_windows_never_exceeds_120_days() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = datetime(2025, 1, 1, tzinfo=UTC)
    windows = split_windows(start, end)
    assert len(windows) == 4  # 366 days / 120
    assert windows[0].start == start and windows[-1].end == end
    for a, b in itertools.pairwise(windows):
        assert a.end == b.start  # contiguous: nothing skipped
    assert all(w.end - w.start <= timedelta(days=120) for w in windows)
    assert [w.index for w in windows] == [0, 1, 2, 3] and windows[0].count == 4


def test_split_windows_edges() -> None:
    t = datetime(2024, 1, 1)
    assert split_windows(t, t) == []
    assert len(split_windows(t, t + timedelta(days=120))) == 1
    assert len(split_windows(t, t + timedelta(days=120, seconds=1))) == 2
    assert split_windows(t, t + timedelta(days=1))[0].start.tzinfo is UTC


def test_datetime_format() -> None:
    assert format_nvd_datetime(datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)) == (
        "2024-05-06T07:08:09.123+00:00"
    )


# --------------------------------------------------------------------------- rate limit


def test_rate_limiter_sliding_window_on_fake_clock(clock: FakeClock) -> None:
    limiter = RateLimiter(5, 30.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(12):
        limiter.acquire()
        starts.append(clock.now)
    for t in starts:
        assert sum(1 for s in starts if t <= s < t + 30.0) <= 5
    assert starts[:5] == [1000.0] * 5 and starts[5] == 1030.0 and starts[-1] == 1060.0


def test_client_respects_public_rate_limit(
    serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]
) -> None:
    fake = FakeNvd(nvd_raw, clock)
    server = serve(fake)
    with _client(server.url, clock, results_per_page=5) as client:
        assert not client.has_api_key and client.limiter.max_calls == 5
        client.sync_full(on_records=lambda r: None, on_page_done=lambda i: None)
    assert len(fake.times) == 14  # 66 records / 5 per page
    for t in fake.times:
        assert sum(1 for s in fake.times if t <= s < t + 30.0) <= 5


def test_api_key_header_and_higher_limit(
    serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]
) -> None:
    server = serve(FakeNvd(nvd_raw))
    with _client(server.url, clock, api_key="s3cret-key", results_per_page=2000) as client:
        assert client.limiter.max_calls == 50
        assert client.fetch_cve("CVE-2024-1086") is not None
        assert "s3cret-key" not in repr(vars(client).get("limiter"))
    req = server.requests[0]
    assert req.headers.get("apikey") == "s3cret-key"
    assert "s3cret-key" not in str(req.query)


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREATVEC_NVD_API_KEY", "k")
    monkeypatch.setenv("THREATVEC_NVD_BASE_URL", "http://127.0.0.1:9/rest/json/cves/2.0")
    with NvdClient.from_env() as c:
        assert c.has_api_key and c.base_url.endswith("/cves/2.0")
    monkeypatch.setenv("THREATVEC_NVD_API_KEY", "  ")
    with NvdClient.from_env() as c:
        assert not c.has_api_key


# --------------------------------------------------------------------------- paging


def test_full_sync_pages_and_resumes(
    serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]
) -> None:
    server = serve(FakeNvd(nvd_raw))
    stored: dict[str, CveRecord] = {}
    checkpoints: list[int] = []
    with _client(server.url, clock, results_per_page=10) as client:
        report = client.sync_full(
            on_records=lambda recs: stored.update({r.cve_id: r for r in recs}),
            on_page_done=checkpoints.append,
        )
    assert len(stored) == 66 and report.records == 66 and report.pages == 7
    assert [r.q("startIndex") for r in server.requests] == [str(i) for i in range(0, 70, 10)]
    assert all(r.q("resultsPerPage") == "10" for r in server.requests)
    assert checkpoints == [10, 20, 30, 40, 50, 60, 66]

    # Resuming from a checkpoint downloads only the rest.
    resumed: list[str] = []
    with _client(server.url, clock, results_per_page=10) as client:
        client.sync_full(
            start_index=30,
            on_records=lambda recs: resumed.extend(r.cve_id for r in recs),
            on_page_done=lambda i: None,
        )
    assert len(resumed) == 36 and set(resumed) <= set(stored)


def test_incremental_sync_in_windows(
    serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]
) -> None:
    server = serve(FakeNvd(nvd_raw))
    since = datetime(2020, 1, 1, tzinfo=UTC)
    until = datetime(2026, 12, 31, tzinfo=UTC)
    stored: set[str] = set()
    committed: list[datetime] = []
    progress: list[Any] = []
    with _client(server.url, clock, results_per_page=2000) as client:
        report = client.sync_incremental(
            since,
            until,
            on_records=lambda recs: stored.update(r.cve_id for r in recs),
            on_window_done=lambda w: committed.append(w.end),
            on_progress=progress.append,
        )
    assert stored == {c["id"] for c in nvd_raw}
    windows = split_windows(since, until)
    assert committed == [w.end for w in windows]
    assert report.watermark == until and report.windows_done == len(windows)
    for req in server.requests:  # the server would have answered 404 otherwise
        lo, hi = _ts(req.q("lastModStartDate") or ""), _ts(req.q("lastModEndDate") or "")
        assert hi - lo <= timedelta(days=120)
    assert progress and progress[-1].window_index == len(windows) - 1


def test_watermark_advances_only_after_window_succeeds(
    serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]
) -> None:
    """A crash while storing a window's second page leaves the old watermark; the
    rerun repeats only that window and the store ends up complete."""
    server = serve(FakeNvd(nvd_raw))
    since = datetime(2020, 1, 1, tzinfo=UTC)
    until = datetime(2026, 12, 31, tzinfo=UTC)
    busiest = max(
        split_windows(since, until),
        key=lambda w: sum(1 for c in nvd_raw if w.start <= _ts(c["lastModified"]) <= w.end),
    )
    store: dict[str, CveRecord] = {}
    watermark = since
    pages_in_busiest = 0

    def on_records(recs: list[CveRecord]) -> None:
        nonlocal pages_in_busiest
        if any(busiest.start <= r.last_modified <= busiest.end for r in recs):
            pages_in_busiest += 1
            if pages_in_busiest == 2:
                raise RuntimeError("process killed mid-window")
        store.update({r.cve_id: r for r in recs})

    def commit(window: SyncWindow) -> None:
        nonlocal watermark
        watermark = window.end

    with _client(server.url, clock, results_per_page=3) as client, pytest.raises(RuntimeError):
        client.sync_incremental(since, until, on_records=on_records, on_window_done=commit)
    assert watermark == busiest.start  # the crashed window was never committed
    assert len(store) < len(nvd_raw)

    before = len(server.requests)
    with _client(server.url, clock, results_per_page=3) as client:
        client.sync_incremental(watermark, until, on_records=on_records, on_window_done=commit)
    rerun = server.requests[before:]
    assert _ts(rerun[0].q("lastModStartDate") or "") == busiest.start  # no full re-download
    assert set(store) == {c["id"] for c in nvd_raw}
    assert watermark == until


def test_malformed_record_in_page_is_reported(
    serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]
) -> None:
    raw = copy.deepcopy(nvd_raw)
    raw.sort(key=lambda c: c["id"])
    raw[12]["lastModified"] = raw[12]["lastModified"]
    raw[12]["published"] = "garbage"
    server = serve(FakeNvd(raw))
    got: list[str] = []
    skipped: list[SkippedRecord] = []
    with _client(server.url, clock, results_per_page=10) as client:
        report = client.sync_full(
            on_records=lambda recs: got.extend(r.cve_id for r in recs),
            on_page_done=lambda i: None,
            on_skipped=skipped.append,
        )
    assert len(got) == 65
    assert [(s.index, s.cve_id) for s in skipped] == [(12, raw[12]["id"])]
    assert report.skipped == skipped


# --------------------------------------------------------------------------- retries


def test_retries_403_429_503_with_backoff(
    serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]
) -> None:
    fake = FakeNvd(nvd_raw)
    fake.script = [Reply(403), Reply(429, headers={"Retry-After": "7"}), Reply(503)]
    server = serve(fake)
    with _client(server.url, clock) as client:
        rec = client.fetch_cve("CVE-2023-48022")
    assert rec is not None and rec.cve_id == "CVE-2023-48022"
    assert len(server.requests) == 4
    retry_sleeps = [s for s in clock.sleeps]
    assert len(retry_sleeps) == 3
    assert 0.8 <= retry_sleeps[0] <= 1.2  # base 1 s ± 20 %
    assert retry_sleeps[1] == 7.0  # Retry-After honoured
    assert 3.2 <= retry_sleeps[2] <= 4.8  # 4 s ± 20 %: exponential


def test_stall_is_retried(serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]) -> None:
    fake = FakeNvd(nvd_raw)
    fake.script = [Reply(200, {"vulnerabilities": []}, stall=5.0)]
    server = serve(fake)
    with _client(server.url, clock, stall_timeout=0.3) as client:
        rec = client.fetch_cve("CVE-2025-3248")
    assert rec is not None
    assert len(server.requests) == 2


def test_gives_up_after_max_attempts(
    serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]
) -> None:
    fake = FakeNvd(nvd_raw)
    fake.script = [Reply(503)] * 10
    server = serve(fake)
    with _client(server.url, clock) as client, pytest.raises(SourceUnavailable, match="503"):
        client.fetch_cve("CVE-2025-3248")
    assert len(server.requests) == 4


def test_bad_request_is_not_retried(
    serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]
) -> None:
    server = serve(FakeNvd(nvd_raw))
    with _client(server.url, clock) as client, pytest.raises(SourceRejected) as exc:
        # A 200-day window: NVD (and our fake) refuse it with 404.
        client.fetch_page(
            {
                "lastModStartDate": "2024-01-01T00:00:00.000+00:00",
                "lastModEndDate": "2024-07-20T00:00:00.000+00:00",
            }
        )
    assert exc.value.status == 404 and len(server.requests) == 1
