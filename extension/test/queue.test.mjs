// The event queue against a real local HTTP server (node:http on port 0) that
// records requests and can be told which status to answer.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, beforeEach, test } from "node:test";

import { BATCH_SIZE, EventQueue, MAX_QUEUE, PENDING_USER, QUEUE_KEY, STATE_KEY, backoffDelay } from "../src/queue.js";
import { MemoryStorage } from "../test-support/memory_storage.mjs";

const received = [];
let answers = [];
let server;
let serverUrl;

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: JSON.parse(body) });
      const [status, headers, replyBody = "{}"] = answers.length ? answers.shift() : [200, {}];
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(replyBody);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  serverUrl = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());
beforeEach(() => {
  received.length = 0;
  answers = [];
});

function makeQueue(storage = new MemoryStorage(), clock = { t: 1_000_000 }) {
  return { storage, clock, queue: new EventQueue({ storage, fetchFn: fetch, now: () => clock.t, random: () => 0.5 }) };
}
const events = (n, from = 0) => Array.from({ length: n }, (_, i) => ({ event_id: `e${from + i}` }));

test("delivers in batches with the org key, and empties the queue", async () => {
  const { queue, storage } = makeQueue();
  await queue.enqueue(events(BATCH_SIZE + 5));
  const summary = await queue.flush({ serverUrl, orgKey: "k-1" });
  assert.deepEqual(summary, { sent: BATCH_SIZE + 5, kept: 0, dropped: 0, status: 200 });
  assert.deepEqual(received.map((r) => r.body.events.length), [BATCH_SIZE, 5]);
  assert.equal(received[0].url, "/api/v1/shadow/events");
  assert.equal(received[0].headers["x-org-key"], "k-1");
  assert.deepEqual(await storage.get(QUEUE_KEY), []);
});

test("keeps events and backs off on 503, honouring Retry-After; then succeeds", async () => {
  const { queue, clock } = makeQueue();
  await queue.enqueue(events(3));
  answers = [[503, { "Retry-After": "120" }]];
  let summary = await queue.flush({ serverUrl, orgKey: "k" });
  assert.equal(summary.kept, 3);
  let status = await queue.status();
  assert.equal(status.attempt, 1);
  assert.equal(status.nextAttemptAt, clock.t + 120_000);
  // Not due yet: nothing is sent.
  summary = await queue.flush({ serverUrl, orgKey: "k" });
  assert.equal(received.length, 1);
  clock.t += 120_001;
  summary = await queue.flush({ serverUrl, orgKey: "k" });
  assert.equal(summary.sent, 3);
  status = await queue.status();
  assert.equal(status.attempt, 0);
  assert.equal(status.queued, 0);
});

test("a refused org key keeps the events; a malformed batch is dropped and counted", async () => {
  const { queue } = makeQueue();
  await queue.enqueue(events(2));
  answers = [[401, {}]];
  await queue.flush({ serverUrl, orgKey: "wrong" });
  let status = await queue.status();
  assert.equal(status.queued, 2);
  assert.equal(status.lastError, "org key refused");
  answers = [[422, {}]];
  const summary = await queue.flush({ serverUrl, orgKey: "k" }, { force: true });
  assert.equal(summary.dropped, 2);
  status = await queue.status();
  assert.equal(status.queued, 0);
  assert.equal(status.dropped.rejected, 2);
});

test("events the server rejected inside a 200 are counted as lost, not as sent", async () => {
  // The server keeps the good events of a batch and lists the bad ones (a clock more
  // than 10 minutes fast, say); those are gone, and the popup must say so.
  const { queue } = makeQueue();
  await queue.enqueue(events(3));
  const reply = {
    received: 3,
    accepted: 1,
    duplicates: 0,
    new_services: 0,
    rejected: [
      { index: 1, event_id: "e1", errors: [{ loc: ["occurred_at"], msg: "occurred_at is more than 10 minutes in the future" }] },
      { index: 2, event_id: "e2", errors: [{ loc: ["occurred_at"], msg: "occurred_at is more than 10 minutes in the future" }] },
    ],
  };
  answers = [[200, {}, JSON.stringify(reply)]];
  const summary = await queue.flush({ serverUrl, orgKey: "k" });
  assert.deepEqual(summary, { sent: 1, kept: 0, dropped: 2, status: 200 });
  const status = await queue.status();
  assert.equal(status.queued, 0);
  assert.equal(status.sent, 1);
  assert.equal(status.dropped.rejected, 2);
  assert.equal(status.lastError, "server rejected 2 event(s): occurred_at");
  // A clean batch afterwards clears the message.
  await queue.enqueue(events(1, 3));
  await queue.flush({ serverUrl, orgKey: "k" });
  assert.equal((await queue.status()).lastError, null);
});

test("network failure keeps everything for later", async () => {
  const { queue } = makeQueue();
  await queue.enqueue(events(4));
  const summary = await queue.flush({ serverUrl: "http://127.0.0.1:9", orgKey: "k" });
  assert.equal(summary.kept, 4);
  assert.equal((await queue.status()).lastError, "network");
});

test("the queue survives a restart (a new queue object on the same storage)", async () => {
  const storage = new MemoryStorage();
  await makeQueue(storage).queue.enqueue(events(7));
  const { queue } = makeQueue(storage);
  assert.equal((await queue.status()).queued, 7);
  await queue.flush({ serverUrl, orgKey: "k" });
  assert.deepEqual(received[0].body.events.map((e) => e.event_id), ["e0", "e1", "e2", "e3", "e4", "e5", "e6"]);
});

test("bounded: the oldest events are dropped and counted", async () => {
  const { queue, storage } = makeQueue();
  await queue.enqueue(events(MAX_QUEUE));
  await queue.enqueue(events(10, MAX_QUEUE));
  const stored = await storage.get(QUEUE_KEY);
  assert.equal(stored.length, MAX_QUEUE);
  assert.equal(stored[0].event_id, "e10");
  assert.equal((await storage.get(STATE_KEY)).dropped.queue_full, 10);
});

test("concurrent enqueues are all kept", async () => {
  const { queue } = makeQueue();
  await Promise.all(Array.from({ length: 50 }, (_, i) => queue.enqueue(events(1, i))));
  assert.equal((await queue.status()).queued, 50);
});

test("unconfigured: nothing is sent, nothing is lost", async () => {
  const { queue } = makeQueue();
  await queue.enqueue(events(1));
  assert.equal((await queue.flush({ serverUrl: "", orgKey: "" })).kept, 1);
  assert.equal(received.length, 0);
});

test("backoff doubles, is capped, and jitters by at most 20%", () => {
  assert.equal(backoffDelay(1, () => 0.5), 5_000);
  assert.equal(backoffDelay(2, () => 0.5), 10_000);
  assert.equal(backoffDelay(30, () => 0.5), 30 * 60_000);
  assert.equal(backoffDelay(1, () => 0), 4_000);
  assert.equal(backoffDelay(1, () => 0.999999), 6_000);
});

test("events waiting for the org's salt are held, not sent and not lost; then stamped", async () => {
  const { queue, storage } = makeQueue();
  const hash = "c".repeat(64);
  await queue.enqueue([{ event_id: "w0", user_hash: null, [PENDING_USER]: true }, ...events(2)]);
  // Salt unknown (server unreachable when it was asked): the two without a user go.
  let summary = await queue.flush({ serverUrl, orgKey: "k" });
  assert.deepEqual(summary, { sent: 2, kept: 1, dropped: 0, status: 200 });
  assert.deepEqual(received[0].body.events.map((e) => e.event_id), ["e0", "e1"]);
  assert.equal((await queue.status()).held, 1);
  assert.equal((await storage.get(QUEUE_KEY))[0][PENDING_USER], true);
  // A restart in between keeps it; once the salt is known it goes with the hash.
  const again = makeQueue(storage).queue;
  summary = await again.flush({ serverUrl, orgKey: "k" }, { userHash: hash });
  assert.equal(summary.sent, 1);
  const [sent] = received[1].body.events;
  assert.equal(sent.event_id, "w0");
  assert.equal(sent.user_hash, hash);
  assert.ok(!(PENDING_USER in sent), "the marker is not part of the wire contract");
  assert.equal((await again.status()).held, 0);
});

test("no user configured: a pending event goes with user_hash null", async () => {
  const { queue } = makeQueue();
  await queue.enqueue([{ event_id: "w1", user_hash: null, [PENDING_USER]: true }]);
  await queue.flush({ serverUrl, orgKey: "k" }, { userHash: null });
  assert.equal(received[0].body.events[0].user_hash, null);
});

test("queued events made with the install's own salt take the org-salt id", async () => {
  const { queue } = makeQueue();
  const old = "a".repeat(64);
  await queue.enqueue([{ event_id: "o1", user_hash: old }, { event_id: "o2", user_hash: "d".repeat(64) }]);
  assert.equal(await queue.rewriteUserHash(old, "b".repeat(64)), 1);
  await queue.flush({ serverUrl, orgKey: "k" });
  assert.deepEqual(received[0].body.events.map((e) => e.user_hash), ["b".repeat(64), "d".repeat(64)]);
});
