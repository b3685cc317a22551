from __future__ import annotations

import gzip
import io
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from threatvec.vulns.epss import EpssClient, EpssRowError, iter_epss_csv, parse_epss_header
from threatvec.vulns.http_retry import RetryPolicy, SourceError

from .conftest import FakeClock, Reply, Req


@pytest.fixture
def epss_sample(data_dir: Path) -> Path:
    path = data_dir / "epss" / "epss_scores_format_sample.csv"
    if not path.exists():
        pytest.skip("EPSS format sample missing")
    return path


def _scores_for(ids: list[str]) -> dict[str, tuple[float, float]]:
    rnd = random.Random(5)
    return {c: (round(rnd.random() ** 4, 5), round(rnd.random(), 5)) for c in ids}


def _daily_csv(sample: Path, scores: dict[str, tuple[float, float]]) -> bytes:
    # The real header lines of FIRST's file, then generated rows for our CVEs.
    header = sample.read_text().splitlines()[:2]
    rows = [f"{c},{e},{p}" for c, (e, p) in scores.items()]
    return ("\n".join(header + rows) + "\n").encode()


def test_header_line() -> None:
    model, day = parse_epss_header("#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z")
    assert model == "v2026.06.15" and day == date(2026, 9, 29)


def test_real_format_sample(epss_sample: Path) -> None:
    rows = list(iter_epss_csv(epss_sample))
    assert len(rows) == 10
    assert rows[0].cve_id == "CVE-1999-0001" and rows[0].epss == 0.03351
    assert rows[0].percentile == 0.88255
    assert {r.model_version for r in rows} == {"v2026.06.15"}
    assert {r.score_date for r in rows} == {date(2026, 9, 29)}


def test_plain_and_gzip_stream_the_same(
    tmp_path: Path, epss_sample: Path, nvd_raw: list[dict[str, Any]]
) -> None:
    scores = _scores_for([c["id"] for c in nvd_raw])
    data = _daily_csv(epss_sample, scores)
    plain = tmp_path / "epss.csv"
    plain.write_bytes(data)
    gz = tmp_path / "epss_scores-2026-09-29.csv.gz"
    gz.write_bytes(gzip.compress(data))
    a, b = list(iter_epss_csv(plain)), list(iter_epss_csv(gz))
    assert a == b and len(a) == 66
    assert {r.cve_id: (r.epss, r.percentile) for r in a} == scores
    assert list(iter_epss_csv(io.BytesIO(gzip.compress(data)))) == a


def test_bad_rows_reported_with_line_numbers(tmp_path: Path, epss_sample: Path) -> None:
    header = "\n".join(epss_sample.read_text().splitlines()[:2])
    path = tmp_path / "bad.csv"
    path.write_text(
        header + "\nCVE-2024-0001,0.5,0.9\nnot-a-cve,0.1,0.2\n"
        "CVE-2024-0002,1.7,0.3\nCVE-2024-0003\nCVE-2024-0004,0.01,0.5\n"
    )
    errors: list[EpssRowError] = []
    rows = list(iter_epss_csv(path, errors=errors.append))
    assert [r.cve_id for r in rows] == ["CVE-2024-0001", "CVE-2024-0004"]
    assert [e.line for e in errors] == [4, 5, 6]


def test_wrong_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,score\nCVE-2024-0001,0.1\n")
    with pytest.raises(SourceError, match="header"):
        list(iter_epss_csv(path))


class FakeFirst:
    """FIRST's EPSS API: /data/v1/epss?cve=a,b,c with offset/limit paging."""

    def __init__(self, scores: dict[str, tuple[float, float]]) -> None:
        self.scores = scores
        self.script: list[Reply] = []

    def __call__(self, req: Req) -> Reply:
        if self.script:
            return self.script.pop(0)
        if req.path != "/data/v1/epss":
            return Reply(404, {"status": "error"})
        ids = [c for c in (req.q("cve") or "").split(",") if c]
        limit = int(req.q("limit", "100") or 100)
        offset = int(req.q("offset", "0") or 0)
        known = [c for c in ids if c in self.scores]
        page = known[offset : offset + limit]
        return Reply(
            200,
            {
                "status": "OK",
                "status-code": 200,
                "version": "1.0",
                "access": "public",
                "total": len(known),
                "offset": offset,
                "limit": limit,
                "data": [
                    {
                        "cve": c,
                        "epss": f"{self.scores[c][0]:.9f}",
                        "percentile": f"{self.scores[c][1]:.9f}",
                        "date": "2026-09-29",
                    }
                    for c in page
                ],
            },
        )


def test_api_client_batches(serve: Any, clock: FakeClock, nvd_raw: list[dict[str, Any]]) -> None:
    ids = [c["id"] for c in nvd_raw]
    scores = _scores_for(ids[:60])  # six CVEs have no score yet
    fake = FakeFirst(scores)
    fake.script = [Reply(503)]
    server = serve(fake)
    with EpssClient(
        server.url, batch_size=20, sleep=clock.sleep, retry=RetryPolicy(base_delay=0.5)
    ) as client:
        got = client.fetch([*ids, "not-a-cve", ids[0].lower()])
    assert set(got) == set(scores)
    assert got[ids[0]].epss == scores[ids[0]][0] and got[ids[0]].score_date == date(2026, 9, 29)
    batches = [r.q("cve") for r in server.requests[1:]]
    assert len(batches) == 4  # 66 ids in batches of 20
    assert all(len((b or "").split(",")) <= 20 for b in batches)
    assert len(clock.sleeps) == 1  # the 503 was retried


def test_api_client_accepts_full_endpoint_url(serve: Any) -> None:
    server = serve(FakeFirst({"CVE-2024-1086": (0.5, 0.99)}))
    with EpssClient(server.url + "/data/v1/epss") as client:
        assert client.fetch(["CVE-2024-1086"])["CVE-2024-1086"].percentile == 0.99


def test_a_bad_row_names_the_field_and_its_value(tmp_path: Path, epss_sample: Path) -> None:
    header = "\n".join(epss_sample.read_text().splitlines()[:2])
    path = tmp_path / "bad.csv"
    path.write_text(
        header + "\nnot-a-cve,0.1,0.2\nCVE-2024-0002,abc,0.3\nCVE-2024-0003,0.2,1.5\n"
        "CVE-2024-0004,,\n"
    )
    errors: list[EpssRowError] = []
    assert list(iter_epss_csv(path, errors=errors.append)) == []
    reasons = [e.reason for e in errors]
    assert "cve" in reasons[0] and "not-a-cve" in reasons[0]
    assert "epss" in reasons[1] and "'abc'" in reasons[1] and "percentile" not in reasons[1]
    assert "percentile" in reasons[2] and "1.5" in reasons[2] and "epss " not in reasons[2]
    assert "epss" in reasons[3] and "percentile" in reasons[3]
