"""Live AI Traffic in a real Chromium: nothing between the page and its stream is lost."""

from __future__ import annotations

from tests.browser.test_dashboard import _login
from tests.conftest import create_org
from threatvec.signals import service
from threatvec.store.engine import session_scope


def _publish(factory, org_id: str, tool: str) -> int:
    with session_scope(factory) as s:
        return service.publish(
            session=s, org_id=org_id, kind="tool.call", data={"tool": tool, "agent": "a"}
        ).id


def test_a_signal_between_page_render_and_stream_connect_is_shown_once(
    page, live_server, session_factory
):
    org = create_org(session_factory)
    _publish(session_factory, org.id, "rendered-by-server")
    _login(page, live_server.url, org.key)

    # The stream request is held until a signal has arrived after the page was
    # rendered: the page must ask the stream for everything after what it shows.
    def hold_stream(route) -> None:
        _publish(session_factory, org.id, "arrived-while-loading")
        route.continue_()

    page.route("**/api/v1/signals/stream*", hold_stream)
    page.goto(f"{live_server.url}/live")
    page.wait_for_selector("#live-status.on")
    page.wait_for_selector("#live-list li:has-text('arrived-while-loading')", timeout=60_000)
    _publish(session_factory, org.id, "after-connect")
    page.wait_for_selector("#live-list li:has-text('after-connect')", timeout=60_000)
    text = page.inner_text("#live-list")
    assert text.count("rendered-by-server") == 1
    assert text.count("arrived-while-loading") == 1
