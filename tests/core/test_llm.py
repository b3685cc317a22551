"""The OpenAI-compatible client against a real local HTTP server: it answers or returns None."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from tests.core.llm_server import FakeLlmServer
from threatvec.core.llm import LlmClient, parse_json_object
from threatvec.core.settings import Settings

KEY = "sk-test-SECRETVALUE1234567890"


def client(server: FakeLlmServer, **kw: object) -> LlmClient:
    opts: dict = {"timeout": 2.0, "backoff": 0.01, **kw}
    return LlmClient(base_url=server.base_url, model="fake-model", api_key=KEY, **opts)


def test_chat_returns_content_and_sends_the_openai_request() -> None:
    with FakeLlmServer(("reply", "hello there")) as srv:
        out = client(srv).chat([{"role": "user", "content": "hi"}], max_tokens=50)
    assert out == "hello there"
    req = srv.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == f"Bearer {KEY}"
    assert req["body"]["model"] == "fake-model"
    assert req["body"]["messages"] == [{"role": "user", "content": "hi"}]
    assert req["body"]["max_tokens"] == 50
    assert "response_format" not in req["body"]


def test_chat_json_asks_for_json_mode_and_parses_fenced_reply() -> None:
    with FakeLlmServer(("reply", '```json\n{"brief": "x", "n": 2}\n```')) as srv:
        out = client(srv).chat_json([{"role": "user", "content": "hi"}])
    assert out == {"brief": "x", "n": 2}
    assert srv.requests[0]["body"]["response_format"] == {"type": "json_object"}


def test_json_mode_rejected_by_server_is_retried_without_it() -> None:
    with FakeLlmServer(("reject_json_mode", '{"a": 1}')) as srv:
        out = client(srv).chat_json([{"role": "user", "content": "hi"}])
    assert out == {"a": 1}
    assert "response_format" in srv.requests[0]["body"]
    assert "response_format" not in srv.requests[-1]["body"]


def test_one_retry_after_a_500() -> None:
    with FakeLlmServer(("status", 500), ("reply", "second time")) as srv:
        out = client(srv).chat([{"role": "user", "content": "hi"}])
    assert out == "second time"
    assert len(srv.requests) == 2


def test_persistent_500_gives_none_after_exactly_one_retry() -> None:
    with FakeLlmServer(("status", 503)) as srv:
        out = client(srv).chat([{"role": "user", "content": "hi"}])
    assert out is None
    assert len(srv.requests) == 2


def test_client_error_is_not_retried() -> None:
    with FakeLlmServer(("status", 401)) as srv:
        out = client(srv).chat([{"role": "user", "content": "hi"}])
    assert out is None
    assert len(srv.requests) == 1


@pytest.mark.parametrize(
    "script",
    [("garbage",), ("huge",), ("reply", "   "), ("redirect", "http://127.0.0.1:9/v1")],
    ids=["garbage", "oversized", "empty", "redirect"],
)
def test_unusable_replies_give_none(script: tuple) -> None:
    with FakeLlmServer(script) as srv:
        assert client(srv).chat([{"role": "user", "content": "hi"}]) is None


def test_timeout_gives_none() -> None:
    with FakeLlmServer(("sleep", 1.0, "late")) as srv:
        out = client(srv, timeout=0.2, retries=1).chat([{"role": "user", "content": "hi"}])
    assert out is None


def test_connection_refused_gives_none() -> None:
    with FakeLlmServer() as srv:
        url = srv.base_url
    # the server is closed now: nothing listens on that port
    c = LlmClient(base_url=url, model="m", api_key=KEY, timeout=0.5, backoff=0.01)
    assert c.chat([{"role": "user", "content": "hi"}]) is None


def test_the_key_never_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeLlmServer(("status", 500)) as srv:
        c = client(srv)
        assert c.chat([{"role": "user", "content": "hi"}]) is None
    assert KEY not in caplog.text
    assert KEY not in repr(c)
    assert "500" in caplog.text  # it did log the failure


def test_from_settings() -> None:
    assert LlmClient.from_settings(Settings(llm_base_url=None, llm_model=None)) is None
    c = LlmClient.from_settings(
        Settings(
            llm_base_url="http://127.0.0.1:11434/v1/",
            llm_model="llama3",
            llm_api_key=SecretStr("k"),
        )
    )
    assert c is not None
    assert c.url == "http://127.0.0.1:11434/v1/chat/completions"
    assert c.model == "llama3"
    assert LlmClient.from_settings(Settings(llm_base_url="ftp://x", llm_model="m")) is None


def test_parse_json_object() -> None:
    assert parse_json_object('{"a": 1}') == {"a": 1}
    assert parse_json_object('Sure! {"a": [1, 2]} Hope that helps') == {"a": [1, 2]}
    assert parse_json_object("[1, 2]") is None
    assert parse_json_object("no json here") is None
