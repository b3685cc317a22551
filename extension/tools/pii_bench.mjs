// Times countPII() on one text file: prints {"runs", "min_ms", "median_ms", "chars"}.
// Used by bench/pii.py; warm-up runs first, as a long-lived service worker would be.
import { readFileSync } from "node:fs";
import { countPII } from "../src/pii.js";

const text = readFileSync(process.argv[2], "utf8");
const runs = Number(process.argv[3] || 15);
for (let i = 0; i < 3; i++) countPII(text);
const times = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  countPII(text);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const round = (ms) => Math.round(ms * 100) / 100;
process.stdout.write(
  JSON.stringify({ runs, chars: text.length, min_ms: round(times[0]), median_ms: round(times[Math.floor(runs / 2)]) }) + "\n",
);
