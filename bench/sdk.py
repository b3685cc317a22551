"""SDK cost per recorded event vs. an OpenTelemetry span, measured in the same run.

    .venv/bin/python bench/sdk.py [--events 50000] [--rounds 5]

Both sides run their real background machinery: ThreatVec ships batches to a
local stdlib HTTP server that accepts them; OpenTelemetry uses the SDK's
BatchSpanProcessor with an exporter that does nothing, so each side is measured
on its hot path (the call the host makes), not on network I/O.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from threatvec import ThreatVec


class NullExporter(SpanExporter):
    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def ingest_server() -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"accepted": [], "duplicates": [], "rejected": []}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def time_calls(call: Callable[[], None], n: int) -> list[int]:
    clock = time.perf_counter_ns
    samples = [0] * n
    gc.disable()
    try:
        for i in range(n):
            start = clock()
            call()
            samples[i] = clock() - start
    finally:
        gc.enable()
    return samples


def summary(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_us": statistics.median(ordered) / 1000,
        "p99_us": ordered[int(len(ordered) * 0.99) - 1] / 1000,
        "mean_us": statistics.fmean(ordered) / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    server = ingest_server()
    tv = ThreatVec(
        server_url=f"http://127.0.0.1:{server.server_address[1]}",
        agent_name="bench",
        integrations=False,
        queue_size=args.events * 2,
    ).start()

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(NullExporter(), max_queue_size=args.events * 2))
    tracer = provider.get_tracer("bench")

    def record() -> None:
        tv.record_tool_call("web_search", destination="api.example.com", latency_ms=12.5)

    def span() -> None:
        s = tracer.start_span(
            "tool web_search",
            attributes={"gen_ai.tool.name": "web_search", "server.address": "api.example.com"},
        )
        s.end()

    for fn in (record, span):  # warm up both
        time_calls(fn, 2_000)
    tv.flush(10)

    sdk_samples: list[int] = []
    otel_samples: list[int] = []
    for _ in range(args.rounds):  # interleaved so both see the same machine state
        sdk_samples += time_calls(record, args.events // args.rounds)
        tv.flush(30)
        otel_samples += time_calls(span, args.events // args.rounds)
        provider.force_flush()

    sdk = summary(sdk_samples)
    otel = summary(otel_samples)
    stats = tv.stats()
    tv.stop(10)
    provider.shutdown()
    server.shutdown()
    print(f"python {sys.version.split()[0]}, {len(sdk_samples)} events per side")
    print(f"{'':28}{'median µs':>10}{'p99 µs':>10}{'mean µs':>10}")
    for name, row in (("threatvec record_tool_call", sdk), ("otel span start+end", otel)):
        print(f"{name:28}{row['median_us']:>10.2f}{row['p99_us']:>10.2f}{row['mean_us']:>10.2f}")
    print(
        f"ratio (median) {sdk['median_us'] / otel['median_us']:.2f}x, "
        f"(p99) {sdk['p99_us'] / otel['p99_us']:.2f}x"
    )
    print(f"sdk sent={stats['sent']} dropped={stats['dropped_total']}")


if __name__ == "__main__":
    main()
