// The playlist view (it takes the place of the library table, like the failures view): a
// playlist made from a seed track (`make_playlist`) or a saved one opened from the sidebar
// (`get_playlist`). Knobs above the list shape the request; rows can be swapped, removed and
// reordered (drag, or Alt+↑/↓); Save names it, Export writes M3U8/XSPF through the native dialog.
// Once saved, the view is bound to that playlist: every later edit is stored at once
// (`set_playlist_tracks`). Regenerating from the knobs makes a new, unsaved draft.
// Also here: the "Playlists" list in the sidebar.
import * as api from './api';
import type { ExportFormat, Order, PlaylistEntry, PlaylistRequest, SavedPlaylist, TagCount, TempoRange } from './api';
import { h } from './dom';
import { basename, duration, num, plural } from './format';
import { keyLong, keyShort } from './music';
import { playButton, playingAria, playingClass } from './player';
import { scorePercent } from './similar';

/** The track a playlist is made from. */
export type Seed = { id: number; title: string | null; artist: string | null; path: string; bpm: number | null };

export type PlaylistHooks = {
  /** Back to the library (Escape, the back button). */
  onClose(): void;
  /** This view saved a playlist or stored its tracks: the sidebar list may have changed. */
  onSavedChange(): void;
  /** The saved playlist shown (null: an unsaved draft, or nothing), for the sidebar highlight. */
  onShownSaved(id: number | null): void;
  /** A row's ▶ was clicked (or Space pressed on a row). */
  onPlay(e: PlaylistEntry): void;
};

type State = 'loading' | 'ready' | 'error' | 'empty';
type TempoMode = '' | 'tolerance' | 'absolute';
/** What the knobs say; kept between playlists (set length 10 once, get 10 every time). */
type Knobs = {
  length: number; order: Order; maxPerArtist: number; maxPerAlbum: number;
  tempo: TempoMode; tempoPercent: number; tempoMin: number | null; tempoMax: number | null;
  keyCompatible: boolean; include: string; avoid: string;
};

export const LENGTH_MIN = 5;
export const LENGTH_MAX = 100;
/** Knob changes regenerate after this pause (typing in a number or tag box waits longer). */
const DEBOUNCE_MS = 300;
const TYPING_DEBOUNCE_MS = 600;

const ORDERS: { value: Order; label: string }[] = [
  { value: 'similarity', label: 'Similar first' },
  { value: 'flow', label: 'Smooth flow' },
  { value: 'harmonic', label: 'Harmonic mix' },
];

export function defaultRequest(seed: number): PlaylistRequest {
  return {
    seeds: [seed], avoid_like: [], length: 20, order: 'similarity', max_per_artist: 2, max_per_album: 2,
    tempo: null, key_compatible: false, min_duration_s: null, max_duration_s: null,
    include_tags: [], avoid_tags: [], folders: [],
  };
}

const trackName = (t: { title: string | null; path: string }) => t.title ?? basename(t.path);
/** "Like Wildflower Ridge": the name Save suggests. */
export const defaultName = (seed: { title: string | null; path: string }) => `Like ${trackName(seed)}`;
/** "only 7 of 20 tracks …" → "Only 7 of 20 tracks …". */
const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const tags = (s: string) => s.split(',').map((t) => t.trim()).filter(Boolean);
const sameIds = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** "Am" / "C", as the table shows keys. */
function keyText(e: PlaylistEntry): string | null {
  if (!e.key) return null;
  if (!/^[A-G][#b]?$/.test(e.key)) return e.key;
  const scale = e.scale ?? (e.camelot?.endsWith('A') ? 'minor' : e.camelot?.endsWith('B') ? 'major' : null);
  return keyShort(e.key, scale);
}

export class PlaylistView {
  /** section#view-playlist; its body is div#playlist[data-state][data-count]. */
  readonly el: HTMLElement;
  private titleEl: HTMLElement;
  private summaryEl: HTMLElement;
  private seedEl: HTMLElement;
  private saveBtn: HTMLButtonElement;
  private nameBox: HTMLElement;
  private nameInput: HTMLInputElement;
  private exportBtns: Record<ExportFormat, HTMLButtonElement>;
  private knobsEl: HTMLElement;
  private k: {
    length: HTMLInputElement; order: HTMLSelectElement; artist: HTMLInputElement; album: HTMLInputElement;
    tempo: HTMLSelectElement; tempoPct: HTMLInputElement; tempoMin: HTMLInputElement; tempoMax: HTMLInputElement;
    tempoPctWrap: HTMLElement; tempoRangeWrap: HTMLElement;
    key: HTMLInputElement; include: HTMLInputElement; avoid: HTMLInputElement; regenerate: HTMLButtonElement;
    /** The include / avoid boxes' suggestions: the library's tags. */
    includeList: HTMLDataListElement; avoidList: HTMLDataListElement;
  };
  /** The library's tags (tag_vocabulary), most common first. */
  private tagSuggestions: TagCount[] = [];
  private body: HTMLElement;
  private statusEl: HTMLElement;
  private shortfallEl: HTMLElement;
  private listEl: HTMLOListElement;
  private messageEl: HTMLElement;

  private knobs: Knobs = {
    length: 20, order: 'similarity', maxPerArtist: 2, maxPerAlbum: 2,
    tempo: '', tempoPercent: 6, tempoMin: null, tempoMax: null, keyCompatible: false, include: '', avoid: '',
  };
  private seed: Seed | null = null;
  /** The request the knobs are laid over (seeds and the fields without a knob); null: a saved
   *  playlist without one (it cannot be regenerated or swapped in). */
  private base: PlaylistRequest | null = null;
  /** The request behind the rows shown (what swap asks with). */
  private request: PlaylistRequest | null = null;
  /** JSON of the last request sent to make_playlist: knob events that change nothing ask nothing. */
  private asked = '';
  private entries: PlaylistEntry[] = [];
  private shortfall: string | null = null;
  private candidates = 0;
  private state: State = 'loading';
  private error: string | null = null;
  private retry: (() => void) | null = null;
  private seq = 0;
  private generation = 0;
  private timer = 0;
  private savedId: number | null = null;
  private savedName: string | null = null;
  private busy = { save: false, export: false };
  /** set_playlist_tracks calls, one after another (the last one wins). */
  private persisting: Promise<unknown> = Promise.resolve();
  /** Rows whose swap is in flight (by track id). */
  private swapping = new Set<number>();
  private dragFrom = -1;
  /** Focus the first row once the rows are in (the view was opened from the keyboard). */
  private focusFirst = false;
  /** Bumped when another playlist is shown (made or opened; not by regenerating or editing it). */
  private list = 0;

  constructor(root: HTMLElement, private hooks: PlaylistHooks) {
    this.el = root;
    const back = h('button', { id: 'playlist-back', class: 'icon-btn playlist-back', type: 'button', 'aria-label': 'Back to the library', title: 'Back to the library (Esc)', onclick: () => this.hooks.onClose() }, '‹');
    this.titleEl = h('h2', { id: 'playlist-title', class: 'view-title playlist-title' });
    this.summaryEl = h('span', { id: 'playlist-summary', class: 'playlist-summary num' });
    this.seedEl = h('span', { id: 'playlist-seed', class: 'playlist-seed' });
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
    this.exportBtns = {
      m3u8: h('button', { id: 'playlist-export-m3u8', class: 'btn btn-small', type: 'button', title: 'Export as M3U8 (most players)', onclick: () => void this.exportAs('m3u8') }, 'Export M3U8'),
      xspf: h('button', { id: 'playlist-export-xspf', class: 'btn btn-small', type: 'button', title: 'Export as XSPF', onclick: () => void this.exportAs('xspf') }, 'Export XSPF'),
    };

    // knobs
    const numInput = (id: string, label: string, min: number, max: number, title: string | null = null) =>
      h('input', { id, class: 'filter-input knob-num num', type: 'number', min, max, step: 1, inputmode: 'numeric', 'aria-label': label, title });
    const knob = (label: string, ...controls: Node[]) => h('label', { class: 'knob' }, h('span', { class: 'knob-label' }, label), ...controls);
    const order = h('select', { id: 'knob-order', class: 'filter-select knob-select', 'aria-label': 'Order' },
      ...ORDERS.map((o) => h('option', { value: o.value }, o.label)));
    const tempo = h('select', { id: 'knob-tempo', class: 'filter-select knob-select', 'aria-label': 'Tempo' },
      h('option', { value: '' }, 'Any'), h('option', { value: 'tolerance', title: 'Near the seed’s tempo (or half/double)' }, 'Near seed'), h('option', { value: 'absolute' }, 'BPM range'));
    const tempoPct = numInput('knob-tempo-pct', 'Tempo tolerance in percent', 1, 50, 'Within this many percent of the seed’s tempo (or half/double)');
    const tempoMin = numInput('knob-tempo-min', 'Minimum BPM', 0, 999);
    const tempoMax = numInput('knob-tempo-max', 'Maximum BPM', 0, 999);
    tempoMin.placeholder = 'min';
    tempoMax.placeholder = 'max';
    const tempoPctWrap = h('span', { class: 'knob-sub' }, '±', tempoPct, '%');
    const tempoRangeWrap = h('span', { class: 'knob-sub' }, tempoMin, h('span', { class: 'filter-dash', 'aria-hidden': 'true' }, '–'), tempoMax);
    const key = h('input', { id: 'knob-key', type: 'checkbox' });
    const include = h('input', { id: 'knob-include', class: 'filter-input knob-tag', type: 'text', placeholder: 'include…', autocomplete: 'off', spellcheck: 'false', list: 'knob-include-tags', 'aria-label': 'Only tracks with one of these tags (comma separated)', title: 'Only tracks with one of these tags (comma separated): genre tags of the files, and the genre and mood heard in the audio' });
    const avoid = h('input', { id: 'knob-avoid', class: 'filter-input knob-tag', type: 'text', placeholder: 'avoid…', autocomplete: 'off', spellcheck: 'false', list: 'knob-avoid-tags', 'aria-label': 'No tracks with these tags (comma separated)', title: 'No tracks with these tags (comma separated): genre tags of the files, and the genre and mood heard in the audio' });
    const includeList = h('datalist', { id: 'knob-include-tags' });
    const avoidList = h('datalist', { id: 'knob-avoid-tags' });
    const regenerate = h('button', { id: 'playlist-regenerate', class: 'btn btn-small', type: 'button', title: 'Make the playlist again with these settings', onclick: () => this.regenerate() }, 'Regenerate');
    this.k = {
      length: numInput('knob-length', 'Length', LENGTH_MIN, LENGTH_MAX, `${LENGTH_MIN}–${LENGTH_MAX} tracks`), order,
      artist: numInput('knob-artist', 'At most per artist', 0, 99, 'At most this many tracks by one artist (0 = no limit)'),
      album: numInput('knob-album', 'At most per album', 0, 99, 'At most this many tracks from one album (0 = no limit)'),
      tempo, tempoPct, tempoMin, tempoMax, tempoPctWrap, tempoRangeWrap, key, include, avoid, regenerate, includeList, avoidList,
    };
    this.knobsEl = h('div', { id: 'playlist-knobs', class: 'toolbar playlist-knobs', role: 'group', 'aria-label': 'Playlist settings' },
      knob('Length', this.k.length), knob('Order', order),
      h('span', { class: 'knob' }, h('span', { class: 'knob-label' }, 'Max per'),
        h('label', { class: 'knob-sub' }, 'artist', this.k.artist), h('label', { class: 'knob-sub' }, 'album', this.k.album)),
      knob('Tempo', tempo, tempoPctWrap, tempoRangeWrap),
      h('label', { class: 'knob knob-check', title: 'Only keys that mix with the seed’s: the same, a neighbour on the Camelot wheel, or the relative key' }, key, h('span', {}, 'Compatible keys')),
      // Include and avoid wrap together, under one label, when the window is narrow.
      h('span', { class: 'knob' }, h('span', { class: 'knob-label' }, 'Tags'), include, avoid),
      includeList, avoidList);
    this.wireKnobs();
    this.writeKnobs();

    // body
    this.statusEl = h('p', { id: 'playlist-status', class: 'playlist-status', role: 'status', 'aria-live': 'polite', hidden: true });
    this.shortfallEl = h('p', { id: 'playlist-shortfall', class: 'playlist-shortfall', hidden: true });
    this.listEl = h('ol', { id: 'playlist-list', class: 'playlist-list', 'aria-label': 'Playlist tracks' });
    this.messageEl = h('div', { class: 'playlist-message', hidden: true });
    const columns = h('div', { class: 'playlist-columns', 'aria-hidden': 'true' },
      h('span', {}), h('span', {}), h('span', { class: 'num' }, '#'), h('span', {}, 'Title'), h('span', {}, 'Why'), h('span', { class: 'num' }, 'BPM'),
      h('span', {}, 'Key'), h('span', { class: 'num' }, 'Time'), h('span', { class: 'num' }, 'Match'), h('span', {}));
    this.body = h('div', { id: 'playlist', class: 'playlist-body', tabindex: '-1', 'data-state': 'loading', 'data-count': '0', 'aria-label': 'Playlist' },
      this.statusEl, this.shortfallEl,
      h('div', { class: 'playlist-scroller' }, columns, this.listEl, this.messageEl));

    root.replaceChildren(
      h('div', { class: 'toolbar playlist-head' },
        back,
        h('div', { class: 'playlist-heading' }, this.titleEl, h('div', { class: 'playlist-sub' }, this.summaryEl, this.seedEl)),
        h('span', { class: 'toolbar-spacer' }),
        h('div', { class: 'playlist-actions' }, regenerate, h('span', { class: 'playlist-actions-gap' }), this.saveBtn, this.nameBox, this.exportBtns.m3u8, this.exportBtns.xspf)),
      this.knobsEl,
      this.body);

    this.wireList();
    this.render();
  }

  // ---------- entry points ----------

  /** A new playlist from `seed` with the current knobs. */
  make(seed: Seed, viaKeyboard = false) {
    this.list++;
    this.unbind();
    this.seed = seed;
    this.base = defaultRequest(seed.id);
    this.request = null;
    this.entries = [];
    this.shortfall = null;
    this.setStatus(null);
    this.closeNameBox(false);
    this.focusFirst = viaKeyboard;
    this.generate(true);
    this.body.focus({ preventScroll: true });
  }

  /** A saved playlist from the sidebar. */
  open(id: number, viaKeyboard = false) {
    this.list++;
    clearTimeout(this.timer);
    const seq = ++this.seq;
    this.savedId = id;
    this.hooks.onShownSaved(id);
    this.seed = null;
    this.base = null;
    this.request = null;
    this.entries = [];
    this.shortfall = null;
    this.error = null;
    this.state = 'loading';
    this.retry = () => this.open(id);
    this.asked = '';
    this.focusFirst = viaKeyboard;
    this.setStatus(null);
    this.closeNameBox(false);
    this.render();
    api.getPlaylist(id).then((d) => {
      if (seq !== this.seq) return;
      this.savedId = d.playlist.id;
      this.savedName = d.playlist.name;
      this.request = d.request;
      this.base = d.request && d.request.seeds.length ? d.request : null;
      if (this.base) this.knobsFrom(this.base);
      this.asked = this.base ? JSON.stringify(this.requestFromKnobs()) : '';
      this.entries = d.entries;
      this.show();
      const seedId = d.request?.seeds[0];
      if (seedId != null) {
        api.getTrack(seedId).then((t) => {
          if (seq !== this.seq) return;
          const r = t.track;
          this.seed = { id: r.id, title: r.title, artist: r.artist, path: r.path, bpm: r.bpm };
          this.renderHeader();
        }, () => { /* the seed left the library: the header just doesn't name it */ });
      }
    }, (e) => this.fail(seq, e));
  }

  /** The playlist was renamed in the sidebar. */
  renamed(p: SavedPlaylist) {
    if (p.id !== this.savedId) return;
    this.savedName = p.name;
    this.renderHeader();
  }

  /** The playlist was deleted in the sidebar: what is shown stays, as an unsaved draft. */
  deleted(id: number) {
    if (id !== this.savedId) return;
    this.unbind();
    this.setStatus('Playlist deleted — this list is no longer saved.');
    this.render();
  }

  get shownSavedId(): number | null {
    return this.savedId;
  }

  /** Which playlist is shown: changes when another one is made or opened. */
  get listId(): number {
    return this.list;
  }

  /** The rows as they are now (a preview walks them, edits included). */
  get currentEntries(): PlaylistEntry[] {
    return this.state === 'error' ? [] : this.entries;
  }

  /** The row's entry for `li` (Space on a focused row). */
  entryOf(li: Element): PlaylistEntry | null {
    const i = this.rows().indexOf(li as HTMLElement);
    return i >= 0 ? this.entries[i] ?? null : null;
  }

  /** Keys for the view (the document's handler asks first). True when the key was used. */
  handleKey(e: KeyboardEvent): boolean {
    const t = e.target as HTMLElement;
    if (e.key === 'Escape') {
      // from anywhere while the view is shown (the name and rename boxes keep their own Escape)
      this.hooks.onClose();
      return true;
    }
    if (!this.el.contains(t)) return false;
    if (t instanceof HTMLInputElement && this.knobsEl.contains(t) && e.key === 'Enter') {
      if (t.type === 'checkbox') return false;
      this.commitKnob(t);
      this.regenerate();
      return true;
    }
    const li = t.closest<HTMLElement>('li.playlist-row');
    if (!li || t.closest('button')) {
      // on the body (just opened): ↓ goes into the list
      if (t === this.body && (e.key === 'ArrowDown' || e.key === 'Home')) { this.rows()[0]?.focus(); return true; }
      if (t === this.body && (e.key === 'ArrowUp' || e.key === 'End')) { this.rows().slice(-1)[0]?.focus(); return true; }
      return false;
    }
    const rows = this.rows();
    const i = rows.indexOf(li);
    const ctrl = e.ctrlKey || e.metaKey;
    if (e.altKey && !ctrl && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      const to = i + (e.key === 'ArrowDown' ? 1 : -1);
      if (to >= 0 && to < rows.length) this.move(i, to);
      return true;
    }
    if (e.altKey || ctrl) return false;
    switch (e.key) {
      case 'ArrowDown': rows[Math.min(rows.length - 1, i + 1)]?.focus(); return true;
      case 'ArrowUp': rows[Math.max(0, i - 1)]?.focus(); return true;
      case 'Home': rows[0]?.focus(); return true;
      case 'End': rows[rows.length - 1]?.focus(); return true;
      case 'Delete': case 'Backspace': this.remove(i); return true;
      default: return false;
    }
  }

  // ---------- generating ----------

  private requestFromKnobs(): PlaylistRequest | null {
    if (!this.base) return null;
    const k = this.knobs;
    let tempo: TempoRange | null = null;
    if (k.tempo === 'tolerance') tempo = { kind: 'tolerance', percent: k.tempoPercent };
    else if (k.tempo === 'absolute') {
      const lo = k.tempoMin ?? 0, hi = k.tempoMax ?? 999;
      tempo = { kind: 'absolute', min: Math.min(lo, hi), max: Math.max(lo, hi) };
    }
    return {
      ...this.base,
      length: k.length, order: k.order, max_per_artist: k.maxPerArtist, max_per_album: k.maxPerAlbum,
      tempo, key_compatible: k.keyCompatible, include_tags: tags(k.include), avoid_tags: tags(k.avoid),
    };
  }

  /** Regenerate now (the button, Enter in a knob). */
  private regenerate() {
    clearTimeout(this.timer);
    this.generate(true);
  }

  /** A knob changed: regenerate after a pause, unless the request is what was last asked. */
  private schedule(ms = DEBOUNCE_MS) {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.generate(false), ms);
  }

  private generate(force: boolean) {
    clearTimeout(this.timer);
    const request = this.requestFromKnobs();
    if (!request) return;
    const json = JSON.stringify(request);
    if (!force && json === this.asked) return;
    this.asked = json;
    if (this.savedId != null) {
      // A saved playlist is a snapshot: new settings make a new draft (Save keeps it).
      this.unbind();
      this.setStatus('New settings: this is a new playlist, not saved yet.');
    }
    const seq = ++this.seq;
    this.state = 'loading';
    this.error = null;
    this.retry = () => this.regenerate();
    this.render();
    api.makePlaylist(request).then((p) => {
      if (seq !== this.seq) return;
      this.request = p.request ?? request;
      this.entries = p.entries;
      this.shortfall = p.shortfall;
      this.candidates = p.candidates;
      this.show();
    }, (e) => this.fail(seq, e));
  }

  /** Rows arrived (made or opened). */
  private show() {
    this.generation++;
    this.swapping.clear();
    this.state = this.entries.length ? 'ready' : 'empty';
    this.render();
    if (this.focusFirst && this.entries.length && (document.activeElement === this.body || document.activeElement === document.body)) {
      this.rows()[0]?.focus();
    }
    this.focusFirst = false;
  }

  private fail(seq: number, e: unknown) {
    if (seq !== this.seq) return;
    this.state = 'error';
    this.error = api.errorText(e);
    this.entries = [];
    this.shortfall = null;
    this.focusFirst = false;
    this.render();
  }

  // ---------- editing ----------

  private ids() {
    return this.entries.map((e) => e.id);
  }

  /** Swap the track at `index` for the best one not in the list. */
  private swap(index: number) {
    const old = this.entries[index];
    if (!old || !this.request || this.swapping.has(old.id)) return;
    const current = this.ids();
    const request = this.request;
    const seq = this.seq;
    this.swapping.add(old.id);
    this.setStatus(null);
    this.renderList();
    api.swapPlaylistTrack(request, current, index).then((entry) => {
      if (seq !== this.seq) return;
      this.swapping.delete(old.id);
      const at = this.entries.findIndex((e) => e.id === old.id); // rows may have moved meanwhile
      if (at < 0) { this.renderList(); return; }
      if (!entry) {
        this.setStatus(`Nothing else fits slot ${at + 1} with these settings.`);
        this.renderList();
        return;
      }
      if (this.entries.some((e) => e.id === entry.id)) {
        // the list changed while we asked, and the answer is already in it
        this.setStatus('The list changed meanwhile — swap again.');
        this.renderList();
        return;
      }
      this.entries[at] = entry;
      this.changed();
    }, (e) => {
      if (seq !== this.seq) return;
      this.swapping.delete(old.id);
      this.setStatus(api.errorText(e), 'error');
      this.renderList();
    });
  }

  private remove(index: number) {
    if (index < 0 || index >= this.entries.length) return;
    const hadFocus = this.listEl.contains(document.activeElement);
    this.entries.splice(index, 1);
    this.setStatus(null);
    this.changed(hadFocus ? { index: Math.min(index, this.entries.length - 1), part: 'row' } : undefined);
  }

  private move(from: number, to: number) {
    if (from === to || from < 0 || to < 0 || from >= this.entries.length || to >= this.entries.length) return;
    const [e] = this.entries.splice(from, 1);
    this.entries.splice(to, 0, e);
    this.changed({ index: to, part: 'row' });
  }

  /** The rows changed here: re-render; a saved playlist stores the new track list. */
  private changed(focus?: { index: number; part: 'row' | 'play' | 'swap' | 'remove' }) {
    if (!this.entries.length) this.state = 'empty';
    this.render(focus);
    this.persist();
  }

  private persist() {
    const id = this.savedId;
    if (id == null) return;
    const ids = this.ids();
    this.persisting = this.persisting.then(() => api.setPlaylistTracks(id, ids).then(() => {
      this.hooks.onSavedChange();
    }, (e) => {
      if (this.savedId === id) this.setStatus(`The change was not saved: ${api.errorText(e)}`, 'error');
    }));
  }

  // ---------- save / export ----------

  private suggestedName(): string {
    if (this.savedName) return this.savedName;
    return this.seed ? defaultName(this.seed) : 'New playlist';
  }

  private openNameBox() {
    if (this.savedId != null || !this.entries.length) return;
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
    if (await this.save(name)) this.closeNameBox(false);
  }

  /** Save what is shown under `name`; the view is then bound to it. True when saved. */
  private async save(name: string): Promise<boolean> {
    if (this.busy.save || !this.entries.length) return false;
    const seq = this.seq;
    const ids = this.ids();
    this.busy.save = true;
    this.renderActions();
    try {
      const p = await api.savePlaylist(name, this.request, ids);
      if (seq !== this.seq) return false; // another playlist is shown now
      this.savedId = p.id;
      this.savedName = p.name;
      this.hooks.onShownSaved(p.id);
      this.hooks.onSavedChange();
      this.setStatus(`Saved as “${p.name}”.`, 'ok');
      // rows edited while the save was on its way
      if (!sameIds(ids, this.ids())) this.persist();
      return true;
    } catch (e) {
      if (seq === this.seq) this.setStatus(api.errorText(e), 'error');
      return false;
    } finally {
      this.busy.save = false;
      this.render();
    }
  }

  /** Export: a draft is saved first (under the name in the box, or the suggested one). */
  private async exportAs(format: ExportFormat) {
    if (this.busy.export || !this.entries.length) return;
    if (this.savedId == null) {
      const name = (!this.nameBox.hidden && this.nameInput.value.trim()) || this.suggestedName();
      if (!(await this.save(name))) return;
      this.closeNameBox(false);
    }
    const id = this.savedId;
    if (id == null) return;
    this.busy.export = true;
    this.renderActions();
    try {
      await this.persisting; // the file gets the latest order
      const path = await api.exportPlaylist(id, format);
      if (this.savedId !== id) return;
      this.setStatus(path ? `Exported to ${path}` : null, 'ok'); // null: the dialog was cancelled
    } catch (e) {
      if (this.savedId === id) this.setStatus(api.errorText(e), 'error');
    } finally {
      this.busy.export = false;
      this.renderActions();
    }
  }

  private unbind() {
    if (this.savedId == null && this.savedName == null) return;
    this.savedId = null;
    this.savedName = null;
    this.hooks.onShownSaved(null);
  }

  private setStatus(text: string | null, kind: 'info' | 'ok' | 'error' = 'info') {
    this.statusEl.hidden = !text;
    this.statusEl.textContent = text ?? '';
    this.statusEl.title = text ?? '';
    this.statusEl.className = `playlist-status is-${kind}`;
  }

  // ---------- knobs ----------

  private knobsFrom(r: PlaylistRequest) {
    const k = this.knobs;
    k.length = Math.max(LENGTH_MIN, Math.min(LENGTH_MAX, r.length ?? 20));
    k.order = r.order ?? 'similarity';
    k.maxPerArtist = r.max_per_artist ?? 2;
    k.maxPerAlbum = r.max_per_album ?? 2;
    k.keyCompatible = !!r.key_compatible;
    k.include = (r.include_tags ?? []).join(', ');
    k.avoid = (r.avoid_tags ?? []).join(', ');
    const t = r.tempo ?? null;
    k.tempo = t ? t.kind : '';
    if (t?.kind === 'tolerance') k.tempoPercent = t.percent;
    if (t?.kind === 'absolute') { k.tempoMin = t.min; k.tempoMax = t.max; }
    this.writeKnobs();
  }

  private writeKnobs() {
    const k = this.knobs, el = this.k;
    el.length.value = String(k.length);
    el.order.value = k.order;
    el.artist.value = String(k.maxPerArtist);
    el.album.value = String(k.maxPerAlbum);
    el.tempo.value = k.tempo;
    el.tempoPct.value = String(k.tempoPercent);
    el.tempoMin.value = k.tempoMin == null ? '' : String(k.tempoMin);
    el.tempoMax.value = k.tempoMax == null ? '' : String(k.tempoMax);
    el.key.checked = k.keyCompatible;
    el.include.value = k.include;
    el.avoid.value = k.avoid;
    this.renderTempo();
  }

  private renderTempo() {
    this.k.tempoPctWrap.hidden = this.knobs.tempo !== 'tolerance';
    this.k.tempoRangeWrap.hidden = this.knobs.tempo !== 'absolute';
    this.k.tempo.classList.toggle('active', this.knobs.tempo !== '');
  }

  /** Read a number box: its value when it is a whole number in range, else null. */
  private static int(input: HTMLInputElement, min: number, max: number): number | null {
    const v = input.value.trim() === '' ? NaN : input.valueAsNumber;
    return Number.isFinite(v) && v >= min && v <= max ? Math.round(v) : null;
  }

  /** Take a knob's value into `knobs` (valid values only). `final` (change, Enter): clamp what
   *  is out of range and show it; while typing an out-of-range value is just not used yet. */
  private commitKnob(input: HTMLInputElement, final = true): boolean {
    const k = this.knobs, el = this.k;
    const clampInt = (min: number, max: number, fallback: number) => {
      const v = PlaylistView.int(input, min, max);
      if (v != null) return v;
      if (!final) return null;
      const raw = input.valueAsNumber;
      const c = Number.isFinite(raw) ? Math.round(Math.max(min, Math.min(max, raw))) : fallback;
      input.value = String(c);
      return c;
    };
    switch (input) {
      case el.length: { const v = clampInt(LENGTH_MIN, LENGTH_MAX, k.length); if (v == null) return false; k.length = v; return true; }
      case el.artist: { const v = clampInt(0, 99, k.maxPerArtist); if (v == null) return false; k.maxPerArtist = v; return true; }
      case el.album: { const v = clampInt(0, 99, k.maxPerAlbum); if (v == null) return false; k.maxPerAlbum = v; return true; }
      case el.tempoPct: { const v = clampInt(1, 50, k.tempoPercent); if (v == null) return false; k.tempoPercent = v; return true; }
      case el.tempoMin: case el.tempoMax: {
        const empty = input.value.trim() === '';
        const v = empty ? null : clampInt(0, 999, 0);
        if (!empty && v == null) return false;
        if (input === el.tempoMin) k.tempoMin = v; else k.tempoMax = v;
        return true;
      }
      case el.include: k.include = input.value; return true;
      case el.avoid: k.avoid = input.value; return true;
      case el.key: k.keyCompatible = input.checked; return true;
      default: return false;
    }
  }

  private wireKnobs() {
    const el = this.k;
    for (const input of [el.length, el.artist, el.album, el.tempoPct, el.tempoMin, el.tempoMax]) {
      input.addEventListener('input', () => { if (this.commitKnob(input, false)) this.schedule(TYPING_DEBOUNCE_MS); });
      input.addEventListener('change', () => { if (this.commitKnob(input, true)) this.schedule(); });
    }
    for (const input of [el.include, el.avoid]) {
      input.addEventListener('input', () => { this.suggestTags(input); this.commitKnob(input); this.schedule(TYPING_DEBOUNCE_MS); });
      input.addEventListener('change', () => { this.commitKnob(input); this.schedule(); });
      input.addEventListener('focus', () => this.suggestTags(input));
    }
    el.key.addEventListener('change', () => { this.commitKnob(el.key); this.schedule(); });
    el.order.addEventListener('change', () => { this.knobs.order = el.order.value as Order; this.schedule(); });
    el.tempo.addEventListener('change', () => {
      const k = this.knobs;
      k.tempo = el.tempo.value as TempoMode;
      if (k.tempo === 'absolute' && k.tempoMin == null && k.tempoMax == null) {
        // start from the seed's tempo ± 10 BPM, when there is one
        const bpm = this.seed?.bpm;
        if (bpm != null) { k.tempoMin = Math.max(0, Math.round(bpm) - 10); k.tempoMax = Math.round(bpm) + 10; }
        el.tempoMin.value = k.tempoMin == null ? '' : String(k.tempoMin);
        el.tempoMax.value = k.tempoMax == null ? '' : String(k.tempoMax);
      }
      this.renderTempo();
      this.schedule();
    });
  }

  /** The library's tags as suggestions for the include / avoid boxes. */
  setTagSuggestions(list: TagCount[]) {
    this.tagSuggestions = list;
    this.suggestTags(this.k.include, true);
    this.suggestTags(this.k.avoid, true);
  }

  /** A tag box's suggestions: what is typed before the last comma, then each tag not in it yet
   *  ("rock, " → "rock, chill", "rock, electronic" …), so a pick adds a tag to the list. */
  private suggestTags(input: HTMLInputElement, force = false) {
    const list = input === this.k.include ? this.k.includeList : this.k.avoidList;
    const cut = input.value.lastIndexOf(',');
    const prefix = cut < 0 ? '' : `${input.value.slice(0, cut + 1).trimEnd()} `;
    if (!force && list.dataset.prefix === prefix) return;
    list.dataset.prefix = prefix;
    const used = new Set(tags(prefix).map((t) => t.toLowerCase()));
    list.replaceChildren(...this.tagSuggestions.filter((t) => !used.has(t.label)).map((t) => h('option', { value: prefix + t.label })));
  }

  // ---------- rows: buttons, drag and drop ----------

  private rows(): HTMLElement[] {
    return [...this.listEl.querySelectorAll<HTMLElement>('li.playlist-row')];
  }

  private wireList() {
    const list = this.listEl;
    list.addEventListener('click', (e) => {
      const btn = (e.target as Element).closest<HTMLButtonElement>('button');
      const li = (e.target as Element).closest<HTMLElement>('li.playlist-row');
      if (!li) return;
      const i = this.rows().indexOf(li);
      if (btn?.classList.contains('play')) { const e = this.entries[i]; if (e) this.hooks.onPlay(e); }
      else if (btn?.classList.contains('swap')) this.swap(i);
      else if (btn?.classList.contains('remove')) this.remove(i);
    });
    // roving tabindex: Tab enters the list at the row last focused, then goes on to its buttons
    list.addEventListener('focusin', (e) => {
      const li = (e.target as Element).closest<HTMLElement>('li.playlist-row');
      if (!li) return;
      for (const r of this.rows()) {
        const on = r === li ? 0 : -1;
        r.tabIndex = on;
        for (const b of r.querySelectorAll<HTMLElement>('button')) b.tabIndex = on;
      }
    });

    // HTML5 drag and drop, from the handle; the row shows where it will land
    list.addEventListener('dragstart', (e) => {
      const handle = (e.target as Element).closest?.('.playlist-handle');
      const li = handle?.closest<HTMLElement>('li.playlist-row');
      if (!li || !e.dataTransfer) { e.preventDefault(); return; }
      this.dragFrom = this.rows().indexOf(li);
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', li.dataset.id ?? '');
      try { e.dataTransfer.setDragImage(li, 16, li.offsetHeight / 2); } catch { /* the handle as the image */ }
      li.classList.add('dragging');
    });
    list.addEventListener('dragover', (e) => {
      if (this.dragFrom < 0) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
      this.markDrop(this.dropSlot(e));
    });
    list.addEventListener('dragleave', (e) => {
      if (!list.contains(e.relatedTarget as Node | null)) this.markDrop(-1);
    });
    list.addEventListener('drop', (e) => {
      if (this.dragFrom < 0) return;
      e.preventDefault();
      const slot = this.dropSlot(e);
      const from = this.dragFrom;
      this.endDrag();
      // `slot` counts gaps (0 = before the first row); moving down, the row itself leaves a gap
      const to = slot > from ? slot - 1 : slot;
      this.move(from, Math.max(0, Math.min(this.entries.length - 1, to)));
    });
    list.addEventListener('dragend', () => this.endDrag());
  }

  /** The gap the pointer is nearest: 0 before the first row … n after the last. */
  private dropSlot(e: DragEvent): number {
    const rows = this.rows();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i].getBoundingClientRect();
      if (e.clientY < r.top + r.height / 2) return i;
    }
    return rows.length;
  }

  private markDrop(slot: number) {
    const rows = this.rows();
    rows.forEach((r, i) => {
      r.classList.toggle('drop-before', i === slot && slot !== this.dragFrom && slot !== this.dragFrom + 1);
      r.classList.toggle('drop-after', i === rows.length - 1 && slot === rows.length && slot !== this.dragFrom + 1);
    });
  }

  private endDrag() {
    this.dragFrom = -1;
    for (const r of this.rows()) r.classList.remove('dragging', 'drop-before', 'drop-after');
  }

  // ---------- rendering ----------

  private render(focus?: { index: number; part: 'row' | 'play' | 'swap' | 'remove' }) {
    const b = this.body;
    b.dataset.state = this.state;
    b.dataset.count = String(this.entries.length);
    b.dataset.generation = String(this.generation);
    b.dataset.seed = this.base?.seeds[0] != null ? String(this.base.seeds[0]) : '';
    b.dataset.length = this.request ? String(this.request.length) : '';
    if (this.savedId != null) b.dataset.savedId = String(this.savedId); else delete b.dataset.savedId;
    b.setAttribute('aria-busy', String(this.state === 'loading'));
    this.renderHeader();
    this.renderActions();
    this.renderKnobsEnabled();

    const sf = this.state === 'error' ? null : this.shortfall;
    this.shortfallEl.hidden = !sf;
    this.shortfallEl.textContent = sf ? sentence(sf) : '';
    this.shortfallEl.title = sf && this.candidates ? `${plural(this.candidates, 'candidate')} considered` : '';

    const message = (text: string, cls = '', ...extra: Node[]) => {
      this.messageEl.hidden = false;
      this.messageEl.className = `playlist-message${cls}`;
      this.messageEl.replaceChildren(h('p', {}, text), ...extra);
    };
    this.messageEl.hidden = true;
    this.listEl.classList.toggle('is-refreshing', this.state === 'loading' && this.entries.length > 0);
    if (this.state === 'error') {
      this.listEl.replaceChildren();
      const retry = h('button', { class: 'link-btn', type: 'button', onclick: () => this.retry?.() }, 'Try again');
      const back = h('button', { class: 'link-btn', type: 'button', onclick: () => this.hooks.onClose() }, 'Back to the library');
      message(this.error ?? 'Something went wrong', ' is-error', h('p', { class: 'playlist-message-actions' }, retry, ' · ', back));
      return;
    }
    if (this.state === 'loading' && !this.entries.length) {
      this.listEl.replaceChildren(...[64, 52, 58, 46, 60, 50].map((w, i) => h('li', { class: 'playlist-skeleton', 'aria-hidden': 'true' },
        h('span', { class: 'skeleton', style: `width:${w}%` }), h('span', { class: 'skeleton', style: `width:${30 + ((i * 7) % 20)}%` }))));
      return;
    }
    if (!this.entries.length) {
      this.listEl.replaceChildren();
      message(this.shortfall ? 'No tracks fit these settings. Loosen a setting above and regenerate.' : 'This playlist is empty.', ' is-empty');
      return;
    }
    this.renderList(focus);
  }

  private renderList(focus?: { index: number; part: 'row' | 'play' | 'swap' | 'remove' }) {
    // keep the keyboard focus where it was (by position: a swapped row has a new id)
    if (!focus) {
      const a = document.activeElement as HTMLElement | null;
      const li = a && this.listEl.contains(a) ? a.closest<HTMLElement>('li.playlist-row') : null;
      if (li) focus = { index: this.rows().indexOf(li), part: a!.classList.contains('swap') ? 'swap' : a!.classList.contains('remove') ? 'remove' : a!.classList.contains('play') ? 'play' : 'row' };
    }
    const tabAt = focus ? focus.index : Math.max(0, this.rows().findIndex((r) => r.tabIndex === 0));
    this.listEl.replaceChildren(...this.entries.map((e, i) => this.rowEl(e, i, i === Math.min(tabAt, this.entries.length - 1))));
    if (focus && focus.index >= 0) {
      const li = this.rows()[Math.min(focus.index, this.entries.length - 1)];
      const target = focus.part === 'row' ? li : li?.querySelector<HTMLElement>(`button.${focus.part}`);
      target?.focus({ preventScroll: false });
    }
  }

  private rowEl(e: PlaylistEntry, i: number, tabStop: boolean): HTMLElement {
    const name = trackName(e);
    const pct = scorePercent(e.score);
    const key = keyText(e);
    const reasons = e.reasons.join(' · ');
    const swapping = this.swapping.has(e.id);
    const canSwap = !!this.request && this.state !== 'loading';
    const tab = tabStop ? '0' : '-1';
    const play = playButton(e.id, name, true);
    play.tabIndex = tabStop ? 0 : -1;
    return h('li', {
      class: `playlist-row${swapping ? ' is-swapping' : ''}${playingClass(e.id)}`, 'data-id': e.id, 'data-index': i, 'data-score': e.score,
      tabindex: tabStop ? '0' : '-1', 'aria-label': `${i + 1}. ${name}${e.artist ? ` — ${e.artist}` : ''}`,
      title: [name, e.artist].filter(Boolean).join(' — ') + `\n${e.path}`, 'aria-current': playingAria(e.id),
    },
      h('span', { class: 'playlist-handle', draggable: 'true', 'aria-hidden': 'true', title: 'Drag to reorder (or Alt+↑ / Alt+↓)' }),
      play,
      h('span', { class: 'playlist-pos num' }, num(i + 1)),
      h('span', { class: 'playlist-track' },
        h('span', { class: `playlist-title${e.title ? '' : ' is-file'}` }, name),
        h('span', { class: 'playlist-artist' }, e.artist ?? 'Unknown artist')),
      // One unbreakable span per reason: a narrow column wraps between reasons, not inside one.
      h('span', { class: 'playlist-reasons', title: reasons || null },
        ...e.reasons.flatMap((r, k) => [...(k ? [' · '] : []), h('span', { class: 'reason' }, r)])),
      h('span', { class: `playlist-bpm num${e.bpm == null ? ' muted' : ''}` }, e.bpm == null ? '—' : String(Math.round(e.bpm))),
      h('span', { class: 'playlist-key', title: e.key ? keyLong(e.key, e.scale) : null },
        key ? h('span', { class: 'key-name' }, key) : h('span', { class: 'muted' }, '—'),
        e.camelot ? h('span', { class: 'camelot' }, e.camelot) : null),
      h('span', { class: 'playlist-dur num' }, duration(e.duration_s)),
      h('span', { class: 'playlist-score num', 'aria-label': `${pct}% similar`, title: `Similarity to the seed: ${e.score.toFixed(3)}` }, `${pct}%`),
      h('span', { class: 'playlist-row-actions' },
        // (a swap in flight keeps its button enabled, so the focus stays on it; clicks wait)
        h('button', { class: 'icon-btn swap', type: 'button', tabindex: tab, disabled: !canSwap, 'aria-disabled': swapping ? 'true' : null, 'aria-label': `Swap ${name} for another track`, title: 'Swap for another track' }, '⇄'),
        h('button', { class: 'icon-btn remove', type: 'button', tabindex: tab, 'aria-label': `Remove ${name}`, title: 'Remove (Delete)' }, '×')));
  }

  private renderHeader() {
    const seedName = this.seed ? trackName(this.seed) : null;
    const title = this.savedName ?? (seedName ? `Like ${seedName}` : 'Playlist');
    this.titleEl.textContent = title;
    this.titleEl.title = title;
    const total = this.entries.reduce((s, e) => s + (e.duration_s ?? 0), 0);
    const parts = [this.savedId != null ? 'Saved playlist' : 'Playlist'];
    if (this.state !== 'loading' || this.entries.length) parts.push(plural(this.entries.length, 'track'));
    if (total > 0) parts.push(duration(total));
    this.summaryEl.textContent = parts.join(' · ');
    this.seedEl.textContent = this.seed ? ` · from ${seedName}${this.seed.artist ? ` — ${this.seed.artist}` : ''}` : '';
    this.seedEl.title = this.seed?.path ?? '';
  }

  private renderActions() {
    const has = this.entries.length > 0 && this.state !== 'loading' && this.state !== 'error';
    const saved = this.savedId != null;
    this.saveBtn.hidden = !this.nameBox.hidden;
    this.saveBtn.disabled = !has || saved || this.busy.save;
    this.saveBtn.textContent = saved ? 'Saved' : 'Save';
    this.saveBtn.title = saved ? 'Changes are saved as you make them' : 'Save this playlist';
    this.nameInput.disabled = this.busy.save;
    for (const b of Object.values(this.exportBtns)) b.disabled = !has || this.busy.export || this.busy.save;
  }

  private renderKnobsEnabled() {
    const off = !this.base;
    this.knobsEl.classList.toggle('is-disabled', off);
    for (const c of this.knobsEl.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>('input, select, button')) c.disabled = off;
    this.k.regenerate.disabled = off;
    this.knobsEl.title = off ? 'This playlist was saved without its settings: it can be edited, not regenerated.' : '';
  }
}

// ---------- the sidebar list ----------

export type SavedListHooks = {
  onOpen(id: number, viaKeyboard: boolean): void;
  /** Asks before deleting (the app's own confirm dialog). */
  confirm(title: string, text: string, ok: string): Promise<boolean>;
  onRenamed(p: SavedPlaylist): void;
  onDeleted(id: number): void;
  onError(e: unknown): void;
};

/** ul#saved-playlists: li.playlist-item[data-id] — open, rename (double-click or ✎), delete (×). */
export class SavedList {
  private items: SavedPlaylist[] = [];
  private active: number | null = null;
  private editing: number | null = null;
  private seq = 0;
  private timer = 0;

  constructor(readonly el: HTMLElement, private hooks: SavedListHooks) {
    this.render();
  }

  /** Ask list_playlists again (bursts of events and own changes collapse into one call). */
  refresh(delay = 30) {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      const seq = ++this.seq;
      api.listPlaylists().then((list) => {
        if (seq !== this.seq) return;
        this.items = list;
        this.render();
      }, (e) => { if (seq === this.seq) this.hooks.onError(e); });
    }, delay);
  }

  /** Highlight the playlist shown in the view (null: none). */
  setActive(id: number | null) {
    this.active = id;
    for (const li of this.el.querySelectorAll<HTMLElement>('li.playlist-item')) {
      const on = Number(li.dataset.id) === id;
      li.classList.toggle('active', on);
      const open = li.querySelector('.playlist-open');
      if (on) open?.setAttribute('aria-current', 'page'); else open?.removeAttribute('aria-current');
    }
  }

  private render() {
    if (this.editing != null && this.el.querySelector('.playlist-rename-input')) {
      // don't pull the box away while a name is being typed; the list catches up after
      return;
    }
    this.el.replaceChildren(...this.items.map((p) => this.itemEl(p)));
    if (!this.items.length) this.el.append(h('li', { class: 'playlist-none muted' }, 'No playlists yet'));
    this.setActive(this.active);
  }

  private itemEl(p: SavedPlaylist): HTMLElement {
    const open = h('button', {
      class: 'playlist-open', type: 'button', title: `${p.name} · ${plural(p.track_count, 'track')}${p.duration_s ? ` · ${duration(p.duration_s)}` : ''}`,
      onclick: (e: Event) => { if ((e as MouseEvent).detail <= 1) this.hooks.onOpen(p.id, (e as MouseEvent).detail === 0); },
      ondblclick: () => this.startRename(p),
    },
      h('span', { class: 'playlist-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'playlist-item-name' }, p.name),
      h('span', { class: 'playlist-item-count num', 'aria-label': plural(p.track_count, 'track') }, num(p.track_count)));
    return h('li', { class: 'playlist-item', 'data-id': p.id },
      open,
      h('button', { class: 'icon-btn playlist-rename', type: 'button', 'aria-label': `Rename playlist ${p.name}`, title: 'Rename', onclick: () => this.startRename(p) }, '✎'),
      h('button', { class: 'icon-btn playlist-delete', type: 'button', 'aria-label': `Delete playlist ${p.name}`, title: 'Delete playlist', onclick: () => void this.remove(p) }, '×'));
  }

  private startRename(p: SavedPlaylist) {
    const li = this.el.querySelector<HTMLElement>(`li.playlist-item[data-id="${p.id}"]`);
    if (!li) return;
    this.editing = p.id;
    const input = h('input', { class: 'playlist-rename-input', type: 'text', value: p.name, 'aria-label': `New name for ${p.name}`, maxlength: 200, autocomplete: 'off', spellcheck: 'false' });
    let done = false;
    const finish = async (commit: boolean) => {
      if (done) return;
      done = true;
      const name = input.value.trim();
      this.editing = null;
      if (commit && name && name !== p.name) {
        try {
          const r = await api.renamePlaylist(p.id, name);
          const i = this.items.findIndex((x) => x.id === r.id);
          if (i >= 0) this.items[i] = r;
          this.hooks.onRenamed(r);
        } catch (e) { this.hooks.onError(e); }
      }
      this.render();
      this.el.querySelector<HTMLElement>(`li.playlist-item[data-id="${p.id}"] .playlist-open`)?.focus();
      this.refresh();
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); void finish(true); }
      else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); void finish(false); }
    });
    input.addEventListener('blur', () => void finish(true));
    li.classList.add('is-editing');
    li.replaceChildren(h('span', { class: 'playlist-icon', 'aria-hidden': 'true' }), input);
    input.focus();
    input.select();
  }

  private async remove(p: SavedPlaylist) {
    const ok = await this.hooks.confirm('Delete playlist?',
      `“${p.name}” (${plural(p.track_count, 'track')}) will be deleted. Your music files are not touched, nor are files you exported.`, 'Delete');
    if (!ok) return;
    try {
      await api.deletePlaylist(p.id);
    } catch (e) { this.hooks.onError(e); return; }
    this.items = this.items.filter((x) => x.id !== p.id);
    this.render();
    this.hooks.onDeleted(p.id);
    this.refresh();
  }
}
