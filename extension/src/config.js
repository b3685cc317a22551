// Settings: enterprise policy (chrome.storage.managed, see managed_schema.json)
// wins key by key over what the user typed in the popup (chrome.storage.local).

export const CONFIG_KEY = "tv_config";
export const KEYS = Object.freeze(["serverUrl", "orgKey", "userIdSalt", "userIdentifier", "reportUnknownServices"]);
const DEFAULTS = Object.freeze({
  serverUrl: "",
  orgKey: "",
  userIdSalt: "",
  userIdentifier: "",
  reportUnknownServices: true,
});
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Normalise a server URL: https, or http only on loopback (the org key and the
 * events would otherwise cross the network in clear). Returns "" when invalid.
 */
export function normalizeServerUrl(value) {
  if (typeof value !== "string" || !value.trim()) return "";
  let url;
  try {
    url = new URL(value.trim());
  } catch {
    return "";
  }
  if (url.username || url.password || url.search || url.hash) return "";
  const secure = url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
  if (!secure) return "";
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function pick(raw, key) {
  if (!raw || typeof raw !== "object" || !(key in raw)) return undefined;
  const value = raw[key];
  if (key === "reportUnknownServices") return typeof value === "boolean" ? value : undefined;
  return typeof value === "string" ? value.slice(0, 2048) : undefined;
}

/** Effective settings plus which keys the policy fixed (the popup greys those out). */
export function resolveConfig(managed, local) {
  const config = { ...DEFAULTS };
  const managedKeys = [];
  for (const key of KEYS) {
    const fromPolicy = pick(managed, key);
    const fromUser = pick(local, key);
    if (fromPolicy !== undefined) {
      config[key] = fromPolicy;
      managedKeys.push(key);
    } else if (fromUser !== undefined) {
      config[key] = fromUser;
    }
  }
  config.serverUrl = normalizeServerUrl(config.serverUrl);
  config.orgKey = config.orgKey.trim();
  return { config, managedKeys };
}

/** Read both areas through the chrome API (absent policy is just {}). */
export async function loadConfig(chromeApi) {
  let managed = {};
  try {
    managed = (await chromeApi.storage.managed.get(null)) || {};
  } catch {
    managed = {}; // no policy schema or not managed: not an error
  }
  const stored = await chromeApi.storage.local.get(CONFIG_KEY);
  return resolveConfig(managed, stored[CONFIG_KEY] || {});
}
