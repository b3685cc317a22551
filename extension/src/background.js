// ThreatVec service worker: notices AI-service visits, decides which pastes,
// uploads and submits are reported, scans their text for PII categories, and
// delivers the resulting events. Page text reaches this worker only over the
// extension's own message channel, is scanned here and then dropped; only
// buildEvent() records (category names and counts) are stored or sent.

import { buildMatcher, httpHostname, matchPatterns, mergeCatalogs, navigationFilters, normalizeCatalog } from "./catalog.js";
import { CONFIG_KEY, loadConfig } from "./config.js";
import { browserTag, buildEvent, userHash } from "./events.js";
import { countPII } from "./pii.js";
import { EventQueue, PENDING_USER } from "./queue.js";
import { foldLocalIds, orgSalt } from "./salt.js";
import { assessUnknownPage } from "./unknown.js";

const REMOTE_CATALOG_KEY = "tv_catalog_remote";
const VISITS_KEY = "tv_visits";
const STARTED_KEY = "tv_started";
const VISIT_WINDOW_MS = 30 * 60_000; // one visit event per service per tab per half hour
const FLUSH_DEBOUNCE_MS = 1_500;
const MAX_SCAN_CHARS = 8 * 1024 * 1024;
const CONTENT_SCRIPT = "src/content.js";
const CATALOG_SCRIPT_ID = "tv-catalog-pages";
const SENTINEL_SCRIPT_ID = "tv-sentinel";

// Every web page, until init() has read the catalog and narrows the filter.
const ANY_WEB_PAGE = { url: [{ schemes: ["https", "http"] }] };
const BROWSER = browserTag(self.navigator.userAgentData, self.navigator.userAgent);

// The bundled catalog is read with fetch() in init(), not imported as a JSON
// module: Chromium (156) runs a module service worker that imports JSON when
// the extension is installed, but cannot start it again after a browser
// restart ("DidStartWorkerFail ... 3"), which left the extension dead from the
// first restart on. See docs/extension.md, "Browser restart".
let BUILTIN = [];
let services = [];
let matcher = buildMatcher(services);
let flushTimer = null;
// Two wrappers of onCommitted, so a new filter is added before the old one is
// removed: re-registering one function leaves a moment with no listener in the
// browser, and a page committed then was never seen (a catalog refresh at start
// as the user opened ChatGPT). A commit both see is one visit: recordVisit()
// keeps one per tab and service.
const navigationListeners = [(details) => onCommitted(details), (details) => onCommitted(details)];
let activeNavigationListener = 0;

const localArea = {
  get: async (key) => (await chrome.storage.local.get(key))[key],
  set: (key, value) => chrome.storage.local.set({ [key]: value }),
};
const queue = new EventQueue({ storage: localArea, fetchFn: (url, init) => fetch(url, init) });

// Listeners are registered synchronously at the top level so that Chrome can
// wake the worker for them; the navigation filter starts wide (the catalog is
// not read yet, and onCommitted waits for it) and is narrowed to the catalog's
// hosts by applyCatalog() as soon as init() has read it.
chrome.webNavigation.onCommitted.addListener(navigationListeners[0], ANY_WEB_PAGE);
chrome.runtime.onMessage.addListener(onMessage);
chrome.alarms.onAlarm.addListener(onAlarm);
chrome.storage.onChanged.addListener(onStorageChanged);
// Install and browser start wake the worker; init() below does the work.
chrome.runtime.onInstalled.addListener(() => ready);
chrome.runtime.onStartup.addListener(() => ready);

const ready = init().catch((err) => console.warn("threatvec: init failed", err && err.message));
// Lets tests and the popup wait until listeners, catalog and scripts are in place.
self.threatvecReady = ready;

async function init() {
  const bundled = await fetch(chrome.runtime.getURL("src/catalog.json"));
  BUILTIN = normalizeCatalog(await bundled.json());
  const remote = await localArea.get(REMOTE_CATALOG_KEY);
  const hasRemote = remote && Array.isArray(remote.services);
  applyCatalog(hasRemote ? mergeCatalogs(BUILTIN, normalizeCatalog(remote)) : BUILTIN);
  await start();
}

// Once per browser session (session storage is empty again after a browser
// start or an extension update): content scripts, alarms, and the tabs that
// were already open before this worker was listening.
async function start() {
  const session = await chrome.storage.session.get(STARTED_KEY);
  if (session[STARTED_KEY]) return;
  await chrome.storage.session.set({ [STARTED_KEY]: Date.now() });
  await syncContentScripts();
  await chrome.alarms.create("tv-flush", { periodInMinutes: 1 });
  await chrome.alarms.create("tv-catalog", { periodInMinutes: 360, delayInMinutes: 1 });
  // Not awaited: a restored tab that is still loading may hold executeScript up,
  // and nothing else should wait for that.
  scanOpenTabs().catch((err) => console.warn("threatvec: open tabs", err && err.message));
  refreshCatalog().catch(() => {});
  scheduleFlush();
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
}

function applyCatalog(list) {
  services = list;
  matcher = buildMatcher(list);
  const next = 1 - activeNavigationListener;
  chrome.webNavigation.onCommitted.addListener(navigationListeners[next], navigationFilters(list));
  chrome.webNavigation.onCommitted.removeListener(navigationListeners[activeNavigationListener]);
  activeNavigationListener = next;
}

// One registration at a time: concurrent calls would collide on the ids.
let scriptsChain = Promise.resolve();
function syncContentScripts() {
  const run = scriptsChain.then(registerContentScripts, registerContentScripts);
  scriptsChain = run.catch(() => {});
  return run;
}

async function registerContentScripts() {
  const { config } = await loadConfig(chrome);
  const registered = new Set((await chrome.scripting.getRegisteredContentScripts()).map((s) => s.id));
  const patterns = matchPatterns(services);
  const scripts = [
    { id: CATALOG_SCRIPT_ID, js: [CONTENT_SCRIPT], matches: patterns, runAt: "document_start", persistAcrossSessions: true },
  ];
  if (config.reportUnknownServices) {
    // Everywhere else the same script only listens for paste, drop and file
    // choice; it sends nothing unless the worker says the page looks like an
    // AI service (see decide()).
    scripts.push({
      id: SENTINEL_SCRIPT_ID,
      js: [CONTENT_SCRIPT],
      matches: ["https://*/*", "http://*/*"],
      excludeMatches: patterns,
      runAt: "document_idle",
      persistAcrossSessions: true,
    });
  }
  // A script already registered is updated in place, never unregistered and
  // registered again: a page that loaded between the two got no script, and its
  // pastes went uncounted.
  const stale = [CATALOG_SCRIPT_ID, SENTINEL_SCRIPT_ID].filter((id) => registered.has(id) && !scripts.some((s) => s.id === id));
  if (stale.length) await chrome.scripting.unregisterContentScripts({ ids: stale });
  const kept = scripts.filter((s) => registered.has(s.id));
  if (kept.length) await chrome.scripting.updateContentScripts(kept);
  const added = scripts.filter((s) => !registered.has(s.id));
  if (added.length) await chrome.scripting.registerContentScripts(added);
}

async function scanOpenTabs() {
  const tabs = await chrome.tabs.query({});
  const covered = tabs.map(async (tab) => {
    const entry = matcher.match(httpHostname(tab.url || tab.pendingUrl || ""));
    if (!entry || tab.id === undefined) return;
    await recordVisit(entry.domain, tab.id);
    const injection = chrome.scripting
      .executeScript({ target: { tabId: tab.id }, files: [CONTENT_SCRIPT] })
      .catch(() => {}); // discarded or error pages cannot take scripts
    await withTimeout(injection, 5_000);
  });
  await Promise.all(covered);
}

function onCommitted(details) {
  if (details.frameId !== 0) return;
  ready
    .then(() => {
      const entry = matcher.match(httpHostname(details.url));
      if (!entry) return; // never a visit outside the catalog: that would be browsing history
      return recordVisit(entry.domain, details.tabId);
    })
    .catch((err) => console.warn("threatvec: visit", err && err.message));
}

// One at a time: the start-up scan and onCommitted both see a restored tab, and
// two interleaved read-modify-writes of VISITS_KEY would report it twice.
let visitsChain = Promise.resolve();
function recordVisit(domain, tabId) {
  const run = visitsChain.then(() => recordVisitNow(domain, tabId));
  visitsChain = run.catch(() => {});
  return run;
}

async function recordVisitNow(domain, tabId) {
  const now = Date.now();
  const key = `${tabId}:${domain}`;
  const stored = (await chrome.storage.session.get(VISITS_KEY))[VISITS_KEY] || {};
  if (stored[key] && now - stored[key] < VISIT_WINDOW_MS) return;
  stored[key] = now;
  for (const [k, t] of Object.entries(stored)) if (now - t >= VISIT_WINDOW_MS) delete stored[k];
  await chrome.storage.session.set({ [VISITS_KEY]: stored });
  await enqueueEvent({ domain, eventType: "visit", counts: {}, unknownService: false, signals: {} });
}

async function enqueueEvent({ domain, eventType, counts, unknownService, signals }) {
  const { config } = await loadConfig(chrome);
  const event = buildEvent({
    domain,
    eventType,
    counts,
    occurredAt: new Date(),
    browser: BROWSER,
    userHash: null,
    unknownService,
    signals,
  });
  // The user id is made at delivery, with the org's salt from the server (salt.js):
  // an event queued while the server is unreachable waits for it instead of going
  // out under an id no other source shares.
  if (config.userIdentifier.trim()) event[PENDING_USER] = true;
  await queue.enqueue([event]);
  scheduleFlush();
}

function scheduleFlush() {
  if (flushTimer !== null) return;
  flushTimer = setTimeout(() => {
    flushTimer = null;
    flushNow(false).catch(() => {});
  }, FLUSH_DEBOUNCE_MS);
}

async function flushNow(force) {
  const { config } = await loadConfig(chrome);
  const user = await currentUserHash(config);
  return queue.flush(config, { force, userHash: user.pending ? undefined : user.hash });
}

// {hash} (null without an identifier) or {pending} while the org's salt is unknown.
async function currentUserHash(config) {
  if (!config.userIdentifier.trim()) return { hash: null };
  const org = await orgSalt({ config, storage: localArea, fetchFn: (url, init) => fetch(url, init) });
  if (org.pending) return org;
  if (org.source === "server") {
    const rewrite = (from, to) => queue.rewriteUserHash(from, to);
    await foldLocalIds({ config, storage: localArea, fetchFn: (url, init) => fetch(url, init), salt: org.salt, rewrite }).catch(
      () => {},
    );
  }
  return { hash: await userHash(org.salt, config.userIdentifier) };
}

// Decide what a content script may report from the page it runs in.
async function decide(sender, eventType, largeInput) {
  const hostname = httpHostname(sender.url || (sender.tab && sender.tab.url) || "");
  if (!hostname) return { mode: "off" };
  const entry = matcher.match(hostname);
  if (entry) return { mode: "catalog", domain: entry.domain };
  if (eventType !== "paste" && eventType !== "upload") return { mode: "off" };
  const { config } = await loadConfig(chrome);
  if (!config.reportUnknownServices) return { mode: "off" };
  const title = sender.tab && typeof sender.tab.title === "string" ? sender.tab.title : "";
  const assessment = assessUnknownPage({ hostname, title, largeInput });
  if (!assessment.looksLikeAI) return { mode: "off" };
  return { mode: "unknown", domain: hostname, signals: assessment.signals };
}

function countAll(texts) {
  const total = {};
  let budget = MAX_SCAN_CHARS;
  for (const text of texts) {
    if (typeof text !== "string" || budget <= 0) continue;
    const slice = text.slice(0, budget);
    budget -= slice.length;
    for (const [category, n] of Object.entries(countPII(slice))) total[category] = (total[category] || 0) + n;
  }
  return total;
}

async function handleScan(message, sender) {
  const eventType = message.eventType;
  if (!["paste", "upload", "submit"].includes(eventType)) return { ok: false };
  const decision = await decide(sender, eventType, message.largeInput === true);
  if (decision.mode === "off") return { ok: false };
  const counts = countAll(Array.isArray(message.texts) ? message.texts : []);
  const signals = { ...(decision.signals || {}) };
  if (eventType === "upload") {
    signals.files = Number.isInteger(message.files) ? message.files : 0;
    signals.skipped_files = Number.isInteger(message.skippedFiles) ? message.skippedFiles : 0;
  }
  if (["drop", "input", "paste"].includes(message.via)) signals.via = message.via;
  // An unknown service is reported only when personal data went into it.
  if (decision.mode === "unknown" && Object.keys(counts).length === 0) return { ok: false };
  await enqueueEvent({
    domain: decision.domain,
    eventType,
    counts,
    unknownService: decision.mode === "unknown",
    signals,
  });
  return { ok: true };
}

function onMessage(message, sender, sendResponse) {
  // Only our own content scripts and pages talk to the worker.
  if (!message || typeof message !== "object" || sender.id !== chrome.runtime.id) return false;
  const reply = (promise) => {
    promise.then(sendResponse, (err) => sendResponse({ ok: false, error: String(err && err.message) }));
    return true;
  };
  switch (message.type) {
    case "tv-intent":
      return reply(
        ready.then(() => decide(sender, message.eventType, message.largeInput === true)).then((d) => ({ proceed: d.mode !== "off" })),
      );
    case "tv-scan":
      return reply(ready.then(() => handleScan(message, sender)));
    case "tv-flush":
      return reply(flushNow(true));
    case "tv-status":
      return reply(ready.then(() => queue.status()).then((status) => ({ ...status, services: services.length, browser: BROWSER })));
    case "tv-refresh-catalog":
      return reply(ready.then(refreshCatalog));
    default:
      return false;
  }
}

async function refreshCatalog() {
  const { config } = await loadConfig(chrome);
  if (!config.serverUrl || !config.orgKey) return { ok: false, reason: "not configured" };
  const response = await fetch(`${config.serverUrl}/api/v1/shadow/catalog`, {
    headers: { "X-Org-Key": config.orgKey, Accept: "application/json" },
    credentials: "omit",
    cache: "no-store",
  });
  if (!response.ok) return { ok: false, status: response.status };
  const remote = normalizeCatalog(await response.json());
  await localArea.set(REMOTE_CATALOG_KEY, { services: remote, fetchedAt: new Date().toISOString() });
  applyCatalog(mergeCatalogs(BUILTIN, remote));
  await syncContentScripts();
  return { ok: true, services: services.length };
}

function onAlarm(alarm) {
  if (alarm.name === "tv-flush") ready.then(() => flushNow(false)).catch(() => {});
  if (alarm.name === "tv-catalog") ready.then(refreshCatalog).catch(() => {});
}

function onStorageChanged(changes, area) {
  if (area === "managed" || (area === "local" && CONFIG_KEY in changes)) {
    ready
      .then(async () => {
        await syncContentScripts();
        await refreshCatalog().catch(() => {});
        await flushNow(true);
      })
      .catch(() => {});
  }
}
