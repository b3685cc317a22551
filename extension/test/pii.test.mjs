// The shared PII vectors (tests/vectors/pii_cases.jsonl) against pii.js; the
// Python detector reads the same file in tests/detect/test_pii.py.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { CATEGORIES, countPII, detectPII } from "../src/pii.js";

const VECTORS = fileURLToPath(new URL("../../tests/vectors/pii_cases.jsonl", import.meta.url));
const cases = readFileSync(VECTORS, "utf8")
  .split("\n")
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line));

test("the vector file is big and covers every category with positives and negatives", () => {
  assert.ok(cases.length >= 150, `only ${cases.length} cases`);
  for (const category of CATEGORIES) {
    assert.ok(cases.filter((c) => c.categories.includes(category)).length >= 5, `few ${category} positives`);
  }
  assert.ok(cases.filter((c) => c.categories.length === 0).length >= 60, "few hard negatives");
});

for (const c of cases) {
  test(`vector ${c.id}`, () => {
    assert.deepEqual(detectPII(c.text), c.categories);
  });
}

test("countPII counts occurrences and keeps the category order", () => {
  const counts = countPII("a@example.com, b@example.com and 4111 1111 1111 1111 then c@example.org");
  assert.deepEqual(counts, { EMAIL: 3, CREDIT_CARD: 1 });
  assert.deepEqual(Object.keys(countPII("4111111111111111 a@example.com")), ["EMAIL", "CREDIT_CARD"]);
});

test("an AWS key id is never also an API key", () => {
  assert.deepEqual(countPII("AKIAIOSFODNN7EXAMPLE"), { AWS_ACCESS_KEY: 1 });
});

test("results never contain the matched values", () => {
  const text = "jane@example.com 536-22-8714";
  const serialized = JSON.stringify([detectPII(text), countPII(text)]);
  assert.ok(!serialized.includes("jane") && !serialized.includes("536"));
});

test("rejects non-strings", () => {
  assert.throws(() => detectPII(null), TypeError);
  assert.throws(() => countPII(42), TypeError);
});

// A backtracking blow-up would take minutes; the test timeout catches it.
test("adversarial inputs stay linear", { timeout: 30_000 }, () => {
  // Inputs built to make a backtracking regex explode: long runs of the
  // characters each pattern loops on, with the closing piece missing.
  const n = 200_000;
  const inputs = [
    "a".repeat(n) + "@",
    "1 ".repeat(n),
    "1-".repeat(n),
    "a:".repeat(n),
    "sk-" + "a".repeat(n),
    "eyJ" + "a".repeat(n) + ".",
    "A1".repeat(n),
    "-----BEGIN PRIVATE KEY-----".repeat(2000),
    "passport ".repeat(n / 10),
    "1.".repeat(n),
  ];
  for (const input of inputs) assert.deepEqual(typeof countPII(input), "object");
});
