// The player bar (#player) at the bottom of the main area: previous / play-pause / next, the
// track, the seek bar over the whole file (the preview's stretch lit up), the volume, the preview
// length and the output device. It shows what the Player tells it and reports what is clicked.
import * as api from '../api';
import type { PlayerState } from '../api';
import { h } from '../dom';
import { basename, duration } from '../format';
import type { PreviewQueue, PreviewTrack } from './queue';

/** The status the bar shows: the backend's, or 'loading' until a new play is under way. */
export type ShownStatus = PlayerState['status'] | 'loading';
/** How long a preview plays: 30 s, 60 s or the whole track. */
export type PreviewLength = '30' | '60' | 'whole';
const LENGTHS: { value: PreviewLength; label: string }[] = [
  { value: '30', label: '30 s' }, { value: '60', label: '60 s' }, { value: 'whole', label: 'Whole track' },
];

export type BarHooks = {
  onToggle(): void;
  onStep(dir: 1 | -1): void;
  /** The seek bar was let go at `s` seconds into the file. */
  onSeek(s: number): void;
  onVolume(v: number): void;
  onLength(length: PreviewLength): void;
  onClose(): void;
  /** Listing or choosing the output device failed. */
  onError(e: unknown): void;
};

/** What the bar shows. */
export type BarView = {
  track: PreviewTrack | null;
  status: ShownStatus;
  /** The last state taken for the track (null: none yet). */
  state: PlayerState | null;
  /** Shown with status 'error'. */
  message: string | null;
  queue: PreviewQueue | null;
  volume: number;
  /** The preview length chosen in the bar. */
  length: PreviewLength;
};

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

export class PlayerBar {
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

  /** The seek bar is being dragged: the states' positions don't move it meanwhile. */
  private dragging = false;
  /** The shown track's length (the time while dragging). */
  private duration: number | null = null;

  constructor(readonly el: HTMLElement, initial: { volume: number; length: PreviewLength }, private hooks: BarHooks) {
    // (a click on the bar's buttons leaves the keyboard focus where it was: in the list)
    const keepFocus = (e: Event) => e.preventDefault();
    this.prevBtn = h('button', { id: 'player-prev', class: 'icon-btn player-btn', type: 'button', 'aria-label': 'Previous track', title: 'Previous track (B)', onmousedown: keepFocus, onclick: () => hooks.onStep(-1) });
    this.prevBtn.append(icon('M3 3h2v10H3zM13 3v10L6 8z'));
    this.toggleBtn = h('button', { id: 'player-toggle', class: 'player-toggle', type: 'button', onmousedown: keepFocus, onclick: () => hooks.onToggle() }, '▶');
    this.nextBtn = h('button', { id: 'player-next', class: 'icon-btn player-btn', type: 'button', 'aria-label': 'Next track', title: 'Next track (N)', onmousedown: keepFocus, onclick: () => hooks.onStep(1) });
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
      hooks.onSeek(Number(this.seek.value));
    });
    this.progressEl = h('div', { class: 'player-progress' }, this.timeEl, this.seek);
    this.messageEl = h('div', { id: 'player-message', class: 'player-message', role: 'status', 'aria-live': 'polite', hidden: true });
    this.volumeEl = h('input', { id: 'player-volume', class: 'player-range player-volume', type: 'range', min: 0, max: 1, step: 0.01, 'aria-label': 'Volume', title: 'Volume' });
    this.volumeEl.value = String(initial.volume);
    this.volumeEl.addEventListener('input', () => hooks.onVolume(Number(this.volumeEl.value)));
    this.lengthEl = h('select', { id: 'player-length', class: 'filter-select player-length', 'aria-label': 'Preview length', title: 'How long a preview plays (from the next play on)' },
      ...LENGTHS.map((l) => h('option', { value: l.value }, l.label)));
    this.lengthEl.value = initial.length;
    this.lengthEl.addEventListener('change', () => hooks.onLength(this.lengthEl.value as PreviewLength));
    // The output device: the list is read when the menu is opened (devices come and go).
    this.deviceEl = h('select', { id: 'player-device', class: 'filter-select player-device', 'aria-label': 'Output device', title: 'Where previews play' },
      h('option', { value: '' }, 'System default'));
    this.deviceEl.addEventListener('focus', () => void this.refreshDevices());
    this.deviceEl.addEventListener('change', async () => {
      try {
        await api.commands.setOutputDevice(this.deviceEl.value || null);
      } catch (e) {
        hooks.onError(e);
      }
    });
    const close = h('button', { id: 'player-close', class: 'icon-btn player-close', type: 'button', 'aria-label': 'Stop and close the player', title: 'Stop and close', onmousedown: keepFocus, onclick: () => hooks.onClose() }, '×');

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
  }

  /** The bar is on screen (hidden until something was played, and after Close). */
  get shown(): boolean {
    return !this.el.hidden;
  }
  set shown(on: boolean) {
    this.el.hidden = !on;
  }

  private async refreshDevices() {
    try {
      const names = await api.commands.listOutputDevices();
      const chosen = this.deviceEl.value;
      this.deviceEl.replaceChildren(h('option', { value: '' }, 'System default'),
        ...names.map((n) => h('option', { value: n }, n)));
      this.deviceEl.value = names.includes(chosen) ? chosen : '';
    } catch (e) {
      this.hooks.onError(e);
    }
  }

  render(v: BarView) {
    const { track, status: st, state: s, queue } = v;
    const el = this.el;
    el.dataset.status = st;
    el.dataset.id = track && track.id >= 0 ? String(track.id) : '';
    if (queue) el.dataset.source = queue.kind; else delete el.dataset.source;
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
    this.prevBtn.disabled = !queue || id < 0 || !queue.has(id, -1);
    this.nextBtn.disabled = !queue || id < 0 || !queue.has(id, 1);

    // the seek bar: over the whole file, the preview's stretch lit up
    const dur = track?.duration_s ?? null;
    this.duration = dur;
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

    const msg = st === 'error' ? v.message : null;
    this.messageEl.hidden = !msg;
    this.messageEl.textContent = msg ?? '';
    this.messageEl.title = msg ?? '';
    this.progressEl.hidden = !!msg;
    this.renderVolume(v.volume);
    // A list that plays whole tracks whatever the bar says (a radio) shows it, and the setting
    // waits for the next preview from another list.
    const forced = queue?.length ?? null;
    this.lengthEl.disabled = forced != null;
    this.lengthEl.value = forced ?? v.length;
    this.lengthEl.title = forced != null ? 'The radio plays whole tracks' : 'How long a preview plays (from the next play on)';
  }

  renderVolume(volume: number) {
    this.volumeEl.style.setProperty('--pos', `${volume * 100}%`);
    this.volumeEl.title = `Volume ${Math.round(volume * 100)}%`;
    this.el.classList.toggle('is-muted', volume === 0);
  }

  private renderTime(pos: number) {
    const dur = this.duration;
    this.timeEl.textContent = `${duration(pos) || '0:00'} / ${dur != null ? duration(dur) : '–:––'}`;
  }
}
