// When the map asks for get_map again: only while it is shown; after library changes or analysis
// progress at most every GAP_MS; at once when a layout finished (map-updated); never two requests
// at a time (one due meanwhile waits for the answer). Shown again after changes: at once.
export const GAP_MS = 3000;

export type LoaderHooks = {
  /** The request itself (its answer is the caller's). */
  load(): Promise<void>;
};

export class MapLoader {
  private visible = false;
  /** Something changed since the last request started. */
  private stale = true;
  private inflight = false;
  /** A request is due as soon as the one in flight answers (at once, or after the gap). */
  private due: 'now' | 'gap' | null = null;
  private timer = 0;
  private last = -Infinity;

  constructor(private hooks: LoaderHooks) {}

  /** The map view was shown (true) or hidden. */
  setVisible(on: boolean) {
    this.visible = on;
    if (!on) { clearTimeout(this.timer); this.timer = 0; return; }
    if (this.stale) this.request('now');
  }

  /** The library or its analysis moved on: ask again, no sooner than GAP_MS after the last. */
  changed() {
    this.stale = true;
    if (this.visible) this.request('gap');
  }

  /** A layout finished: ask again at once. */
  updated() {
    this.stale = true;
    if (this.visible) this.request('now');
  }

  private request(when: 'now' | 'gap') {
    if (this.inflight) { if (this.due !== 'now') this.due = when; return; }
    const wait = when === 'now' ? 0 : Math.max(0, this.last + GAP_MS - Date.now());
    if (this.timer) {
      if (when === 'gap') return; // one is already on its way
      clearTimeout(this.timer);
    }
    this.timer = window.setTimeout(() => { this.timer = 0; void this.run(); }, wait);
  }

  private async run() {
    if (!this.visible || this.inflight) return;
    this.inflight = true;
    this.stale = false;
    this.last = Date.now();
    try { await this.hooks.load(); } finally {
      this.inflight = false;
      const due = this.due;
      this.due = null;
      if (due && this.visible) this.request(due);
    }
  }
}
