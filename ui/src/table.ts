// Virtualised track table. Only the rows in view (+ overscan) exist in the DOM;
// rows are fetched from the backend in fixed pages, kept in a small LRU cache,
// and each page is requested at most once at a time. A click selects a row (Shift: a range,
// Ctrl/⌘: toggles it; TableSelection keeps which), a double click plays it (the hooks say how).
import { commands, type SortKey, type TrackQuery, type TrackRow } from './api';
import { basename, duration, num } from './format';
import { h } from './dom';
import type { PlayingMarks } from './player/marks';
import { clickIs } from './shortcuts';
import { bpmCell, formatCell, keyCell, tagsCell } from './table-cells';
import { TableSelection } from './table-selection';

export const ROW_H = 28;
const COLS = 9;
const PAGE = 200;
const MAX_PAGES = 40;      // 8,000 rows cached
const OVERSCAN = 8;
const MAX_INFLIGHT = 3;
/** How long the table waits, once a page brought an estimated total, before it asks for the
 *  exact count: typing on makes a new query, and its count is the one wanted. */
const COUNT_DELAY_MS = 300;

export type TableHooks = {
  /** A page arrived and the match count is now known (or changed). */
  onTotal(total: number): void;
  onError(e: unknown): void;
  /** The selection changed, or the lead row's data arrived/changed (`row`: the lead's, null
   *  while it loads or when nothing is selected). */
  onSelection(row: TrackRow | null, index: number): void;
  /** A click on a row (not on its buttons) picked it: show what is selected. */
  onReveal(): void;
  /** A double click on row `index`. */
  onPlay(index: number): void;
};

export class TrackTable {
  search: string | null = null;
  /** Tempo range (inclusive) and Camelot key filters; null = open. */
  bpmMin: number | null = null;
  bpmMax: number | null = null;
  camelot: string | null = null;
  /** Only tracks with this tag among their chips; null = any. */
  tag: string | null = null;
  /** Only these tracks (picked on the map); null = all. Sent only when set. */
  ids: number[] | null = null;
  sort: SortKey = 'title';
  desc = false;
  total = 0;
  /** `total` is an estimate (a search most tracks match); the exact count is on its way. */
  estimated = false;
  /** True once the first page for the current query has arrived. */
  loaded = false;
  /** The selected rows (one, a range or any set) and the lead, the row the keyboard is on. */
  private sel = new TableSelection();

  private cache = new Map<number, TrackRow[]>();
  /** Pages from before the last refresh: shown until fresh ones arrive, so refreshes don't flash. */
  private stale = new Map<number, TrackRow[]>();
  private inflight = new Set<number>();
  /** Pages whose fetch failed in this generation: not retried until the next reset/refresh. */
  private failed = new Set<number>();
  private wanted: number[] = [];
  private gen = 0;
  /** The generation whose exact count was asked for (then pages' estimates are not taken). */
  private countGen = -1;
  private rendered = { start: -1, end: -1, dirty: true };
  private raf = 0;
  private topSpacer: HTMLTableRowElement;
  private bottomSpacer: HTMLTableRowElement;

  constructor(
    readonly scroller: HTMLElement,
    readonly tbody: HTMLTableSectionElement,
    private thead: HTMLTableSectionElement,
    /** The ▶ buttons and the mark on the row that plays. */
    private marks: PlayingMarks,
    private hooks: TableHooks,
  ) {
    this.topSpacer = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: COLS }));
    this.bottomSpacer = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: COLS }));
    scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(scroller);
    tbody.addEventListener('click', (e) => {
      const tr = (e.target as Element).closest<HTMLElement>('tr[data-index]');
      if (!tr) return;
      const i = Number(tr.dataset.index);
      // ▶ and the tag chips do their own thing: their row is selected (unless it already is), nothing opens
      if ((e.target as Element).closest('button')) { if (!this.sel.has(i)) this.select(i, false); return; }
      if (clickIs('table.range', e)) this.extendTo(i, false);
      else if (clickIs('table.toggle', e)) this.toggle(i);
      else this.select(i, false);
      hooks.onReveal();
    });
    tbody.addEventListener('dblclick', (e) => {
      if ((e.target as Element).closest('button')) return; // two quick clicks on ▶ are play, pause
      const tr = (e.target as Element).closest<HTMLElement>('tr.track-row[data-index]');
      if (tr && !e.shiftKey && !e.ctrlKey && !e.metaKey) hooks.onPlay(Number(tr.dataset.index));
    });
  }

  /** The lead of the selection: the row the keyboard is on (-1: nothing selected). */
  get selected(): number {
    return this.sel.lead;
  }

  /** How many rows are selected. */
  get selectionCount(): number {
    return this.sel.count;
  }

  isSelected(i: number): boolean {
    return this.sel.has(i);
  }

  /** The selected row indices, in table order. */
  selectedIndices(): number[] {
    return this.sel.indices();
  }

  /** The selected rows in table order (rows not loaded are asked for; rows gone meanwhile are left out). */
  async selectedRows(): Promise<TrackRow[]> {
    const rows = await Promise.all(this.sel.indices().map((i) => this.loadRow(i)));
    return rows.filter((r): r is TrackRow => r != null);
  }

  /** New search/sort: drop everything, go back to the top. */
  reset() {
    this.gen++;
    this.cache.clear();
    this.stale.clear();
    this.inflight.clear();
    this.failed.clear();
    this.loaded = false;
    this.sel.clear();
    this.scroller.scrollTop = 0;
    this.hooks.onSelection(null, -1);
    this.rendered.dirty = true;
    this.fetchPage(0);
    this.schedule();
  }

  /** Library changed: refetch what's visible (and the total), keep scroll and selection. */
  refresh() {
    this.gen++;
    for (const [k, v] of this.cache) this.stale.set(k, v);
    while (this.stale.size > MAX_PAGES) this.stale.delete(this.stale.keys().next().value as number);
    this.cache.clear();
    this.inflight.clear();
    this.failed.clear();
    this.rendered.dirty = true;
    this.render(); // requests the visible pages; each response carries the new total
    if (this.inflight.size === 0) this.fetchPage(0);
  }

  /** Any search or filter narrows the list. */
  get filtered() {
    return this.search != null || this.bpmMin != null || this.bpmMax != null || this.camelot != null || this.tag != null || this.ids != null;
  }

  /** The query for `limit` rows from `offset` (`ids` only when set: the recorded answers have none). */
  private query(offset: number, limit: number): TrackQuery {
    const q: TrackQuery = {
      search: this.search, sort: this.sort, desc: this.desc, offset, limit,
      bpm_min: this.bpmMin, bpm_max: this.bpmMax, camelot: this.camelot, tag: this.tag,
    };
    if (this.ids) q.ids = this.ids;
    return q;
  }

  rowAt(i: number): TrackRow | null {
    const p = Math.floor(i / PAGE);
    const page = this.cache.get(p) ?? this.stale.get(p);
    return page?.[i - p * PAGE] ?? null;
  }

  /** Index of track `id` among the loaded rows (fresh pages first, then ones kept from before a
   *  refresh, which are what is on screen until their fresh copy arrives), or -1. */
  indexOf(id: number): number {
    for (const pages of [this.cache, this.stale]) {
      for (const [p, rows] of pages) {
        const k = rows.findIndex((r) => r.id === id);
        if (k >= 0) return p * PAGE + k;
      }
    }
    return -1;
  }

  /** A loaded row by its file's path (fresh pages first), or null. */
  findByPath(path: string): TrackRow | null {
    for (const pages of [this.cache, this.stale]) {
      for (const rows of pages.values()) {
        const r = rows.find((x) => x.path === path);
        if (r) return r;
      }
    }
    return null;
  }

  /** Row `i` of the current query: from the loaded pages, else asked for on its own. */
  async loadRow(i: number): Promise<TrackRow | null> {
    if (i < 0 || i >= this.total) return null;
    const r = this.rowAt(i);
    if (r) return r;
    const page = await commands.listTracks(this.query(i, 1));
    return page.rows[0] ?? null;
  }

  /** Drop the selection without calling onSelection (the detail panel shows a track that is not
   *  in the list, e.g. one picked from the similar tracks). */
  clearSelection() {
    this.sel.clear();
    this.markRows();
  }

  get pageRows() {
    return Math.max(1, Math.floor(this.viewHeight() / ROW_H) - 1);
  }

  /** Select just row `i` (clamped into the table). */
  select(i: number, scroll = true) {
    this.changeSelection(i, scroll, (k) => this.sel.single(k));
  }

  /** Ctrl/⌘+click: row `i` in or out of the selection. */
  toggle(i: number) {
    this.changeSelection(i, false, (k) => this.sel.toggle(k));
  }

  /** Shift+click, Shift+↑/↓: every row from the anchor to `i`. */
  extendTo(i: number, scroll = true) {
    this.changeSelection(i, scroll, (k) => this.sel.extendTo(k));
  }

  private changeSelection(i: number, scroll: boolean, change: (i: number) => void) {
    if (this.total === 0) return;
    i = Math.max(0, Math.min(this.total - 1, i));
    change(i);
    if (scroll) this.scrollIntoView(i);
    // Mark the rows in place: rebuilding them here would detach the row under the pointer
    // between the two clicks of a double click (and the dblclick would never arrive).
    if (!this.markRows()) this.rendered.dirty = true;
    this.render();
    const lead = this.sel.lead;
    this.hooks.onSelection(lead >= 0 ? this.rowAt(lead) : null, lead);
  }

  /** The rendered rows' selected state; false when the lead isn't among them. */
  private markRows(): boolean {
    let leadShown = this.sel.lead < 0;
    for (const tr of this.tbody.querySelectorAll<HTMLElement>('tr[data-index]')) {
      const i = Number(tr.dataset.index);
      const on = this.sel.has(i);
      tr.classList.toggle('selected', on);
      tr.classList.toggle('lead', i === this.sel.lead);
      if (on) tr.setAttribute('aria-selected', 'true'); else tr.removeAttribute('aria-selected');
      if (i === this.sel.lead) leadShown = true;
    }
    return leadShown;
  }

  private viewHeight() {
    return Math.max(0, this.scroller.clientHeight - this.thead.offsetHeight);
  }

  scrollIntoView(i: number) {
    const top = i * ROW_H, bottom = top + ROW_H;
    const st = this.scroller.scrollTop, vh = this.viewHeight();
    if (top < st) this.scroller.scrollTop = top;
    else if (bottom > st + vh) this.scroller.scrollTop = bottom - vh;
  }

  schedule() {
    if (!this.raf) this.raf = requestAnimationFrame(() => { this.raf = 0; this.render(); });
  }

  render() {
    const st = this.scroller.scrollTop;
    const first = Math.floor(st / ROW_H);
    const lastVisible = Math.min(this.total, first + Math.ceil(this.viewHeight() / ROW_H) + 1);
    const start = Math.max(0, first - OVERSCAN);
    const end = Math.min(this.total, lastVisible + OVERSCAN);

    // Pages we need, visible ones first; the overscan pages after.
    const want: number[] = [];
    const add = (p: number) => { if (!want.includes(p)) want.push(p); };
    if (lastVisible > first) for (let p = Math.floor(first / PAGE); p <= Math.floor((lastVisible - 1) / PAGE); p++) add(p);
    if (end > start) { add(Math.floor(start / PAGE)); add(Math.floor((end - 1) / PAGE)); }
    this.wanted = want;
    for (const p of want) { const v = this.cache.get(p); if (v) { this.cache.delete(p); this.cache.set(p, v); } }
    this.pump();

    if (!this.rendered.dirty && start === this.rendered.start && end === this.rendered.end) return;
    this.rendered = { start, end, dirty: false };

    const frag = document.createDocumentFragment();
    (this.topSpacer.firstChild as HTMLElement).style.height = `${start * ROW_H}px`;
    this.topSpacer.hidden = start === 0;
    frag.append(this.topSpacer);
    for (let i = start; i < end; i++) frag.append(this.rowEl(i));
    (this.bottomSpacer.firstChild as HTMLElement).style.height = `${(this.total - end) * ROW_H}px`;
    this.bottomSpacer.hidden = end >= this.total;
    frag.append(this.bottomSpacer);
    this.tbody.replaceChildren(frag);
    this.scroller.setAttribute('aria-rowcount', String(this.total + 1));
  }

  private rowEl(i: number): HTMLTableRowElement {
    const r = this.rowAt(i);
    const sel = this.sel.has(i);
    const cls = (i % 2 ? 'odd' : 'even') + (sel ? ' selected' : '') + (i === this.sel.lead ? ' lead' : '');
    if (!r) {
      return h('tr', { class: `placeholder-row ${cls}`, 'data-index': i, 'aria-rowindex': i + 2, 'aria-selected': sel ? 'true' : null },
        h('td', { class: 'num muted' }, num(i + 1)),
        // tempo, key and tags stay blank: fewer pulsing skeletons, calmer while flinging
        ...[58, 40, 46, 0, 0, 0, 18, 20].map((w) => h('td', {}, w ? h('span', { class: 'skeleton', style: `width:${w}%` }) : null)));
    }
    const title = r.title
      ? h('td', { class: 'title', title: r.title }, r.title)
      : h('td', { class: 'title muted', title: r.path }, basename(r.path));
    return h('tr', {
      class: `track-row ${cls} status-${r.status}${this.marks.rowClass(r.id)}`,
      'data-id': r.id, 'data-index': i, 'aria-rowindex': i + 2, 'aria-selected': sel ? 'true' : null, 'aria-current': this.marks.rowAria(r.id),
    },
      // the row number; ▶ takes its place on hover, on the selected row and while it plays
      h('td', { class: 'num muted play-cell' }, this.marks.button(r.id, r.title ?? basename(r.path)), h('span', { class: 'row-num' }, num(i + 1))),
      title,
      h('td', { title: r.artist ?? '' }, r.artist ?? ''),
      h('td', { title: r.album ?? '' }, r.album ?? ''),
      bpmCell(r),
      keyCell(r),
      tagsCell(r, this.tag),
      h('td', { class: 'num' }, duration(r.duration_s)),
      formatCell(r),
    );
  }

  private setTotal(total: number, estimated: boolean) {
    const changed = !this.loaded || total !== this.total || estimated !== this.estimated;
    this.loaded = true;
    this.estimated = estimated;
    if (total !== this.total) {
      this.total = total;
      this.sel.clamp(this.total);
    }
    if (changed) this.hooks.onTotal(this.total);
  }

  /** Asks for the exact count of an estimated total once the query has stayed a moment. */
  private countSoon(gen: number) {
    if (this.countGen === gen) return;
    this.countGen = gen;
    window.setTimeout(() => {
      if (gen !== this.gen) return;
      commands.countTracks(this.query(0, 0))
        .then((total) => {
          if (gen !== this.gen) return;
          this.setTotal(total, false);
          this.rendered.dirty = true;
          this.render();
        })
        .catch((e) => { if (gen === this.gen) this.hooks.onError(e); });
    }, COUNT_DELAY_MS);
  }

  private pump() {
    for (const p of this.wanted) {
      if (this.inflight.size >= MAX_INFLIGHT) break;
      if (!this.cache.has(p) && !this.inflight.has(p) && !this.failed.has(p)) this.fetchPage(p);
    }
  }

  private fetchPage(p: number) {
    if (this.inflight.has(p)) return;
    const gen = this.gen;
    this.inflight.add(p);
    commands.listTracks(this.query(p * PAGE, PAGE))
      .then((page) => {
        if (gen !== this.gen) return;
        this.inflight.delete(p);
        this.cache.set(p, page.rows);
        this.stale.delete(p);
        while (this.cache.size > MAX_PAGES) this.cache.delete(this.cache.keys().next().value as number);
        // once the exact count was asked for, an estimate does not move the total again
        if (!page.estimated || this.countGen !== gen) this.setTotal(page.total, page.estimated);
        if (page.estimated) this.countSoon(gen);
        this.rendered.dirty = true;
        this.render();
        if (this.selected >= 0 && Math.floor(this.selected / PAGE) === p) this.hooks.onSelection(this.rowAt(this.selected), this.selected);
      })
      .catch((e) => {
        if (gen !== this.gen) return;
        this.inflight.delete(p);
        this.failed.add(p);
        this.hooks.onError(e);
      });
  }
}
