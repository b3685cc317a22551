"""Email digest over SMTP (stdlib smtplib): one mail listing every alert of the period."""

from __future__ import annotations

import html
import ipaddress
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from threatvec.alerts.notifiers.message import AlertMessage, DeliveryError, redact
from threatvec.core.outbound import OutboundBlocked, check_url

__all__ = ["ACCEPTED", "build", "message_id", "send"]

# The reply code recorded for a digest the server took (250 after DATA).
ACCEPTED = 250


def _state(msg: AlertMessage) -> str:
    return "" if msg.status == "open" or msg.is_test else f" [{msg.status.upper()}]"


def message_id(config: dict[str, Any], key: str | None) -> str:
    """The Message-ID: fixed by ``key`` (the digest's deliveries), so a re-send is one mail.

    Email has no delivery id header; when the server's reply to a digest is lost, the
    retry mails it again, and only an unchanged Message-ID lets servers and clients
    drop the copy. Without a key (a channel test) it is random, as each test is new.
    """
    domain = str(config["sender"]).rpartition("@")[2] or None
    if key is None:
        return make_msgid("threatvec", domain=domain)
    return f"<threatvec.{key}@{domain or 'threatvec.local'}>"


def build(
    config: dict[str, Any], msgs: Sequence[AlertMessage], *, key: str | None = None
) -> EmailMessage:
    mail = EmailMessage()
    n = len(msgs)
    test = n == 1 and msgs[0].is_test
    mail["Subject"] = (
        "ThreatVec test notification" if test else f"ThreatVec: {n} alert{'s' if n != 1 else ''}"
    )
    mail["From"] = config["sender"]
    mail["To"] = ", ".join(config["recipients"])
    # RFC 5322 §3.6: Date is required; smtplib adds neither it nor a Message-ID.
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = message_id(config, key)
    # A digest goes out up to a period after its alerts fired: say which are closed by now.
    lines = [
        f"[{m.severity.upper()}]{_state(m)} {m.title}\n  {m.summary}\n  rule: {m.rule_name}, "
        f"{m.occurrences} occurrence(s), {m.fired_at:%Y-%m-%d %H:%M} UTC"
        for m in msgs
    ]
    mail.set_content("\n\n".join(lines) + "\n")
    # Every value is escaped: titles and summaries carry names of services and agents.
    rows = "".join(
        f"<tr><td>{html.escape(m.severity.upper())}</td><td><strong>{html.escape(m.title)}"
        f"</strong><br>{html.escape(m.summary)}</td><td>{html.escape(m.rule_name)}</td>"
        f"<td>{m.occurrences}</td><td>{m.fired_at:%Y-%m-%d %H:%M}</td>"
        f"<td>{html.escape(m.status)}</td></tr>"
        for m in msgs
    )
    mail.add_alternative(
        '<!doctype html><html><body><h2>ThreatVec alerts</h2><table border="1" '
        'cellpadding="4"><tr><th>Severity</th><th>Alert</th><th>Rule</th><th>Count</th>'
        f"<th>UTC</th><th>Status</th></tr>{rows}</table></body></html>",
        subtype="html",
    )
    return mail


def _bare(host: str) -> str:
    """The host as smtplib connects to it: an IPv6 address without its brackets."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def _url_host(host: str) -> str:
    # In a URL an IPv6 address needs brackets, or "::1" reads as host ":" and port.
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return host
    return f"[{host}]"


def send(
    config: dict[str, Any],
    *,
    password: str | None,
    msgs: Sequence[AlertMessage],
    allow_private: bool,
    timeout: float = 15.0,
    key: str | None = None,
) -> int:
    """Send one digest; return the server's reply code, or raise DeliveryError."""
    host, port = _bare(str(config["host"])), int(config["port"])
    secrets = [password] if password else []
    try:
        # The same address check as HTTP notifiers (the scheme only selects the check).
        check_url(f"https://{_url_host(host)}:{port}/", allow_private=allow_private)
    except OutboundBlocked as exc:
        raise DeliveryError(f"destination refused: {exc}", retryable=False) from None
    mail = build(config, msgs, key=key)
    accepted = False
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if config.get("starttls", True):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.get("username"):
                smtp.login(str(config["username"]), password or "")
            smtp.send_message(mail)
            accepted = True
            code, _ = smtp.noop()
            return int(code) if 200 <= code < 300 else ACCEPTED
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        if accepted:
            # The server answered 250 to the message: it has it. A hang-up or an odd reply
            # to the NOOP or QUIT after that must not make the digest go out a second time.
            return ACCEPTED
        raise _failure(exc, secrets) from None


def _failure(exc: Exception, secrets: list[str]) -> DeliveryError:
    """The delivery error for an SMTP session that did not hand the mail over."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError(f"SMTP login refused ({exc.smtp_code})", retryable=False,
                             status_code=exc.smtp_code)  # fmt: skip
    if isinstance(exc, smtplib.SMTPResponseException):
        # 4xx replies are temporary by definition (RFC 5321 §4.2.1); 5xx are permanent.
        # The server's text is bytes, but smtplib's own "Line too long." (a reply
        # line over 8 KiB) is a str.
        raw = exc.smtp_error
        said = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        text = redact(said[:200], secrets)
        return DeliveryError(f"SMTP {exc.smtp_code}: {text}", retryable=400 <= exc.smtp_code < 500,
                             status_code=exc.smtp_code)  # fmt: skip
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return DeliveryError("SMTP refused every recipient", retryable=False)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # A user name is configured but the server offers no AUTH (often: it
        # offers it only after STARTTLS, which is off). Retrying cannot help.
        return DeliveryError(
            "the SMTP server offers no login (AUTH); remove the user name, or turn on "
            "starttls if it offers AUTH only over TLS",
            retryable=False,
        )
    return DeliveryError(f"SMTP connection failed: {type(exc).__name__}", retryable=True)
