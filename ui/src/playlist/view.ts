// The playlist view (it takes the place of the library table, like the failures view): the head
// (back, title, Play all, Regenerate, Sort by…, Save with its name box, Export M3U8/XSPF, and for mpv when a CUE track is in it), the knobs, a
// status line, the shortfall and the rows. What it shows is the session's (playlist/session.ts);
// this renders it and routes clicks and keys (Ctrl+Z undoes the last edit). Errors show here,
// not in the app's banner.
import { SORTS, type Format, type PlaylistEntry, type SavedPlaylist, type SortBy, type TagCount } from '../api';
import { h } from '../dom';
import { duration, plural } from '../format';
import type { PlayingMarks } from '../player/marks';
import { MAX_SEEDS } from '../selection-summary';
import { hint, is } from '../shortcuts';
import type { Edit } from './history';
import { KnobPanel } from './knobs';
import { PlaylistRows, type ReasonsAfter, type RowFocus } from './rows';
import { fileSeed, journeyName, likeName, seedCount, trackName, type Seed } from './seeds';
import { ShortfallBanner } from './shortfall';
import { PlaylistSession, type Change, type StatusKind } from './session';

/** The sort menu's items (the engine's SORTS give the order). */
const SORT_LABELS: Record<SortBy, { label: string; title: string }> = {
  tempo: { label: 'Tempo', title: 'Slowest first' },
  energy: { label: 'Energy', title: 'Calmest first (loudness and how busy the music is)' },
  brightness: { label: 'Brightness', title: 'Darkest first' },
  key: { label: 'Key', title: 'A walk round the Camelot wheel from the first track’s key' },
  flow: { label: 'Smoothest flow', title: 'From the first track, each next the one most like it' },
};

export type PlaylistHooks = {
  /** Back to the library (Escape, the back button). */
  onClose(): void;
  /** This view saved a playlist or stored its tracks: the sidebar list may have changed. */
  onSavedChange(): void;
  /** The saved playlist shown (null: an unsaved draft, or nothing), for the sidebar highlight. */
  onShownSaved(id: number | null): void;
  /** A row's ▶ was clicked or Space pressed on it (`toggle`: a second one pauses), or Enter or a
   *  double click (it plays, or goes on playing). */
  onPlay(e: PlaylistEntry, toggle: boolean): void;
  /** "Play all": the rows from the first, whole tracks. */
  onPlayAll(): void;
  /** "Radio": a radio that sounds like these tracks. */
  onRadio(ids: number[]): void;
  /** A remove, swap or move that can be undone (`playlist.undo()`); null: the last one can't be
   *  any more (it was undone, or another list is shown). */
  onUndoable(edit: Edit | null): void;
  /** The rows shown changed (the map draws them as a path). */
  onRows(path: PlaylistView['pathForMap']): void;
};

export class PlaylistView {
  /** section#view-playlist; its body is div#playlist[data-state][data-count]. */
  readonly el: HTMLElement;
  private session: PlaylistSession;
  private knobs: KnobPanel;
  private rows: PlaylistRows;
  private titleEl: HTMLElement;
  private summaryEl: HTMLElement;
  private seedEl: HTMLElement;
  private playAllBtn: HTMLButtonElement;
  private radioBtn: HTMLButtonElement;
  private regenerateBtn: HTMLButtonElement;
  private saveBtn: HTMLButtonElement;
  private nameBox: HTMLElement;
  private nameInput: HTMLInputElement;
  private exportBtns: Record<Format, HTMLButtonElement>;
  private sortSelect: HTMLSelectElement;
  private body: HTMLElement;
  private statusEl: HTMLElement;
  private shortfall: ShortfallBanner;
  private messageEl: HTMLElement;
  /** Focus the first row once the rows are in (the view was opened from the keyboard). */
  private focusFirst = false;

  constructor(root: HTMLElement, marks: PlayingMarks, private hooks: PlaylistHooks) {
    this.el = root;
    this.knobs = new KnobPanel({
      onChange: () => this.session.generate(false),
      onRegenerate: () => this.regenerate(),
      seedBpm: () => this.session.shown.seeds[0]?.bpm ?? null,
    });
    this.session = new PlaylistSession(this.knobs, {
      onChange: (what) => this.changed(what),
      onStatus: (text, kind) => this.setStatus(text, kind),
      onShownSaved: (id) => hooks.onShownSaved(id),
      onSavedChange: () => hooks.onSavedChange(),
      onUndoable: (edit) => hooks.onUndoable(edit),
    });
    this.rows = new PlaylistRows(marks, {
      onPlay: (i, toggle) => { const e = this.session.shown.entries[i]; if (e) hooks.onPlay(e, toggle); },
      onSwap: (i) => this.session.swap(i),
      onRemove: (i) => this.remove(i),
      onMove: (from, to) => { if (this.session.move(from, to)) this.render({ index: to, part: 'row' }); },
    });

    // head
    const back = h('button', { id: 'playlist-back', class: 'icon-btn playlist-back', type: 'button', 'aria-label': 'Back to the library', title: `Back to the library (${hint('playlist.back')})`, onclick: () => hooks.onClose() }, '‹');
    this.titleEl = h('h2', { id: 'playlist-title', class: 'view-title playlist-title' });
    this.summaryEl = h('span', { id: 'playlist-summary', class: 'playlist-summary num' });
    this.seedEl = h('span', { id: 'playlist-seed', class: 'playlist-seed' });
    this.playAllBtn = h('button', {
      id: 'playlist-play-all', class: 'btn btn-small btn-primary', type: 'button', title: 'Play the whole list from the top, whole tracks',
      onclick: () => hooks.onPlayAll(),
    }, h('span', { class: 'play-all-icon', 'aria-hidden': 'true' }, '▶'), 'Play all');
    this.radioBtn = h('button', {
      id: 'playlist-radio', class: 'btn btn-small', type: 'button', title: 'A radio that plays on without end from this list’s sound',
      onclick: () => hooks.onRadio(this.currentEntries.slice(0, MAX_SEEDS).map((e) => e.id)),
    }, 'Radio');
    this.regenerateBtn = h('button', { id: 'playlist-regenerate', class: 'btn btn-small', type: 'button', title: 'Make the playlist again with these settings', onclick: () => this.regenerate() }, 'Regenerate');
    this.saveBtn = h('button', { id: 'playlist-save', class: 'btn btn-small', type: 'button', onclick: () => this.openNameBox() }, 'Save');
    this.nameInput = h('input', { id: 'playlist-name', class: 'filter-input playlist-name', type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Playlist name', maxlength: 200 });
    this.nameInput.addEventListener('keydown', (e) => {
      // Enter saves, Escape closes the box: neither goes on to the view (Escape would leave it).
      if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); void this.saveFromBox(); }
      else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); this.closeNameBox(true); }
    });
    this.nameBox = h('span', { id: 'playlist-save-box', class: 'playlist-save-box', hidden: true },
      this.nameInput,
      h('button', { id: 'playlist-name-ok', class: 'btn btn-small btn-primary', type: 'button', onclick: () => void this.saveFromBox() }, 'Save'),
      h('button', { id: 'playlist-name-cancel', class: 'btn btn-small', type: 'button', onclick: () => this.closeNameBox(true) }, 'Cancel'));
    this.sortSelect = h('select', { id: 'playlist-sort', class: 'filter-select playlist-sort', 'aria-label': 'Sort the playlist', title: 'Re-order the tracks (Undo takes it back)' },
      h('option', { value: '' }, 'Sort by…'),
      ...SORTS.map((by) => h('option', { value: by, title: SORT_LABELS[by].title }, SORT_LABELS[by].label)));
    this.sortSelect.addEventListener('change', () => {
      const by = this.sortSelect.value as SortBy | '';
      this.sortSelect.value = '';
      if (by) this.session.sort(by, SORT_LABELS[by].label);
    });
    this.exportBtns = {
      m3u8: h('button', { id: 'playlist-export-m3u8', class: 'btn btn-small', type: 'button', title: 'Export as M3U8 (most players)', onclick: () => void this.exportAs('m3u8') }, 'Export M3U8'),
      xspf: h('button', { id: 'playlist-export-xspf', class: 'btn btn-small', type: 'button', title: 'Export as XSPF', onclick: () => void this.exportAs('xspf') }, 'Export XSPF'),
      // Only for lists holding a CUE sheet's track: mpv plays an EDL's stretches exactly,
      // where it plays the whole file of an M3U8/XSPF entry.
      edl: h('button', { id: 'playlist-export-edl', class: 'btn btn-small', type: 'button', hidden: true, title: 'Export for mpv (EDL): CUE-sheet tracks play exactly their stretch', onclick: () => void this.exportAs('edl') }, 'Export for mpv'),
    };

    // body
    this.statusEl = h('p', { id: 'playlist-status', class: 'playlist-status', role: 'status', 'aria-live': 'polite', hidden: true });
    this.shortfall = new ShortfallBanner({
      // (the button goes once the longer list is in: the keyboard goes on from the list's body)
      onLengthen: () => { this.session.lengthen(); this.body.focus({ preventScroll: true }); },
    });

    this.messageEl = h('div', { class: 'playlist-message', hidden: true });
    this.body = h('div', { id: 'playlist', class: 'playlist-body', tabindex: '-1', 'data-state': 'loading', 'data-count': '0', 'aria-label': 'Playlist' },
      this.statusEl, ...this.shortfall.els,
      h('div', { class: 'playlist-scroller' }, this.rows.columns, this.rows.el, this.messageEl));

    root.replaceChildren(
      h('div', { class: 'toolbar playlist-head' },
        back,
        h('div', { class: 'playlist-heading' }, this.titleEl, h('div', { class: 'playlist-sub' }, this.summaryEl, this.seedEl)),
        h('span', { class: 'toolbar-spacer' }),
        h('div', { class: 'playlist-actions' }, this.playAllBtn, this.radioBtn, this.regenerateBtn, this.sortSelect, h('span', { class: 'playlist-actions-gap' }), this.saveBtn, this.nameBox, this.exportBtns.m3u8, this.exportBtns.xspf, this.exportBtns.edl)),
      this.knobs.el,
      this.body);
    this.render();
  }

  // ---------- entry points ----------

  /** A new playlist from `seeds` (one or more, in table order) with the current knobs. */
  make(seeds: Seed[], viaKeyboard = false) {
    this.knobs.cancelPending();
    this.closeNameBox(false);
    this.focusFirst = viaKeyboard;
    this.session.make(seeds);
    this.body.focus({ preventScroll: true });
  }

  /** A new playlist that sounds like a file outside the library (dropped or picked). */
  makeFromFile(file: { path: string; title: string | null; artist: string | null; bpm: number | null }, viaKeyboard = false) {
    this.knobs.cancelPending();
    this.closeNameBox(false);
    this.focusFirst = viaKeyboard;
    this.session.make([], fileSeed(file));
    this.body.focus({ preventScroll: true });
  }

  /** A journey from `from` to `to` (the knobs' length counts both ends). */
  journey(from: Seed, to: Seed, viaKeyboard = false) {
    this.knobs.cancelPending();
    this.closeNameBox(false);
    this.focusFirst = viaKeyboard;
    this.session.journey(from, to);
    this.body.focus({ preventScroll: true });
  }

  /** The tracks that fit a description in words ("calm piano", "no vocals"), best first. */
  describe(words: string, viaKeyboard = false) {
    this.knobs.cancelPending();
    this.closeNameBox(false);
    this.focusFirst = viaKeyboard;
    this.session.describe(words);
    this.body.focus({ preventScroll: true });
  }

  /** A saved playlist from the sidebar. */
  open(id: number, viaKeyboard = false) {
    this.knobs.cancelPending();
    this.closeNameBox(false);
    this.focusFirst = viaKeyboard;
    this.session.open(id);
  }

  /** The playlist was renamed in the sidebar. */
  renamed(p: SavedPlaylist) {
    this.session.renamed(p);
  }

  /** The playlist was deleted in the sidebar: what is shown stays, as an unsaved draft. */
  deleted(id: number) {
    this.session.deleted(id);
  }

  /** The library's tags as suggestions for the include / avoid boxes. */
  setTagSuggestions(list: TagCount[]) {
    this.knobs.setTagSuggestions(list);
  }

  get shownSavedId(): number | null {
    return this.session.shown.savedId;
  }

  /** Which playlist is shown: changes when another one is made or opened. */
  get listId(): number {
    return this.session.listId;
  }

  /** The rows as they are now (a preview walks them, edits included). */
  get currentEntries(): PlaylistEntry[] {
    const s = this.session.shown;
    return s.state === 'error' ? [] : s.entries;
  }

  /** The playlist as the map draws it: its seeds, its rows in order, its title (null: none shown). */
  get pathForMap(): { seeds: number[]; entries: number[]; title: string | null } {
    const s = this.session.shown, entries = this.currentEntries.map((e) => e.id);
    return { seeds: s.base?.seeds ?? s.request?.seeds ?? [], entries, title: entries.length ? this.titleEl.textContent : null };
  }

  /** The row's entry for `li` (Space on a focused row). */
  entryOf(li: Element): PlaylistEntry | null {
    const i = this.rows.indexOf(li);
    return i >= 0 ? this.session.shown.entries[i] ?? null : null;
  }

  /** Undo the last remove, swap or move (Ctrl+Z, the toast's Undo); the focus goes to the row it
   *  touched when it was in the list (or on the toast). False: nothing to undo. */
  undo(): boolean {
    const a = document.activeElement;
    const wasHere = this.rows.hasFocus || !!a?.closest('#toast') || a === document.body;
    const edit = this.session.undo();
    if (!edit) return false;
    this.render(wasHere ? { index: Math.min(edit.index, this.session.shown.entries.length - 1), part: 'row' } : undefined);
    return true;
  }

  /** Keys for the view (the document's handler asks first). True when the key was used. */
  handleKey(e: KeyboardEvent): boolean {
    if (is('playlist.back', e)) {
      // from anywhere while the view is shown (the name and rename boxes keep their own Escape)
      this.hooks.onClose();
      return true;
    }
    const t = e.target as HTMLElement;
    // Ctrl+Z: the last edit, unless a text box has the focus (it undoes its typing)
    if (is('playlist.undo', e) && !(t instanceof HTMLInputElement && t.type !== 'checkbox')) { this.undo(); return true; }
    if (!this.el.contains(t)) return false;
    if (this.knobs.handleKey(e)) return true;
    if (t === this.body) {
      // just opened: ↓ goes into the list
      if (e.key === 'ArrowDown' || e.key === 'Home') { this.rows.focusFirst(); return true; }
      if (e.key === 'ArrowUp' || e.key === 'End') { this.rows.focusLast(); return true; }
      return false;
    }
    return this.rows.handleKey(e);
  }

  // ---------- actions ----------

  /** Regenerate now (the button, Enter in a knob, Try again). */
  private regenerate() {
    this.knobs.cancelPending();
    this.session.generate(true);
  }

  private retry() {
    const r = this.session.retryTarget;
    if (r?.kind === 'open') this.open(r.id);
    else if (r?.kind === 'describe') this.describe(r.words);
    else if (r) this.regenerate();
  }

  private remove(index: number) {
    const hadFocus = this.rows.hasFocus;
    if (!this.session.remove(index)) return;
    this.render(hadFocus ? { index: Math.min(index, this.session.shown.entries.length - 1), part: 'row' } : undefined);
  }

  /** "Like A, B and 3 more" (null: the seeds are not known). */
  private likeTitle(): string | null {
    const s = this.session.shown;
    if (s.described != null) return `“${s.described}”`;
    if ((s.base ?? s.request)?.journey_to != null) return journeyName(s.seeds);
    const r = s.base ?? s.request;
    return likeName(s.seeds, r ? seedCount(r) : s.seeds.length);
  }

  private suggestedName(): string {
    const s = this.session.shown;
    return s.savedName ?? this.likeTitle() ?? 'New playlist';
  }

  private openNameBox() {
    const s = this.session.shown;
    if (s.savedId != null || !s.entries.length) return;
    this.nameBox.hidden = false;
    this.saveBtn.hidden = true;
    if (!this.nameInput.value) this.nameInput.value = this.suggestedName();
    this.nameInput.focus();
    this.nameInput.select();
  }

  private closeNameBox(refocus: boolean) {
    const had = !this.nameBox.hidden;
    this.nameBox.hidden = true;
    this.nameInput.value = '';
    this.renderActions();
    if (had && refocus) this.saveBtn.focus();
  }

  private async saveFromBox() {
    const name = this.nameInput.value.trim() || this.suggestedName();
    if (await this.session.save(name)) this.closeNameBox(false);
  }

  /** Export: a draft is saved first (under the name in the box, or the suggested one). */
  private async exportAs(format: Format) {
    const s = this.session.shown;
    if (s.busy.export || !s.entries.length) return;
    if (s.savedId == null) {
      const name = (!this.nameBox.hidden && this.nameInput.value.trim()) || this.suggestedName();
      if (!(await this.session.save(name))) return;
      this.closeNameBox(false);
    }
    await this.session.exportSaved(format);
  }

  // ---------- rendering ----------

  private changed(what: Change) {
    switch (what) {
      case 'header': this.renderHeader(); return;
      case 'actions': this.renderActions(); return;
      case 'rows': this.renderRows(); return;
      case 'failed': this.focusFirst = false; this.render(); return;
      case 'arrived': {
        this.render();
        const active = document.activeElement;
        if (this.focusFirst && this.session.shown.entries.length && (active === this.body || active === document.body)) this.rows.focusFirst();
        this.focusFirst = false;
        return;
      }
      case 'all': this.render();
    }
  }

  private setStatus(text: string | null, kind: StatusKind = 'info') {
    this.statusEl.hidden = !text;
    this.statusEl.textContent = text ?? '';
    this.statusEl.title = text ?? '';
    this.statusEl.className = `playlist-status is-${kind}`;
  }

  private render(focus?: RowFocus) {
    const s = this.session.shown;
    const b = this.body;
    b.dataset.state = s.state;
    b.dataset.count = String(s.entries.length);
    b.dataset.generation = String(s.generation);
    b.dataset.seed = s.base?.seeds[0] != null ? String(s.base.seeds[0]) : '';
    b.dataset.seeds = s.base?.seeds.join(',') ?? '';
    b.dataset.seedFile = s.base?.seed_file ?? '';
    b.dataset.length = s.request ? String(s.request.length) : '';
    if (s.savedId != null) b.dataset.savedId = String(s.savedId); else delete b.dataset.savedId;
    b.setAttribute('aria-busy', String(s.state === 'loading'));
    this.renderHeader();
    this.hooks.onRows(this.pathForMap);
    this.renderActions();
    this.knobs.setEnabled(s.base != null);
    this.regenerateBtn.disabled = s.base == null;

    this.shortfall.show({ shortfall: s.shortfall, lengthen: s.lengthen, notes: s.notes, busy: s.state === 'loading' });
    this.rows.setStepReasons(s.reasonsFollowSteps);

    const message = (text: string, cls = '', ...extra: Node[]) => {
      this.messageEl.hidden = false;
      this.messageEl.className = `playlist-message${cls}`;
      this.messageEl.replaceChildren(h('p', {}, text), ...extra);
    };
    this.messageEl.hidden = true;
    this.rows.setRefreshing(s.state === 'loading' && s.entries.length > 0);
    if (s.state === 'error') {
      this.rows.clear();
      const retry = h('button', { class: 'link-btn', type: 'button', onclick: () => this.retry() }, 'Try again');
      const back = h('button', { class: 'link-btn', type: 'button', onclick: () => this.hooks.onClose() }, 'Back to the library');
      message(s.error ?? 'Something went wrong', ' is-error', h('p', { class: 'playlist-message-actions' }, retry, ' · ', back));
      return;
    }
    if (s.state === 'loading' && !s.entries.length) {
      this.rows.showSkeleton();
      return;
    }
    if (!s.entries.length) {
      this.rows.clear();
      message(s.lengthen ? 'No tracks fit these settings: the button above makes it again without the rule that keeps them out.'
        : s.shortfall ? 'Nothing in your library sounds like this yet.' : 'This playlist is empty.', ' is-empty');
      return;
    }
    this.renderRows(focus);
  }

  private renderRows(focus?: RowFocus) {
    const s = this.session.shown;
    this.hooks.onRows(this.pathForMap);
    this.renderMpvExport();
    this.rows.render(s.entries, { swapping: s.swapping, canSwap: !!s.request && s.state !== 'loading', scored: (_, i) => s.described == null && !(i === 0 && (s.request ?? s.base)?.journey_to != null), reasonsAfter: (e) => this.reasonsAfter(e) }, focus);
  }

  /** "Export for mpv" only while a CUE sheet's track is in the list (rows come and go). */
  private renderMpvExport() {
    this.exportBtns.edl.hidden = !this.session.shown.entries.some((e) => e.span);
  }

  /** What a row's reasons compare it with when they describe steps (null: not steps). */
  private reasonsAfter(e: PlaylistEntry): ReasonsAfter | null {
    const s = this.session.shown;
    if (!s.reasonsFollowSteps) return null;
    return s.reasonsAfter.get(e.id) ?? { id: null, name: s.seeds[0] ? trackName(s.seeds[0]) : null };
  }

  private renderHeader() {
    const s = this.session.shown;
    const title = s.savedName ?? this.likeTitle() ?? 'Playlist';
    this.titleEl.textContent = title;
    this.titleEl.title = title;
    const total = s.entries.reduce((sum, e) => sum + (e.duration_s ?? 0), 0);
    const parts = [s.savedId != null ? 'Saved playlist' : 'Playlist'];
    if (s.state !== 'loading' || s.entries.length) parts.push(plural(s.entries.length, 'track'));
    if (total > 0) parts.push(duration(total));
    this.summaryEl.textContent = parts.join(' · ');
    const seeds = s.base ? seedCount(s.base) : s.seeds.length;
    const one = s.seeds[0];
    this.seedEl.textContent = seeds > 1 ? ` · from ${plural(seeds, 'track')}`
      : one ? ` · from ${trackName(one)}${one.artist ? ` — ${one.artist}` : ''}` : '';
    this.seedEl.title = s.seeds.map((x) => x.path).join('\n');
  }

  private renderActions() {
    const s = this.session.shown;
    const has = s.entries.length > 0 && s.state !== 'loading' && s.state !== 'error';
    const saved = s.savedId != null;
    this.saveBtn.hidden = !this.nameBox.hidden;
    this.saveBtn.disabled = !has || saved || s.busy.save;
    this.saveBtn.textContent = saved ? 'Saved' : 'Save';
    this.saveBtn.title = saved ? 'Changes are saved as you make them' : 'Save this playlist';
    this.nameInput.disabled = s.busy.save;
    for (const b of Object.values(this.exportBtns)) b.disabled = !has || s.busy.export || s.busy.save;
    this.renderMpvExport();
    this.playAllBtn.disabled = !has;
    this.radioBtn.disabled = !has;
    this.sortSelect.disabled = !has || s.entries.length < 2;
  }
}
