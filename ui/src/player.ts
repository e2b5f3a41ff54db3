// Audio preview: the player bar (#player) at the bottom of the main area, and the play buttons
// on the rows of the table, the similar tracks and the playlist.
//
// The backend plays one preview at a time (`play_preview`, `control_preview`) and reports what
// it does with `preview-state` events (10 per second while playing, and on every change). Its
// commands go to a player thread, so the state a command answers may still be the one from
// before it: a new play is "loading" until a state for its file arrives, and a pause, resume or
// seek ignores states that contradict it for a moment. Next/previous walk the list the play came
// from (a PreviewQueue); at 'finished' the next track of that list plays by itself.
import * as api from './api';
import type { PlayerState, PlayerStatus } from './api';
import { h } from './dom';
import { basename, duration } from './format';

/** What the player needs of a track (a table row, a similar track, a playlist entry). */
export type PreviewTrack = { id: number; path: string; title: string | null; artist: string | null; duration_s: number | null };

/** The list a preview was started from; next/previous walk it. */
export interface PreviewQueue {
  readonly kind: 'table' | 'similar' | 'playlist';
  /** The track `step` places from track `id` in the list as it is now; null at either end. */
  neighbour(id: number, step: 1 | -1): PreviewTrack | null | Promise<PreviewTrack | null>;
  /** Whether there is one (the buttons' disabled state). */
  has(id: number, step: 1 | -1): boolean;
}

/** A queue over a list (the similar tracks, a playlist). `items` is asked each time, so a live
 *  list (the playlist being edited) is followed; a track that left the list is found by where it
 *  was: next plays what took its place. */
export class ListQueue implements PreviewQueue {
  private at: number;

  constructor(readonly kind: PreviewQueue['kind'], private items: () => PreviewTrack[], startId: number) {
    this.at = items().findIndex((t) => t.id === startId);
  }

  private index(id: number, step: 1 | -1): number {
    const i = this.items().findIndex((t) => t.id === id);
    if (i >= 0) return i;
    if (this.at < 0) return -2; // nowhere
    return step > 0 ? this.at - 1 : this.at;
  }

  neighbour(id: number, step: 1 | -1): PreviewTrack | null {
    const i = this.index(id, step);
    if (i < -1) return null;
    const t = this.items()[i + step] ?? null;
    if (t) this.at = i + step;
    return t;
  }

  has(id: number, step: 1 | -1): boolean {
    const i = this.index(id, step);
    return i >= -1 && this.items()[i + step] != null;
  }
}

// ---------- what the rows show ----------

/** The track the rows mark as playing (or paused), by id. */
const now: { id: number | null; status: 'playing' | 'paused' | null } = { id: null, status: null };
const names = new WeakMap<HTMLElement, string>();

function paintButton(b: HTMLElement) {
  const id = Number(b.dataset.id);
  const playing = now.id === id && now.status === 'playing';
  const name = names.get(b) ?? '';
  b.textContent = playing ? '❚❚' : '▶';
  b.classList.toggle('is-playing', playing);
  b.setAttribute('aria-label', `${playing ? 'Pause' : now.id === id && now.status === 'paused' ? 'Resume' : 'Play'} ${name}`.trim());
  b.title = playing ? 'Pause the preview (Space)' : 'Play a preview (Space)';
}

function markRow(row: Element, id: number) {
  const on = now.id === id && now.status != null;
  row.classList.toggle('playing', on);
  row.classList.toggle('paused', on && now.status === 'paused');
  if (on) row.setAttribute('aria-current', 'true'); else row.removeAttribute('aria-current');
}

/** button.play[data-id] for a row; shows ▶, or ❚❚ while its track plays. Clicks are the list's
 *  to handle. Not a tab stop unless `tabbable` (Space plays the selected or focused row). */
export function playButton(id: number, name: string, tabbable = false): HTMLButtonElement {
  const b = h('button', { class: 'play', type: 'button', 'data-id': id, tabindex: tabbable ? null : '-1' });
  names.set(b, name);
  paintButton(b);
  return b;
}

/** Classes for a row being rendered: ' playing' (and ' paused') when its track is the preview. */
export function playingClass(id: number): string {
  return now.id === id && now.status != null ? ` playing${now.status === 'paused' ? ' paused' : ''}` : '';
}
/** aria-current for a row being rendered. */
export function playingAria(id: number): string | null {
  return now.id === id && now.status != null ? 'true' : null;
}

function setNow(id: number | null, status: 'playing' | 'paused' | null) {
  if (now.id === id && now.status === status) return;
  const old = now.id;
  now.id = id;
  now.status = status;
  for (const b of document.querySelectorAll<HTMLElement>('button.play[data-id]')) {
    const bid = Number(b.dataset.id);
    if (bid !== old && bid !== id) continue;
    paintButton(b);
    const row = b.closest('tr, li');
    if (row) markRow(row, bid);
  }
}

// ---------- the player bar ----------

export type PlayerHooks = {
  /** A track by file path among the lists the UI has (a state it did not ask for, e.g. after a
   *  reload while something plays); null when none has it. */
  findByPath(path: string): PreviewTrack | null;
  /** next/previous or the automatic advance moved from `from` to `to` in `queue`. */
  onAdvance(from: PreviewTrack, to: PreviewTrack, queue: PreviewQueue): void;
};

/** The status the bar shows: the backend's, or 'loading' until a new play is under way. */
export type ShownStatus = PlayerStatus | 'loading';
type Length = '30' | '60' | 'whole';
const LENGTHS: { value: Length; label: string }[] = [
  { value: '30', label: '30 s' }, { value: '60', label: '60 s' }, { value: 'whole', label: 'Whole track' },
];
const LENGTH_KEY = 'segue.preview.length';
const VOLUME_KEY = 'segue.preview.volume';
/** How long a new play waits for a state that shows it under way before it asks preview_state
 *  (a preview can end before the first event: the events then only ever say 'finished'). */
const PLAY_WAIT_MS = 2000;
/** How long a pause/resume/seek ignores states that say otherwise (sent before it was taken). */
const EXPECT_MS = 1500;

function readStored(key: string): string | null {
  try { return localStorage.getItem(key); } catch { return null; }
}
function store(key: string, value: string) {
  try { localStorage.setItem(key, value); } catch { /* private mode: not remembered */ }
}

/** "no sound output device found …" → "No sound output device found …". */
const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const SVG = 'http://www.w3.org/2000/svg';
function icon(d: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(SVG, 'path');
  p.setAttribute('d', d);
  p.setAttribute('fill', 'currentColor');
  svg.append(p);
  return svg;
}

export class Player {
  private titleEl: HTMLElement;
  private artistEl: HTMLElement;
  private toggleBtn: HTMLButtonElement;
  private prevBtn: HTMLButtonElement;
  private nextBtn: HTMLButtonElement;
  private seek: HTMLInputElement;
  private timeEl: HTMLElement;
  private progressEl: HTMLElement;
  private messageEl: HTMLElement;
  private volumeEl: HTMLInputElement;
  private lengthEl: HTMLSelectElement;
  private deviceEl: HTMLSelectElement;

  private track: PreviewTrack | null = null;
  private queue: PreviewQueue | null = null;
  /** The last state taken for the current track (null: none yet, or the play was refused). */
  private state: PlayerState | null = null;
  private status: ShownStatus = 'idle';
  private message: string | null = null;
  /** A play sent, not yet seen under way: states for other files (or from before) are old. */
  private pending: { path: string; until: number } | null = null;
  /** A pause/resume/seek sent: states that say otherwise were sent before it was taken. */
  private expect: { status?: 'playing' | 'paused' | 'idle'; from?: number; until: number } | null = null;
  /** Bumped by every play: answers for an older one are dropped. */
  private seq = 0;
  /** The last play_preview call (controls wait for it: a pause must not overtake its play). */
  private inflight: Promise<unknown> = Promise.resolve();
  /** True once the backend's player exists (a state came back): volume changes go to it. */
  private opened = false;
  private backendVolume: number | null = null;
  private volume: number;
  private length: Length;
  private dragging = false;
  private volumeTimer = 0;

  constructor(readonly el: HTMLElement, private hooks: PlayerHooks) {
    const stored = Number(readStored(VOLUME_KEY));
    this.volume = readStored(VOLUME_KEY) != null && Number.isFinite(stored) ? Math.max(0, Math.min(1, stored)) : 1;
    const len = readStored(LENGTH_KEY);
    this.length = len === '60' || len === 'whole' ? len : '30';

    // (a click on the bar's buttons leaves the keyboard focus where it was: in the list)
    const keepFocus = (e: Event) => e.preventDefault();
    this.prevBtn = h('button', { id: 'player-prev', class: 'icon-btn player-btn', type: 'button', 'aria-label': 'Previous track', title: 'Previous track (B)', onmousedown: keepFocus, onclick: () => void this.step(-1) });
    this.prevBtn.append(icon('M3 3h2v10H3zM13 3v10L6 8z'));
    this.toggleBtn = h('button', { id: 'player-toggle', class: 'player-toggle', type: 'button', onmousedown: keepFocus, onclick: () => this.toggle() }, '▶');
    this.nextBtn = h('button', { id: 'player-next', class: 'icon-btn player-btn', type: 'button', 'aria-label': 'Next track', title: 'Next track (N)', onmousedown: keepFocus, onclick: () => void this.step(1) });
    this.nextBtn.append(icon('M11 3h2v10h-2zM3 3v10l7-5z'));
    this.titleEl = h('div', { id: 'player-title', class: 'player-title' });
    this.artistEl = h('div', { id: 'player-artist', class: 'player-artist' });
    this.timeEl = h('span', { id: 'player-time', class: 'player-time num' }, '0:00 / 0:00');
    this.seek = h('input', { id: 'player-seek', class: 'player-range player-seek', type: 'range', min: 0, max: 1, step: 0.1, value: 0, 'aria-label': 'Position' });
    this.seek.addEventListener('input', () => {
      this.dragging = true;
      this.renderTime(Number(this.seek.value));
    });
    this.seek.addEventListener('change', () => {
      this.dragging = false;
      void this.control('seek', Number(this.seek.value));
    });
    this.progressEl = h('div', { class: 'player-progress' }, this.timeEl, this.seek);
    this.messageEl = h('div', { id: 'player-message', class: 'player-message', role: 'status', 'aria-live': 'polite', hidden: true });
    this.volumeEl = h('input', { id: 'player-volume', class: 'player-range player-volume', type: 'range', min: 0, max: 1, step: 0.01, 'aria-label': 'Volume', title: 'Volume' });
    this.volumeEl.value = String(this.volume);
    this.volumeEl.addEventListener('input', () => this.setVolume(Number(this.volumeEl.value)));
    this.lengthEl = h('select', { id: 'player-length', class: 'filter-select player-length', 'aria-label': 'Preview length', title: 'How long a preview plays (from the next play on)' },
      ...LENGTHS.map((l) => h('option', { value: l.value }, l.label)));
    this.lengthEl.value = this.length;
    this.lengthEl.addEventListener('change', () => {
      this.length = this.lengthEl.value as Length;
      store(LENGTH_KEY, this.length);
    });
    // The output device: the list is read when the menu is opened (devices come and go).
    this.deviceEl = h('select', { id: 'player-device', class: 'filter-select player-device', 'aria-label': 'Output device', title: 'Where previews play' },
      h('option', { value: '' }, 'System default'));
    const refreshDevices = async () => {
      try {
        const names = await api.listOutputDevices();
        const chosen = this.deviceEl.value;
        this.deviceEl.replaceChildren(h('option', { value: '' }, 'System default'),
          ...names.map((n) => h('option', { value: n }, n)));
        this.deviceEl.value = names.includes(chosen) ? chosen : '';
      } catch (e) {
        this.message = sentence(api.errorText(e));
        this.render();
      }
    };
    this.deviceEl.addEventListener('focus', () => void refreshDevices());
    this.deviceEl.addEventListener('change', async () => {
      try {
        await api.setOutputDevice(this.deviceEl.value || null);
      } catch (e) {
        this.message = sentence(api.errorText(e));
        this.render();
      }
    });
    const close = h('button', { id: 'player-close', class: 'icon-btn player-close', type: 'button', 'aria-label': 'Stop and close the player', title: 'Stop and close', onmousedown: keepFocus, onclick: () => this.close() }, '×');

    el.replaceChildren(
      h('div', { class: 'player-controls' }, this.prevBtn, this.toggleBtn, this.nextBtn),
      h('div', { class: 'player-track' }, this.titleEl, this.artistEl),
      this.progressEl,
      this.messageEl,
      h('label', { class: 'player-volume-wrap', title: 'Volume' }, h('span', { class: 'player-volume-icon', 'aria-hidden': 'true' }), this.volumeEl),
      this.lengthEl,
      this.deviceEl,
      close);
    el.setAttribute('aria-label', 'Preview player');
    this.render();
  }

  /** Listen to the backend; pick up a preview that was playing before the page (re)loaded. */
  async start() {
    await api.onPreviewState((s) => this.take(s));
    const s = await api.previewState();
    if (s && (s.status === 'playing' || s.status === 'paused') && !this.track) {
      this.take(s);
    }
  }

  /** Something can be paused, resumed or played again. */
  get active(): boolean {
    return this.track != null && !this.el.hidden;
  }

  /** A row's play button or Space on a row: pause/resume when it is the current track, else play it. */
  toggleTrack(t: PreviewTrack, queue: PreviewQueue) {
    if (this.track?.id === t.id && (this.status === 'playing' || this.status === 'loading' || this.status === 'paused')) {
      this.toggle();
      return;
    }
    void this.play(t, queue);
  }

  /** The bar's play/pause: pause, resume, or play the current track again. */
  toggle() {
    const t = this.track;
    if (!t || this.el.hidden) return; // closed: nothing to toggle
    if (this.status === 'playing' || this.status === 'loading') void this.control('pause');
    else if (this.status === 'paused') void this.control('resume');
    else if (t.id >= 0) void this.play(t, this.queue);
  }

  /** Next (1) or previous (-1) in the list the preview came from. */
  async step(dir: 1 | -1) {
    const t = this.track, q = this.queue;
    if (!t || !q || t.id < 0) return;
    const seq = this.seq;
    let n: PreviewTrack | null;
    try { n = await q.neighbour(t.id, dir); } catch (e) { this.fail(e); return; }
    if (seq !== this.seq || !n) return; // something else was played meanwhile, or an end
    void this.play(n, q);
    this.hooks.onAdvance(t, n, q);
  }

  async play(t: PreviewTrack, queue: PreviewQueue | null) {
    const seq = ++this.seq;
    this.track = { ...t };
    this.queue = queue;
    this.state = null;
    this.message = null;
    this.status = 'loading';
    this.pending = { path: t.path, until: Date.now() + PLAY_WAIT_MS };
    this.expect = null;
    this.el.hidden = false;
    this.render();
    if (t.duration_s == null) this.lookUpDuration(t.id, seq);
    const whole = this.length === 'whole';
    const before = this.inflight;
    const call = (async () => {
      // One play at a time, in order (N N N: the last one wins, the ones between never start).
      await before;
      if (seq !== this.seq) return null;
      // The player opens at full volume: a quieter setting goes first.
      if (Math.abs((this.backendVolume ?? 1) - this.volume) > 1e-3) this.backendVolume = (await api.controlPreview('volume', this.volume)).volume;
      if (seq !== this.seq) return null;
      // "Whole track" is the whole of it; a 30/60 s preview starts where the backend likes
      // (a third of the way in, past quiet intros).
      return api.playPreview(t.id, whole ? 0 : null, whole ? null : Number(this.length));
    })();
    this.inflight = call.catch(() => undefined);
    try {
      const s = await call;
      if (seq !== this.seq || !s) return;
      if (this.pending) this.pending.until = Date.now() + PLAY_WAIT_MS;
      window.setTimeout(() => this.settle(seq), PLAY_WAIT_MS);
      this.take(s);
    } catch (e) {
      if (seq !== this.seq) return;
      this.fail(e);
    }
  }

  /** No state has shown the play under way yet: take what the backend says now. */
  private settle(seq: number) {
    if (seq !== this.seq || !this.pending) return;
    api.previewState().then((s) => {
      if (seq !== this.seq || !this.pending) return;
      const path = this.pending.path;
      this.pending = null;
      if (s && s.path === path) this.take(s);
      else { this.status = 'idle'; this.render(); }
    }, (e) => { if (seq === this.seq) this.fail(e); });
  }

  /** Stop and hide the bar. */
  close() {
    this.seq++;
    const was = this.status;
    this.pending = null;
    // states sent before the stop was taken must not bring the bar back
    this.expect = { status: 'idle', until: Date.now() + EXPECT_MS };
    this.status = 'idle';
    this.el.hidden = true;
    this.render();
    if (this.opened && was !== 'idle' && was !== 'error') void this.inflight.then(() => api.controlPreview('stop')).catch(() => undefined);
  }

  /** A backend call failed (no sound device, …): a calm message in the bar, not the banner. */
  private fail(e: unknown) {
    this.pending = null;
    this.expect = null;
    this.status = 'error';
    this.message = sentence(api.errorText(e));
    this.render();
  }

  private async control(action: 'pause' | 'resume' | 'seek', value?: number) {
    if (!this.track) return;
    const seq = this.seq;
    const until = Date.now() + EXPECT_MS;
    if (action === 'pause') { this.status = 'paused'; this.expect = { status: 'paused', until }; }
    else if (action === 'resume') { this.status = 'playing'; this.expect = { status: 'playing', until }; }
    else if (action === 'seek') {
      // the backend starts the preview again from there: playing, from_s = the target
      this.expect = { from: value, until };
      if (this.state) this.state = { ...this.state, position_s: value ?? 0, from_s: value ?? 0 };
      if (this.status !== 'loading') this.status = 'playing';
    }
    this.render();
    try {
      await this.inflight;
      if (seq !== this.seq) return;
      const s = await api.controlPreview(action, value);
      if (seq === this.seq) this.take(s);
    } catch (e) {
      if (seq === this.seq) this.fail(e);
    }
  }

  private setVolume(v: number) {
    this.volume = Math.max(0, Math.min(1, v));
    store(VOLUME_KEY, String(this.volume));
    this.renderVolume();
    if (!this.opened) return; // sent before the next play
    // at most every 50 ms while dragging, and the last value always
    if (this.volumeTimer) return;
    this.volumeTimer = window.setTimeout(async () => {
      this.volumeTimer = 0;
      const want = this.volume;
      try {
        this.backendVolume = (await api.controlPreview('volume', want)).volume;
      } catch (e) {
        this.fail(e);
      }
    }, 50);
  }

  private lookUpDuration(id: number, seq: number) {
    api.getTrack(id).then((d) => {
      if (seq !== this.seq || !this.track || this.track.id !== id) return;
      this.track.duration_s = d.track.duration_s;
      this.render();
    }, () => { /* the seek bar stays off */ });
  }

  /** A state from the backend (an event, or what a command answered). */
  private take(s: PlayerState) {
    this.opened = true;
    this.backendVolume = s.volume;
    const t = Date.now();
    if (this.pending) {
      const underWay = s.path === this.pending.path && (s.status === 'playing' || s.status === 'paused' || s.status === 'error');
      if (!underWay && t < this.pending.until) return; // from before this play
      this.pending = null;
    }
    if (this.expect) {
      const e = this.expect;
      if (t < e.until) {
        if (e.status && (s.status === 'playing' || s.status === 'paused') && s.status !== e.status) return;
        if (e.from != null && s.status !== 'error' && Math.abs(s.from_s - e.from) > 0.01) return;
      }
      this.expect = null;
    }
    if (!this.track) {
      // Playing before the page (re)loaded: show what plays.
      if (!s.path || (s.status !== 'playing' && s.status !== 'paused')) return;
      this.track = this.hooks.findByPath(s.path) ?? { id: -1, path: s.path, title: null, artist: null, duration_s: null };
      this.queue = null;
    } else if (s.path !== this.track.path) {
      return; // about another file than the one asked for (from before it; or it failed)
    }
    if (s.status === 'playing' || s.status === 'paused') this.el.hidden = false;
    const was = this.status;
    this.state = s;
    this.status = s.status;
    this.message = s.status === 'error' ? sentence(s.error ?? 'This track cannot be played') : null;
    this.render();
    // The preview ended: the next one of the list it came from.
    if (s.status === 'finished' && was !== 'finished' && this.queue) void this.step(1);
  }

  // ---------- rendering ----------

  private render() {
    const t = this.track;
    if (t && t.id < 0 && t.path) {
      const found = this.hooks.findByPath(t.path);
      if (found) this.track = t.duration_s == null ? found : { ...found, duration_s: found.duration_s ?? t.duration_s };
    }
    const track = this.track;
    const st = this.status;
    const el = this.el;
    el.dataset.status = st;
    el.dataset.id = track && track.id >= 0 ? String(track.id) : '';
    if (this.queue) el.dataset.source = this.queue.kind; else delete el.dataset.source;
    const name = track ? track.title ?? basename(track.path) : '';
    const artist = track ? track.artist ?? 'Unknown artist' : '';
    if (this.titleEl.textContent !== name) this.titleEl.textContent = name;
    this.titleEl.title = track?.path ?? '';
    if (this.artistEl.textContent !== artist) this.artistEl.textContent = artist;

    const playing = st === 'playing' || st === 'loading';
    this.toggleBtn.textContent = playing ? '❚❚' : '▶';
    this.toggleBtn.setAttribute('aria-label', playing ? 'Pause' : st === 'paused' ? 'Resume' : 'Play');
    this.toggleBtn.title = `${playing ? 'Pause' : 'Play'} (Space)`;
    this.toggleBtn.disabled = !track || (track.id < 0 && !playing && st !== 'paused');
    const id = track?.id ?? -1;
    this.prevBtn.disabled = !this.queue || id < 0 || !this.queue.has(id, -1);
    this.nextBtn.disabled = !this.queue || id < 0 || !this.queue.has(id, 1);

    // the seek bar: over the whole file, the preview's stretch lit up
    const dur = track?.duration_s ?? null;
    const s = this.state;
    const canSeek = dur != null && dur > 0 && s != null && (st === 'playing' || st === 'paused' || st === 'finished');
    this.seek.disabled = !canSeek;
    const max = dur != null && dur > 0 ? dur : 1;
    this.seek.max = String(max);
    const pos = s ? Math.max(0, Math.min(max, s.position_s)) : 0;
    if (!this.dragging) this.seek.value = String(pos);
    const pct = (x: number) => `${(Math.max(0, Math.min(max, x)) / max) * 100}%`;
    this.seek.style.setProperty('--from', pct(s?.from_s ?? 0));
    this.seek.style.setProperty('--until', pct(s ? s.until_s ?? max : 0));
    this.seek.style.setProperty('--pos', pct(s ? pos : 0));
    this.seek.title = s ? `Preview ${duration(s.from_s)}–${duration(Math.min(max, s.until_s ?? max))}` : '';
    this.renderTime(this.dragging ? Number(this.seek.value) : pos);

    const msg = st === 'error' ? this.message : null;
    this.messageEl.hidden = !msg;
    this.messageEl.textContent = msg ?? '';
    this.messageEl.title = msg ?? '';
    this.progressEl.hidden = !!msg;
    this.renderVolume();

    setNow(track && track.id >= 0 ? track.id : null, playing ? 'playing' : st === 'paused' ? 'paused' : null);
  }

  private renderTime(pos: number) {
    const dur = this.track?.duration_s;
    this.timeEl.textContent = `${duration(pos) || '0:00'} / ${dur != null ? duration(dur) : '–:––'}`;
  }

  private renderVolume() {
    this.volumeEl.style.setProperty('--pos', `${this.volume * 100}%`);
    this.volumeEl.title = `Volume ${Math.round(this.volume * 100)}%`;
    this.el.classList.toggle('is-muted', this.volume === 0);
  }
}
