"""End to end: the unpacked extension in headless Chromium reporting to the REAL server.

One browser and one server serve the whole module. The server is the real app
(uvicorn on 127.0.0.1, its own SQLite file, a real org key); a thin ASGI
wrapper records every request it receives, bodies included. The extension is
configured through its popup, AI hosts resolve to a local HTTPS page server,
and the journey below pastes, uploads and submits planted personal data.
The tests then read the result through the public API and search the database
file, the received requests and the server's log records for the planted values.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import (
    LiveServer,
    OrgHandle,
    create_org,
    free_port,
    make_migrated_engine,
    settings_for_tests,
)
from tests.extension.conftest import (
    CHROMIUM,
    PAGE_MARKER,
    REFRESHED_DOMAIN,
    ExtensionBrowser,
    extension_worker,
    open_browser,
    paste,
    serve_ai_sites,
)

pytestmark = pytest.mark.browser

EVENTS_PATH = "/api/v1/shadow/events"
CATALOG_PATH = "/api/v1/shadow/catalog"
UNKNOWN_HOST = "chat.unknown-llm.test"
SALT = "e2e-salt-5f1c9a7d"
USER_ID = "Erin.E2E@Example.com"

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJlMmUtdXNlci00MiIsIm5hbWUiOiJFMkUifQ"
    ".c2lnbmF0dXJlLWUyZS10ZXN0LXZhbHVlLTEyMzQ1Ng"
)
ANTHROPIC_KEY = "sk-ant-api03-" + "E2Ex" * 20
PASTE_TEXT = (
    "Customer e2e.jane@example.com card 4539 1488 0343 6467 key AKIAQWERTYUIOPASDFGH "
    f"session {JWT} PASTE-E2E-MARKER-91ab"
)
FILE_NAME = "payroll-export-e2e-q4.csv"
FILE_TEXT = (
    "name,ssn,phone,iban\nOmar,412-57-3390,+1 212 555 0187,GB82 WEST 1234 5698 7654 32\n"
    "contact omar.file@example.org\nFILE-E2E-MARKER-3c7d\n"
)
SUBMIT_TEXT = f"ssh to 198.51.100.77 with {ANTHROPIC_KEY} SUBMIT-E2E-MARKER-5e0f"
UNKNOWN_TEXT = "passport no. K1234567 for ravi.k@example.com UNKNOWN-E2E-MARKER-77aa"
NOTES_TEXT = "call +44 7700 900456 or mail notes.person@example.com NOTES-E2E-MARKER-0d0d"
SECRET_PATH = "/c/e2e-private-conversation"
SECRET_QUERY = "q=e2e-secret-query"

# None of these may be stored, received or logged by the server, in any form.
PLANTED = [
    "e2e.jane@example.com", "4539 1488 0343 6467", "4539148803436467", "AKIAQWERTYUIOPASDFGH",
    JWT, JWT[:36], "PASTE-E2E-MARKER-91ab", FILE_NAME, "payroll-export", "412-57-3390",
    "412573390", "212 555 0187", "2125550187", "GB82 WEST", "GB82WEST12345698765432",
    "omar.file@example.org", "FILE-E2E-MARKER-3c7d", "198.51.100.77", ANTHROPIC_KEY,
    "sk-ant-api03", "SUBMIT-E2E-MARKER-5e0f", "K1234567", "ravi.k@example.com",
    "UNKNOWN-E2E-MARKER-77aa", "7700 900456", "notes.person@example.com",
    "NOTES-E2E-MARKER-0d0d", "notes.example.org", "My notes", "private assistant",
    "LLM Chat", SECRET_PATH, "e2e-private-conversation", "e2e-secret-query", PAGE_MARKER,
    USER_ID, USER_ID.lower(), SALT,
]  # fmt: skip


@dataclass
class Received:
    """One request as the server received it, and the status it answered."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytearray = field(default_factory=bytearray)
    status: int = 0
    response: bytearray = field(default_factory=bytearray)


class RecordingApp:
    """ASGI wrapper that keeps every HTTP request (and /events answers) the real app gets."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.requests: list[Received] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = Received(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
        )
        with self.lock:
            self.requests.append(record)

        async def recv() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                record.body += message.get("body", b"")
            return message

        async def snd(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
            elif message["type"] == "http.response.body" and record.path == EVENTS_PATH:
                record.response += message.get("body", b"")
            await send(message)

        await self.app(scope, recv, snd)

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.requests)


class LogRecorder(logging.Handler):
    """Every log record any logger emits while the module runs, fully formatted."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Structured fields ride in ``extra``; a secret there would reach a JSON log.
        self.lines.append(f"{self.format(record)} {vars(record)!r}")


@dataclass
class RealServer:
    """The real ThreatVec server; duck-types the ``collector`` fixture's interface."""

    url: str
    org_key: str
    org: OrgHandle
    db_path: Path
    recorder: RecordingApp

    def raw_requests(self) -> list[Received]:
        return self.recorder.received()

    def events(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for req in self.raw_requests():
            if req.method == "POST" and req.path == EVENTS_PATH and req.status:
                found.extend(json.loads(bytes(req.body))["events"])
        return found

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events():
                if predicate(event):
                    return event
            time.sleep(0.2)
        raise AssertionError(f"no matching event; the server received: {self.events()}")

    def wait_for_request(self, method: str, path: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(r.method == method and r.path == path for r in self.raw_requests()):
                return
            time.sleep(0.2)
        raise AssertionError(f"no {method} {path} received")

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.org.headers, timeout=10)


@dataclass
class Journey:
    server: RealServer
    extension_id: str
    logs: LogRecorder
    services: dict[str, dict[str, Any]]
    browser: ExtensionBrowser


def _chromium() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not found:
        pytest.skip("Chromium not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api")
    return found


def _configure_through_popup(browser: ExtensionBrowser, server: RealServer) -> str:
    """Type the server URL and org key into the popup, as a user would; return the extension id."""
    # The pseudonymous-user settings have no popup field (they come from policy in a
    # rollout); set them the way the managed configuration would land in storage.
    browser.worker.evaluate(
        "(c) => chrome.storage.local.set({tv_config: c})",
        {"userIdSalt": SALT, "userIdentifier": USER_ID},
    )
    extension_id: str = browser.worker.url.split("/")[2]
    popup = browser.new_page()
    popup.goto(f"chrome-extension://{extension_id}/popup.html")
    popup.fill("#serverUrl", server.url)
    popup.fill("#orgKey", server.org_key)
    popup.click("button[type=submit]")
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(popup.locator("#connection")).to_have_text("connected")
    popup.close()
    server.wait_for_request("GET", CATALOG_PATH)
    return extension_id


def _wait_for_catalog_scripts(browser: ExtensionBrowser, domain: str) -> None:
    """The org's own catalog entry reached the extension once its pages get the script."""
    pattern = f"*://*.{domain}/*"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        scripts = browser.worker.evaluate("chrome.scripting.getRegisteredContentScripts()")
        if any(pattern in s.get("matches", []) for s in scripts):
            return
        time.sleep(0.2)
    raise AssertionError(f"the org catalog entry for {domain} never reached the extension")


# What the journey must produce: (domain, event type) of every event, nothing more.
EXPECTED_EVENTS = sorted(
    [
        ("chatgpt.com", "visit"), ("chatgpt.com", "paste"), ("chatgpt.com", "upload"),
        ("chatgpt.com", "submit"), ("claude.ai", "visit"), (REFRESHED_DOMAIN, "visit"),
        (UNKNOWN_HOST, "paste"),
    ]
)  # fmt: skip


def _browse(browser: ExtensionBrowser, server: RealServer) -> None:
    """Act in every tab first and wait once: each step would otherwise pay the flush delay."""
    chat = browser.new_page()
    chat.goto(f"https://chatgpt.com{SECRET_PATH}?{SECRET_QUERY}")
    paste(chat, PASTE_TEXT)
    chat.set_input_files(
        "#file", files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": FILE_TEXT.encode()}]
    )
    chat.fill("#prompt", SUBMIT_TEXT)
    chat.click("#send")

    browser.new_page().goto("https://claude.ai/new")
    browser.new_page().goto(f"https://{REFRESHED_DOMAIN}/workspace")

    unknown = browser.new_page()
    unknown.goto(f"https://{UNKNOWN_HOST}/session/42")
    unknown.wait_for_load_state("load")
    paste(unknown, UNKNOWN_TEXT)

    notes = browser.new_page()
    notes.goto("https://notes.example.org/private/diary")
    notes.wait_for_load_state("load")
    paste(notes, NOTES_TEXT)

    deadline = time.monotonic() + 30
    while sorted((e["domain"], e["event_type"]) for e in server.events()) != EXPECTED_EVENTS:
        if time.monotonic() > deadline:
            break  # the tests compare what arrived with what was expected
        time.sleep(0.2)
    time.sleep(2.5)  # longer than the worker's flush debounce: a late leak would have been sent


def _services_by_domain(server: RealServer) -> dict[str, dict[str, Any]]:
    with server.api() as api:
        listed = api.get("/api/v1/shadow/services", params={"limit": 500})
        listed.raise_for_status()
        return {s["domain"]: s for s in listed.json()["items"]}


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    chromium = _chromium()
    from threatvec.server.app import create_app
    from threatvec.store.engine import make_session_factory

    work = tmp_path_factory.mktemp("e2e")
    db_path = work / "threatvec-e2e.db"
    logs = LogRecorder()
    logs.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root, ours = logging.getLogger(), logging.getLogger("threatvec")
    root.addHandler(logs)
    # `threatvec serve` stops our loggers propagating to the root; record them directly
    if not ours.propagate:
        ours.addHandler(logs)
    # Everything the server would log at its chattiest, not only warnings.
    previous_level = ours.level
    ours.setLevel(logging.DEBUG)
    with ExitStack() as stack:
        stack.callback(root.removeHandler, logs)
        stack.callback(ours.removeHandler, logs)
        stack.callback(ours.setLevel, previous_level)
        engine = make_migrated_engine(f"sqlite:///{db_path}")
        stack.callback(engine.dispose)
        org = create_org(make_session_factory(engine))
        recorder = RecordingApp(create_app(settings_for_tests(work / "data"), engine=engine))
        live = LiveServer(recorder, free_port()).start()
        stack.callback(live.stop)
        server = RealServer(live.url, org.key, org, db_path, recorder)

        # The org's own catalog entry must travel server -> extension -> events.
        with server.api() as api:
            added = api.post(
                CATALOG_PATH,
                json={"domain": REFRESHED_DOMAIN, "service": "Refreshed AI", "vendor": "Example",
                      "category": "chat", "kind": "enterprise"},
            )  # fmt: skip
            assert added.status_code == 201, added.text

        sites = stack.enter_context(serve_ai_sites(work))
        context = stack.enter_context(open_browser(chromium, sites, work / "profile"))
        browser = ExtensionBrowser(context=context, worker=extension_worker(context))
        extension_id = _configure_through_popup(browser, server)
        _wait_for_catalog_scripts(browser, REFRESHED_DOMAIN)
        _browse(browser, server)
        yield Journey(server, extension_id, logs, _services_by_domain(server), browser)


# ── what the API shows ────────────────────────────────────────────────────


def test_services_appear_with_event_types_and_category_counts(journey: Journey) -> None:
    services = journey.services
    assert set(services) == {"chatgpt.com", "claude.ai", REFRESHED_DOMAIN, UNKNOWN_HOST}

    chatgpt = services["chatgpt.com"]
    assert (chatgpt["visits"], chatgpt["pastes"], chatgpt["uploads"], chatgpt["submits"]) == (
        1, 1, 1, 1,
    )  # fmt: skip
    assert chatgpt["events"] == 4 and chatgpt["pii_uploads"] == 3
    # Events per category: the email is in the paste and in the file.
    assert chatgpt["pii_counts"] == {
        "EMAIL": 2, "PHONE": 1, "CREDIT_CARD": 1, "US_SSN": 1, "IBAN": 1, "IP_ADDRESS": 1,
        "AWS_ACCESS_KEY": 1, "API_KEY": 1, "JWT": 1,
    }  # fmt: skip
    assert chatgpt["known"] is True and chatgpt["name"] == "ChatGPT"
    assert chatgpt["risk"] == "HIGH" and chatgpt["marker"] == "!"
    assert chatgpt["users"] == 1

    claude = services["claude.ai"]
    assert claude["visits"] == 1 and claude["events"] == 1 and claude["pii_counts"] == {}
    assert claude["risk"] == "MEDIUM" and claude["known"] is True

    org_entry = services[REFRESHED_DOMAIN]
    assert org_entry["name"] == "Refreshed AI" and org_entry["kind"] == "enterprise"
    assert org_entry["visits"] == 1 and org_entry["known"] is True

    unknown = services[UNKNOWN_HOST]
    assert unknown["known"] is False and unknown["risk"] == "HIGH"
    assert (unknown["visits"], unknown["pastes"]) == (0, 1)
    assert unknown["pii_counts"] == {"EMAIL": 1, "PASSPORT": 1}


def test_service_detail_has_occurrences_browser_and_trend(journey: Journey) -> None:
    with journey.server.api() as api:
        detail = api.get(f"/api/v1/shadow/services/{journey.services['chatgpt.com']['id']}")
        missing = api.get("/api/v1/shadow/services/" + "0" * 32)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["pii_occurrences"] == {
        "EMAIL": 2, "PHONE": 1, "CREDIT_CARD": 1, "US_SSN": 1, "IBAN": 1, "IP_ADDRESS": 1,
        "AWS_ACCESS_KEY": 1, "API_KEY": 1, "JWT": 1,
    }  # fmt: skip
    [browser] = body["browsers"]
    assert browser.startswith("chromium/") and body["browsers"][browser] == 4
    assert sum(p["events"] for p in body["trend"]) == 4
    assert sum(p["pii_events"] for p in body["trend"]) == 3
    assert missing.status_code == 404


def test_every_batch_was_accepted_with_the_org_key(journey: Journey) -> None:
    posts = [r for r in journey.server.raw_requests() if r.path == EVENTS_PATH]
    assert posts, "the extension never posted events"
    received = accepted = 0
    for req in posts:
        assert req.method == "POST" and req.status == 200, (req.status, bytes(req.response))
        assert req.headers.get("x-org-key") == journey.server.org_key
        result = json.loads(bytes(req.response))
        assert result["rejected"] == [] and result["duplicates"] == 0
        received += result["received"]
        accepted += result["accepted"]
    # chatgpt.com: visit, paste, upload, submit; one visit each to claude.ai and the
    # org's own entry; one paste on the unknown AI site; nothing for the notes page.
    assert received == accepted == len(EXPECTED_EVENTS)
    events = journey.server.events()
    assert sorted((e["domain"], e["event_type"]) for e in events) == EXPECTED_EVENTS
    assert len({e["event_id"] for e in events}) == len(events)


# ── what must never reach the server ──────────────────────────────────────


def _table_dump(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        parts = []
        for table in tables:  # names from sqlite_master itself, not input
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                parts.append(f"{table}: {row!r}")
        return "\n".join(parts)
    finally:
        conn.close()


def _assert_absent(haystack: str, where: str, extra: tuple[str, ...] = ()) -> None:
    lowered = haystack.lower()
    for value in (*PLANTED, *extra):
        assert value.lower() not in lowered, f"{value!r} found in {where}"


def test_no_planted_value_is_stored_in_any_table(journey: Journey) -> None:
    dump = _table_dump(journey.server.db_path)
    # The dump is not trivially empty: the events and services are in it.
    assert "chatgpt.com" in dump and UNKNOWN_HOST in dump and "CREDIT_CARD" in dump
    # The org key itself is not stored either (only its hash and prefix).
    _assert_absent(dump, "the database tables", (journey.server.org_key,))


def test_no_planted_value_is_in_the_database_files(journey: Journey) -> None:
    """Also free pages and the write-ahead log: bytes, not only what a SELECT shows."""
    files = [p for p in journey.server.db_path.parent.iterdir() if p.name.startswith("threatvec")]
    blob = b"".join(p.read_bytes() for p in files).decode("latin-1")
    assert "chatgpt.com" in blob
    _assert_absent(blob, "the SQLite files")


def test_no_planted_value_reached_the_server(journey: Journey) -> None:
    requests = journey.server.raw_requests()
    paths = {(r.method, r.path) for r in requests}
    assert ("POST", EVENTS_PATH) in paths and ("GET", CATALOG_PATH) in paths
    assert ("GET", "/healthz") in paths  # the popup's connection check
    for req in requests:
        # The org key is in X-Org-Key by design; everything else is searched whole.
        headers = {k: v for k, v in req.headers.items() if k != "x-org-key"}
        blob = f"{req.path}?{req.query}\n{headers!r}\n{bytes(req.body).decode('utf-8', 'replace')}"
        _assert_absent(blob, f"{req.method} {req.path}")


def test_no_planted_value_or_key_is_logged(journey: Journey) -> None:
    # The access log saw the event posts, so the search below had something to search.
    assert any(EVENTS_PATH in line for line in journey.logs.lines)
    _assert_absent("\n".join(journey.logs.lines), "the log records", (journey.server.org_key,))


# ── CORS for the extension's origin ───────────────────────────────────────


def test_cors_preflight_from_the_extension_origin(journey: Journey) -> None:
    origin = f"chrome-extension://{journey.extension_id}"
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-org-key",
    }
    with httpx.Client(base_url=journey.server.url, timeout=10) as http:
        ok = http.options(EVENTS_PATH, headers={"Origin": origin, **preflight})
        other = http.options(EVENTS_PATH, headers={"Origin": "https://evil.example", **preflight})
        key = {"X-Org-Key": journey.server.org_key}
        simple = http.get(CATALOG_PATH, headers={"Origin": origin, **key})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == origin
    assert "POST" in ok.headers["access-control-allow-methods"]
    allowed = ok.headers["access-control-allow-headers"].lower()
    assert "x-org-key" in allowed and "content-type" in allowed
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    assert simple.status_code == 200
    assert simple.headers["access-control-allow-origin"] == origin


# ── a mistyped key (last: it changes the settings) ────────────────────────


def test_the_popup_says_when_the_server_refuses_the_org_key(journey: Journey) -> None:
    # /healthz answers without a key, so "connected" there said nothing about the key:
    # a mistyped one looked fine until events were refused, with nobody watching.
    expect = pytest.importorskip("playwright.sync_api").expect
    popup = journey.browser.new_page()
    popup.goto(f"chrome-extension://{journey.extension_id}/popup.html")
    expect(popup.locator("#connection")).to_have_text("connected")
    popup.fill("#orgKey", "tvk_mistyped-" + "x" * 20)
    popup.click("button[type=submit]")
    expect(popup.locator("#connection")).to_have_text(
        "the server refused the organisation key", timeout=15_000
    )
    popup.fill("#orgKey", journey.server.org_key)
    popup.click("button[type=submit]")
    expect(popup.locator("#connection")).to_have_text("connected", timeout=15_000)
    popup.close()
