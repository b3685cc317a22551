"""A real capturing ingest server on 127.0.0.1:0 and helpers for child processes."""

from __future__ import annotations

import gzip
import json
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SRC = Path(__file__).resolve().parents[2] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child Python that can import threatvec from this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREATVEC_")}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


class CaptureServer:
    """Records every ingest batch; `script` makes it misbehave for the next requests.

    Script items: ("ok",), ("status", code, {headers}), ("close",) — drop the
    connection without answering, ("store_close",) — store, then drop the
    connection (a lost reply), ("hang", seconds).
    """

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.requests: list[dict[str, Any]] = []  # every POST, including refused ones
        self.batches: list[dict[str, Any]] = []  # stored batches
        self.stored_ids: list[str] = []
        self.script: deque[tuple[Any, ...]] = deque()
        self.reject_ids: set[str] = set()
        self.probe_queue: deque[dict[str, Any]] = deque()
        self.probe_replies: list[tuple[str, dict[str, Any]]] = []
        self.probe_polls = 0  # GET /probes/next requests received
        self.probe_hold = 0.05  # seconds an empty long-poll is held before its 204
        self.probe_status: int | None = None  # answer every poll with this status instead
        self.connections = 0
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    # -- lifecycle
    def start(self, port: int = 0) -> None:
        capture = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with capture.lock:
                    capture.connections += 1

            def _reply(self, code: int, body: Any = None, headers: dict[str, str] | None = None):
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                if self.path.startswith("/api/v1/agentbench/probes/next"):
                    with capture.lock:
                        capture.probe_polls += 1
                        capture.lock.notify_all()
                        status = capture.probe_status
                        probe = capture.probe_queue.popleft() if capture.probe_queue else None
                    query = parse_qs(urlsplit(self.path).query)
                    wait = float(query.get("wait", ["0"])[0])
                    if status is not None:
                        self._reply(status, {"detail": "scripted"})
                    elif not 0 <= wait <= 60:  # the server's documented range
                        self._reply(422, {"detail": "query.wait: must be from 0 to 60"})
                    elif probe is None:
                        time.sleep(capture.probe_hold)
                        self._reply(204)
                    else:
                        self._reply(200, probe)
                    return
                self._reply(404, {"detail": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if self.path.startswith("/api/v1/agentbench/probes/"):
                    probe_id = self.path.split("/")[-2]
                    with capture.lock:
                        capture.probe_replies.append((probe_id, json.loads(raw)))
                        capture.lock.notify_all()
                    self._reply(200, {"ok": True})
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                body = gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw
                payload = json.loads(body)
                with capture.lock:
                    action = capture.script.popleft() if capture.script else ("ok",)
                    capture.requests.append(
                        {
                            "headers": headers,
                            "payload": payload,
                            "action": action[0],
                            "raw_size": len(raw),
                        }
                    )
                    capture.lock.notify_all()
                kind = action[0]
                if kind == "status":
                    extra = action[2] if len(action) > 2 else None
                    self._reply(action[1], {"detail": "scripted"}, extra)
                    return
                if kind == "close":
                    self.close_connection = True
                    return
                if kind == "hang":
                    time.sleep(action[1])
                    self.close_connection = True
                    return
                reply = capture._store(payload)
                if kind == "store_close":
                    self.close_connection = True
                    return
                self._reply(200, reply)

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- behaviour of a well-built server (dedupe by id, per-event rejection)
    def _store(self, payload: dict[str, Any]) -> dict[str, Any]:
        accepted, duplicates, rejected = [], [], []
        with self.lock:
            for event in payload["events"]:
                eid = event["event_id"]
                if eid in self.reject_ids:
                    rejected.append({"event_id": eid, "reason": "invalid attributes"})
                elif eid in self.stored_ids:
                    duplicates.append(eid)
                else:
                    self.stored_ids.append(eid)
                    accepted.append(eid)
            self.batches.append(payload)
            self.lock.notify_all()
        return {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}

    # -- queries
    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Stored events, each id once (what the server's database would hold)."""
        seen: set[str] = set()
        out: list[dict[str, Any]] = []
        with self.lock:
            stored = set(self.stored_ids)
            for batch in self.batches:
                for event in batch["events"]:
                    if event["event_id"] in seen or event["event_id"] not in stored:
                        continue
                    seen.add(event["event_id"])
                    if event_type is None or event["type"] == event_type:
                        out.append(event)
        return out

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        with self.lock:
            while not predicate():
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return False
                self.lock.wait(min(remaining, 0.05))
        return True

    def wait_events(self, event_type: str, count: int, timeout: float = 10.0) -> list[dict]:
        self.wait_for(lambda: len(self.events(event_type)) >= count, timeout)
        return self.events(event_type)
