"""The LangChain integration with real langchain-core runs (fake chat model, real tool)."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.tools import tool


@tool
def lookup_customer(customer_id: str) -> str:
    """Look a customer up by id."""
    return f"customer {customer_id}: dave@example.net"


@tool
def broken_tool(x: str) -> str:
    """Always fails."""
    raise ValueError("tool failed")


def test_auto_attached_handler_records_llm_and_tools(make_client, capture):
    tv = make_client(integrations=["langchain"]).start()
    assert tv.integrations == ["langchain"]
    model = FakeListChatModel(responses=["first answer"])
    assert model.invoke("hello there").content == "first answer"
    assert lookup_customer.invoke({"customer_id": "42"}).startswith("customer 42")
    try:
        broken_tool.invoke({"x": "1"})
    except ValueError as exc:
        assert str(exc) == "tool failed"  # the host's own exception, unchanged
    assert tv.flush(3.0)
    (llm,) = capture.events("llm.call")
    assert llm["attributes"]["source"] == "langchain"
    assert llm["attributes"]["outcome"] == "ok"
    tools = capture.events("tool.call")
    assert [t["attributes"]["tool_name"] for t in tools] == ["lookup_customer", "broken_tool"]
    assert [t["attributes"]["outcome"] for t in tools] == ["ok", "error"]
    assert tools[1]["attributes"]["error_type"] == "ValueError"
    assert "dave@example.net" not in str(capture.requests)


def test_explicit_handler_is_the_attached_one_no_double_records(make_client, capture):
    tv = make_client(integrations=["langchain"]).start()
    handler = tv.langchain_handler()
    assert handler is tv.langchain_handler()
    FakeListChatModel(responses=["x"]).invoke("hi", config={"callbacks": [handler]})
    assert tv.flush(3.0)
    assert len(capture.events("llm.call")) == 1


def test_handler_without_the_integration(make_client, capture):
    tv = make_client(integrations=False).start()
    FakeListChatModel(responses=["x"]).invoke("not recorded")
    handler = tv.langchain_handler()
    FakeListChatModel(responses=["y"]).invoke("recorded", config={"callbacks": [handler]})
    assert tv.flush(3.0)
    assert len(capture.events("llm.call")) == 1
