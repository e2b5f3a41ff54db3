// The map view (#view-map): every analysed track as a point, neighbours sounding alike. Its
// toolbar (search and filters that dim, "Colour by", lasso, Fit, Re-arrange), the strip of what
// is under way (a layout, the analysis), the canvas with its legend, tooltip and the selected
// track's ▶, the bar of the lasso's picks, and the place the detail panel goes while the map is
// shown. It asks get_map while shown (MapLoader: after changes at most every 3 s, at once after
// a layout); the camera fits the points once and then stays where the user put it.
import * as api from '../api';
import type { Folder, MapAnswer, MapProgress } from '../api';
import { h } from '../dom';
import * as fmt from '../format';
import type { PlayingMarks } from '../player/marks';
import type { Seed } from '../playlist/seeds';
import { MAX_SEEDS } from '../selection-summary';
import { is } from '../shortcuts';
import { readStored, store } from '../storage';
import { MapCanvas } from './canvas';
import { LIGHT, themeOf, type Theme } from './colour';
import { colourPoints, isColourBy, type ColourBy } from './colour-by';
import { MapData } from './data';
import { matchMask, NO_FILTER, type MapFilter } from './filters';
import { MapLegend } from './legend';
import { MapLoader } from './loader';
import { PickBar } from './pick-bar';
import { mapStatus } from './status';
import { MapTooltip } from './tooltip';
import { MapToolbar } from './toolbar';

const COLOUR_KEY = 'segue.map.colourBy';
/** An arrow key pans this share of the view (Shift: half of it). */
const PAN_STEP = 0.12;
const ZOOM_STEP = 1.4;

export type MapHooks = {
  /** A point was clicked: its details. */
  onPick(id: number): void;
  /** Play track `id` (`toggle`: ▶ and Space pause it when it plays); next/previous walk `ids`. */
  onPlay(id: number, ids: number[], toggle: boolean): void;
  onMakePlaylist(seeds: Seed[], viaKeyboard: boolean): void;
  /** "Start radio" on the picked tracks. */
  onRadio(ids: number[]): void;
  onShowInLibrary(ids: number[]): void;
  onAddFolder(button: HTMLButtonElement): void;
  onDemo(button: HTMLButtonElement): void;
  /** An analysis is running or paused (tracks not on the map yet are coming). */
  analysing(): boolean;
  onError(e: unknown): void;
};

export class MapView {
  readonly el: HTMLElement;
  /** Beside the map: where the detail panel goes while the map is shown. */
  readonly content: HTMLElement;
  private toolbar: MapToolbar;
  private canvas: MapCanvas;
  private legend = new MapLegend();
  private tooltip = new MapTooltip();
  private picks: PickBar;
  private loader: MapLoader;
  private strip: HTMLElement;
  private stripText: HTMLElement;
  private stripBar: HTMLProgressElement;
  private message: HTMLElement;
  private selectionEl: HTMLElement;
  private answer: MapAnswer | null = null;
  /** The latest map-progress (newer than the answer's). */
  private progress: MapProgress | null = null;
  private data: MapData | null = null;
  private colourBy: ColourBy;
  private filter: MapFilter = NO_FILTER;
  private mask: Uint8Array | null = null;
  private pickedIds: number[] = [];
  private selectedId: number | null = null;
  /** The open playlist: its seeds and rows (ids, in order) and its name. */
  private path: { seeds: number[]; entries: number[]; title: string | null } = { seeds: [], entries: [], title: null };
  private folders = new Map<number, string>();
  private theme: Theme = LIGHT;
  /** A short word in the strip (Re-arrange refused), until it times out. */
  private note: string | null = null;
  private noteTimer = 0;

  constructor(root: HTMLElement, private marks: PlayingMarks, private hooks: MapHooks) {
    this.el = root;
    const stored = readStored(COLOUR_KEY);
    this.colourBy = isColourBy(stored) ? stored : 'tag';
    this.toolbar = new MapToolbar(this.colourBy, {
      onFilter: (f) => { this.filter = f; this.refilter(); },
      onColourBy: (c) => { this.colourBy = c; store(COLOUR_KEY, c); this.recolour(); },
      onLasso: (on, fromUser) => {
        this.canvas.el.classList.toggle('is-lasso', on);
        if (fromUser) this.focus();
      },
      onFit: () => this.canvas.fit(),
      onZoom: (f) => this.zoom(f),
      onRearrange: () => void this.rearrange(),
      onLeave: () => this.focus(),
    });
    this.canvas = new MapCanvas({
      lassoMode: () => this.toolbar.lassoOn,
      onHover: (i, x, y) => this.tooltip.show(this.data, i, x, y, this.canvas.el.clientWidth, this.canvas.el.clientHeight),
      onClick: (i) => { if (i >= 0) this.select(this.data!.id(i), true); },
      onDoubleClick: (i) => { const id = this.data!.id(i); this.select(id, true); hooks.onPlay(id, this.queueOf(id), false); },
      onLasso: (picked) => this.setPicked(picked.map((i) => this.data!.id(i))),
    });
    this.picks = new PickBar({
      onMakePlaylist: (viaKeyboard) => this.makePlaylist(viaKeyboard),
      onShowInLibrary: () => hooks.onShowInLibrary(this.pickedIds.slice()),
      onRadio: () => hooks.onRadio(this.pickedIds.slice(0, MAX_SEEDS)),
      onClear: () => { this.setPicked([]); this.focus(); },
    });
    this.loader = new MapLoader({ load: () => this.load() });

    this.stripText = h('span', { id: 'map-status-text', class: 'map-status-text' });
    this.stripBar = h('progress', { max: 1, value: 0 });
    this.strip = h('div', { id: 'map-status', class: 'scan-progress analysis-progress map-status', hidden: true, 'aria-live': 'polite' }, this.stripText, this.stripBar);
    this.message = h('div', { id: 'map-message', class: 'map-message', hidden: true });
    this.selectionEl = h('div', { id: 'map-selection', class: 'map-selection', hidden: true });
    const body = h('div', { class: 'map-body' },
      this.canvas.el, this.legend.el, this.toolbar.controls, this.selectionEl, this.tooltip.el, this.picks.el, this.message);
    this.content = h('div', { class: 'content map-content' }, body);
    root.replaceChildren(this.toolbar.el, this.strip, this.content);
    this.selectionEl.addEventListener('click', (e) => {
      if ((e.target as Element).closest('button.play') && this.selectedId != null) hooks.onPlay(this.selectedId, this.queueOf(this.selectedId), true);
    });

    this.readTheme();
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { this.readTheme(); this.recolour(); });
    this.renderAttrs();
  }

  // ---------- from outside ----------

  /** The map view was shown or hidden: it asks for the map only while shown. */
  setVisible(on: boolean) {
    if (on) { this.renderStatus(); this.canvas.schedule(); } else this.tooltip.hide();
    this.loader.setVisible(on);
  }

  /** The library changed or the analysis moved on. */
  changed() {
    this.loader.changed();
    this.renderStatus();
  }

  /** A layout finished (map-updated): ask at once. */
  updated() {
    this.loader.updated();
  }

  /** A layout's progress (map-progress). */
  setProgress(p: MapProgress) {
    this.progress = p;
    if (this.answer && this.answer.state !== 'building' && this.answer.state !== 'empty') this.answer = { ...this.answer, state: 'building' };
    this.renderStatus();
    this.renderAttrs();
  }

  /** The overview's folders: their names for "Colour by folder". */
  setFolders(folders: Folder[]) {
    this.folders = new Map(folders.map((f) => [f.id, fmt.basename(f.path.replace(/[\\/]+$/, '')) || f.path]));
    if (this.colourBy === 'folder') this.recolour();
  }

  /** What the preview plays: it pulses on the map while it plays. */
  setPlaying(id: number | null, status: 'playing' | 'paused' | null) {
    this.canvas.setPlaying(id, status);
  }

  /** The playlist open in the playlist view, drawn as a path (`title` null: none). */
  setPath(seeds: number[], entries: number[], title: string | null) {
    const same = title === this.path.title && seeds.join() === this.path.seeds.join() && entries.join() === this.path.entries.join();
    if (same) return;
    this.path = { seeds, entries, title };
    this.canvas.setPath(seeds, entries);
    this.renderPath();
  }

  /** Select track `id` on the map (null: none); `reveal`: show its details too. */
  select(id: number | null, reveal = false) {
    this.selectedId = id;
    this.canvas.setSelected(id);
    this.renderSelection();
    this.renderAttrs();
    if (reveal && id != null) this.hooks.onPick(id);
  }

  /** The preview moved on from `from` to `to` in a list that came from the map: the selection follows. */
  follow(from: number, to: number) {
    if (this.selectedId === from) this.select(to, true);
  }

  /** What Space plays here: the selected point and the list it walks. */
  get playTarget(): { id: number; ids: number[] } | null {
    return this.selectedId != null && this.data && this.data.indexOf(this.selectedId) >= 0
      ? { id: this.selectedId, ids: this.queueOf(this.selectedId) } : null;
  }

  focus() {
    this.canvas.el.focus({ preventScroll: true });
  }

  focusSearch() {
    this.toolbar.focusSearch();
  }

  /** A tag chip clicked in the details: only the tracks with it stand out. */
  filterByTag(label: string) {
    this.toolbar.setTag(label);
  }

  /** Keys in the toolbar's boxes. True when they were theirs. */
  handleFieldKey(e: KeyboardEvent): boolean {
    return this.toolbar.handleKey(e);
  }

  /** The map's keys (outside text boxes): arrows pan, + / − zoom, 0 fits, L lassos, Enter plays,
   *  P makes a playlist, Esc clears. True when the key was used. */
  handleKey(e: KeyboardEvent): boolean {
    const c = this.canvas, cam = c.camera;
    if (is('map.pan', e)) {
      const step = (e.shiftKey ? 0.5 : PAN_STEP) * Math.min(cam.width, cam.height);
      const d = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
      if (d) { cam.pan(d[0], d[1]); c.schedule(); }
      return true;
    }
    if (is('map.zoomIn', e) || is('map.zoomOut', e)) { this.zoom(is('map.zoomIn', e) ? ZOOM_STEP : 1 / ZOOM_STEP); return true; }
    if (is('map.fit', e)) { c.fit(); return true; }
    if (is('map.lasso', e)) { this.toolbar.setLasso(!this.toolbar.lassoOn); return true; }
    if (is('map.play', e)) {
      const t = this.playTarget;
      if (t) this.hooks.onPlay(t.id, t.ids, false);
      return true;
    }
    if (is('table.makePlaylist', e)) { this.makePlaylist(true); return true; }
    if (is('map.clear', e)) {
      if (this.pickedIds.length) this.setPicked([]);
      else if (this.toolbar.lassoOn) this.toolbar.setLasso(false);
      else if (this.selectedId != null) this.select(null);
      else return false;
      return true;
    }
    return false;
  }

  /** Zoom at the middle of the view. */
  private zoom(factor: number) {
    const cam = this.canvas.camera;
    cam.zoomAt(factor, cam.width / 2, cam.height / 2);
    this.canvas.schedule();
  }

  // ---------- the answer ----------

  private async load() {
    let a: MapAnswer;
    try { a = await api.commands.getMap(); } catch (e) { this.hooks.onError(e); return; }
    this.take(a);
  }

  private take(a: MapAnswer) {
    this.answer = a;
    this.progress = a.state === 'building' ? a.progress : null;
    this.data = new MapData(a.points);
    this.canvas.setData(this.data);
    const counts = new Map<number, number>();
    for (const chips of a.points.chips) for (const c of chips) counts.set(c, (counts.get(c) ?? 0) + 1);
    this.toolbar.setTags([...counts].map(([t, count]) => ({ label: a.points.tags[t], count }))
      .sort((x, y) => y.count - x.count || (x.label < y.label ? -1 : 1)));
    this.recolour();
    this.refilter();
    this.setPicked(this.pickedIds.filter((id) => this.data!.indexOf(id) >= 0));
    this.renderSelection();
    this.renderPath();
    this.renderStatus();
    this.renderAttrs();
  }

  private recolour() {
    const d = this.data;
    if (!d) return;
    const c = colourPoints(d.points, this.colourBy, { theme: this.theme, folderName: (id) => this.folders.get(id) ?? `Folder ${id}` });
    this.canvas.setColours(c.colours);
    this.legend.render(c.legend);
    this.legend.el.hidden = d.n === 0;
    this.renderAttrs();
  }

  private refilter() {
    const d = this.data;
    this.mask = d ? matchMask(d.points, this.filter, this.filter.text ? d.searchText : []) : null;
    this.canvas.setMask(this.mask);
    let matched: number | null = null;
    if (this.mask) { matched = 0; for (const m of this.mask) matched += m; }
    this.toolbar.setCount(matched, d?.n ?? 0);
  }

  private setPicked(ids: number[]) {
    this.pickedIds = ids;
    const d = this.data;
    let mask: Uint8Array | null = null;
    if (d && ids.length) {
      mask = new Uint8Array(d.n);
      for (const id of ids) { const i = d.indexOf(id); if (i >= 0) mask[i] = 1; }
    }
    this.canvas.setPicked(mask);
    this.picks.show(ids.length);
    this.renderAttrs();
  }

  private async rearrange() {
    let started = false;
    try { started = await api.commands.rearrangeMap(); } catch (e) { this.hooks.onError(e); return; }
    if (started) {
      this.progress = null;
      if (this.answer) this.answer = { ...this.answer, state: 'building', progress: null };
      this.note = null;
    } else {
      this.note = this.answer?.state === 'building' ? 'The map is being arranged already.' : 'Too few tracks to arrange yet.';
      clearTimeout(this.noteTimer);
      this.noteTimer = window.setTimeout(() => { this.note = null; this.renderStatus(); }, 4000);
    }
    this.renderStatus();
    this.renderAttrs();
  }

  // ---------- rendering ----------

  private renderStatus() {
    const s = mapStatus(this.answer, this.progress, this.hooks.analysing());
    const strip = s.strip ?? (this.note ? { kind: 'note', text: this.note, share: null } : null);
    this.strip.hidden = !strip;
    this.strip.dataset.kind = strip?.kind ?? '';
    this.stripText.textContent = strip?.text ?? '';
    this.stripBar.hidden = strip?.share == null;
    this.stripBar.value = strip?.share ?? 0;
    this.toolbar.rearrange.disabled = this.answer?.state === 'building' || (this.answer?.points.ids.length ?? 0) < 3;
    const m = s.message;
    this.message.hidden = !m;
    // (rebuilt only when it changes: analysis events come many times a second, the buttons stay under the pointer)
    if (!m || (this.message.dataset.kind === m.kind && this.message.textContent?.includes(m.text))) { this.message.dataset.kind = m?.kind ?? ''; return; }
    this.message.dataset.kind = m.kind;
    if (m.kind === 'none') {
      const add = h('button', { id: 'map-add-folder', class: 'btn btn-primary', type: 'button', onclick: () => this.hooks.onAddFolder(add) }, 'Add folder');
      const demo = h('button', { id: 'map-demo', class: 'btn', type: 'button', onclick: () => this.hooks.onDemo(demo) }, 'Try the demo library');
      this.message.replaceChildren(h('div', { class: 'empty-card' }, h('div', { class: 'empty-art', 'aria-hidden': 'true' }),
        h('p', { id: 'map-message-text' }, m.text), h('div', { class: 'empty-actions' }, add, demo)));
    } else {
      this.message.replaceChildren(h('p', { id: 'map-message-text', class: 'map-message-text' }, m.text));
    }
  }

  /** The selected track's name with its ▶ (over the map's top left corner). */
  private renderSelection() {
    const d = this.data, id = this.selectedId;
    const i = d && id != null ? d.indexOf(id) : -1;
    this.selectionEl.hidden = i < 0;
    if (i < 0) { this.selectionEl.replaceChildren(); return; }
    const name = d!.label(i);
    if (this.selectionEl.dataset.id === String(id) && this.selectionEl.textContent?.endsWith(name)) return;
    this.selectionEl.dataset.id = String(id);
    this.selectionEl.replaceChildren(this.marks.button(id!, d!.points.title[i], true), h('span', { class: 'map-selection-name', title: name }, name));
  }

  private renderPath() {
    const p = this.path, d = this.data;
    const drawn = d ? p.entries.filter((id) => d.indexOf(id) >= 0).length : 0;
    this.legend.setPath(p.title && (drawn || p.seeds.length) ? `${p.title} · ${fmt.plural(drawn, 'track')} on the map` : null);
    this.renderAttrs();
  }

  /** The canvas's data attributes (test hooks, see README). */
  private renderAttrs() {
    const ds = this.canvas.el.dataset, d = this.data;
    ds.points = String(d?.n ?? 0);
    ds.colourBy = this.colourBy;
    ds.selected = this.selectedId != null && d && d.indexOf(this.selectedId) >= 0 ? String(this.selectedId) : '';
    ds.picked = String(this.pickedIds.length);
    ds.path = String(d ? this.path.entries.filter((id) => d.indexOf(id) >= 0).length : 0);
    ds.state = this.answer?.state ?? 'loading';
  }

  private queueOf(id: number): number[] {
    return this.pickedIds.includes(id) ? this.pickedIds.slice() : [id];
  }

  /** "Make playlist from these" (the picks), or P with none picked: from the selected track. */
  private makePlaylist(viaKeyboard: boolean) {
    const d = this.data;
    const ids = this.pickedIds.length ? this.pickedIds : this.selectedId != null ? [this.selectedId] : [];
    if (!d || !ids.length || ids.length > MAX_SEEDS) return; // the bar says why its button is off
    const seeds = ids.map((id) => d.indexOf(id)).filter((i) => i >= 0).map((i): Seed => {
      const p = d.points;
      return { id: p.ids[i], title: p.title[i] || null, artist: p.artist[i] || null, path: '', bpm: p.bpm[i] };
    });
    this.hooks.onMakePlaylist(seeds, viaKeyboard);
  }

  private readTheme() {
    this.theme = themeOf(this.el);
    this.canvas.setTheme(this.theme, getComputedStyle(this.el).fontFamily || 'sans-serif');
  }
}
