"""The anthropic integration against a local server speaking the Messages API (JSON and SSE)."""

from __future__ import annotations

import asyncio

import anthropic
import pytest


@pytest.fixture
def tv(make_client):
    client = make_client(integrations=["anthropic"]).start()
    assert client.integrations == ["anthropic"]
    return client


def claude(provider):
    return anthropic.Anthropic(base_url=provider.url, api_key="k", max_retries=0)


def test_message_recorded(tv, capture, provider):
    message = claude(provider).messages.create(
        model="claude-test",
        max_tokens=50,
        system="be nice",
        messages=[{"role": "user", "content": "hello"}],
    )
    assert message.content[0].text == "Hello"
    assert tv.flush(3.0)
    (event,) = capture.events("llm.call")
    attrs = event["attributes"]
    assert attrs["provider"] == "anthropic" and attrs["model"] == "claude-test"
    assert (attrs["input_tokens"], attrs["output_tokens"]) == (9, 3)
    assert attrs["tools_requested"] == ["get_weather"]
    assert attrs["operation"] == "messages" and attrs["outcome"] == "ok"


def test_stream_recorded_at_end(tv, capture, provider):
    stream = claude(provider).messages.create(
        model="claude-s", max_tokens=50, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    kinds = [event.type for event in stream]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert tv.flush(3.0)
    attrs = capture.events("llm.call")[0]["attributes"]
    assert attrs["streaming"] is True
    assert (attrs["input_tokens"], attrs["output_tokens"]) == (9, 4)


def test_async_stream(tv, capture, provider):
    async def main() -> list[str]:
        client = anthropic.AsyncAnthropic(base_url=provider.url, api_key="k", max_retries=0)
        stream = await client.messages.create(
            model="claude-a",
            max_tokens=5,
            messages=[{"role": "user", "content": "x"}],
            stream=True,
        )
        kinds = [event.type async for event in stream]
        await client.close()
        return kinds

    assert asyncio.run(main())[-1] == "message_stop"
    assert tv.flush(3.0)
    assert capture.events("llm.call")[0]["attributes"]["output_tokens"] == 4


def test_host_error_reraised_unchanged(tv, capture, provider):
    provider.fail_with = 500
    with pytest.raises(anthropic.InternalServerError):
        claude(provider).messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    assert tv.flush(3.0)
    assert capture.events("llm.call")[0]["attributes"]["outcome"] == "error"
