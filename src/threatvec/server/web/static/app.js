// ThreatVec dashboard script: progressive enhancement only; every page works without it.
// Text from the server is always inserted with textContent, never as HTML.

function csrfToken() {
  return document.body ? document.body.dataset.csrf || "" : "";
}

function confirmForms() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  }
}

function liveTraffic() {
  const list = document.getElementById("live-list");
  if (!list || typeof EventSource === "undefined") return;
  const dot = document.getElementById("live-status");
  // Resume after the newest signal the server rendered: one that arrives while the
  // page loads is neither lost nor shown twice.
  const since = /^\d+$/.test(list.dataset.since || "") ? "?since=" + list.dataset.since : "";
  const source = new EventSource("/api/v1/signals/stream" + since);
  source.onopen = () => dot && dot.classList.add("on");
  source.onerror = () => dot && dot.classList.remove("on");
  const onMessage = (ev) => {
    let payload;
    try { payload = JSON.parse(ev.data); } catch { return; }
    if (payload.data && Array.isArray(payload.data.events)) { liveBatch(list, payload); return; }
    const li = document.createElement("li");
    li.dataset.kind = payload.kind;
    const time = document.createElement("span");
    time.className = "muted";
    time.textContent = (payload.created_at || "").replace("T", " ").slice(0, 19) + " ";
    const kind = document.createElement("strong");
    kind.textContent = payload.kind + " ";
    const data = document.createElement("span");
    data.textContent = JSON.stringify(payload.data);
    li.append(time, kind, data);
    list.prepend(li);
    while (list.children.length > 500) list.lastElementChild.remove();
    const empty = document.getElementById("live-empty");
    if (empty) empty.hidden = true;
  };
  source.onmessage = onMessage;
  window.threatvecLive = source;
}

// A batch signal (agent.events / agent.flagged) carries compact summaries of its
// events: one line per event, newest batch on top, in the batch's own order.
function liveBatch(list, payload) {
  const data = payload.data;
  const when = (payload.created_at || "").replace("T", " ").slice(0, 19) + " ";
  const lines = data.events.slice(0, 100).map((e) => {
    const li = document.createElement("li");
    li.dataset.kind = payload.kind;
    li.dataset.eventType = String(e.type || "");
    const time = document.createElement("span");
    time.className = "muted";
    time.textContent = when;
    const kind = document.createElement("strong");
    kind.textContent = String(e.type || payload.kind) + " ";
    const agent = document.createElement("span");
    agent.className = "live-agent";
    agent.textContent = String(data.agent || "") + " ";
    const what = document.createElement("span");
    const parts = [e.subject, e.server, e.destination && "→ " + e.destination, e.outcome]
      .filter((p) => p !== undefined && p !== null && p !== "").map(String);
    if (Array.isArray(e.flags) && e.flags.length) parts.push("⚑ " + e.flags.map(String).join(", "));
    what.textContent = parts.join(" · ");
    li.append(time, kind, agent, what);
    return li;
  });
  if (data.more) {
    const li = document.createElement("li");
    li.dataset.kind = payload.kind;
    li.className = "muted";
    li.textContent = `… and ${Number(data.more)} more from ${String(data.agent || "")}`;
    lines.push(li);
  }
  list.prepend(...lines);
  while (list.children.length > 500) list.lastElementChild.remove();
  const empty = document.getElementById("live-empty");
  if (empty) empty.hidden = true;
}

async function apiFetch(url, options = {}) {
  const headers = Object.assign({ "X-CSRF-Token": csrfToken() }, options.headers || {});
  return fetch(url, Object.assign({}, options, { headers, credentials: "same-origin" }));
}
window.threatvecApi = apiFetch;

// Won't fix from the CVE table: the justification field shows (and is
// required) only when that status is picked.
function wontFixReasons() {
  for (const form of document.querySelectorAll("form.status-form")) {
    const select = form.querySelector("select[name=status]");
    const reason = form.querySelector("input[name=justification]");
    if (!select || !reason) continue;
    const sync = () => {
      const wanted = select.value === "wont_fix" && select.dataset.current !== "wont_fix";
      reason.hidden = !wanted;
      reason.required = wanted;
    };
    select.addEventListener("change", sync);
    sync();
  }
}

// A background tech-stack import: the bar follows the job's percent
// (GET /api/v1/tech-stack/imports/{id}, with the session cookie); once it has
// finished the page reloads to show the result. Without JS: the Refresh link.
function stackImportProgress() {
  const box = document.getElementById("stack-import");
  if (!box || !box.dataset.job) return;
  const bar = document.getElementById("stack-import-progress");
  const label = document.getElementById("stack-import-percent");
  const phase = document.getElementById("stack-import-phase");
  const url = `/api/v1/tech-stack/imports/${encodeURIComponent(box.dataset.job)}`;
  const poll = async () => {
    let job;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return void setTimeout(poll, 2000);
      job = await response.json();
    } catch {
      return void setTimeout(poll, 2000);
    }
    bar.value = job.percent;
    label.textContent = `${Math.round(job.percent)}%`;
    phase.textContent = job.phase;
    if (job.status === "completed" || job.status === "failed") window.location.reload();
    else setTimeout(poll, 400);
  };
  setTimeout(poll, 200);
}

document.addEventListener("DOMContentLoaded", () => {
  confirmForms();
  liveTraffic();
  wontFixReasons();
  stackImportProgress();
});
