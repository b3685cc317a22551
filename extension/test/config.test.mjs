import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { KEYS, normalizeServerUrl, resolveConfig } from "../src/config.js";

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

test("the managed policy schema declares exactly the settings, with their types", () => {
  const read = (name) => JSON.parse(readFileSync(new URL(`../${name}`, import.meta.url), "utf8"));
  const manifest = read("manifest.json");
  const schema = read(manifest.storage.managed_schema);
  // Chrome's policy schema: an object whose properties each declare a JSON type.
  assert.equal(schema.type, "object");
  assert.deepEqual(Object.keys(schema.properties).sort(), [...KEYS].sort());
  for (const [key, prop] of Object.entries(schema.properties)) {
    assert.equal(prop.type, key === "reportUnknownServices" ? "boolean" : "string", key);
    assert.ok(prop.title && prop.description, key);
  }
  // A policy value of the wrong type is ignored rather than trusted.
  const { config, managedKeys } = resolveConfig({ reportUnknownServices: "no", orgKey: 42 }, {});
  assert.equal(config.reportUnknownServices, true);
  assert.equal(config.orgKey, "");
  assert.deepEqual(managedKeys, []);
});
