// chrome.storage.local stand-in for the extension's node tests: values are
// copied in and out, as the real storage serialises them. It sits outside
// test/ so that node --test does not run it as a test file of its own.
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
