import assert from "node:assert/strict";
import { test } from "node:test";

import { normalizeServerUrl, resolveConfig } from "../src/config.js";

test("server URL: https anywhere, http only on loopback, no credentials or query", () => {
  assert.equal(normalizeServerUrl("https://tv.example.com/"), "https://tv.example.com");
  assert.equal(normalizeServerUrl("https://tv.example.com/base/"), "https://tv.example.com/base");
  assert.equal(normalizeServerUrl("http://127.0.0.1:8000"), "http://127.0.0.1:8000");
  assert.equal(normalizeServerUrl("http://localhost:8000/"), "http://localhost:8000");
  for (const bad of ["http://tv.example.com", "ftp://tv.example.com", "https://u:p@tv.example.com", "https://tv.example.com/?x=1", "javascript:alert(1)", "", 42]) {
    assert.equal(normalizeServerUrl(bad), "", String(bad));
  }
});

test("policy wins key by key over the popup's settings", () => {
  const { config, managedKeys } = resolveConfig(
    { serverUrl: "https://tv.corp.example", reportUnknownServices: false, orgKey: 7 },
    { serverUrl: "https://other.example", orgKey: " user-key ", userIdSalt: "s" },
  );
  assert.equal(config.serverUrl, "https://tv.corp.example");
  assert.equal(config.orgKey, "user-key"); // the policy's non-string value is ignored
  assert.equal(config.reportUnknownServices, false);
  assert.equal(config.userIdSalt, "s");
  assert.deepEqual(managedKeys, ["serverUrl", "reportUnknownServices"]);
});

test("defaults: nothing configured, unknown-service reporting on", () => {
  const { config, managedKeys } = resolveConfig(undefined, {});
  assert.deepEqual(config, { serverUrl: "", orgKey: "", userIdSalt: "", userIdentifier: "", reportUnknownServices: true });
  assert.deepEqual(managedKeys, []);
});
