// Reads JSON lines {"id", "text"} (a file argument or stdin) and prints one
// line per input: {"id", "categories", "counts"}. The Python benchmark and the
// Python/JavaScript agreement test drive pii.js through this.
import { readFileSync } from "node:fs";
import { countPII } from "../src/pii.js";

const source = process.argv[2] ? readFileSync(process.argv[2], "utf8") : readFileSync(0, "utf8");
const out = [];
let number = 0;
for (const line of source.split("\n")) {
  number++;
  if (!line.trim()) continue;
  let record;
  try {
    record = JSON.parse(line);
  } catch (err) {
    process.stderr.write(`line ${number}: not JSON (${err.message})\n`);
    process.exit(2);
  }
  if (record === null || typeof record.text !== "string") {
    process.stderr.write(`line ${number}: needs an object with a string "text"\n`);
    process.exit(2);
  }
  const counts = countPII(record.text);
  out.push(JSON.stringify({ id: record.id ?? null, categories: Object.keys(counts), counts }));
}
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
