// Does a page outside the catalog look like a chat/LLM app? Only such pages,
// and only after a paste or upload that carries PII, are ever reported
// (issue 6: a visit alone is browsing history and is never sent).
//
// Signals are words from a fixed vocabulary found in the hostname or the tab
// title, plus whether the page has a large text input. Only the matched
// vocabulary words are kept, never the title itself.

// Words that on their own point at an AI service.
const STRONG = new Set([
  "ai", "gpt", "chatgpt", "llm", "llama", "claude", "gemini", "copilot", "mistral",
  "chatbot", "openai", "genai", "deepseek", "qwen", "grok", "ollama", "vllm", "openwebui", "librechat",
]);
// Words that count only together with another signal ("chat" alone is Slack or Google Chat).
const WEAK = new Set(["chat", "bot", "agent", "assistant", "prompt", "model", "models", "ask", "inference"]);

const SPLIT_RE = /[^a-z0-9]+/;

function termsOf(text, fromHost) {
  const found = new Set();
  if (typeof text !== "string" || !text) return found;
  const lower = text.toLowerCase();
  for (const word of lower.split(SPLIT_RE)) {
    if (STRONG.has(word) || WEAK.has(word)) found.add(word);
  }
  if (fromHost) {
    // Hosts glue words together ("mychatgptclone", "llmstudio"): look inside labels too.
    for (const word of ["chatgpt", "gpt", "llm", "chatbot", "openai", "genai", "chat"]) {
      if (lower.includes(word)) found.add(word);
    }
  }
  return found;
}

/**
 * Score a page: strong words 2, weak words 1, over the distinct words of host
 * and title. It looks like an AI service when the score is at least 2 and the
 * page has a large text input (the chat box).
 */
export function assessUnknownPage({ hostname, title, largeInput }) {
  const host = typeof hostname === "string" ? hostname.toLowerCase() : "";
  // Of all top-level domains only ".ai" says something: AI products pick it.
  const labels = host.split(".");
  const tld = labels.length > 1 ? labels.pop() : "";
  const hostTerms = termsOf(labels.join("."), true);
  if (tld === "ai") hostTerms.add("ai");
  const titleTerms = termsOf(title, false);
  const all = new Set([...hostTerms, ...titleTerms]);
  let score = 0;
  for (const word of all) score += STRONG.has(word) ? 2 : 1;
  const looksLikeAI = largeInput === true && score >= 2;
  return {
    looksLikeAI,
    signals: {
      host_terms: [...hostTerms].sort(),
      title_terms: [...titleTerms].sort(),
      large_input: largeInput === true,
      score,
    },
  };
}
