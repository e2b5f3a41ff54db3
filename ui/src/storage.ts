// What the app remembers across restarts (localStorage): the preview's volume and length, the
// playlist knobs' last settings. Private browsing (or a full store) just forgets.

export function readStored(key: string): string | null {
  try { return localStorage.getItem(key); } catch { return null; }
}

export function store(key: string, value: string) {
  try { localStorage.setItem(key, value); } catch { /* not remembered */ }
}

/** A stored JSON value (null: none, or not JSON). */
export function readStoredJson(key: string): unknown {
  const text = readStored(key);
  if (text == null) return null;
  try { return JSON.parse(text); } catch { return null; }
}
