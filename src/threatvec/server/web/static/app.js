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
  const source = new EventSource("/api/v1/signals/stream");
  source.onopen = () => dot && dot.classList.add("on");
  source.onerror = () => dot && dot.classList.remove("on");
  const onMessage = (ev) => {
    let payload;
    try { payload = JSON.parse(ev.data); } catch { return; }
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

async function apiFetch(url, options = {}) {
  const headers = Object.assign({ "X-CSRF-Token": csrfToken() }, options.headers || {});
  return fetch(url, Object.assign({}, options, { headers, credentials: "same-origin" }));
}
window.threatvecApi = apiFetch;

document.addEventListener("DOMContentLoaded", () => {
  confirmForms();
  liveTraffic();
});
