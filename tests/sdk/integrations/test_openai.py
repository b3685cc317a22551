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


# ---- .stream() / .parse() helpers ---------------------------------------------------------


def chat_stream(client, model="gpt-h"):
    return client.chat.completions.stream(
        model=model,
        messages=[{"role": "user", "content": "hi"}],
        stream_options={"include_usage": True},
    )


def test_chat_stream_helper_recorded_once(make_client, capture, provider):
    tv = make_client(integrations=["openai"], capture_content=True).start()
    with chat_stream(oai(provider)) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        final = stream.get_final_completion()
    assert "".join(deltas) == "Hello there" and final.usage.completion_tokens == 3
    assert tv.flush(3.0)
    (event,) = llm_events(capture)  # .stream() calls create: still one event
    attrs = event["attributes"]
    assert attrs["provider"] == "openai" and attrs["model"] == "gpt-h"
    assert attrs["outcome"] == "ok" and attrs["streaming"] is True
    assert (attrs["input_tokens"], attrs["output_tokens"]) == (5, 3)
    assert attrs["content"]["output"] == "Hello there"


def test_chat_stream_helper_early_exit_is_cancelled(tv, capture, provider):
    with chat_stream(oai(provider)) as stream:
        next(iter(stream))
    assert tv.flush(3.0)
    (event,) = llm_events(capture)
    assert event["attributes"]["outcome"] == "cancelled"


def test_chat_stream_helper_server_error_reraised(tv, capture, provider):
    provider.fail_with = 500
    with pytest.raises(openai.InternalServerError) as info, chat_stream(oai(provider)):
        pass
    assert info.value.status_code == 500
    assert tv.flush(3.0)
    (event,) = llm_events(capture)
    attrs = event["attributes"]
    assert attrs["outcome"] == "error" and attrs["error_type"] == "InternalServerError"


def test_responses_stream_helper(tv, capture, provider):
    client = oai(provider)
    with client.responses.stream(model="gpt-rs", input="q") as stream:
        final = stream.get_final_response()
    with client.responses.stream(model="gpt-rs-early", input="q") as stream:
        next(iter(stream))
    assert final.output_text == "Hi you"
    assert tv.flush(3.0)
    done, early = llm_events(capture)
    assert done["attributes"]["operation"] == "responses"
    assert done["attributes"]["outcome"] == "ok" and done["attributes"]["output_tokens"] == 2
    assert early["attributes"]["model"] == "gpt-rs-early"
    assert early["attributes"]["outcome"] == "cancelled"


def test_async_stream_helpers(tv, capture, provider):
    async def main() -> str:
        client = openai.AsyncOpenAI(base_url=provider.url + "/v1", api_key="k", max_retries=0)
        async with chat_stream(client, "gpt-as") as stream:
            text = "".join([e.delta async for e in stream if e.type == "content.delta"])
        async with chat_stream(client, "gpt-as-early") as stream:
            await stream.__anext__()
        async with client.responses.stream(model="gpt-ars", input="q") as stream:
            await stream.until_done()
        provider.fail_with = 500
        try:
            async with chat_stream(client, "gpt-as-fail"):
                pass
        except openai.InternalServerError:
            text += "|raised"
        await client.close()
        return text

    assert asyncio.run(main()) == "Hello there|raised"
    assert tv.flush(3.0)
    outcomes = [(e["attributes"]["model"], e["attributes"]["outcome"]) for e in llm_events(capture)]
    assert outcomes == [
        ("gpt-as", "ok"),
        ("gpt-as-early", "cancelled"),
        ("gpt-ars", "ok"),
        ("gpt-as-fail", "error"),
    ]


def test_parse_helpers_recorded(tv, capture, provider):
    client = oai(provider)
    parsed = client.chat.completions.parse(
        model="gpt-p", messages=[{"role": "user", "content": "x"}]
    )
    assert parsed.choices[0].message.content == "Reach me at bob@example.org"
    client.beta.chat.completions.parse(
        model="gpt-beta", messages=[{"role": "user", "content": "x"}]
    )
    response = client.responses.parse(model="gpt-rp", input="q")
    assert response.output_text == "Plain answer"
    assert tv.flush(3.0)
    chat, beta, responses = llm_events(capture)
    assert chat["attributes"]["model"] == "gpt-p" and chat["attributes"]["input_tokens"] == 11
    assert chat["attributes"]["tools_requested"] == ["lookup"]
    assert beta["attributes"]["model"] == "gpt-beta"
    assert responses["attributes"]["operation"] == "responses"
    assert responses["attributes"]["output_tokens"] == 2


def test_async_parse_error_reraised(tv, capture, provider):
    provider.fail_with = 400

    async def main() -> None:
        client = openai.AsyncOpenAI(base_url=provider.url + "/v1", api_key="k", max_retries=0)
        try:
            await client.chat.completions.parse(model="m", messages=[])
        finally:
            await client.close()

    with pytest.raises(openai.BadRequestError):
        asyncio.run(main())
    assert tv.flush(3.0)
    assert llm_events(capture)[0]["attributes"]["outcome"] == "error"
