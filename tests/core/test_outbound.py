import pytest

from threatvec.core.outbound import OutboundBlocked, check_url, outbound_client, url_problem


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_private_targets_refused(url: str) -> None:
    with pytest.raises(OutboundBlocked, match="non-public"):
        check_url(url)


@pytest.mark.parametrize(
    "url,why",
    [
        ("ftp://example.com/", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("http://user:pw@example.com/", "credentials"),
        ("http:///nohost", "no host"),
    ],
)
def test_malformed_targets_refused(url: str, why: str) -> None:
    with pytest.raises(OutboundBlocked, match=why):
        check_url(url)


def test_allowances() -> None:
    assert check_url("http://127.0.0.1:9/x", allow_private=True)
    assert check_url("http://localhost:9/x", allowed_hosts=["localhost"])


def test_client_guards_every_request() -> None:
    with outbound_client() as client, pytest.raises(OutboundBlocked):
        client.get("http://127.0.0.1:9/")


@pytest.mark.parametrize(
    "url,why",
    [
        ("http://example.com:99999/x", "port"),
        ("http://a..b/x", "host"),
        ("http://0177.0.0.1/x", "host"),
    ],
)
def test_unusable_urls_refused_with_the_reason_not_a_crash(url: str, why: str) -> None:
    # Each passed urlsplit, then crashed the request (ValueError, UnicodeError, InvalidURL).
    with pytest.raises(OutboundBlocked, match=why):
        check_url(url)
    assert why in (url_problem(url) or "")
    assert url_problem("https://hooks.slack.com/services/T/B/x") is None
