import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  buildMatcher,
  httpHostname,
  matchPatterns,
  mergeCatalogs,
  navigationFilters,
  normalizeCatalog,
  normalizeService,
} from "../src/catalog.js";

const bundled = JSON.parse(readFileSync(new URL("../src/catalog.json", import.meta.url), "utf8"));

test("the bundled catalog is valid and large", () => {
  const services = normalizeCatalog(bundled);
  assert.equal(services.length, bundled.services.length, "an entry failed validation");
  assert.ok(services.length >= 300);
  for (const s of services) assert.ok(["consumer", "enterprise"].includes(s.kind));
});

test("normalizeService refuses anything that is not a bare hostname", () => {
  for (const domain of ["*.evil.com", "https://chatgpt.com", "chatgpt.com/path", "localhost", "a b.com", "", "x".repeat(300) + ".com", "<all_urls>"]) {
    assert.equal(normalizeService({ domain, service: "x", vendor: "y", category: "chat", kind: "consumer" }), null, domain);
  }
  assert.deepEqual(normalizeService({ domain: "Chat.Example.AI.", kind: "weird" }), {
    domain: "chat.example.ai", service: "chat.example.ai", vendor: "unknown", category: "other", kind: "consumer",
  });
});

test("matching covers subdomains, prefers the most specific entry, and is not fooled by lookalikes", () => {
  const m = buildMatcher(normalizeCatalog({ services: [
    { domain: "chatgpt.com", service: "ChatGPT", vendor: "OpenAI", category: "chat", kind: "consumer" },
    { domain: "sora.chatgpt.com", service: "Sora", vendor: "OpenAI", category: "video", kind: "consumer" },
  ] }));
  assert.equal(m.match("chatgpt.com").service, "ChatGPT");
  assert.equal(m.match("www.chatgpt.com").service, "ChatGPT");
  assert.equal(m.match("sora.chatgpt.com").service, "Sora");
  assert.equal(m.match("a.sora.chatgpt.com").service, "Sora");
  assert.equal(m.match("notchatgpt.com"), null);
  assert.equal(m.match("chatgpt.com.evil.net"), null);
  assert.equal(m.match(null), null);
});

test("server entries override built-in ones and add new domains", () => {
  const merged = mergeCatalogs(
    normalizeCatalog({ services: [{ domain: "a.ai", service: "A", kind: "consumer" }] }),
    normalizeCatalog({ services: [{ domain: "a.ai", service: "A (approved)", kind: "enterprise" }, { domain: "b.ai" }] }),
  );
  assert.deepEqual(merged.map((s) => [s.domain, s.kind]), [["a.ai", "enterprise"], ["b.ai", "consumer"]]);
});

test("navigation filters pair an exact host with a dot-prefixed suffix", () => {
  const { url } = navigationFilters([{ domain: "claude.ai" }]);
  assert.deepEqual(url, [
    { hostEquals: "claude.ai", schemes: ["https", "http"] },
    { hostSuffix: ".claude.ai", schemes: ["https", "http"] },
  ]);
  assert.deepEqual(matchPatterns([{ domain: "claude.ai" }]), ["*://*.claude.ai/*"]);
});

test("httpHostname only accepts web URLs", () => {
  assert.equal(httpHostname("https://Chat.OpenAI.com/c/123?x=1"), "chat.openai.com");
  assert.equal(httpHostname("chrome://extensions"), null);
  assert.equal(httpHostname("not a url"), null);
});
