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
    # Often the first event with text in this process: the worker imports the local
    # detectors first (2-3 s of CPU on this machine), so 3 s failed on a busy machine.
    assert tv.flush(15.0)
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


# ---- messages.stream() helper -------------------------------------------------------------


def test_stream_helper_text_and_final_message(make_client, capture, provider):
    tv = make_client(integrations=["anthropic"], capture_content=True).start()
    with claude(provider).messages.stream(
        model="claude-h", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Hello" and final.usage.output_tokens == 4
    assert tv.flush(3.0)
    (event,) = capture.events("llm.call")  # the helper does not go through create: one event
    attrs = event["attributes"]
    assert attrs["provider"] == "anthropic" and attrs["model"] == "claude-h"
    assert (attrs["input_tokens"], attrs["output_tokens"]) == (9, 4)
    assert attrs["outcome"] == "ok" and attrs["streaming"] is True
    assert attrs["operation"] == "messages" and attrs["latency_ms"] > 0
    assert attrs["content"] == {"input": "hi", "output": "Hello"}


def test_stream_helper_nothing_recorded_before_exit_then_cancelled(tv, capture, provider):
    with claude(provider).messages.stream(
        model="claude-h", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        first = next(iter(stream))
        assert tv.flush(1.0) and capture.events("llm.call") == []
    assert first.type == "message_start"
    assert tv.flush(3.0)
    (event,) = capture.events("llm.call")
    assert event["attributes"]["outcome"] == "cancelled"
    assert event["attributes"]["input_tokens"] == 9


def test_stream_helper_server_error_reraised(tv, capture, provider):
    provider.fail_with = 500
    with (
        pytest.raises(anthropic.InternalServerError) as info,
        claude(provider).messages.stream(
            model="claude-h", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
        ),
    ):
        pass
    assert info.value.status_code == 500
    assert tv.flush(3.0)
    (event,) = capture.events("llm.call")
    attrs = event["attributes"]
    assert attrs["outcome"] == "error" and attrs["error_type"] == "InternalServerError"
    assert attrs["streaming"] is True


def test_stream_helper_host_exception_passes_through(tv, capture, provider):
    class HostError(Exception):
        pass

    with (
        pytest.raises(HostError),
        claude(provider).messages.stream(
            model="claude-h", max_tokens=20, messages=[{"role": "user", "content": "hi"}]
        ) as stream,
    ):
        next(iter(stream))
        raise HostError("mine")
    assert tv.flush(3.0)
    assert capture.events("llm.call")[0]["attributes"]["outcome"] == "cancelled"


def test_async_stream_helper(tv, capture, provider):
    async def main() -> tuple[str, int]:
        client = anthropic.AsyncAnthropic(base_url=provider.url, api_key="k", max_retries=0)
        async with client.messages.stream(
            model="claude-as", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        ) as stream:
            text = "".join([part async for part in stream.text_stream])
            final = await stream.get_final_message()
        async with client.messages.stream(
            model="claude-early", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        ) as stream:
            await stream.__anext__()
        await client.close()
        return text, final.usage.output_tokens

    assert asyncio.run(main()) == ("Hello", 4)
    assert tv.flush(3.0)
    done, early = capture.events("llm.call")
    assert done["attributes"]["model"] == "claude-as" and done["attributes"]["outcome"] == "ok"
    assert done["attributes"]["output_tokens"] == 4 and done["attributes"]["streaming"] is True
    assert early["attributes"]["model"] == "claude-early"
    assert early["attributes"]["outcome"] == "cancelled"


def test_async_stream_helper_server_error(tv, capture, provider):
    provider.fail_with = 500

    async def main() -> None:
        client = anthropic.AsyncAnthropic(base_url=provider.url, api_key="k", max_retries=0)
        try:
            async with client.messages.stream(
                model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]
            ):
                pass
        finally:
            await client.close()

    with pytest.raises(anthropic.InternalServerError):
        asyncio.run(main())
    assert tv.flush(3.0)
    assert capture.events("llm.call")[0]["attributes"]["outcome"] == "error"


def test_stream_helper_patch_is_idempotent(tv):
    from anthropic.resources.messages import AsyncMessages, Messages

    from threatvec.sdk.integrations import anthropic as integration

    before = (Messages.stream, AsyncMessages.stream)
    integration.install()
    assert (Messages.stream, AsyncMessages.stream) == before
    assert Messages.stream._threatvec_patched
    assert not hasattr(Messages.stream.__wrapped__, "_threatvec_patched")
