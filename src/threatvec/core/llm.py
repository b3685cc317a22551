"""A small client for any OpenAI-compatible chat-completions endpoint.

Hosted APIs, vLLM, Ollama (``http://localhost:11434/v1``) and LiteLLM all
speak ``POST {base_url}/chat/completions``. Configured with
``THREATVEC_LLM_BASE_URL`` / ``_API_KEY`` / ``_MODEL`` (see `Settings`).

Every AI feature has a deterministic fallback, so this client never raises:
on a timeout, a connection error, a non-2xx reply, an oversized or malformed
body it returns None and the caller words things itself. It retries once on
errors that can succeed a second time (connection, timeout, 429, 5xx). The
key goes in the Authorization header only; nothing logged here carries it or
the prompt.

The base URL is set by the operator, not by users, and a local model server
is a normal deployment, so the SSRF guard in `core.outbound` does not apply;
redirects are not followed, so the key is never sent to another host.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from threatvec.core.settings import Settings, get_settings

__all__ = ["LlmClient", "parse_json_object"]

log = logging.getLogger("threatvec.llm")

MAX_RESPONSE_BYTES = 1_000_000
_RETRY_STATUS = {429, 500, 502, 503, 504}
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in a model's reply (tolerating a code fence or text around it), or None."""
    m = _FENCE.match(text)
    candidate = m.group(1) if m else text.strip()
    for attempt in (candidate, candidate[candidate.find("{") : candidate.rfind("}") + 1]):
        if not attempt:
            continue
        try:
            obj = json.loads(attempt)
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


class LlmClient:
    """Chat completions against one model; every method returns None on failure."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 20.0,
        retries: int = 1,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("LLM base URL must be http(s)")
        if not model:
            raise ValueError("LLM model must be set")
        url = base_url.rstrip("/")
        self.url = url if url.endswith("/chat/completions") else url + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._transport = transport

    def __repr__(self) -> str:  # never show the key
        return f"LlmClient(url={self.url!r}, model={self.model!r})"

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> LlmClient | None:
        """A client from THREATVEC_LLM_*; None when no model is configured."""
        s = settings or get_settings()
        if not s.llm_configured:
            return None
        key = s.llm_api_key.get_secret_value() if s.llm_api_key is not None else None
        try:
            return cls(base_url=str(s.llm_base_url), model=str(s.llm_model), api_key=key)
        except ValueError as exc:
            log.warning("LLM disabled: %s", exc)
            return None

    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            h["Authorization"] = f"Bearer {self._api_key}"
        return h

    def _post(self, client: httpx.Client, body: Mapping[str, Any]) -> tuple[int, bytes] | None:
        """One request: (status, body) or None on a transport error; body capped in size."""
        try:
            with client.stream("POST", self.url, json=body, headers=self._headers()) as resp:
                buf = bytearray()
                for chunk in resp.iter_bytes():
                    buf += chunk
                    if len(buf) > MAX_RESPONSE_BYTES:
                        log.warning("LLM reply larger than %d bytes, ignored", MAX_RESPONSE_BYTES)
                        return resp.status_code, b""
                return resp.status_code, bytes(buf)
        except httpx.HTTPError as exc:
            log.warning("LLM request failed: %s", type(exc).__name__)
            return None

    def _complete(self, body: dict[str, Any]) -> tuple[int, str | None]:
        """(last status or 0, content or None), retrying once on retryable failures."""
        status = 0
        try:
            with httpx.Client(
                timeout=self.timeout, follow_redirects=False, transport=self._transport
            ) as client:
                for attempt in range(self.retries + 1):
                    if attempt:
                        time.sleep(self.backoff)
                    got = self._post(client, body)
                    if got is None:
                        continue
                    status, raw = got
                    if status in _RETRY_STATUS:
                        log.warning("LLM endpoint answered %d", status)
                        continue
                    if not 200 <= status < 300:
                        log.warning("LLM endpoint answered %d", status)
                        return status, None
                    return status, _content(raw)
        except Exception as exc:  # a client that must never raise into the caller
            log.warning("LLM client error: %s", type(exc).__name__)
        return status, None

    def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        temperature: float = 0.0,
        max_tokens: int = 800,
        json_mode: bool = False,
    ) -> str | None:
        """The assistant's reply text, or None."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        status, content = self._complete(body)
        if content is None and json_mode and status in (400, 422):
            # some servers reject response_format; the prompt still asks for JSON
            body.pop("response_format")
            status, content = self._complete(body)
        return content

    def chat_json(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        temperature: float = 0.0,
        max_tokens: int = 800,
    ) -> dict[str, Any] | None:
        """The reply parsed as one JSON object, or None."""
        text = self.chat(messages, temperature=temperature, max_tokens=max_tokens, json_mode=True)
        return None if text is None else parse_json_object(text)


def _content(raw: bytes) -> str | None:
    try:
        data = json.loads(raw)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        log.warning("LLM reply is not a chat completion")
        return None
    if not isinstance(content, str) or not content.strip():
        return None
    return content
