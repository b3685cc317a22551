"""Configuration values a header or a URL cannot carry: handled at start, never leaked."""

from __future__ import annotations

import logging

from tests.sdk.conftest import FAST

KEY = "tvk_hTxZsi-FpAeMNiNgYZSFarAJhzy0n1cQkHruQQJlZT8"


def test_an_org_key_read_from_a_file_with_its_newline_works(make_client, capture) -> None:
    # org_key=open("/run/secrets/threatvec").read(): the argument kept its "\n", every
    # request failed inside http.client, and the traceback logged showed the key.
    tv = make_client(org_key=KEY + "\n")
    tv.start()
    tv.record_tool_call("x", outcome="ok")
    assert tv.flush(30)
    assert capture.requests[-1]["headers"]["x-org-key"] == KEY
    assert tv.stats()["dropped_total"] == 0


def test_an_org_key_no_header_can_carry_makes_the_sdk_inert_without_showing_it(
    caplog, capture
) -> None:
    from threatvec import ThreatVec

    caplog.set_level(logging.DEBUG, logger="threatvec")
    for bad in ("ключ-" + KEY, KEY[:10] + "\n" + KEY[10:]):
        tv = ThreatVec(server_url=capture.url, agent_name="a", org_key=bad, **FAST)
        tv.start()
        tv.record_tool_call("x", outcome="ok")
        assert tv.stats()["enabled"] is False
        tv.stop()
    assert "org_key" in caplog.text
    assert KEY[10:] not in caplog.text and KEY[:10] not in caplog.text
    assert capture.requests == []


def test_a_server_url_with_a_space_makes_the_sdk_inert_with_a_warning(caplog, capture) -> None:
    from threatvec import ThreatVec

    caplog.set_level(logging.WARNING, logger="threatvec")
    tv = ThreatVec(server_url=capture.url + "/my path", agent_name="a", **FAST)
    tv.start()
    assert tv.stats()["enabled"] is False
    assert "server_url" in caplog.text
    tv.stop()


def test_a_redirect_says_where_to_point_the_sdk(make_client, capture, caplog) -> None:
    # THREATVEC_URL=http://... behind a proxy that redirects to https: every batch was
    # lost with 'the server refused a batch (HTTP 301)', which reads like a server fault.
    caplog.set_level(logging.WARNING, logger="threatvec")
    target = "https://threatvec.example.com/api/v1/ingest"
    capture.script.append(("status", 301, {"Location": target}))
    tv = make_client()
    tv.start()
    tv.record_tool_call("x", outcome="ok")
    assert tv.flush(30)
    warnings = [r.getMessage() for r in caplog.records if r.name == "threatvec"]
    assert any("redirect" in w and "https://threatvec.example.com" in w for w in warnings)
    assert any("server_url" in w or "THREATVEC_URL" in w for w in warnings)
