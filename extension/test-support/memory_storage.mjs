// chrome.storage.local stand-in for the extension's node tests (outside test/, so node --test does not run it as a test file):
// out, as the real storage serialises them.
export class MemoryStorage {
  constructor() {
    this.data = new Map();
  }
  async get(key) {
    const value = this.data.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }
  async set(key, value) {
    this.data.set(key, structuredClone(value));
  }
}
