"""A small Prometheus registry: counters and histograms, text exposition format 0.0.4."""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict

__all__ = ["REGISTRY", "Counter", "Histogram", "Registry"]

_Labels = tuple[tuple[str, str], ...]


def _fmt_labels(labels: _Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    items = labels + extra
    if not items:
        return ""

    def esc(v: str) -> str:
        return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{k}="{esc(v)}"' for k, v in items) + "}"


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self._values: dict[_Labels, float] = defaultdict(float)
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] += amount

    def value(self, **labels: str) -> float:
        return self._values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            for labels, v in sorted(self._values.items()):
                lines.append(f"{self.name}{_fmt_labels(labels)} {v}")
        return lines


class Histogram:
    DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...] = DEFAULT_BUCKETS):
        self.name, self.help, self.buckets = name, help_text, buckets
        self._counts: dict[_Labels, list[int]] = {}
        self._sums: dict[_Labels, float] = defaultdict(float)
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            counts = self._counts.setdefault(key, [0] * (len(self.buckets) + 1))
            counts[bisect.bisect_left(self.buckets, value)] += 1
            self._sums[key] += value

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            for labels, counts in sorted(self._counts.items()):
                cumulative = 0
                for bound, c in zip(self.buckets, counts, strict=False):
                    cumulative += c
                    le = (("le", repr(bound)),)
                    lines.append(f"{self.name}_bucket{_fmt_labels(labels, le)} {cumulative}")
                cumulative += counts[-1]
                inf = (("le", "+Inf"),)
                lines.append(f"{self.name}_bucket{_fmt_labels(labels, inf)} {cumulative}")
                lines.append(f"{self.name}_sum{_fmt_labels(labels)} {self._sums[labels]}")
                lines.append(f"{self.name}_count{_fmt_labels(labels)} {cumulative}")
        return lines


class Registry:
    def __init__(self) -> None:
        self._metrics: dict[str, Counter | Histogram] = {}

    def counter(self, name: str, help_text: str) -> Counter:
        metric = self._metrics.setdefault(name, Counter(name, help_text))
        assert isinstance(metric, Counter)
        return metric

    def histogram(self, name: str, help_text: str) -> Histogram:
        metric = self._metrics.setdefault(name, Histogram(name, help_text))
        assert isinstance(metric, Histogram)
        return metric

    def render(self) -> str:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"


REGISTRY = Registry()
HTTP_REQUESTS = REGISTRY.counter(
    "threatvec_http_requests_total", "HTTP requests by route and status"
)
HTTP_LATENCY = REGISTRY.histogram("threatvec_http_request_duration_seconds", "HTTP request latency")
INGEST_EVENTS = REGISTRY.counter("threatvec_ingest_events_total", "Ingested events by outcome")
JOB_RUNS = REGISTRY.counter("threatvec_job_runs_total", "Background job runs by job and outcome")
