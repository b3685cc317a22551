// PII and secret *categories* in free text — never the values.
//
// The twin of src/threatvec/detect/pii.py: same patterns, same validators,
// same order of steps. tests/vectors/pii_cases.jsonl holds both to the same
// answers. Every pattern is linear (bounded repetition, no nested unbounded
// quantifiers) so a 1 MB paste scans in milliseconds.

export const CATEGORIES = Object.freeze([
  "EMAIL", "PHONE", "CREDIT_CARD", "US_SSN", "IBAN", "IP_ADDRESS",
  "AWS_ACCESS_KEY", "API_KEY", "PRIVATE_KEY", "JWT", "PASSPORT",
]);

// ASCII membership table; `has(text, i)` is false for non-ASCII characters.
function charSet(chars) {
  const table = new Uint8Array(128);
  for (const ch of chars) table[ch.charCodeAt(0)] = 1;
  return { has: (text, i) => { const c = text.charCodeAt(i); return c < 128 && table[c] === 1; } };
}

// ISO 13616 registry: total IBAN length per country code.
const IBAN_LENGTHS = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22,
  BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22,
  DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27,
  GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20,
  LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24,
  ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31,
  SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24,
  TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]{1,10} ){0,2}PRIVATE KEY(?: BLOCK)?-----/g;
const BASE64_RUN = /[A-Za-z0-9+/=]{32,}/;
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*(?![A-Za-z0-9_-])/g;
const AWS_KEY = /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)([A-Z0-9]{16})(?![A-Za-z0-9])/g;
const API_KEY = new RegExp(
  "(?<![A-Za-z0-9_-])(?:" +
    "(sk-ant-)([A-Za-z0-9_-]{24,})" +
    "|(sk-(?:proj|svcacct|admin)-)([A-Za-z0-9_-]{20,})" +
    "|(sk-)([A-Za-z0-9]{32,})" +
    "|((?:sk|rk)_live_)([A-Za-z0-9]{20,})" +
    "|(gh[pousr]_)([A-Za-z0-9]{36})" +
    "|(github_pat_)([A-Za-z0-9_]{50,})" +
    "|(xox[abpr]-)([0-9]{6,}-[A-Za-z0-9-]{10,})" +
    "|(AIza)([A-Za-z0-9_-]{35})" +
    ")(?![A-Za-z0-9_-])",
  "g",
);
// "sk-" also starts plenty of slugs: only bodies mixing cases and digits count.
const MIXED_PREFIXES = ["sk-", "sk_", "rk_"];
// Emails are found from their "@" (indexOf) outwards: a regex that may start
// at any letter costs a lookbehind test per character of a 1 MB paste.
const EMAIL_LOCAL_CHARS = charSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-");
const EMAIL_DOMAIN = new RegExp(
  "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.){1,8}([A-Za-z]{2,24})" +
    "(?![A-Za-z0-9-]|\\.[A-Za-z0-9])",
  "y",
);
// Top-level "domains" that are really file extensions (icon@2x.png).
const NOT_TLDS = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "js", "css"]);
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g;
const CARD = /(?<![0-9A-Za-z_.-])(?<![0-9][ .-])[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_]|[.-][0-9])/g;
const SSN = /(?<![0-9A-Za-z_./-])(?<![0-9][ .-])([0-9]{3})([ -]?)([0-9]{2})\2([0-9]{4})(?![0-9A-Za-z_]|[./-][0-9])/g;
const SSN_CONTEXT = /(?<![a-z])(?:ssn|ss#|social security)/i;
// Values from advertising and documentation, never issued to a person.
const SSN_PLACEHOLDERS = new Set(["078051120", "219099999", "123456789"]);
const IPV4 = /(?<![0-9A-Za-z_.-])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9A-Za-z_]|\.[0-9A-Za-z]|-[A-Za-z])/g;
const VERSION_WORD =
  /(?<![a-z])(?:v|ver|version|release|build|rev|revision|firmware|fw|kernel|update)[ .:=_-]{0,3}$/i;
const SSH_COMMAND = /(?<![a-z])(?:ssh|scp|sftp|rsync|mosh)(?![a-z])/i;
// IPv6 candidates are found from their colons, for the same reason as emails.
const IPV6_BODY = new RegExp(
  "(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}" +
    "(?:\\.[0-9]{1,3}){0,3}(?![0-9A-Za-z_:]|\\.[0-9A-Za-z])",
  "y",
);
const HEX_CHARS = charSet("0123456789abcdefABCDEF");
const IPV6_NOT_BEFORE = charSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-");
const PASSPORT_CONTEXT =
  /(?<![A-Za-z])(?:passport|passeport|reisepass|pasaporte|passaporto|paspoort)s?(?![A-Za-z])/gi;
const PASSPORT_NUMBER = /(?<![A-Za-z0-9])(?=[A-Z]{0,3}[0-9])[A-Z0-9]{6,9}(?![A-Za-z0-9])/;
const PASSPORT_WINDOW = 48;
const PHONE = new RegExp(
  "(?<![0-9A-Za-z_+./:@#$-])(?<![0-9][ .-])(?=[+(]?[0-9][0-9 ().-]{6})" +
    "(?:\\+[0-9]{7,15}|(?:\\+[ ]?[0-9]{1,3}[ .-]?)?(?:\\([0-9]{1,4}\\)[ .-]?)?[0-9]{1,5}(?:[ .-][0-9]{1,8}){0,5})" +
    "(?![0-9A-Za-z_]|[./:-][0-9])",
  "g",
);
const PHONE_PLAIN = /(?<![0-9A-Za-z_+./:@#$-])[0-9]{10,11}(?![0-9A-Za-z_]|[./:-][0-9])/g;
const PHONE_CONTEXT =
  /(?<![a-z])(?:phone|telephone|tel|mobile|mob|cell|cellphone|call|fax|whatsapp|sms)(?![a-z])/i;
const DIGIT_GROUPS = /[0-9]+/g;
const PHONE_SEPARATORS = /[ .-]/g;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

const isDigit = (ch) => ch >= "0" && ch <= "9";
const digitGroups = (s) => s.match(DIGIT_GROUPS) || [];

function luhnOk(digits) {
  let total = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
    double = !double;
  }
  return total % 10 === 0;
}

function cardPrefixOk(digits) {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === "4") return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) {
    return n >= 16 && n <= 19; // Discover
  }
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p4 >= 2200 && p4 <= 2204) return n >= 16 && n <= 19; // Mir
  if ([5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].includes(p4)) return n >= 13 && n <= 19; // Maestro
  return false;
}

function ibanMod97Ok(iban) {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    if (code >= 48 && code <= 57) rem = (rem * 10 + code - 48) % 97;
    else if (code >= 65 && code <= 90) rem = (rem * 100 + code - 55) % 97;
    else return false;
  }
  return rem === 1;
}

function ipv4Ok(text) {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  for (const part of parts) {
    if (!part || part.length > 3 || !/^[0-9]+$/.test(part)) return false;
    if (part.length > 1 && part[0] === "0") return false;
    if (Number(part) > 255) return false;
  }
  return true;
}

function ipv6Ok(text) {
  let body = text;
  let extra = 0;
  if (body.includes(".")) {
    const cut = body.lastIndexOf(":");
    if (cut < 0 || !ipv4Ok(body.slice(cut + 1))) return false;
    body = body.slice(0, cut + 1) + "0"; // placeholder group; the IPv4 tail counts as two
    extra = 1;
  }
  if (body.includes(":::") || body.split("::").length > 2) return false;
  let groups;
  if (body.includes("::")) {
    const [head, tail] = body.split("::");
    groups = (head ? head.split(":") : []).concat(tail ? tail.split(":") : []);
    if (!groups.every((g) => HEX_GROUP.test(g)) || groups.length + extra > 7) return false;
  } else {
    groups = body.split(":");
    if (groups.length + extra !== 8 || !groups.every((g) => HEX_GROUP.test(g))) return false;
  }
  if (groups.length === 0) return false; // "::" alone is the unspecified address
  // "a::b" or "dead::beef" are words and code far more often than hosts.
  return /[0-9]/.test(text) || groups.length >= 3;
}

function jwtHeaderOk(segment) {
  if (segment.length % 4 === 1) return false;
  try {
    const b64 = segment.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (segment.length % 4)) % 4);
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const header = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
    return header !== null && typeof header === "object" && !Array.isArray(header) && typeof header.alg === "string";
  } catch {
    return false;
  }
}

function looksRandom(body, minDistinct, mixed) {
  if (new Set(body).size < minDistinct) return false;
  if (!mixed) return true;
  return /[A-Z]/.test(body) && /[a-z]/.test(body) && /[0-9]/.test(body);
}

// Up to `width` characters before the match, cut after the nearest earlier
// number: in "SSN 536-22-8714; order 536228714" the word belongs to the first.
function contextBefore(text, start, width) {
  const window = text.slice(Math.max(0, start - width), start);
  for (let i = window.length - 1; i >= 0; i--) {
    if (isDigit(window[i])) return window.slice(i + 1);
  }
  return window;
}

// Sorted, non-overlapping spans taken by earlier (more specific) steps.
class Claimed {
  constructor() {
    this.starts = [];
    this.ends = [];
  }

  overlaps(start, end) {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      // first span ending after `start` (bisect_right on the ends)
      const mid = (lo + hi) >> 1;
      if (this.ends[mid] <= start) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.starts.length && this.starts[lo] < end;
  }

  add(spans) {
    if (!spans.length) return;
    const merged = this.starts.map((s, i) => [s, this.ends[i]]).concat(spans);
    merged.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.starts = merged.map((m) => m[0]);
    this.ends = merged.map((m) => m[1]);
  }
}

// Each accept(match, text) returns the accepted length (0 = not PII).
function acceptPrivateKey(m, text) {
  const end = m.index + m[0].length;
  // A header alone (a tutorial, a redacted paste) is not a key.
  if (!BASE64_RUN.test(text.slice(end, end + 400))) return 0;
  const endMarker = findWithin(text, "-----END ", end, end + 65536);
  if (endMarker < 0) return m[0].length;
  const close = findWithin(text, "-----", endMarker + 9, endMarker + 80);
  return (close >= 0 ? close + 5 : endMarker + 9) - m.index;
}

// Python's str.find(sub, start, end): the whole of `sub` must lie before `end`.
function findWithin(text, sub, start, end) {
  const i = text.indexOf(sub, start);
  return i >= 0 && i + sub.length <= end ? i : -1;
}

function acceptJwt(m) {
  return jwtHeaderOk(m[0].slice(0, m[0].indexOf("."))) ? m[0].length : 0;
}

function acceptAwsKey(m) {
  return looksRandom(m[1], 6, false) ? m[0].length : 0;
}

function acceptApiKey(m) {
  for (let i = 1; i < m.length; i += 2) {
    const prefix = m[i];
    const body = m[i + 1];
    if (prefix === undefined || body === undefined) continue;
    const mixed = MIXED_PREFIXES.some((p) => prefix.startsWith(p));
    return looksRandom(body, 8, mixed) ? m[0].length : 0;
  }
  return 0;
}

function emailOk(local, tld) {
  if (local.toLowerCase() === "git" || local.endsWith(".") || local.includes("..")) return false;
  return !NOT_TLDS.has(tld.toLowerCase());
}

function scanEmails(text, claimed) {
  const spans = [];
  let pos = 0;
  for (;;) {
    const at = text.indexOf("@", pos);
    if (at < 0) break;
    let start = at;
    while (start > 0 && at - start <= 64 && EMAIL_LOCAL_CHARS.has(text, start - 1)) start--;
    const local = text.slice(start, at);
    let resume = at + 1;
    if (local.length >= 1 && local.length <= 64 && start >= pos && /[A-Za-z0-9]/.test(local[0])) {
      EMAIL_DOMAIN.lastIndex = at + 1;
      const domain = EMAIL_DOMAIN.exec(text);
      if (domain !== null && emailOk(local, domain[1]) && !claimed.overlaps(start, EMAIL_DOMAIN.lastIndex)) {
        spans.push([start, EMAIL_DOMAIN.lastIndex]);
        resume = EMAIL_DOMAIN.lastIndex;
      }
    }
    pos = resume;
  }
  return spans;
}

function acceptIban(m) {
  const raw = m[0];
  const length = IBAN_LENGTHS[raw.slice(0, 2)];
  if (length === undefined) return 0;
  let taken = 0;
  let cut = 0;
  while (cut < raw.length && taken < length) {
    if (raw[cut] !== " ") taken++;
    cut++;
  }
  if (taken < length || (cut < raw.length && raw[cut] !== " ")) return 0;
  return ibanMod97Ok(raw.slice(0, cut).replace(/ /g, "")) ? cut : 0;
}

function acceptCard(m) {
  const raw = m[0];
  const digits = raw.replace(/[ -]/g, "");
  const spaced = raw.includes(" ");
  const dashed = raw.includes("-");
  if (spaced && dashed) return 0;
  if ((spaced || dashed) && digitGroups(raw).some((g) => g.length < 2 || g.length > 8)) return 0;
  if (digits === digits[0].repeat(digits.length)) return 0;
  if (!cardPrefixOk(digits) || !luhnOk(digits)) return 0;
  return raw.length;
}

function acceptSsn(m, text) {
  const [whole, area, sep, group, serial] = m;
  if (area === "000" || area === "666" || area[0] === "9" || group === "00" || serial === "0000") return 0;
  if (SSN_PLACEHOLDERS.has(area + group + serial)) return 0;
  // Nine bare digits are an order number until the text says otherwise.
  if (!sep && !SSN_CONTEXT.test(contextBefore(text, m.index, 32))) return 0;
  return whole.length;
}

function acceptIpv4(m, text) {
  const start = m.index;
  if (!ipv4Ok(m[0])) return 0;
  // "Chrome/120.0.0.0" is a product version; "http://10.0.0.1" is an address.
  if (start >= 2 && text[start - 1] === "/" && /[A-Za-z0-9]/.test(text[start - 2])) return 0;
  if (VERSION_WORD.test(text.slice(Math.max(0, start - 16), start))) return 0;
  // name@1.2.3.4 pins a package version, except after ssh/scp (user@host).
  if (start >= 1 && text[start - 1] === "@") {
    const floor = Math.max(0, start - 64);
    const newline = text.lastIndexOf("\n", start - 1);
    const lineStart = newline >= floor ? newline + 1 : 0;
    if (!SSH_COMMAND.test(text.slice(Math.max(lineStart, start - 64), start))) return 0;
  }
  return m[0].length;
}

function scanIpv6(text, claimed) {
  const spans = [];
  let pos = 0;
  for (;;) {
    const colon = text.indexOf(":", pos);
    if (colon < 0) break;
    // A candidate starts at the hex run (at most 4 digits) just before a colon.
    let start = colon;
    while (start > 0 && colon - start <= 4 && HEX_CHARS.has(text, start - 1)) start--;
    let resume = colon + 1;
    if (colon - start <= 4 && start >= pos && (start === 0 || !IPV6_NOT_BEFORE.has(text, start - 1))) {
      IPV6_BODY.lastIndex = start;
      const m = IPV6_BODY.exec(text);
      if (m !== null && ipv6Ok(m[0]) && !claimed.overlaps(start, start + m[0].length)) {
        spans.push([start, start + m[0].length]);
        resume = start + m[0].length;
      }
    }
    pos = resume;
  }
  return spans;
}

function acceptPhone(m) {
  const raw = m[0];
  const groups = digitGroups(raw);
  const n = groups.reduce((sum, g) => sum + g.length, 0);
  if (raw[0] === "+") return n >= 8 && n <= 15 && groups[0][0] !== "0" ? raw.length : 0;
  if (groups.length < 2 || n < 10 || n > 11) return 0;
  const separators = new Set(raw.match(PHONE_SEPARATORS) || []);
  if (separators.has(".")) {
    // Dotted numbers are versions and addresses unless shaped like 415.555.2671.
    const ok = separators.size === 1 && groups.map((g) => g.length).join(",") === "3,3,4";
    return ok ? raw.length : 0;
  }
  if (raw[0] !== "(") {
    const first = groups[0];
    if (first.length === 4 && (first.startsWith("19") || first.startsWith("20")) && groups[1].length === 2) {
      return 0; // 2024-01-15 10
    }
    if (first.length < 2) return 0;
    if (groups.length >= 3 && groups.slice(1).every((g) => g.length === 3)) return 0; // thousands
  }
  return raw.length;
}

function acceptPlainPhone(m, text) {
  return PHONE_CONTEXT.test(contextBefore(text, m.index, 24)) ? m[0].length : 0;
}

// Spans of accepted candidates; accept(match, text) returns the accepted
// length (0 = not PII). A rejected candidate is retried one character later:
// "+44 7700 9001, card 4111 ..." may first yield a long non-card, and the card
// after it must still be found.
function scanRegex(text, claimed, pattern, accept) {
  const spans = [];
  let m;
  pattern.lastIndex = 0;
  while ((m = pattern.exec(text)) !== null) {
    const start = m.index;
    const taken = accept(m, text);
    if (taken <= 0 || claimed.overlaps(start, start + taken)) {
      pattern.lastIndex = start + 1;
      continue;
    }
    spans.push([start, start + taken]);
    pattern.lastIndex = start + taken;
  }
  return spans;
}

function scanPassports(text, claimed) {
  PASSPORT_CONTEXT.lastIndex = 0;
  const spans = [];
  const seen = new Set();
  let ctx;
  while ((ctx = PASSPORT_CONTEXT.exec(text)) !== null) {
    // The window is a slice so both implementations see the same edges.
    const after = ctx.index + ctx[0].length;
    const number = PASSPORT_NUMBER.exec(text.slice(after, after + PASSPORT_WINDOW));
    if (number === null) continue;
    const start = after + number.index;
    const end = start + number[0].length;
    const digits = [...number[0]].filter(isDigit).length;
    if (seen.has(start) || digits < 2) continue;
    if (claimed.overlaps(start, end)) continue;
    seen.add(start);
    spans.push([start, end]);
  }
  return spans.sort((a, b) => a[0] - b[0]);
}

// Most specific first: what a step accepts, later steps may not claim again.
// The literals are a cheap pre-check: none in the text, no pass at all.
const regexStep = (pattern, accept) => (text, claimed) => scanRegex(text, claimed, pattern, accept);
const STEPS = [
  ["PRIVATE_KEY", regexStep(PRIVATE_KEY, acceptPrivateKey), ["PRIVATE KEY"]],
  ["JWT", regexStep(JWT, acceptJwt), ["eyJ"]],
  ["AWS_ACCESS_KEY", regexStep(AWS_KEY, acceptAwsKey), ["AKIA", "ASIA", "ABIA", "ACCA"]],
  ["API_KEY", regexStep(API_KEY, acceptApiKey), ["sk-", "_live_", "gh", "github_pat_", "xox", "AIza"]],
  ["EMAIL", scanEmails, ["@"]],
  ["IBAN", regexStep(IBAN, acceptIban), []],
  ["CREDIT_CARD", regexStep(CARD, acceptCard), []],
  ["US_SSN", regexStep(SSN, acceptSsn), []],
  ["IP_ADDRESS", regexStep(IPV4, acceptIpv4), ["."]],
  ["IP_ADDRESS", scanIpv6, [":"]],
  ["PASSPORT", scanPassports, []],
  ["PHONE", regexStep(PHONE, acceptPhone), []],
  ["PHONE", regexStep(PHONE_PLAIN, acceptPlainPhone), []],
];

/** Occurrences per PII category (only categories found; never the values). */
export function countPII(text) {
  if (typeof text !== "string") throw new TypeError("countPII() needs a string");
  const counts = {};
  const claimed = new Claimed();
  for (const [category, scanner, literals] of STEPS) {
    if (literals.length && !literals.some((lit) => text.includes(lit))) continue;
    const spans = scanner(text, claimed);
    if (spans.length) {
      counts[category] = (counts[category] || 0) + spans.length;
      claimed.add(spans);
    }
  }
  const ordered = {};
  for (const c of CATEGORIES) if (counts[c]) ordered[c] = counts[c];
  return ordered;
}

/** Names of the PII categories present in `text`, in CATEGORIES order. */
export function detectPII(text) {
  return Object.keys(countPII(text));
}
