// Building the one kind of record the extension ever sends. Everything that
// leaves the browser passes through buildEvent(), which only copies
// whitelisted fields of known types: no page text, no PII value, no URL path,
// no file name can get in, because there is no field to carry them.

import { CATEGORIES } from "./pii.js";

export const EVENT_TYPES = Object.freeze(["visit", "paste", "upload", "submit"]);

// Signal keys and their types. Strings are restricted to a fixed vocabulary
// (see unknown.js) or to enum values, never free text.
const SIGNAL_SPEC = {
  files: "count",
  skipped_files: "count",
  via: ["drop", "input", "paste"],
  large_input: "boolean",
  host_terms: "terms",
  title_terms: "terms",
  score: "count",
};
const TERM_RE = /^[a-z0-9]{2,16}$/;
const HOST_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;
const HEX64_RE = /^[0-9a-f]{64}$/;

export class InvalidEvent extends Error {}

function cleanSignals(raw) {
  const out = {};
  if (raw === null || typeof raw !== "object") return out;
  for (const [key, spec] of Object.entries(SIGNAL_SPEC)) {
    if (!(key in raw)) continue;
    const value = raw[key];
    if (spec === "count" && Number.isInteger(value) && value >= 0 && value <= 1e6) out[key] = value;
    else if (spec === "boolean" && typeof value === "boolean") out[key] = value;
    else if (spec === "terms" && Array.isArray(value)) {
      out[key] = [...new Set(value.filter((t) => typeof t === "string" && TERM_RE.test(t)))].slice(0, 8);
    } else if (Array.isArray(spec) && spec.includes(value)) out[key] = value;
  }
  return out;
}

function cleanCounts(counts) {
  const out = {};
  if (counts === null || typeof counts !== "object") return out;
  for (const category of CATEGORIES) {
    const n = counts[category];
    if (Number.isInteger(n) && n > 0) out[category] = Math.min(n, 1e6);
  }
  return out;
}

/**
 * One event of the wire contract (see docs/extension.md):
 * {event_id, domain, event_type, pii_categories, pii_counts, occurred_at,
 *  browser, user_hash, unknown_service, signals}.
 */
export function buildEvent({ domain, eventType, counts, occurredAt, browser, userHash, unknownService, signals, eventId }) {
  const host = typeof domain === "string" ? domain.toLowerCase().replace(/^www\./, "") : "";
  if (!HOST_RE.test(host)) throw new InvalidEvent("domain must be a bare hostname");
  if (!EVENT_TYPES.includes(eventType)) throw new InvalidEvent(`unknown event type ${eventType}`);
  if (!(occurredAt instanceof Date) || Number.isNaN(occurredAt.getTime())) throw new InvalidEvent("bad time");
  if (userHash !== null && userHash !== undefined && !HEX64_RE.test(userHash)) {
    throw new InvalidEvent("user_hash must be 64 hex characters or null");
  }
  const piiCounts = cleanCounts(counts);
  return {
    event_id: eventId || crypto.randomUUID(),
    domain: host,
    event_type: eventType,
    pii_categories: Object.keys(piiCounts),
    pii_counts: piiCounts,
    occurred_at: occurredAt.toISOString(),
    browser: typeof browser === "string" && /^[a-z]{2,16}\/[0-9]{1,4}$/.test(browser) ? browser : "unknown/0",
    user_hash: userHash || null,
    unknown_service: unknownService === true,
    signals: cleanSignals(signals),
  };
}

/** "chromium/156", "chrome/138", "edge/137" from navigator.userAgentData or the UA string. */
export function browserTag(userAgentData, userAgent) {
  const names = [
    ["Microsoft Edge", "edge"],
    ["Google Chrome", "chrome"],
    ["Brave", "brave"],
    ["Opera", "opera"],
    ["Chromium", "chromium"],
  ];
  const brands = userAgentData && Array.isArray(userAgentData.brands) ? userAgentData.brands : [];
  for (const [brand, tag] of names) {
    const hit = brands.find((b) => b && b.brand === brand);
    if (hit && /^[0-9]+/.test(hit.version)) return `${tag}/${parseInt(hit.version, 10)}`;
  }
  const ua = typeof userAgent === "string" ? userAgent : "";
  const edge = ua.match(/Edg\/([0-9]+)/);
  if (edge) return `edge/${edge[1]}`;
  const chrome = ua.match(/(?:Headless)?Chrome\/([0-9]+)/);
  if (chrome) return `chromium/${chrome[1]}`;
  const firefox = ua.match(/Firefox\/([0-9]+)/);
  if (firefox) return `firefox/${firefox[1]}`;
  return "unknown/0";
}

/**
 * Pseudonymous user id: hex SHA-256 of "salt\nidentifier" (identifier trimmed
 * and lower-cased). Without a salt there is no hash: an unsalted hash of an
 * email address is reversible with a list of the staff's addresses.
 */
export async function userHash(salt, identifier) {
  if (typeof salt !== "string" || typeof identifier !== "string") return null;
  const id = identifier.trim().toLowerCase();
  if (salt.length < 8 || !id) return null;
  const data = new TextEncoder().encode(`${salt}\n${id}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
