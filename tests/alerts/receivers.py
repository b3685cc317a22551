"""Real local receivers for the notifiers: an HTTP capture server and an SMTP sink (tests only).

The HTTP server records every request and answers from a script of status codes
(e.g. [500, 200]: fail once, then accept), so retries are exercised for real.
It speaks the documented formats: Slack answers ``ok``, PagerDuty's
``/v2/enqueue`` validates the Events API v2 event (400 ``invalid event`` if it is
not one), answers 202 ``{"status": "success", "dedup_key": ...}`` and keeps each
incident's state by dedup_key, and a webhook route verifies the HMAC signature
before accepting. ``hold`` keeps a request waiting (a send in flight).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Captured:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    url: str
    requests: list[Captured] = field(default_factory=list)
    # Each entry: a status, or (status, extra headers, body with "{path}" replaced).
    script: list[int | tuple[int, dict[str, str], str]] = field(default_factory=list)
    webhook_secret: str | None = None
    signature_failures: int = 0
    # PagerDuty: dedup_key → "triggered" | "acknowledged" | "resolved", as PagerDuty keeps it.
    incidents: dict[str, str] = field(default_factory=dict)
    # While set, each request waits (up to 10 s) for ``release`` before it is answered.
    hold: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)

    def next_status(self) -> int:
        return self.next_reply()[0]

    def next_reply(self) -> tuple[int, dict[str, str], str | None]:
        entry = self.script.pop(0) if self.script else 200
        return (entry, {}, None) if isinstance(entry, int) else entry


PD_ACTIONS = ("trigger", "acknowledge", "resolve")
PD_SEVERITIES = ("critical", "error", "warning", "info")


def pagerduty_errors(event: Any) -> list[str]:
    """What PagerDuty's Events API v2 would reject in an event (empty: a valid event)."""
    if not isinstance(event, dict):
        return ["Event object is invalid"]
    errors = []
    if not isinstance(event.get("routing_key"), str) or not event["routing_key"]:
        errors.append("'routing_key' is missing or blank")
    action = event.get("event_action")
    if action not in PD_ACTIONS:
        errors.append("'event_action' is invalid (must be one of trigger, acknowledge, resolve)")
    key = event.get("dedup_key")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 255):
        errors.append("'dedup_key' must be a string of 1-255 characters")
    if action in ("acknowledge", "resolve") and key is None:
        errors.append(f"'dedup_key' is required for {action} events")
    if action == "trigger":
        body = event.get("payload")
        if not isinstance(body, dict):
            return [*errors, "'payload' is missing"]
        for name in ("summary", "source"):
            if not isinstance(body.get(name), str) or not body[name]:
                errors.append(f"'payload.{name}' is missing or blank")
        if body.get("severity") not in PD_SEVERITIES:
            errors.append("'payload.severity' is invalid")
        if "timestamp" in body:
            try:
                datetime.fromisoformat(str(body["timestamp"]))
            except ValueError:
                errors.append("'payload.timestamp' is not ISO 8601")
    return errors


def _pagerduty_reply(state: HttpReceiver, body: bytes, status: int) -> tuple[int, bytes]:
    """Events API v2: 202 and the incident's new state, 400 for a bad event, else the script."""
    if status >= 300:
        return status, json.dumps({"status": "throttled" if status == 429 else "error",
                                   "message": "try again later"}).encode()  # fmt: skip
    try:
        event = json.loads(body)
    except ValueError:
        event = None
    errors = pagerduty_errors(event)
    if errors:
        reply = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        return 400, json.dumps(reply).encode()
    action = event["event_action"]
    key = event.get("dedup_key") or f"pd-{len(state.incidents) + 1}"
    current = state.incidents.get(key)
    # PagerDuty ignores acknowledge/resolve for an incident it does not have open.
    if action == "trigger" and current in (None, "resolved"):
        state.incidents[key] = "triggered"
    elif action == "acknowledge" and current == "triggered":
        state.incidents[key] = "acknowledged"
    elif action == "resolve" and current in ("triggered", "acknowledged"):
        state.incidents[key] = "resolved"
    reply = {"status": "success", "message": "Event processed", "dedup_key": key}
    return 202, json.dumps(reply).encode()


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    ts = headers.get("x-threatvec-timestamp", "")
    sig = headers.get("x-threatvec-signature", "")
    expected = (
        "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    )
    return bool(ts) and hmac.compare_digest(expected, sig)


@contextmanager
def http_receiver(*, webhook_secret: str | None = None) -> Iterator[HttpReceiver]:
    state = HttpReceiver(url="", webhook_secret=webhook_secret)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.requests.append(Captured("POST", self.path, headers, body))
            state.arrived.set()
            if state.hold:
                state.release.wait(10)
            status, extra_headers, scripted_body = state.next_reply()
            secret = state.webhook_secret
            if self.path.startswith("/soar") and secret and not _verify(secret, headers, body):
                state.signature_failures += 1
                status = 401
            if self.path.endswith("/v2/enqueue"):
                status, reply = _pagerduty_reply(state, body, status)
            elif self.path.startswith("/slack"):
                reply = b"ok" if status == 200 else b"internal_error"
            else:
                reply = b"{}"
            if scripted_body is not None:
                reply = scripted_body.replace("{path}", self.path).encode()
            self.send_response(status)
            for name, value in extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


class _Tcp6(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[dict[str, Any]] = field(default_factory=list)
    reject_data_with: list[int] = field(default_factory=list)
    # The first line a client reads; a hostile server may make it any length.
    greeting: str = "220 sink ESMTP"
    # Every AUTH PLAIN seen: (user, password, whether the session was encrypted by then).
    logins: list[tuple[str, str, bool]] = field(default_factory=list)
    # Every command verb in arrival order, with the session's TLS state ("MAIL", True).
    commands: list[tuple[str, bool]] = field(default_factory=list)
    # Hang up right after accepting a message (a relay ending the session once it has it).
    close_after_data: bool = False
    # Keep the next N messages but hang up before the 250 (the reply is lost on the way).
    lose_reply_to_data: int = 0


@contextmanager
def smtp_sink(
    tls: tuple[Path, Path] | None = None, *, auth_in_clear: bool = False, host: str = "127.0.0.1"
) -> Iterator[SmtpSink]:
    """A minimal SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, NOOP, RSET, QUIT).

    With ``tls`` (cert, key) it also offers STARTTLS (RFC 3207) and AUTH PLAIN
    (RFC 4954), and records whether each login and mail came over TLS.
    ``auth_in_clear`` offers AUTH without TLS, as a stripped or hostile server would.
    """
    sink = SmtpSink(host, 0)
    context: ssl.SSLContext | None = None
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls[0]), str(tls[1]))

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write((line + "\r\n").encode())

        def start_tls(self) -> bool:
            assert context is not None
            self.reply("220 ready to start TLS")
            self.wfile.flush()
            try:
                conn = context.wrap_socket(self.connection, server_side=True)
            except (ssl.SSLError, OSError):
                return False  # the client refused our certificate
            self.connection = conn
            self.rfile = conn.makefile("rb")
            self.wfile = conn.makefile("wb", buffering=0)
            return True

        def handle(self) -> None:
            self.reply(sink.greeting)
            mail_from, rcpts = "", []
            secure = False
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                cmd = raw.decode("utf-8", "replace").strip()
                verb = cmd.split(" ", 1)[0].upper()
                sink.commands.append((verb, secure))
                if verb in ("EHLO", "HELO"):
                    self.reply("250-sink")
                    if context is not None and not secure:
                        self.reply("250-STARTTLS")
                    if (context is not None and secure) or auth_in_clear:
                        self.reply("250-AUTH PLAIN")
                    self.reply("250 8BITMIME")
                elif verb == "STARTTLS" and context is not None and not secure:
                    if not self.start_tls():
                        return
                    secure, mail_from, rcpts = True, "", []
                elif verb == "AUTH":
                    parts = cmd.split(" ")
                    if len(parts) < 3 or parts[1].upper() != "PLAIN":
                        self.reply("504 only AUTH PLAIN with an initial response")
                        continue
                    _, user, password = base64.b64decode(parts[2]).decode().split("\0")
                    sink.logins.append((user, password, secure))
                    self.reply("235 authenticated")
                elif verb == "MAIL":
                    mail_from, rcpts = cmd.split(":", 1)[1].strip(), []
                    self.reply("250 ok")
                elif verb == "RCPT":
                    rcpts.append(cmd.split(":", 1)[1].strip())
                    self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 go ahead")
                    lines = []
                    while True:
                        line = self.rfile.readline()
                        if line in (b".\r\n", b".\n", b""):
                            break
                        lines.append(line[1:] if line.startswith(b"..") else line)
                    if sink.reject_data_with:
                        code = sink.reject_data_with.pop(0)
                        self.reply(f"{code} try later")
                        continue
                    sink.messages.append(
                        {"from": mail_from, "to": rcpts, "data": b"".join(lines), "tls": secure}
                    )
                    if sink.lose_reply_to_data > 0:
                        sink.lose_reply_to_data -= 1
                        return
                    self.reply("250 queued")
                    if sink.close_after_data:
                        return
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 ok")

    server_class = _Tcp6 if ":" in host else socketserver.ThreadingTCPServer
    server = server_class((host, 0), Handler)
    server.daemon_threads = True
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
