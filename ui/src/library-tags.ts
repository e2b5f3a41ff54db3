// The library's tags (`tag_vocabulary`: every chip label with its track count, and whether
// tagging is on), for the tag filter, the playlist's tag boxes and the detail panel. Asked at
// start and again after library changes: it reads every track's tags, so while an analysis runs
// (it tags tracks all the time) at most every 5 s, else every second (a run that just finished soon).
import * as api from './api';
import type { TagVocabulary } from './api';

const GAP_MS = 1000;
const ANALYSING_GAP_MS = 5000;

export type LibraryTagsHooks = {
  /** An analysis is running (ask less often). */
  analysing(): boolean;
  /** A new answer (`was`: the one before; null at the first). */
  onChange(now: TagVocabulary, was: TagVocabulary | null): void;
  onError(e: unknown): void;
};

export class LibraryTags {
  private vocab: TagVocabulary | null = null;
  private timer = 0;
  /** When the timer fires, and when the last request started. */
  private due = 0;
  private last = 0;
  private loading = false;

  constructor(private hooks: LibraryTagsHooks) {}

  /** The last answer; null until the first. */
  get current(): TagVocabulary | null {
    return this.vocab;
  }

  /** Ask again after `delay` ms (default: as soon as the gap since the last request allows);
   *  a request already due sooner stands. */
  schedule(delay?: number) {
    const gap = this.hooks.analysing() ? ANALYSING_GAP_MS : GAP_MS;
    const wait = delay ?? Math.max(0, gap - (Date.now() - this.last));
    if (this.timer && this.due <= Date.now() + wait) return;
    clearTimeout(this.timer);
    this.due = Date.now() + wait;
    this.timer = window.setTimeout(() => void this.load(), wait);
  }

  private async load() {
    this.timer = 0;
    if (this.loading) { this.schedule(); return; }
    this.loading = true;
    this.last = Date.now();
    let v: TagVocabulary;
    try {
      v = await api.commands.tagVocabulary();
    } catch (e) {
      this.hooks.onError(e);
      return;
    } finally {
      this.loading = false;
    }
    const was = this.vocab;
    this.vocab = v;
    this.hooks.onChange(v, was);
  }
}
