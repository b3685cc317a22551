"""THREATVEC_PUBLIC_URL: what is accepted, what is refused (and how it is named), what warns."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from threatvec.core.public_url import is_plain_http_off_loopback, validate
from threatvec.core.settings import Settings


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("https://tv.example.com", "https://tv.example.com"),
        ("https://tv.example.com/", "https://tv.example.com"),
        (" https://tv.example.com:8443/threatvec/ ", "https://tv.example.com:8443/threatvec"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_a_good_url_is_kept_without_its_trailing_slash(raw: str, kept: str) -> None:
    assert validate(raw) == kept
    assert Settings(public_url=raw).public_url == kept


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("tv.example.com", "absolute http(s) URL"),
        ("/threatvec", "absolute http(s) URL"),
        ("ftp://tv.example.com", "absolute http(s) URL"),
        ("https://", "absolute http(s) URL"),
        ("https://tv.example.com/?x=1", "query"),
        ("https://tv.example.com/#top", "fragment"),
        ("https://tv.example.com:99999", "not a valid URL"),
        ("https://admin:hunter2@tv.example.com", "user name or password"),
    ],
)
def test_a_bad_url_is_refused_naming_the_setting(raw: str, reason: str) -> None:
    with pytest.raises(ValidationError) as err:
        Settings(public_url=raw)
    text = str(err.value)
    assert "THREATVEC_PUBLIC_URL" in text and reason in text


def test_the_environment_variable_is_read_and_blank_means_unset(monkeypatch) -> None:
    monkeypatch.setenv("THREATVEC_PUBLIC_URL", "https://tv.example.com/")
    assert Settings().public_url == "https://tv.example.com"
    monkeypatch.setenv("THREATVEC_PUBLIC_URL", "  ")
    assert Settings().public_url is None


@pytest.mark.parametrize(
    ("url", "warn"),
    [
        ("http://tv.example.com", True),
        ("http://10.0.0.5:8000", True),
        ("https://tv.example.com", False),
        ("http://127.0.0.1:8000", False),
        ("http://localhost:8000", False),
        ("http://[::1]:8000", False),
    ],
)
def test_plain_http_warns_only_off_loopback(url: str, warn: bool) -> None:
    assert is_plain_http_off_loopback(url) is warn
