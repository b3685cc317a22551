"""The openai integration against a local server speaking the OpenAI API (JSON and SSE)."""

from __future__ import annotations

import asyncio

import openai
import pytest


@pytest.fixture
def tv(make_client):
    client = make_client(integrations=["openai"]).start()
    assert "openai" in client.integrations
    return client


def oai(provider):
    return openai.OpenAI(base_url=provider.url + "/v1", api_key="sk-test", max_retries=0)


def llm_events(capture):
    return capture.events("llm.call")


def test_chat_completion_recorded(tv, capture, provider):
    reply = oai(provider).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi, I am carol@example.com"}]
    )
    assert reply.choices[0].message.content == "Reach me at bob@example.org"
    assert tv.flush(3.0)
    (event,) = llm_events(capture)
    attrs = event["attributes"]
    assert attrs["provider"] == "openai" and attrs["model"] == "gpt-test"
    assert attrs["input_tokens"] == 11 and attrs["output_tokens"] == 7
    assert attrs["outcome"] == "ok" and attrs["source"] == "openai"
    assert attrs["operation"] == "chat" and attrs["streaming"] is False
    assert attrs["tools_requested"] == ["lookup"]
    assert attrs["latency_ms"] > 0
    assert "carol@example.com" not in str(capture.requests)


def test_chat_stream_recorded_when_stream_ends(tv, capture, provider):
    stream = oai(provider).chat.completions.create(
        model="gpt-stream",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    assert tv.flush(1.0) and llm_events(capture) == []  # nothing until the stream ends
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Hello there"
    assert tv.flush(3.0)
    (event,) = llm_events(capture)
    attrs = event["attributes"]
    assert attrs["streaming"] is True and attrs["outcome"] == "ok"
    assert attrs["input_tokens"] == 5 and attrs["output_tokens"] == 3


def test_chat_stream_closed_early_is_cancelled(tv, capture, provider):
    with oai(provider).chat.completions.create(
        model="gpt-stream", messages=[{"role": "user", "content": "hi"}], stream=True
    ) as stream:
        next(iter(stream))
    assert tv.flush(3.0)
    assert llm_events(capture)[0]["attributes"]["outcome"] == "cancelled"


def test_responses_plain_and_streaming(tv, capture, provider):
    client = oai(provider)
    response = client.responses.create(model="gpt-r", input="question", instructions="be brief")
    assert response.output_text == "Plain answer"
    events = list(client.responses.create(model="gpt-r", input="q", stream=True))
    assert events[-1].type == "response.completed"
    assert tv.flush(3.0)
    plain, streamed = llm_events(capture)
    assert plain["attributes"]["operation"] == "responses"
    assert plain["attributes"]["input_tokens"] == 4 and plain["attributes"]["output_tokens"] == 2
    assert streamed["attributes"]["streaming"] is True
    assert streamed["attributes"]["output_tokens"] == 2


def test_async_chat_and_stream(tv, capture, provider):
    async def main() -> str:
        client = openai.AsyncOpenAI(base_url=provider.url + "/v1", api_key="k", max_retries=0)
        await client.chat.completions.create(
            model="gpt-a", messages=[{"role": "user", "content": "x"}]
        )
        stream = await client.chat.completions.create(
            model="gpt-a",
            messages=[{"role": "user", "content": "x"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        parts = [c.choices[0].delta.content async for c in stream if c.choices]
        await client.close()
        return "".join(p or "" for p in parts)

    assert asyncio.run(main()) == "Hello there"
    assert tv.flush(3.0)
    plain, streamed = llm_events(capture)
    assert plain["attributes"]["input_tokens"] == 11
    assert streamed["attributes"]["streaming"] is True
    assert streamed["attributes"]["output_tokens"] == 3


def test_host_error_is_reraised_unchanged_and_recorded(tv, capture, provider):
    provider.fail_with = 400
    with pytest.raises(openai.BadRequestError) as info:
        oai(provider).chat.completions.create(model="m", messages=[])
    assert info.value.status_code == 400
    assert tv.flush(3.0)
    attrs = llm_events(capture)[0]["attributes"]
    assert attrs["outcome"] == "error" and attrs["error_type"] == "BadRequestError"


def test_turned_off_integration_records_nothing(make_client, capture, provider):
    tv = make_client(integrations={"openai": False}).start()
    assert "openai" not in tv.integrations
    oai(provider).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert tv.flush(3.0)
    assert llm_events(capture) == []


def test_patch_is_idempotent(make_client):
    from openai.resources.chat.completions import Completions

    from threatvec.sdk.integrations import openai as integration

    before = Completions.create
    integration.install()
    integration.install()
    assert Completions.create is before
    assert Completions.create._threatvec_patched
    assert not hasattr(Completions.create.__wrapped__, "_threatvec_patched")  # wrapped once
