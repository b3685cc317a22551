// ThreatVec content script (a classic script: registered content scripts
// cannot be modules). It registers four passive listeners and does nothing
// else: it never reads the page on its own. When the user pastes, drops,
// chooses a file or submits a form, it asks the service worker whether this
// page is reported at all; only if so does it hand over the text involved
// (the pasted text, text-like files up to 2 MB, the submitted fields) for a
// local PII scan. Nothing here talks to the network.
(() => {
  if (globalThis.__threatvecContentScript) return; // injected twice (start-up scan + registration)
  globalThis.__threatvecContentScript = true;

  const MAX_FILE_BYTES = 2 * 1024 * 1024;
  const MAX_TOTAL_BYTES = 8 * 1024 * 1024;
  const MAX_FILES = 20;
  const TEXT_MIME = /^(?:text\/|application\/(?:json|ld\+json|xml|csv|x-yaml|yaml|toml|javascript|x-sh|sql|x-pem-file|x-ndjson)\b)/i;
  const TEXT_EXTENSION =
    /\.(?:txt|text|csv|tsv|json|jsonl|ndjson|md|markdown|log|xml|ya?ml|toml|ini|cfg|conf|env|pem|key|crt|sql|py|js|mjs|ts|tsx|jsx|java|kt|go|rs|rb|php|cs|c|h|cpp|hpp|swift|sh|bash|ps1|html?|css|eml|vcf|ics|srt|vtt|tex|rtf)$/i;

  function isTextLike(file) {
    // The file name is looked at here, locally, and never leaves this script.
    return TEXT_MIME.test(file.type || "") || TEXT_EXTENSION.test(file.name || "");
  }

  // Is there a chat-box-sized text input on the page? (A signal for pages
  // outside the catalog; geometry only, no content.)
  function largeInputPresent() {
    const inputs = document.querySelectorAll("textarea, [contenteditable]:not([contenteditable='false'])");
    for (const el of inputs) {
      const box = el.getBoundingClientRect();
      if (box.width >= 200 && box.width * box.height >= 12000) return true;
    }
    return false;
  }

  async function send(message) {
    try {
      return await chrome.runtime.sendMessage(message);
    } catch {
      return null; // extension reloaded or worker gone: drop silently
    }
  }

  async function readFiles(files) {
    const texts = [];
    let skipped = 0;
    let budget = MAX_TOTAL_BYTES;
    for (const [i, file] of files.entries()) {
      if (i >= MAX_FILES || file.size > MAX_FILE_BYTES || file.size > budget || !isTextLike(file)) {
        skipped++;
        continue;
      }
      try {
        texts.push(await file.text());
        budget -= file.size;
      } catch {
        skipped++;
      }
    }
    return { texts, skipped };
  }

  // `texts` were captured synchronously in the event handler (clipboard data
  // is gone once it returns); they are dropped here unless the worker wants them.
  async function report(eventType, texts, files, via) {
    const largeInput = largeInputPresent();
    const answer = await send({ type: "tv-intent", eventType, largeInput });
    if (!answer || answer.proceed !== true) return;
    const fromFiles = files.length ? await readFiles(files) : { texts: [], skipped: 0 };
    await send({
      type: "tv-scan",
      eventType,
      via,
      largeInput,
      texts: texts.concat(fromFiles.texts),
      files: files.length,
      skippedFiles: fromFiles.skipped,
    });
  }

  function filesOf(list) {
    return list ? Array.from(list) : [];
  }

  document.addEventListener(
    "paste",
    (event) => {
      const data = event.clipboardData;
      if (!data) return;
      const text = data.getData("text/plain") || "";
      const files = filesOf(data.files);
      if (files.length) report("upload", [text].filter(Boolean), files, "paste");
      else if (text) report("paste", [text], [], "paste");
    },
    true,
  );

  document.addEventListener(
    "drop",
    (event) => {
      const data = event.dataTransfer;
      if (!data) return;
      const files = filesOf(data.files);
      const text = files.length ? "" : data.getData("text/plain") || "";
      if (files.length) report("upload", [], files, "drop");
      else if (text) report("paste", [text], [], "drop");
    },
    true,
  );

  document.addEventListener(
    "change",
    (event) => {
      const input = event.target;
      if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
      const files = filesOf(input.files);
      if (files.length) report("upload", [], files, "input");
    },
    true,
  );

  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      // What is being submitted: free-text fields (never passwords or hidden fields).
      const texts = [];
      for (const el of form.querySelectorAll("textarea, input, [contenteditable]:not([contenteditable='false'])")) {
        if (el instanceof HTMLTextAreaElement) texts.push(el.value);
        else if (el instanceof HTMLInputElement) {
          if (["text", "search", "email", "tel", "url", ""].includes(el.type)) texts.push(el.value);
        } else texts.push(el.innerText || "");
      }
      report("submit", texts.filter(Boolean), [], undefined);
    },
    true,
  );
})();
