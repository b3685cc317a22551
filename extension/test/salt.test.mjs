// Fetching the org's user id salt, against a real local HTTP server (node:http).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, beforeEach, test } from "node:test";

import { userHash } from "../src/events.js";
import { MERGE_PATH, SALT_KEY, SALT_PATH, foldLocalIds, orgSalt } from "../src/salt.js";
import { MemoryStorage } from "../test-support/memory_storage.mjs";

const ORG_SALT = "0123456789abcdef0123456789abcdef";
const received = [];
let answers = [];
let server;
let serverUrl;

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, key: req.headers["x-org-key"], body: body ? JSON.parse(body) : null });
      const [status, reply] = answers.length ? answers.shift() : [200, { salt: ORG_SALT }];
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(reply));
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

const config = (over = {}) => ({ serverUrl, orgKey: "k-1", userIdSalt: "", userIdentifier: "Alice@Example.com", ...over });

test("fetched once with the org key, then read from the cache", async () => {
  const storage = new MemoryStorage();
  assert.deepEqual(await orgSalt({ config: config(), storage, fetchFn: fetch }), { salt: ORG_SALT, source: "server" });
  assert.deepEqual(await orgSalt({ config: config(), storage, fetchFn: fetch }), { salt: ORG_SALT, source: "server" });
  assert.equal(received.length, 1);
  assert.equal(received[0].url, SALT_PATH);
  assert.equal(received[0].key, "k-1");
  // The cache does not hold the org key itself.
  assert.ok(!JSON.stringify(await storage.get(SALT_KEY)).includes("k-1"));
});

test("another org key or server: fetched again", async () => {
  const storage = new MemoryStorage();
  await orgSalt({ config: config(), storage, fetchFn: fetch });
  answers = [[200, { salt: "fedcba9876543210fedcba9876543210" }]];
  const other = await orgSalt({ config: config({ orgKey: "k-2" }), storage, fetchFn: fetch });
  assert.equal(other.salt, "fedcba9876543210fedcba9876543210");
  assert.equal(received.length, 2);
});

test("server down or failing: pending (no salt is guessed); 404 (older server): the policy's", async () => {
  const storage = new MemoryStorage();
  const down = await orgSalt({ config: config({ serverUrl: "http://127.0.0.1:9" }), storage, fetchFn: fetch });
  assert.deepEqual(down, { pending: "network" });
  answers = [[503, {}]];
  assert.deepEqual(await orgSalt({ config: config(), storage, fetchFn: fetch }), { pending: "http 503" });
  answers = [[401, {}]];
  assert.deepEqual(await orgSalt({ config: config(), storage, fetchFn: fetch }), { pending: "http 401" });
  answers = [[200, { salt: "" }]];
  assert.deepEqual(await orgSalt({ config: config(), storage, fetchFn: fetch }), { pending: "unreadable reply" });
  assert.equal(await storage.get(SALT_KEY), undefined);
  answers = [[404, {}]];
  const legacy = await orgSalt({ config: config({ userIdSalt: "policy-salt-1234" }), storage, fetchFn: fetch });
  assert.deepEqual(legacy, { salt: "policy-salt-1234", source: "policy" });
  assert.deepEqual(await orgSalt({ config: config({ orgKey: "" }), storage, fetchFn: fetch }), { pending: "not configured" });
});

test("ids made with the install's own salt: queued rewritten, stored folded once", async () => {
  const storage = new MemoryStorage();
  const cfg = config({ userIdSalt: "my-own-local-salt" });
  await orgSalt({ config: cfg, storage, fetchFn: fetch });
  const rewrites = [];
  const rewrite = async (from, to) => rewrites.push([from, to]);
  const from = await userHash("my-own-local-salt", "alice@example.com");
  const to = await userHash(ORG_SALT, "alice@example.com");
  answers = [[200, { events: 3, service_users: 2 }]];
  assert.deepEqual(await foldLocalIds({ config: cfg, storage, fetchFn: fetch, salt: ORG_SALT, rewrite }), {
    folded: true,
    sent: true,
    status: 200,
  });
  const merge = received.at(-1);
  assert.equal(merge.url, MERGE_PATH);
  assert.deepEqual(merge.body, { from_hash: from, to_hash: to });
  assert.deepEqual(rewrites, [[from, to]]);
  // Once only: the next flush does not ask again.
  const before = received.length;
  await foldLocalIds({ config: cfg, storage, fetchFn: fetch, salt: ORG_SALT, rewrite });
  assert.equal(received.length, before);
  // The policy's salt is the org's: nothing to fold.
  const same = await foldLocalIds({ config: config({ userIdSalt: ORG_SALT }), storage, fetchFn: fetch, salt: ORG_SALT, rewrite });
  assert.deepEqual(same, { folded: false });
});

test("a failed fold is tried again", async () => {
  const storage = new MemoryStorage();
  const cfg = config({ userIdSalt: "my-own-local-salt" });
  await orgSalt({ config: cfg, storage, fetchFn: fetch });
  const rewrite = async () => {};
  answers = [[503, {}]];
  assert.equal((await foldLocalIds({ config: cfg, storage, fetchFn: fetch, salt: ORG_SALT, rewrite })).folded, false);
  answers = [[200, { events: 1, service_users: 1 }]];
  assert.equal((await foldLocalIds({ config: cfg, storage, fetchFn: fetch, salt: ORG_SALT, rewrite })).folded, true);
});
