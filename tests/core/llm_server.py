"""A real OpenAI-compatible chat-completions server on 127.0.0.1:0 for LLM tests.

`script` holds what to answer, one item per request (the last one repeats):
("reply", text) — a chat completion whose message content is `text`;
("status", code) — that status with a JSON error; ("garbage",) — a 200 whose
body is not JSON; ("sleep", seconds, text) — answer late; ("redirect", url);
("huge",) — a 200 body over the client's size cap; ("reject_json_mode", text)
— 400 when the request has ``response_format``, else reply with `text`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class FakeLlmServer:
    def __init__(self, *script: tuple[Any, ...]) -> None:
        self.script: list[tuple[Any, ...]] = list(script) or [("reply", "ok")]
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, code: int, raw: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(raw)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    server.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    item = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                kind = item[0]
                if kind == "reply":
                    self._send(200, json.dumps(completion(item[1])).encode())
                elif kind == "status":
                    self._send(item[1], b'{"error": {"message": "scripted failure"}}')
                elif kind == "garbage":
                    self._send(200, b"<html>this is not json")
                elif kind == "sleep":
                    time.sleep(item[1])
                    self._send(200, json.dumps(completion(item[2])).encode())
                elif kind == "redirect":
                    self._send(307, b"", {"Location": item[1]})
                elif kind == "huge":
                    self._send(200, b'{"pad": "' + b"x" * 1_200_000 + b'"}')
                elif kind == "reject_json_mode":
                    if "response_format" in body:
                        self._send(400, b'{"error": {"message": "response_format unsupported"}}')
                    else:
                        self._send(200, json.dumps(completion(item[1])).encode())

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeLlmServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
