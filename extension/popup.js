// Popup: edit server URL and org key (unless policy fixed them), test the
// connection (GET {server}/healthz, then the org key through the worker's
// catalog request), and show the delivery state.
import { CONFIG_KEY, loadConfig, normalizeServerUrl } from "./src/config.js";

const $ = (id) => document.getElementById(id);

function show(id, text, cls) {
  const el = $(id);
  el.textContent = text;
  el.className = cls || "";
}

async function render() {
  const { config, managedKeys } = await loadConfig(chrome);
  $("serverUrl").value = config.serverUrl;
  $("orgKey").value = config.orgKey;
  for (const key of ["serverUrl", "orgKey"]) $(key).disabled = managedKeys.includes(key);
  $("managed-note").hidden = managedKeys.length === 0;
  const status = await chrome.runtime.sendMessage({ type: "tv-status" }).catch(() => null);
  if (status) {
    // Held events wait for the org's user id salt (server not reached yet): not lost.
    const held = status.held ? ` (${status.held} waiting for the organisation's user id salt)` : "";
    show("queued", `${status.queued}${held}`);
    show("sent", String(status.sent));
    // The last problem shows even after earlier deliveries (events refused, server down).
    const problem = status.lastError ? ` — ${status.lastError}` : "";
    show("last", status.lastSentAt ? `${status.lastSentAt} (${status.lastStatus})${problem}` : status.lastError || "never");
    const lost = Object.entries(status.dropped || {}).map(([k, v]) => `${k}: ${v}`).join(", ");
    show("dropped", lost || "none");
    show("services", String(status.services));
  }
  return config;
}

async function testConnection() {
  const { config } = await loadConfig(chrome);
  if (!config.serverUrl) return show("connection", "not configured", "bad");
  show("connection", "checking…");
  try {
    const response = await fetch(`${config.serverUrl}/healthz`, { cache: "no-store", credentials: "omit" });
    if (!response.ok) return show("connection", `server answered ${response.status}`, "bad");
  } catch {
    return show("connection", "unreachable", "bad");
  }
  if (!config.orgKey) return show("connection", "server reachable; enter the organisation key", "bad");
  // /healthz takes no key: ask the worker to fetch the org's catalog with it, the
  // same keyed request it makes anyway, so a mistyped key shows here at once.
  const check = await chrome.runtime.sendMessage({ type: "tv-refresh-catalog" }).catch(() => null);
  if (check && check.ok) show("connection", "connected", "ok");
  else if (check && (check.status === 401 || check.status === 403)) {
    show("connection", "the server refused the organisation key", "bad");
  } else {
    const why = check && check.status ? `HTTP ${check.status}` : "no answer";
    show("connection", `server reachable, but the key could not be checked (${why})`, "bad");
  }
}

$("settings").addEventListener("submit", async (event) => {
  event.preventDefault();
  const serverUrl = normalizeServerUrl($("serverUrl").value);
  if ($("serverUrl").value.trim() && !serverUrl) {
    return show("connection", "use https:// (http only for localhost)", "bad");
  }
  const stored = (await chrome.storage.local.get(CONFIG_KEY))[CONFIG_KEY] || {};
  await chrome.storage.local.set({ [CONFIG_KEY]: { ...stored, serverUrl, orgKey: $("orgKey").value.trim() } });
  await render();
  await testConnection();
});
$("test").addEventListener("click", testConnection);

render().then(testConnection);
