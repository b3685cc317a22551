"""A local stand-in for Microsoft's token endpoint and the Office 365 Management Activity API.

It speaks the documented wire format: ``POST /{tenant}/oauth2/v2.0/token``
(client credentials), ``POST /api/v1.0/{tenant}/activity/feed/subscriptions/start``,
``GET .../subscriptions/content`` returning content descriptors and a
``NextPageUri`` header for the next page, and the content blobs themselves
(JSON arrays of audit records). It can answer 429/503 a set number of times
to exercise retries, and records every request it gets.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TENANT = "07c0a078-ff05-4b94-bc90-219a6ef21901"
CLIENT_ID = "4a1f0e5c-0000-4000-8000-000000000001"
CLIENT_SECRET = "local-test-secret-value"
ACCESS_TOKEN = "local-access-token-123"


class M365Server:
    def __init__(self, blobs: list[list[dict[str, Any]]], *, per_page: int = 1) -> None:
        self.blobs = blobs
        self.per_page = per_page
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.fail_next: dict[str, list[int]] = {}  # path prefix -> statuses to answer first
        self.subscription_enabled = False
        self.content_type_seen: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _injected_failure(self, path: str) -> bool:
                for prefix, statuses in server.fail_next.items():
                    if path.startswith(prefix) and statuses:
                        status = statuses.pop(0)
                        self._send(status, {"error": "try later"}, {"Retry-After": "0"})
                        return True
                return False

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                    self._send(401, {"error": {"code": "AF10001", "message": "bad token"}})
                    return False
                return True

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                server.requests.append(("POST", self.path, dict(self.headers)))
                if self._injected_failure(parts.path):
                    return
                if parts.path == f"/{TENANT}/oauth2/v2.0/token":
                    form = {k: v[0] for k, v in parse_qs(body).items()}
                    ok = (
                        form.get("grant_type") == "client_credentials"
                        and form.get("client_id") == CLIENT_ID
                        and form.get("client_secret") == CLIENT_SECRET
                        and form.get("scope") == "https://manage.office.com/.default"
                    )
                    if not ok:
                        self._send(401, {"error": "invalid_client"})
                        return
                    self._send(
                        200,
                        {"token_type": "Bearer", "expires_in": 3599, "access_token": ACCESS_TOKEN},
                    )
                    return
                feed = f"/api/v1.0/{TENANT}/activity/feed/subscriptions/start"
                if parts.path == feed:
                    if not self._authorised():
                        return
                    query = parse_qs(parts.query)
                    server.content_type_seen.append(query.get("contentType", [""])[0])
                    if server.subscription_enabled:
                        self._send(
                            400,
                            {
                                "error": {
                                    "code": "AF20024",
                                    "message": "The subscription is already enabled.",
                                }
                            },
                        )
                        return
                    server.subscription_enabled = True
                    self._send(
                        200, {"contentType": "Audit.General", "status": "enabled", "webhook": None}
                    )
                    return
                self._send(404, {"error": "not found"})

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append(("GET", self.path, dict(self.headers)))
                if self._injected_failure(parts.path):
                    return
                if not self._authorised():
                    return
                base = f"/api/v1.0/{TENANT}/activity/feed"
                if parts.path == f"{base}/subscriptions/content":
                    query = parse_qs(parts.query)
                    if "startTime" not in query or "endTime" not in query:
                        self._send(400, {"error": {"code": "AF20055", "message": "need times"}})
                        return
                    page = int(query.get("page", ["0"])[0])
                    first = page * server.per_page
                    items = [
                        {
                            "contentType": "Audit.General",
                            "contentId": f"blob-{i}",
                            "contentUri": f"{server.url}{base}/audit/blob-{i}",
                            "contentCreated": query["startTime"][0],
                            "contentExpiration": query["endTime"][0],
                        }
                        for i in range(first, min(first + server.per_page, len(server.blobs)))
                    ]
                    headers = {}
                    if first + server.per_page < len(server.blobs):
                        headers["NextPageUri"] = (
                            f"{server.url}{parts.path}?contentType=Audit.General"
                            f"&startTime={query['startTime'][0]}&endTime={query['endTime'][0]}"
                            f"&page={page + 1}"
                        )
                    self._send(200, items, headers)
                    return
                if parts.path.startswith(f"{base}/audit/blob-"):
                    index = int(parts.path.rsplit("-", 1)[1])
                    self._send(200, server.blobs[index])
                    return
                self._send(404, {"error": "not found"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> M365Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
