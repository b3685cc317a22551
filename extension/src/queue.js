// A persisted, bounded event queue with batching and retry.
//
// MV3 service workers are stopped whenever Chrome likes, so the queue lives
// in storage (chrome.storage.local in the extension, a Map in tests) and every
// change is written before it counts. Delivery: batches of at most BATCH_SIZE
// events, POSTed with the org key; 2xx removes the batch (the events its reply
// lists as rejected are counted as lost); 400/413/422 drop it
// (it can never succeed) and count it; 401/403, 408, 429, 5xx and network
// errors keep it and back off exponentially (±20% jitter, Retry-After
// honoured, capped).
//
// An event that needs the user's id carries PENDING_USER instead of a user_hash
// until the org's salt is known (salt.js): flush() stamps it with the hash it is
// given, or holds it back (kept, not sent, not lost) when it is given none.

export const QUEUE_KEY = "tv_queue";
export const STATE_KEY = "tv_queue_state";
export const MAX_QUEUE = 5000;
export const BATCH_SIZE = 100;
export const BASE_DELAY_MS = 5_000;
export const MAX_DELAY_MS = 30 * 60_000;
export const PENDING_USER = "pending_user";

const DROP_STATUSES = new Set([400, 413, 422]);

function emptyState() {
  return { attempt: 0, nextAttemptAt: 0, dropped: {}, lastStatus: null, lastError: null, lastSentAt: null, sent: 0, held: 0 };
}

/** Delay before retry number `attempt` (1-based), with ±20% jitter from random(). */
export function backoffDelay(attempt, random = Math.random) {
  const raw = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.round(raw * jitter);
}

function retryAfterMs(headers) {
  const value = headers && typeof headers.get === "function" ? headers.get("Retry-After") : null;
  if (!value) return 0;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_DELAY_MS) : 0;
}

const FIELD_RE = /^[a-z_]{1,40}$/;

/**
 * How many events of a delivered batch the server refused, and the fields it named
 * (field names only: the server never echoes values). An unreadable body counts none.
 */
async function rejectedIn(response, batchSize) {
  let body;
  try {
    body = await response.json();
  } catch {
    return { count: 0, fields: "" };
  }
  const rejected = body && Array.isArray(body.rejected) ? body.rejected : [];
  const fields = new Set();
  for (const item of rejected) {
    for (const error of (item && Array.isArray(item.errors) ? item.errors : []).slice(0, 10)) {
      const field = error && Array.isArray(error.loc) ? error.loc[0] : undefined;
      if (typeof field === "string" && FIELD_RE.test(field)) fields.add(field);
    }
  }
  return { count: Math.min(rejected.length, batchSize), fields: [...fields].sort().slice(0, 5).join(", ") || "invalid" };
}

/** Stamp events waiting for the user id, or hold them back while it is unknown. */
function stampUsers(events, userHash) {
  const ready = [];
  const held = [];
  for (const event of events) {
    if (!event || !event[PENDING_USER]) ready.push(event);
    else if (userHash === undefined) held.push(event);
    else {
      const { [PENDING_USER]: _, ...stamped } = event; // the marker never leaves the browser
      ready.push({ ...stamped, user_hash: userHash });
    }
  }
  return { ready, held };
}

/**
 * storage: {get(key) -> Promise<value|undefined>, set(key, value) -> Promise}
 * fetchFn: the fetch API; now: () => epoch ms; random: () => [0, 1)
 */
export class EventQueue {
  constructor({ storage, fetchFn, now = Date.now, random = Math.random }) {
    this.storage = storage;
    this.fetchFn = fetchFn;
    this.now = now;
    this.random = random;
    this.chain = Promise.resolve();
  }

  // Serialise every read-modify-write: the worker handles events concurrently.
  locked(fn) {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  async load() {
    const events = (await this.storage.get(QUEUE_KEY)) || [];
    const state = { ...emptyState(), ...((await this.storage.get(STATE_KEY)) || {}) };
    return { events: Array.isArray(events) ? events : [], state };
  }

  async save(events, state) {
    await this.storage.set(QUEUE_KEY, events);
    await this.storage.set(STATE_KEY, state);
  }

  /** Append events; the oldest are dropped (and counted) beyond MAX_QUEUE. */
  enqueue(newEvents) {
    return this.locked(async () => {
      const { events, state } = await this.load();
      events.push(...newEvents);
      const overflow = events.length - MAX_QUEUE;
      if (overflow > 0) {
        events.splice(0, overflow);
        state.dropped.queue_full = (state.dropped.queue_full || 0) + overflow;
      }
      await this.save(events, state);
      return events.length;
    });
  }

  /** Queue length and delivery state, for the popup. */
  status() {
    return this.locked(async () => {
      const { events, state } = await this.load();
      return { queued: events.length, ...state };
    });
  }

  /** Queued events sent with user hash `from` (a salt of the install's own) get `to`. */
  rewriteUserHash(from, to) {
    return this.locked(async () => {
      const { events, state } = await this.load();
      let changed = 0;
      for (const event of events) {
        if (event && event.user_hash === from) {
          event.user_hash = to;
          changed += 1;
        }
      }
      if (changed) await this.save(events, state);
      return changed;
    });
  }

  /**
   * Send what is due. config: {serverUrl, orgKey}. Returns a summary
   * {sent, kept, dropped, status}. `force` ignores the backoff timer.
   * `userHash`: the id for events marked PENDING_USER (a hash, or null for
   * none); undefined while the org's salt is unknown: those events stay queued.
   */
  flush(config, { force = false, userHash = undefined } = {}) {
    return this.locked(async () => {
      const loaded = await this.load();
      const { state } = loaded;
      const summary = { sent: 0, kept: loaded.events.length, dropped: 0, status: null };
      if (!loaded.events.length || !config || !config.serverUrl || !config.orgKey) return summary;
      if (!force && state.nextAttemptAt > this.now()) return summary;
      const { ready: events, held } = stampUsers(loaded.events, userHash);
      state.held = held.length;
      while (events.length) {
        const batch = events.slice(0, BATCH_SIZE);
        let response;
        try {
          response = await this.fetchFn(`${config.serverUrl}/api/v1/shadow/events`, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-Org-Key": config.orgKey },
            body: JSON.stringify({ events: batch }),
            credentials: "omit",
            cache: "no-store",
          });
        } catch (err) {
          this.scheduleRetry(state, 0);
          state.lastStatus = null;
          state.lastError = "network";
          break;
        }
        state.lastStatus = response.status;
        if (response.ok) {
          // A 2xx keeps the good events of the batch and lists the ones it refused
          // (e.g. a clock more than 10 minutes fast): those are lost, not sent.
          const refused = await rejectedIn(response, batch.length);
          events.splice(0, batch.length);
          summary.sent += batch.length - refused.count;
          state.sent += batch.length - refused.count;
          if (refused.count) {
            summary.dropped += refused.count;
            state.dropped.rejected = (state.dropped.rejected || 0) + refused.count;
          }
          state.attempt = 0;
          state.nextAttemptAt = 0;
          state.lastError = refused.count ? `server rejected ${refused.count} event(s): ${refused.fields}` : null;
          state.lastSentAt = new Date(this.now()).toISOString();
          continue;
        }
        if (DROP_STATUSES.has(response.status)) {
          // The server will never take this batch; keeping it would block the rest.
          events.splice(0, batch.length);
          summary.dropped += batch.length;
          state.dropped.rejected = (state.dropped.rejected || 0) + batch.length;
          state.lastError = `rejected ${response.status}`;
          continue;
        }
        this.scheduleRetry(state, retryAfterMs(response.headers));
        state.lastError = response.status === 401 || response.status === 403 ? "org key refused" : `http ${response.status}`;
        break;
      }
      summary.kept = held.length + events.length;
      summary.status = state.lastStatus;
      await this.save([...held, ...events], state);
      return summary;
    });
  }

  scheduleRetry(state, minimumMs) {
    state.attempt += 1;
    state.nextAttemptAt = this.now() + Math.max(minimumMs, backoffDelay(state.attempt, this.random));
  }
}
