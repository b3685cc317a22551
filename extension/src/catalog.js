// The AI service catalog: validation, hostname matching, and the filters and
// match patterns the service worker registers with Chrome. Pure functions, so
// node's test runner can check them without a browser.

export const KINDS = Object.freeze(["consumer", "enterprise"]);

// A registrable hostname: lowercase labels, no scheme, port, path or wildcard.
// Anything else could smuggle a broad match pattern into registerContentScripts.
const DOMAIN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;
const MAX_SERVICES = 5000;
const MAX_TEXT = 120;

function cleanText(value, fallback) {
  if (typeof value !== "string") return fallback;
  const trimmed = value.trim();
  return trimmed ? trimmed.slice(0, MAX_TEXT) : fallback;
}

/** Validate one entry; returns a clean copy or null. */
export function normalizeService(raw) {
  if (raw === null || typeof raw !== "object") return null;
  const domain = typeof raw.domain === "string" ? raw.domain.trim().toLowerCase().replace(/\.$/, "") : "";
  if (!DOMAIN_RE.test(domain)) return null;
  const kind = KINDS.includes(raw.kind) ? raw.kind : "consumer";
  return {
    domain,
    service: cleanText(raw.service, domain),
    vendor: cleanText(raw.vendor, "unknown"),
    category: cleanText(raw.category, "other").toLowerCase(),
    kind,
  };
}

/** Validate a catalog document ({"services": [...]}); invalid entries are dropped. */
export function normalizeCatalog(doc) {
  const list = doc && Array.isArray(doc.services) ? doc.services.slice(0, MAX_SERVICES) : [];
  const byDomain = new Map();
  for (const raw of list) {
    const entry = normalizeService(raw);
    if (entry) byDomain.set(entry.domain, entry);
  }
  return [...byDomain.values()];
}

/** Built-in entries overlaid with the server's (the server wins on a shared domain). */
export function mergeCatalogs(builtin, fromServer) {
  const byDomain = new Map(builtin.map((e) => [e.domain, e]));
  for (const entry of fromServer) byDomain.set(entry.domain, entry);
  return [...byDomain.values()].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
}

/** Lookup by exact host or any parent domain; the most specific entry wins. */
export function buildMatcher(services) {
  const byDomain = new Map(services.map((e) => [e.domain, e]));
  return {
    size: byDomain.size,
    match(hostname) {
      if (typeof hostname !== "string" || !hostname) return null;
      let host = hostname.toLowerCase().replace(/\.$/, "");
      for (;;) {
        const hit = byDomain.get(host);
        if (hit) return hit;
        const dot = host.indexOf(".");
        if (dot < 0) return null;
        host = host.slice(dot + 1);
      }
    },
  };
}

/** Hostname of an http(s) URL, or null for anything else (chrome://, file:, data:). */
export function httpHostname(url) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
    return parsed.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  } catch {
    return null;
  }
}

/**
 * webNavigation event filters. `hostSuffix: "chatgpt.com"` alone would also
 * match "notchatgpt.com", so each domain gets an exact filter plus a
 * dot-prefixed suffix filter; buildMatcher makes the final decision anyway.
 */
export function navigationFilters(services) {
  const filters = [];
  for (const { domain } of services) {
    filters.push({ hostEquals: domain, schemes: ["https", "http"] });
    filters.push({ hostSuffix: `.${domain}`, schemes: ["https", "http"] });
  }
  return { url: filters };
}

/** Content-script match patterns; "*.example.com" covers the domain and its subdomains. */
export function matchPatterns(services) {
  return services.map(({ domain }) => `*://*.${domain}/*`);
}
