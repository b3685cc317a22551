"""The request session commits before the reply leaves the server."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import LiveServer, create_org


@pytest.mark.db
def test_a_write_is_committed_before_its_reply_is_sent(
    live_server: LiveServer, session_factory: sessionmaker[Session]
) -> None:
    # A slow commit makes the order visible: with the commit after the reply
    # (FastAPI's default for dependencies with yield) a client could create an
    # asset, get 201, use it at once and be told it does not exist.
    org = create_org(session_factory)
    server_factory = live_server.server.config.app.state.session_factory
    committed: list[float] = []

    def slow_commit(session: Session) -> None:
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.3)

    def after_commit(session: Session) -> None:
        if threading.current_thread() is not threading.main_thread():
            committed.append(time.monotonic())

    event.listen(server_factory, "before_commit", slow_commit)
    event.listen(server_factory, "after_commit", after_commit)
    try:
        with httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30) as http:
            r = http.post("/api/v1/assets", json={"kind": "agent", "name": "order-bot"})
            replied = time.monotonic()
            assert r.status_code == 201, r.text
            assert committed and committed[0] <= replied
            assert http.get(f"/api/v1/assets/{r.json()['id']}").status_code == 200
    finally:
        event.remove(server_factory, "before_commit", slow_commit)
        event.remove(server_factory, "after_commit", after_commit)
