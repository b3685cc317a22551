"""Each notifier against a real local receiver speaking that service's format."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from email import message_from_bytes

import pytest

from tests.alerts.receivers import http_receiver, smtp_sink
from tests.tls import make_certificate
from threatvec.alerts.notifiers import email_digest, pagerduty, slack, webhook
from threatvec.alerts.notifiers.message import DeliveryError, channel_test_message
from threatvec.core.outbound import outbound_client


def test_slack_escapes_mrkdwn_and_reports_failures_without_the_url() -> None:
    msg = channel_test_message()
    body = slack.payload(msg.__class__(**{**msg.__dict__, "title": "a <@U123> & b"}))
    assert body["text"] == "[INFO] a &lt;@U123&gt; &amp; b"
    with http_receiver() as rx, outbound_client(allow_private=True) as client:
        rx.script = [400]
        url = rx.url + "/slack/T/B/s3cr3tpath"
        with pytest.raises(DeliveryError) as info:
            slack.send(client, webhook_url=url, msg=msg)
        assert not info.value.retryable and "s3cr3tpath" not in info.value.message
        assert slack.send(client, webhook_url=url, msg=msg) == 200


def test_pagerduty_event_shape_and_severity_mapping() -> None:
    msg = channel_test_message()
    ev = pagerduty.payload(msg.__class__(**{**msg.__dict__, "severity": "high"}), routing_key="rk")
    assert ev["payload"]["severity"] == "error" and ev["event_action"] == "trigger"
    with http_receiver() as rx, outbound_client(allow_private=True) as client:
        assert pagerduty.send(client, base_url=rx.url + "/", routing_key="rk" * 8, msg=msg) == 202
        assert rx.requests[0].path == "/v2/enqueue"
        rx.script = [429]
        with pytest.raises(DeliveryError) as info:
            pagerduty.send(client, base_url=rx.url, routing_key="rk" * 8, msg=msg)
        assert info.value.retryable and info.value.status_code == 429


def test_webhook_signature_verifies_like_the_docs_say() -> None:
    secret = "a-signing-secret-of-length"
    with http_receiver(webhook_secret=secret) as rx, outbound_client(allow_private=True) as client:
        webhook.send(
            client,
            url=rx.url + "/soar",
            secret=secret,
            msg=channel_test_message(),
            delivery_id="d1",
        )
        req = rx.requests[0]
        ts, sig = req.headers["x-threatvec-timestamp"], req.headers["x-threatvec-signature"]
        expected = hmac.new(
            secret.encode(), ts.encode() + b"." + req.body, hashlib.sha256
        ).hexdigest()
        assert sig == "sha256=" + expected and rx.signature_failures == 0
        assert json.loads(req.body)["alert"]["title"] == "ThreatVec test notification"


def test_email_connection_refused_is_retryable() -> None:
    with smtp_sink() as smtp:
        port = smtp.port
    cfg = {
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "sender": "a@example.com",
        "recipients": ["b@example.com"],
    }
    with pytest.raises(DeliveryError) as info:
        email_digest.send(
            cfg, password=None, msgs=[channel_test_message()], allow_private=True, timeout=2
        )
    assert info.value.retryable
    with pytest.raises(DeliveryError) as blocked:
        email_digest.send(cfg, password=None, msgs=[channel_test_message()], allow_private=False)
    assert not blocked.value.retryable
    with smtp_sink() as smtp:
        cfg["port"] = smtp.port
        assert (
            email_digest.send(cfg, password=None, msgs=[channel_test_message()], allow_private=True)
            == 250
        )
        mail = message_from_bytes(smtp.messages[0]["data"])
        assert mail["Subject"] == "ThreatVec test notification"


def test_email_reply_line_over_smtplibs_limit_is_a_delivery_error() -> None:
    # smtplib reports a reply line over 8192 bytes with a str, not bytes, as the
    # server's text; the notifier used to call .decode on it and crash.
    with smtp_sink() as smtp:
        smtp.greeting = "220 " + "x" * 9000
        cfg = {
            "host": "127.0.0.1",
            "port": smtp.port,
            "starttls": False,
            "sender": "a@example.com",
            "recipients": ["b@example.com"],
        }
        with pytest.raises(DeliveryError) as info:
            email_digest.send(cfg, password=None, msgs=[channel_test_message()], allow_private=True)
    assert info.value.message == "SMTP 500: Line too long."
    assert not info.value.retryable and info.value.status_code == 500
    assert smtp.messages == []


def _tls_cfg(port: int) -> dict:
    return {
        "host": "127.0.0.1",
        "port": port,
        "starttls": True,
        "username": "alerts@example.com",
        "sender": "alerts@example.com",
        "recipients": ["soc@example.com"],
    }


def test_email_starttls_sends_login_and_mail_only_after_a_verified_handshake(
    tmp_path, monkeypatch
) -> None:
    cert = make_certificate(tmp_path / "ca")
    # The notifier trusts the system store; point it at our throwaway CA.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    with smtp_sink(tls=cert) as smtp:
        code = email_digest.send(
            _tls_cfg(smtp.port),
            password="pw-7c1e",
            msgs=[channel_test_message()],
            allow_private=True,
        )
    assert code == 250
    assert smtp.logins == [("alerts@example.com", "pw-7c1e", True)]
    assert [m["tls"] for m in smtp.messages] == [True]
    # Nothing but the greeting and the upgrade happened in clear text.
    assert {verb for verb, secure in smtp.commands if not secure} <= {"EHLO", "STARTTLS"}


def test_email_starttls_refuses_an_untrusted_certificate_before_any_secret(
    tmp_path, monkeypatch
) -> None:
    cert = make_certificate(tmp_path / "ca")
    other = make_certificate(tmp_path / "other", name="someone-else")
    monkeypatch.setenv("SSL_CERT_FILE", str(other[0]))
    with smtp_sink(tls=cert) as smtp, pytest.raises(DeliveryError) as info:
        email_digest.send(
            _tls_cfg(smtp.port),
            password="pw-7c1e",
            msgs=[channel_test_message()],
            allow_private=True,
            timeout=5,
        )
    assert "pw-7c1e" not in str(info.value)
    assert smtp.logins == [] and smtp.messages == []


def test_email_starttls_required_is_not_downgraded_when_the_server_lacks_it() -> None:
    with smtp_sink(auth_in_clear=True) as smtp, pytest.raises(DeliveryError):  # no STARTTLS
        email_digest.send(
            _tls_cfg(smtp.port),
            password="pw-7c1e",
            msgs=[channel_test_message()],
            allow_private=True,
            timeout=5,
        )
    assert smtp.logins == [] and smtp.messages == []
    assert not {verb for verb, _ in smtp.commands} & {"AUTH", "MAIL", "RCPT", "DATA"}


def test_slack_error_echoing_the_webhook_path_does_not_leak_the_secret() -> None:
    # Many servers and proxies answer "Cannot POST /services/T…/B…/<token>": the path is the secret.
    msg = channel_test_message()
    with http_receiver() as rx, outbound_client(allow_private=True) as client:
        url = rx.url + "/slack/T0AB12/B0CD34/xoxbSecretToken12345"
        for body in ("Cannot POST {path}", "no route for slack/T0AB12/B0CD34/xoxbSecretToken12345"):
            rx.script = [(404, {}, body)]
            with pytest.raises(DeliveryError) as info:
                slack.send(client, webhook_url=url, msg=msg)
            assert "xoxbSecretToken12345" not in info.value.message
            assert "/slack/T0AB12/B0CD34" not in info.value.message
            assert info.value.message.startswith("HTTP 404")


@pytest.mark.parametrize("header", ["120", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_429_retry_after_is_read_from_the_reply(header: str) -> None:
    msg = channel_test_message()
    with http_receiver() as rx, outbound_client(allow_private=True) as client:
        rx.script = [(429, {"Retry-After": header}, "slow down")]
        with pytest.raises(DeliveryError) as info:
            pagerduty.send(client, base_url=rx.url, routing_key="rk" * 8, msg=msg)
    assert info.value.retryable and info.value.status_code == 429
    assert info.value.retry_after_s is not None and info.value.retry_after_s >= 120


def test_email_has_date_and_message_id_headers() -> None:
    with smtp_sink() as smtp:
        cfg = {
            "host": "127.0.0.1",
            "port": smtp.port,
            "starttls": False,
            "sender": "alerts@example.com",
            "recipients": ["soc@example.com"],
        }
        email_digest.send(cfg, password=None, msgs=[channel_test_message()], allow_private=True)
        mail = message_from_bytes(smtp.messages[0]["data"])
    # RFC 5322 §3.6: Date is required; Message-ID should be present (spam filters score it).
    assert mail["Date"] and mail["Message-ID"]
    assert mail["Message-ID"].endswith("@example.com>")


def test_follow_ups_have_each_services_shape_and_stay_escaped() -> None:
    from dataclasses import replace

    from threatvec.core.clock import utcnow

    msg = replace(
        channel_test_message(),
        alert_id="a1",
        is_test=False,
        title="a <!channel> & b",
        resolved_at=utcnow(),
        resolved_by="key:<@U1>",
    )
    assert pagerduty.payload(replace(msg, action="resolve"), routing_key="rk") == {
        "routing_key": "rk",
        "event_action": "resolve",
        "dedup_key": "threatvec-a1",
    }
    ack = pagerduty.payload(replace(msg, action="acknowledge"), routing_key="rk")
    assert ack["event_action"] == "acknowledge" and ack["dedup_key"] == "threatvec-a1"
    assert pagerduty.payload(msg, routing_key="rk")["dedup_key"] == "threatvec-a1"
    body = slack.payload(replace(msg, action="resolve"))
    assert body["text"] == "[RESOLVED] a &lt;!channel&gt; &amp; b"
    section = body["blocks"][1]["text"]["text"]
    assert "key:&lt;@U1&gt;" in section and "<@U1>" not in section
    assert webhook.body_of(replace(msg, action="resolve"))["type"] == "alert.resolved"
    assert webhook.body_of(replace(msg, action="acknowledge"))["type"] == "alert.acknowledged"
    assert webhook.body_of(msg)["type"] == "alert.fired"


def test_an_auto_resolve_tells_slack_and_the_webhook_why_escaped() -> None:
    from dataclasses import replace

    from threatvec.core.clock import utcnow

    msg = replace(
        channel_test_message(),
        alert_id="a1",
        is_test=False,
        action="resolve",
        status="resolved",
        resolved_at=utcnow(),
        resolved_by="system",
        resolution="condition cleared: <b>x.example</b> & y is registered",
    )
    section = slack.payload(msg)["blocks"][1]["text"]["text"]
    assert "by system" in section
    assert "Condition cleared: &lt;b&gt;x.example&lt;/b&gt; &amp; y is registered." in section
    alert = webhook.body_of(msg)["alert"]
    assert alert["resolution"] == msg.resolution and alert["resolved_by"] == "system"
    # A person's resolve has no reason to give.
    assert webhook.body_of(replace(msg, resolution=None))["alert"]["resolution"] is None


@pytest.mark.parametrize("header", ["²", "1\u00b9"])
def test_a_retry_after_that_is_not_a_number_is_ignored_not_a_crash(header: str) -> None:
    # str.isdigit() is true for '²' but float('²') raises: the send crashed instead of
    # retrying on the usual backoff.
    msg = channel_test_message()
    with http_receiver() as rx, outbound_client(allow_private=True) as client:
        rx.script = [(503, {"Retry-After": header}, "busy")]
        with pytest.raises(DeliveryError) as info:
            pagerduty.send(client, base_url=rx.url, routing_key="rk" * 8, msg=msg)
    assert info.value.retryable and info.value.status_code == 503
    assert info.value.retry_after_s is None


def test_a_digest_the_server_accepted_is_sent_even_if_it_hangs_up_after() -> None:
    # The 250 after DATA is the server taking the mail. A hang-up after it (on the NOOP or
    # the QUIT) made the delivery 'retrying', and the same digest was mailed again (with a
    # new Message-ID, so no mail client could fold the copies).
    with smtp_sink() as smtp:
        smtp.close_after_data = True
        cfg = {
            "host": "127.0.0.1",
            "port": smtp.port,
            "starttls": False,
            "sender": "alerts@example.com",
            "recipients": ["soc@example.com"],
        }
        code = email_digest.send(
            cfg, password=None, msgs=[channel_test_message()], allow_private=True
        )
    assert code == 250 and len(smtp.messages) == 1


@pytest.mark.parametrize("status", [203, 207, 299])
def test_any_2xx_from_a_webhook_receiver_is_success(status: int) -> None:
    # docs/alerts.md: "Success = any 2xx". A 207 (or 203) failed the delivery for
    # good ('HTTP 207', not retried) though the receiver had taken it.
    secret = "a-signing-secret-of-length"
    with http_receiver(webhook_secret=secret) as rx, outbound_client(allow_private=True) as client:
        rx.script = [status]
        code = webhook.send(
            client, url=rx.url + "/soar", secret=secret, msg=channel_test_message(), delivery_id="d"
        )
    assert code == status


def test_an_ipv6_smtp_host_is_checked_and_reached() -> None:
    # The address check built https://::1:25/ from the host: 'URL has no host' or a port
    # error for an IPv6 SMTP server, which the settings accept ('::1', '2001:db8::25').
    cfg = {"starttls": False, "sender": "alerts@example.com", "recipients": ["soc@example.com"]}
    with smtp_sink(host="::1") as smtp:
        for host in ("::1", "[::1]"):
            code = email_digest.send(
                {**cfg, "host": host, "port": smtp.port},
                password=None,
                msgs=[channel_test_message()],
                allow_private=True,
            )
            assert code == 250
        with pytest.raises(DeliveryError) as info:
            email_digest.send(
                {**cfg, "host": "::1", "port": smtp.port},
                password=None,
                msgs=[channel_test_message()],
                allow_private=False,
            )
    assert len(smtp.messages) == 2
    assert "non-public address ::1" in info.value.message and not info.value.retryable


@pytest.mark.parametrize("tail", ["&", "<", ">"])
def test_a_long_slack_text_is_cut_between_entities_not_inside_one(tail: str) -> None:
    # The text is escaped, then cut to Slack's section limit: a cut inside '&amp;' or
    # '&lt;' left '&am' / '&l' shown literally at the end of the message.
    from dataclasses import replace

    for pad in range(2895, 2900):
        msg = replace(channel_test_message(), is_test=False, summary="x" * pad + tail + "yy")
        text = slack.payload(msg)["blocks"][1]["text"]["text"]
        body = text.split(" ", 1)[1]
        assert re.search(r"&[a-z]*$", body) is None, (pad, body[-8:])
        assert len(text) <= 3000
