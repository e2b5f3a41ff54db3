// When the library changed (library-changed events, a scan or an analysis batch, a folder added
// or removed), refresh what is shown: the overview, the visible rows, the tags, the failures.
// The events come in bursts during a scan: at most ~3 refreshes a second. While only the
// analysis runs (a batch committed every moment) at most every 2 s, so new BPM/key values appear
// without the visible rows being fetched again all the time.
const GAP_MS = 300;
const QUIET_GAP_MS = 2000;

export type RefreshHooks = {
  /** Only the analysis is running (no scan): refresh less often. */
  quiet(): boolean;
  /** The refresh itself. */
  run(): Promise<void>;
};

export class LibraryRefresh {
  private timer = 0;
  private last = 0;

  constructor(private hooks: RefreshHooks) {}

  /** Refresh after `delay` ms (default: as soon as the gap since the last one allows); one
   *  already scheduled stands. */
  schedule(delay?: number) {
    if (this.timer) return;
    const gap = this.hooks.quiet() ? QUIET_GAP_MS : GAP_MS;
    const wait = delay ?? Math.max(0, gap - (Date.now() - this.last));
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.last = Date.now();
      void this.hooks.run();
    }, wait);
  }
}
