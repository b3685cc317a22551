"""FIRST EPSS scores: the daily CSV (plain or .gz) and the EPSS API.

The daily file starts with a comment line naming the model and the day::

    #model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z
    cve,epss,percentile
    CVE-1999-0001,0.03351,0.88255

:func:`iter_epss_csv` streams it line by line (the real file has ~300k rows);
a bad row is skipped and reported with its line number through ``errors``.

The API is ``GET {base}/data/v1/epss?cve=ID,ID,...``; it answers
``{"status": "OK", "total": n, "offset": 0, "limit": 100, "data": [{"cve",
"epss", "percentile", "date"}, ...]}`` with numbers as strings.
:class:`EpssClient` asks in batches (ids joined by commas; the URL stays
well under common length limits at 100 ids).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import httpx

from threatvec.core.cancel import pause
from threatvec.vulns.http_retry import RateLimiter, RetryPolicy, SourceError, request_with_retry

__all__ = [
    "DEFAULT_EPSS_URL",
    "EpssClient",
    "EpssRowError",
    "EpssScore",
    "iter_epss_csv",
    "parse_epss_header",
]

DEFAULT_EPSS_URL = "https://api.first.org/data/v1/epss"
_CVE = re.compile(r"^CVE-\d{4}-\d{4,19}$")


@dataclass(frozen=True)
class EpssScore:
    cve_id: str
    epss: float  # probability of exploitation activity in the next 30 days
    percentile: float
    model_version: str | None = None
    score_date: date | None = None


@dataclass(frozen=True)
class EpssRowError:
    line: int
    reason: str


def parse_epss_header(line: str) -> tuple[str | None, date | None]:
    """(model_version, score_date) from ``#model_version:...,score_date:...``."""
    model: str | None = None
    day: date | None = None
    body = line.lstrip("#").strip()
    for part in body.split(","):
        key, _, value = part.partition(":")
        key, value = key.strip(), value.strip()
        if key == "model_version" and value:
            model = value[:64]
        elif key == "score_date" and value:
            try:
                day = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                day = None
    return model, day


def _open_text(fh: IO[bytes]) -> io.TextIOWrapper:
    if hasattr(fh, "peek"):
        head = fh.peek(2)[:2]
    elif fh.seekable():
        pos = fh.tell()
        head = fh.read(2)
        fh.seek(pos)
    else:
        head = b""
    if head == b"\x1f\x8b":
        # Decide by content: a .csv that is really gzip still works.
        fh = gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[assignment]
    return io.TextIOWrapper(fh, encoding="utf-8", newline="")


def _unit_float(value: str) -> float | None:
    try:
        f = float(value)
    except ValueError:
        return None
    return f if 0.0 <= f <= 1.0 else None


def _row_problem(
    cve: str, epss_text: str, pct_text: str, epss: float | None, pct: float | None
) -> str:
    """Which cells of a row are bad, each named with what it held."""
    bad = []
    if not _CVE.match(cve):
        bad.append(f"cve {cve[:40]!r} is not a CVE id")
    if epss is None:
        bad.append(f"epss {epss_text.strip()[:40]!r} is not a number from 0 to 1")
    if pct is None:
        bad.append(f"percentile {pct_text.strip()[:40]!r} is not a number from 0 to 1")
    return "; ".join(bad)


def iter_epss_csv(
    source: str | Path | IO[bytes],
    *,
    errors: Callable[[EpssRowError], None] | None = None,
) -> Iterator[EpssScore]:
    """Stream scores from FIRST's daily EPSS CSV (plain or gzip, decided by content)."""
    if isinstance(source, str | Path):
        with Path(source).open("rb") as fh:
            yield from _iter_epss(fh, errors)
    else:
        yield from _iter_epss(source, errors)


def _iter_epss(
    source: IO[bytes], errors: Callable[[EpssRowError], None] | None
) -> Iterator[EpssScore]:
    text = _open_text(source)
    try:
        model: str | None = None
        day: date | None = None
        line_no = 0
        header_seen = False
        for raw in text:
            line_no += 1
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                model, day = parse_epss_header(line)
                continue
            row = next(csv.reader([line]))
            if not header_seen:
                cols = [c.strip().lower() for c in row]
                if cols[:3] != ["cve", "epss", "percentile"]:
                    raise SourceError(f"line {line_no}: expected header cve,epss,percentile")
                header_seen = True
                continue
            if len(row) < 3:
                if errors:
                    errors(EpssRowError(line_no, f"{len(row)} cells, expected 3"))
                continue
            cve = row[0].strip()
            epss, pct = _unit_float(row[1]), _unit_float(row[2])
            if not _CVE.match(cve) or epss is None or pct is None:
                if errors:
                    errors(EpssRowError(line_no, _row_problem(cve, row[1], row[2], epss, pct)))
                continue
            yield EpssScore(cve, epss, pct, model, day)
    finally:
        text.detach()


class EpssClient:
    """The FIRST EPSS API, batched. ``base_url`` may be the host or the full endpoint."""

    def __init__(
        self,
        base_url: str = DEFAULT_EPSS_URL,
        *,
        batch_size: int = 100,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = pause,
        http_client: httpx.Client | None = None,
    ) -> None:
        if not 1 <= batch_size <= 1000:
            raise ValueError("batch_size must be 1-1000")
        base = base_url.rstrip("/")
        self.url = base if base.endswith("/data/v1/epss") else base + "/data/v1/epss"
        self.batch_size = batch_size
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self._sleep = sleep
        self._owns = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        if self._owns:
            self._http.close()

    def __enter__(self) -> EpssClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, cve_ids: Iterable[str]) -> dict[str, EpssScore]:
        """Scores for the given CVE ids (unknown ids are simply absent)."""
        ids = sorted({c.strip().upper() for c in cve_ids if _CVE.match(c.strip().upper())})
        out: dict[str, EpssScore] = {}
        for i in range(0, len(ids), self.batch_size):
            batch = ids[i : i + self.batch_size]
            offset = 0
            while True:
                resp = request_with_retry(
                    self._http,
                    "GET",
                    self.url,
                    params={"cve": ",".join(batch), "limit": self.batch_size, "offset": offset},
                    policy=self.retry,
                    source="EPSS",
                    limiter=self.limiter,
                    sleep=self._sleep,
                )
                try:
                    doc: Any = resp.json()
                except ValueError as exc:
                    raise SourceError("EPSS answered with a body that is not JSON") from exc
                data = doc.get("data") if isinstance(doc, dict) else None
                if not isinstance(data, list):
                    raise SourceError("EPSS answer has no 'data' list")
                for item in data:
                    score = self._parse_item(item, doc)
                    if score is not None:
                        out[score.cve_id] = score
                total = doc.get("total")
                offset += len(data)
                if not data or not isinstance(total, int) or offset >= total:
                    break
        return out

    @staticmethod
    def _parse_item(item: object, doc: dict[str, Any]) -> EpssScore | None:
        if not isinstance(item, dict):
            return None
        cve = str(item.get("cve", "")).upper()
        epss = _unit_float(str(item.get("epss", "")))
        pct = _unit_float(str(item.get("percentile", "")))
        if not _CVE.match(cve) or epss is None or pct is None:
            return None
        day: date | None = None
        if isinstance(item.get("date"), str):
            try:
                day = date.fromisoformat(item["date"][:10])
            except ValueError:
                day = None
        model = item.get("model_version") or doc.get("model_version")
        return EpssScore(cve, epss, pct, str(model)[:64] if model else None, day)
