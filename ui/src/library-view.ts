// The library view around the track table: the toolbar's search and filters (tempo range, key,
// tag) and the sort headers, which make the table's query; the row count and the no-match
// message; the tracks picked on the map ("N tracks picked on the map ×", removable); and the
// empty library's card in place of both while there is no folder.
import type { Overview, SortKey, TagVocabulary } from './api';
import { h } from './dom';
import * as fmt from './format';
import { WHEEL } from './music';
import { is } from './shortcuts';
import type { TrackTable } from './table';

export type LibraryElements = {
  toolbar: HTMLElement; search: HTMLInputElement; bpmMin: HTMLInputElement; bpmMax: HTMLInputElement;
  keyFilter: HTMLSelectElement; tagFilter: HTMLSelectElement; rowCount: HTMLElement;
  /** #ids-filter: the tracks picked on the map, × to show them all again. */
  idsFilter: HTMLButtonElement;
  /** The table's sort headers. */
  thead: HTMLElement;
  /** .content (the table and the detail panel), #no-match. */
  content: HTMLElement; noMatch: HTMLElement;
  /** #empty-state with its two buttons. */
  empty: HTMLElement; emptyAdd: HTMLButtonElement; demo: HTMLButtonElement;
};

export type LibraryHooks = {
  /** The rows are about to be replaced (a new search, filter or sort; the library emptied):
   *  the details of one go. */
  onRowsReset(): void;
  /** The library's tags for the tag filter (null until the first answer). */
  vocabulary(): TagVocabulary | null;
  onAddFolder(button: HTMLButtonElement): void;
  onDemo(button: HTMLButtonElement): void;
};

/** A BPM box: a finite number ≥ 0, or null when empty/invalid. */
function bpmValue(input: HTMLInputElement): number | null {
  const v = input.value.trim() === '' ? NaN : input.valueAsNumber;
  return isFinite(v) && v >= 0 ? v : null;
}

export class LibraryView {
  private overview: Overview | null = null;
  /** The table asked for rows (there is a library); false while it is empty. */
  private tableStarted = false;
  /** A scan is under way (the no-match message says rows are coming). */
  private scanning = false;
  private searchTimer = 0;
  /** The tag filter's options as last rendered (JSON), so they are rebuilt only when they change. */
  private tagOptionsKey = '';

  constructor(private el: LibraryElements, private table: TrackTable, private hooks: LibraryHooks) {
    // search and filters (debounced); any change re-queries from the top
    el.search.addEventListener('input', () => this.debounceQuery(150));
    for (const input of [el.bpmMin, el.bpmMax]) {
      input.addEventListener('input', () => this.debounceQuery(250));
      input.addEventListener('change', () => this.applySearch()); // blur / spinner: no need to wait
    }
    el.keyFilter.append(...WHEEL.map((k) => h('option', { value: k.code }, `${k.code} · ${k.name}`)));
    el.keyFilter.addEventListener('change', () => this.applySearch());
    el.tagFilter.addEventListener('change', () => { this.renderTagFilter(); this.applySearch(); });
    el.tagFilter.addEventListener('blur', () => this.renderTagFilter());
    // a tag chip in the table: only the tracks with its tag
    table.tbody.addEventListener('click', (e) => {
      const chip = (e.target as Element).closest<HTMLElement>('button.tag-chip');
      if (chip?.dataset.tag) this.filterByTag(chip.dataset.tag, e.detail === 0);
    });
    el.thead.addEventListener('click', (e) => {
      const th = (e.target as Element).closest<HTMLElement>('th[data-sort]');
      if (!th) return;
      const key = th.dataset.sort as SortKey;
      if (table.sort === key) table.desc = !table.desc;
      else { table.sort = key; table.desc = false; }
      this.renderSortHeaders();
      hooks.onRowsReset();
      table.reset();
    });
    this.renderSortHeaders();
    el.idsFilter.addEventListener('click', () => this.filterByIds(null));
    el.emptyAdd.addEventListener('click', () => hooks.onAddFolder(el.emptyAdd));
    el.demo.addEventListener('click', () => hooks.onDemo(el.demo));
  }

  /** The table shows rows (there is a library and it was asked). */
  get started(): boolean {
    return this.tableStarted;
  }

  /** What get_overview said: the track count, and the empty card or the table. */
  setOverview(o: Overview) {
    this.overview = o;
    const empty = o.folders.length === 0;
    this.el.empty.hidden = !empty;
    this.el.toolbar.hidden = empty;
    this.el.content.hidden = empty;
    if (!empty && !this.tableStarted) { this.tableStarted = true; this.table.reset(); }
    if (empty) { this.tableStarted = false; this.hooks.onRowsReset(); }
    this.renderRowCount();
  }

  setScanning(on: boolean) {
    if (on === this.scanning) return;
    this.scanning = on;
    this.renderNoMatch();
  }

  /** The table's match count is known (or changed). */
  renderCounts() {
    this.renderRowCount();
    this.renderNoMatch();
  }

  focusSearch() {
    this.el.search.focus();
    this.el.search.select();
  }

  /** A chip was clicked: show only the tracks with its tag. From the keyboard the focus goes to
   *  the tag filter (Esc there clears it), from the mouse to the table. */
  filterByTag(label: string, viaKeyboard: boolean) {
    this.renderTagFilter(label); // adds its option when the vocabulary doesn't have it yet
    this.el.tagFilter.value = label;
    this.applySearch();
    if (viaKeyboard) this.el.tagFilter.focus(); else this.table.scroller.focus({ preventScroll: true });
  }

  /** Only these tracks (picked on the map; null: all again), shown as a filter that × removes. */
  filterByIds(ids: number[] | null) {
    const chip = this.el.idsFilter;
    chip.hidden = ids == null;
    chip.dataset.count = String(ids?.length ?? 0);
    chip.replaceChildren(...(ids ? [`${fmt.plural(ids.length, 'track')} picked on the map`, h('span', { class: 'filter-chip-x', 'aria-hidden': 'true' }, '×')] : []));
    chip.title = ids ? 'Show every track again' : '';
    chip.setAttribute('aria-label', ids ? `${fmt.plural(ids.length, 'track')} picked on the map: show every track again` : '');
    this.table.ids = ids;
    this.hooks.onRowsReset();
    this.table.reset();
    this.renderRowCount();
    if (!ids) this.table.scroller.focus({ preventScroll: true });
  }

  /** Keys in the toolbar's boxes: Esc clears a box (then blurs), Enter applies at once, ↓ in
   *  the search goes to the table. True when the key was theirs (nothing else acts on it). */
  handleKey(e: KeyboardEvent): boolean {
    const { search, tagFilter, bpmMin, bpmMax } = this.el;
    const t = e.target;
    if (t === search) {
      if (is('search.clear', e)) {
        e.preventDefault();
        if (search.value) { search.value = ''; this.applySearch(); } else search.blur();
      } else if (is('search.apply', e)) {
        this.applySearch();
      } else if (is('search.toTable', e)) {
        e.preventDefault();
        this.applySearch();
        this.table.scroller.focus();
        if (this.table.selected < 0 && this.table.total > 0) this.table.select(0);
      }
      return true;
    }
    if (t === tagFilter && is('filter.clear', e)) {
      e.preventDefault();
      if (tagFilter.value) { tagFilter.value = ''; this.renderTagFilter(); this.applySearch(); } else tagFilter.blur();
      return true;
    }
    if (t === bpmMin || t === bpmMax) {
      const input = t as HTMLInputElement;
      if (is('filter.clear', e) && input.value) { e.preventDefault(); input.value = ''; this.applySearch(); }
      else if (is('filter.clear', e)) input.blur();
      else if (is('search.apply', e)) this.applySearch();
      return true;
    }
    return false;
  }

  /** The tag filter's options: "Any tag", then every tag with its track count, most common first
   *  (the chosen one stays even when no track has it any more). Disabled while there is none. */
  renderTagFilter(chosen = this.el.tagFilter.value) {
    const select = this.el.tagFilter;
    const vocab = this.hooks.vocabulary();
    const tags = vocab?.tags ?? [];
    const list = chosen && !tags.some((t) => t.label === chosen) ? [...tags, { label: chosen, tracks: 0 }] : tags;
    const key = JSON.stringify(list);
    // New counts while the select has the focus (its list may be open) wait for the blur.
    const later = document.activeElement === select && chosen === select.value && this.tagOptionsKey !== '';
    if (key !== this.tagOptionsKey && !later) {
      this.tagOptionsKey = key;
      select.replaceChildren(h('option', { value: '' }, 'Any tag'),
        ...list.map((t) => h('option', { value: t.label }, t.tracks ? `${t.label} · ${fmt.num(t.tracks)}` : t.label)));
      select.value = chosen;
    }
    const none = list.length === 0;
    select.disabled = none;
    select.title = !none ? 'Only tracks with this genre or mood tag (Esc: any)'
      : vocab && !vocab.enabled ? vocab.message ?? 'Tags are off'
      : vocab ? 'No tracks tagged yet: tags come with the analysis' : '';
  }

  /** The boxes → the table's query; a change starts it again from the top. */
  private applySearch() {
    clearTimeout(this.searchTimer);
    const { search, bpmMin, bpmMax, keyFilter, tagFilter } = this.el;
    const table = this.table;
    const q = search.value.trim() || null;
    const min = bpmValue(bpmMin), max = bpmValue(bpmMax);
    const key = keyFilter.value || null;
    const tag = tagFilter.value || null;
    bpmMin.classList.toggle('active', min != null);
    bpmMax.classList.toggle('active', max != null);
    keyFilter.classList.toggle('active', key != null);
    tagFilter.classList.toggle('active', tag != null);
    if (q === table.search && min === table.bpmMin && max === table.bpmMax && key === table.camelot && tag === table.tag) return;
    table.search = q;
    table.bpmMin = min;
    table.bpmMax = max;
    table.camelot = key;
    table.tag = tag;
    this.hooks.onRowsReset();
    table.reset();
    this.renderRowCount();
  }

  private debounceQuery(ms: number) {
    clearTimeout(this.searchTimer);
    this.searchTimer = window.setTimeout(() => this.applySearch(), ms);
  }

  private renderRowCount() {
    const table = this.table;
    const el = this.el.rowCount;
    const matched = table.total;
    const all = this.overview?.stats.tracks ?? matched;
    const filtered = table.filtered;
    const total = filtered ? Math.max(all, matched) : matched;
    el.dataset.total = String(total);
    el.dataset.matched = String(matched);
    if (!table.loaded) { el.textContent = ''; return; }
    // an estimate reads "about …" until the exact count arrives
    const about = table.estimated ? 'about ' : '';
    el.dataset.estimated = String(table.estimated);
    el.textContent = filtered ? `${about}${fmt.num(matched)} of ${fmt.plural(total, 'track')}` : about + fmt.plural(matched, 'track');
  }

  private renderNoMatch() {
    const table = this.table;
    const show = table.loaded && table.total === 0;
    this.el.noMatch.hidden = !show;
    table.scroller.classList.toggle('is-empty', show);
    if (!show) return;
    const ranged = table.bpmMin != null || table.bpmMax != null || table.camelot != null || table.tag != null || table.ids != null;
    this.el.noMatch.textContent = table.search != null
      ? `No tracks match “${table.search}”${ranged ? ' with these filters' : ''}`
      : ranged ? 'No tracks match these filters'
      : this.scanning ? 'Scanning… tracks will appear here as they are read.' : 'No audio files found in your folders yet.';
  }

  private renderSortHeaders() {
    for (const th of this.el.thead.querySelectorAll<HTMLElement>('th[data-sort]')) {
      const active = th.dataset.sort === this.table.sort;
      th.classList.toggle('sorted', active);
      th.setAttribute('aria-sort', active ? (this.table.desc ? 'descending' : 'ascending') : 'none');
      let ind = th.querySelector<HTMLElement>('.sort-ind');
      if (!ind) { ind = h('span', { class: 'sort-ind', 'aria-hidden': 'true' }); th.append(ind); }
      ind.textContent = active ? (this.table.desc ? '▼' : '▲') : '';
    }
  }
}
