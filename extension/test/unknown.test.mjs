import assert from "node:assert/strict";
import { test } from "node:test";

import { assessUnknownPage } from "../src/unknown.js";

test("chat/LLM hosts and titles with a chat box look like AI services", () => {
  for (const [hostname, title] of [
    ["chat.unknown-llm.test", "Home"],
    ["mychatgptclone.io", "Welcome"],
    ["assistant.example.ai", "Assistant"],
    ["tools.example.com", "Internal GPT playground"],
    ["ollama.lab.example.net", "Open WebUI"],
  ]) {
    const { looksLikeAI } = assessUnknownPage({ hostname, title, largeInput: true });
    assert.equal(looksLikeAI, true, `${hostname} / ${title}`);
  }
});

test("ordinary pages, or AI words without a chat box, do not", () => {
  for (const [hostname, title, largeInput] of [
    ["notes.example.org", "My notes", true],
    ["chat.google.com", "Chat", true],
    ["mail.example.com", "Inbox (3) - Gmail", true],
    ["news.example.com", "What AI means for jobs", false],
    ["wiki.example.com", "Ask a question", true],
  ]) {
    assert.equal(assessUnknownPage({ hostname, title, largeInput }).looksLikeAI, false, `${hostname} / ${title}`);
  }
});

test("signals keep vocabulary words only, never the title", () => {
  const { signals } = assessUnknownPage({ hostname: "chat.unknown-llm.test", title: "LLM Chat - Project Nightingale budget", largeInput: true });
  assert.deepEqual(signals, { host_terms: ["chat", "llm"], title_terms: ["chat", "llm"], large_input: true, score: 3 });
  assert.ok(!JSON.stringify(signals).includes("Nightingale"));
});
