// The org's user id salt: fetched from the server with the ingest key (the org
// key), cached per server and key, never logged. With it the extension's user
// ids match the same person's Copilot, Okta and proxy records without an admin
// copying the salt into the policy (docs/extension.md, "User ids").
//
// Server unreachable: no salt is guessed. Events that need a user id wait in
// the queue (queue.js holds them) until the salt arrives; nothing is lost.
// A server that predates the endpoint (404): the policy's userIdSalt, as before.

import { userHash } from "./events.js";

export const SALT_KEY = "tv_user_salt";
export const SALT_PATH = "/api/v1/shadow/user-id-salt";
export const MERGE_PATH = "/api/v1/shadow/user-ids/merge";
const MIN_SALT = 8;

async function sha256Hex(text) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Which server and org a cached salt belongs to: a hash, so the key is not copied again.
function sourceTag(config) {
  return sha256Hex(`${config.serverUrl}\n${config.orgKey}`);
}

async function cachedFor(config, storage) {
  const cached = await storage.get(SALT_KEY);
  if (!cached || typeof cached.salt !== "string" || cached.salt.length < MIN_SALT) return null;
  return cached.tag === (await sourceTag(config)) ? cached : null;
}

/**
 * The salt to hash users with: {salt, source: "server" | "policy"}, or
 * {pending: reason} when it cannot be known yet (events then wait).
 * storage: {get, set}; fetchFn: the fetch API.
 */
export async function orgSalt({ config, storage, fetchFn }) {
  if (!config.serverUrl || !config.orgKey) return { pending: "not configured" };
  const cached = await cachedFor(config, storage);
  if (cached) return { salt: cached.salt, source: "server" };
  let response;
  try {
    response = await fetchFn(`${config.serverUrl}${SALT_PATH}`, {
      headers: { "X-Org-Key": config.orgKey, Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return { pending: "network" };
  }
  // An older server has no such endpoint: fall back to the policy's salt (or none).
  if (response.status === 404) return { salt: config.userIdSalt || null, source: "policy" };
  if (!response.ok) return { pending: `http ${response.status}` };
  let body;
  try {
    body = await response.json();
  } catch {
    return { pending: "unreadable reply" };
  }
  if (!body || typeof body.salt !== "string" || body.salt.length < MIN_SALT) return { pending: "unreadable reply" };
  await storage.set(SALT_KEY, {
    tag: await sourceTag(config),
    salt: body.salt,
    fetchedAt: new Date().toISOString(),
    merged: [],
  });
  return { salt: body.salt, source: "server" };
}

/**
 * Ids this install made with a salt of its own (the policy's or the user's
 * userIdSalt, when it is not the org's): queued events take the org-salt id
 * (rewrite), and the server is asked once to fold the stored ones
 * (POST MERGE_PATH). Returns what was done, for tests and the popup.
 */
export async function foldLocalIds({ config, storage, fetchFn, salt, rewrite }) {
  const local = config.userIdSalt;
  if (!local || local === salt || !config.userIdentifier) return { folded: false };
  const [from, to] = await Promise.all([userHash(local, config.userIdentifier), userHash(salt, config.userIdentifier)]);
  if (!from || !to) return { folded: false };
  await rewrite(from, to);
  const cached = await cachedFor(config, storage);
  if (!cached) return { folded: false };
  const merged = Array.isArray(cached.merged) ? cached.merged : [];
  if (merged.includes(from)) return { folded: true, sent: false };
  let response;
  try {
    response = await fetchFn(`${config.serverUrl}${MERGE_PATH}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Org-Key": config.orgKey },
      body: JSON.stringify({ from_hash: from, to_hash: to }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return { folded: false }; // tried again on the next flush
  }
  // 404: a server without the merge keeps the two ids apart; asking again will not help.
  if (!response.ok && response.status !== 404) return { folded: false, status: response.status };
  await storage.set(SALT_KEY, { ...cached, merged: [...merged, from].slice(-8) });
  return { folded: response.ok, sent: true, status: response.status };
}
