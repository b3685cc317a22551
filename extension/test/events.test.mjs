import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { InvalidEvent, browserTag, buildEvent, userHash } from "../src/events.js";

const base = { domain: "chatgpt.com", eventType: "paste", counts: { EMAIL: 2 }, occurredAt: new Date("2025-01-02T03:04:05Z"), browser: "chromium/156", userHash: null, unknownService: false, signals: {} };

test("an event has exactly the contract's fields", () => {
  const event = buildEvent({ ...base, counts: { US_SSN: 1, EMAIL: 2 } });
  assert.deepEqual(Object.keys(event), ["event_id", "domain", "event_type", "pii_categories", "pii_counts", "occurred_at", "browser", "user_hash", "unknown_service", "signals"]);
  assert.match(event.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(event.pii_categories, ["EMAIL", "US_SSN"]);
  assert.deepEqual(event.pii_counts, { EMAIL: 2, US_SSN: 1 });
  assert.equal(event.occurred_at, "2025-01-02T03:04:05.000Z");
  assert.equal(event.user_hash, null);
  assert.equal(event.unknown_service, false);
});

test("no free text can ride along: unknown counts, signal keys and terms are dropped", () => {
  const event = buildEvent({
    ...base,
    counts: { EMAIL: 1, VALUE: "jane@example.com", PHONE: -1, CREDIT_CARD: 1.5 },
    signals: { title: "Secret project", url: "https://x/y", files: 2, via: "elsewhere", host_terms: ["llm", "Secret Title!"], large_input: "yes" },
  });
  assert.deepEqual(event.pii_counts, { EMAIL: 1 });
  assert.deepEqual(event.signals, { files: 2, host_terms: ["llm"] });
  assert.ok(!JSON.stringify(event).includes("Secret"));
});

test("the domain must be a bare hostname; www. is folded", () => {
  assert.equal(buildEvent({ ...base, domain: "www.claude.ai" }).domain, "claude.ai");
  for (const domain of ["https://chatgpt.com", "chatgpt.com/c/123", "", "a b"]) {
    assert.throws(() => buildEvent({ ...base, domain }), InvalidEvent, domain);
  }
  assert.throws(() => buildEvent({ ...base, eventType: "keystroke" }), InvalidEvent);
  assert.throws(() => buildEvent({ ...base, userHash: "not-hex" }), InvalidEvent);
});

test("user hash is salted SHA-256 of the normalised identifier, and absent without a salt", async () => {
  const expected = createHash("sha256").update("pepper-123456\nalice@example.com").digest("hex");
  assert.equal(await userHash("pepper-123456", "  Alice@Example.com "), expected);
  assert.equal(await userHash("", "alice@example.com"), null);
  assert.equal(await userHash("short", "alice@example.com"), null);
  assert.equal(await userHash("pepper-123456", ""), null);
});

test("browser tag from client hints or the user agent", () => {
  assert.equal(browserTag({ brands: [{ brand: "Not.A/Brand", version: "99" }, { brand: "Chromium", version: "156" }] }, ""), "chromium/156");
  assert.equal(browserTag({ brands: [{ brand: "Chromium", version: "137" }, { brand: "Google Chrome", version: "137" }] }, ""), "chrome/137");
  assert.equal(browserTag({ brands: [{ brand: "Microsoft Edge", version: "136" }] }, ""), "edge/136");
  assert.equal(browserTag(undefined, "Mozilla/5.0 (X11) HeadlessChrome/156.0.1.2 Safari/537.36"), "chromium/156");
  assert.equal(browserTag(undefined, "Mozilla/5.0 Gecko/20100101 Firefox/128.0"), "firefox/128");
  assert.equal(browserTag(undefined, ""), "unknown/0");
});
