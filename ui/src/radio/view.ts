// The radio view (#view-radio): what the radio plays now (♥ to steer towards it, Skip), the
// picks queued next (× takes one off the queue), and what it played (with the skips and the
// likes). It owns the radio's state as the backend last answered it; the player plays its
// tracks through a RadioQueue, whole, and asks it for the next one when a track ends or is
// skipped.
import * as api from '../api';
import type { HeardEntry, PlaylistEntry, RadioView as RadioState } from '../api';
import { h } from '../dom';
import * as fmt from '../format';
import type { PlayingMarks } from '../player/marks';
import type { PreviewTrack } from '../player/queue';
import { hint } from '../shortcuts';
import { RadioQueue, SKIP_WINDOW_S, type RadioSource } from './queue';

export type RadioHooks = {
  /** Play (or, `toggle`, pause/resume) the radio's track through the player. */
  onPlay(t: PreviewTrack, queue: RadioQueue, toggle: boolean): void;
  /** "Skip": the player's next when it plays the radio (a skip within 30 s steers). */
  onSkip(): void;
  /** The radio was turned off: stop the player if it plays the radio. */
  onStopped(): void;
  /** Escape, or the empty state's link: back to the library. */
  onBack(): void;
  /** The radio went on or off. */
  onChange(on: boolean): void;
  onError(e: unknown): void;
};

const FEEDBACK_WORDS: Record<HeardEntry['feedback'], string | null> = { played: null, skipped: 'Skipped', liked: 'Liked' };

export class RadioPanel implements RadioSource {
  readonly queue: RadioQueue;
  private state: RadioState | null = null;
  /** A command is under way: the buttons wait for it (answers come back in order). */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(readonly el: HTMLElement, private marks: PlayingMarks, private hooks: RadioHooks) {
    this.queue = new RadioQueue(this);
    el.addEventListener('click', (e) => this.onClick(e));
    this.render();
  }

  // ---------- the radio as the player's queue sees it ----------

  get now(): PreviewTrack | null {
    return this.state?.now ?? null;
  }

  get hasNext(): boolean {
    return (this.state?.upcoming.length ?? 0) > 0;
  }

  async next(skippedEarly: boolean): Promise<PreviewTrack | null> {
    const s = await this.run(() => api.commands.radioNext(skippedEarly));
    return s?.now ?? null;
  }

  // ---------- from outside ----------

  /** Starts a radio on these tracks and plays its first pick. */
  async start(seeds: number[]) {
    if (!seeds.length) return;
    const s = await this.run(() => api.commands.startRadio(seeds));
    if (s?.now) this.hooks.onPlay(s.now, this.queue, false);
  }

  /** The radio that was on before the page (re)loaded. */
  async load() {
    try {
      this.state = await api.commands.getRadio();
      this.render();
    } catch (e) {
      this.hooks.onError(e);
    }
  }

  /** L: a thumbs-up for the track playing. */
  likeNow() {
    const id = this.state?.now?.id;
    if (id != null && !this.state?.now_liked) void this.run(() => api.commands.radioLike(id));
  }

  focus() {
    this.el.querySelector<HTMLElement>('#radio-now button.play, #radio-start-hint')?.focus({ preventScroll: true });
  }

  async stop() {
    await this.run(async () => { await api.commands.stopRadio(); return null; });
    this.hooks.onStopped();
  }

  // ---------- inside ----------

  /** One backend call at a time; its answer (a radio state; null: off) is shown. */
  private async run(call: () => Promise<RadioState | null>): Promise<RadioState | null | undefined> {
    const go = this.busy.then(call);
    this.busy = go.catch(() => undefined);
    try {
      this.state = await go;
      this.render();
      return this.state;
    } catch (e) {
      this.hooks.onError(e);
      return undefined;
    }
  }

  private onClick(e: Event) {
    const t = e.target as Element;
    const s = this.state;
    if (t.closest('#radio-stop')) { void this.stop(); return; }
    if (t.closest('#radio-back')) { this.hooks.onBack(); return; }
    if (!s) return;
    if (t.closest('#radio-now button.play') && s.now) { this.hooks.onPlay(s.now, this.queue, true); return; }
    if (t.closest('#radio-skip')) { this.hooks.onSkip(); return; }
    if (t.closest('#radio-like')) { this.likeNow(); return; }
    const id = Number(t.closest<HTMLElement>('[data-id]')?.dataset.id);
    if (!Number.isFinite(id)) return;
    if (t.closest('.radio-remove')) void this.run(() => api.commands.radioRemove(id));
    else if (t.closest('.radio-like-heard')) void this.run(() => api.commands.radioLike(id));
  }

  private render() {
    const s = this.state;
    this.hooks.onChange(s != null);
    this.el.dataset.on = String(s != null);
    if (!s) { this.el.replaceChildren(this.empty()); return; }
    const seeds = s.seeds.map((t) => t.title ?? fmt.basename(t.path));
    const from = seeds.length > 1 ? `from “${seeds[0]}” and ${fmt.plural(seeds.length - 1, 'other')}` : `from “${seeds[0] ?? ''}”`;
    this.el.replaceChildren(
      h('div', { class: 'toolbar radio-head' },
        h('div', { class: 'radio-heading' }, h('h2', { class: 'view-title' }, 'Radio'), h('span', { id: 'radio-from', class: 'radio-from', title: seeds.join(', ') }, from)),
        h('span', { class: 'toolbar-spacer' }),
        h('button', { id: 'radio-stop', class: 'btn btn-small', type: 'button', title: 'Turn the radio off' }, 'Stop radio')),
      h('div', { class: 'radio-body' },
        this.nowCard(s),
        h('section', { class: 'radio-list', 'aria-label': 'Up next' },
          h('h3', {}, 'Up next'),
          s.upcoming.length
            ? h('ol', { id: 'radio-upcoming', class: 'radio-rows' }, ...s.upcoming.map((e) => this.upcomingRow(e)))
            : h('p', { class: 'muted radio-none' }, 'Nothing more near this radio’s sound.')),
        h('section', { class: 'radio-list', 'aria-label': 'History' },
          h('h3', {}, 'Played'),
          s.history.length
            ? h('ol', { id: 'radio-history', class: 'radio-rows' }, ...s.history.map((x) => this.heardRow(x)))
            : h('p', { class: 'muted radio-none' }, 'What the radio plays is listed here.'))));
  }

  private empty(): HTMLElement {
    return h('div', { id: 'radio-empty', class: 'empty-state' },
      h('div', { class: 'empty-card radio-empty' },
        h('div', { class: 'empty-art radio-art', 'aria-hidden': 'true' }),
        h('h1', {}, 'No radio on'),
        h('p', { id: 'radio-start-hint', tabindex: '-1' }, 'A radio plays whole tracks without end, each picked from what you just heard, never one twice. ',
          'Start one from a track: select it and press ', h('kbd', {}, hint('table.radio')), ', or right-click it → Start radio. ',
          'A playlist or tracks picked on the map can start one too.'),
        h('p', { class: 'radio-empty-tip' }, `Skip a track within its first ${SKIP_WINDOW_S} s to hear less like it; ♥ for more like it.`),
        h('button', { id: 'radio-back', class: 'btn', type: 'button' }, 'Back to the library')));
  }

  private nowCard(s: RadioState): HTMLElement {
    const e = s.now;
    if (!e) {
      return h('div', { id: 'radio-now', class: 'radio-now is-dry' },
        h('p', {}, 'The radio has played every track near its sound. Start a new one from another track.'));
    }
    const name = e.title ?? fmt.basename(e.path);
    const meta = [e.bpm != null ? `${Math.round(e.bpm)} BPM` : null, e.camelot ?? e.key, fmt.duration(e.duration_s) || null].filter(Boolean).join(' · ');
    const like = h('button', {
      id: 'radio-like', class: `btn btn-small radio-like${s.now_liked ? ' is-on' : ''}`, type: 'button', 'aria-pressed': String(s.now_liked),
      title: s.now_liked ? 'Liked: the next picks lean towards it' : `More like this (${hint('radio.like')})`,
    }, s.now_liked ? '♥ Liked' : '♡ Like');
    const skip = h('button', { id: 'radio-skip', class: 'btn btn-small', type: 'button', title: `Next track (${hint('next')}); within its first ${SKIP_WINDOW_S} s: less like this` }, 'Skip');
    return h('div', { id: 'radio-now', class: `radio-now${this.marks.rowClass(e.id)}`, 'data-id': e.id },
      this.marks.button(e.id, name, true),
      h('div', { class: 'radio-now-text' },
        h('div', { class: 'radio-now-title', title: e.path }, name),
        h('div', { class: 'radio-now-sub' }, e.artist ?? 'Unknown artist', meta ? h('span', { class: 'muted num' }, ` · ${meta}`) : ''),
        e.reasons.length ? h('div', { class: 'radio-reasons muted' }, e.reasons.join(' · ')) : ''),
      h('div', { class: 'radio-now-actions' }, like, skip));
  }

  private upcomingRow(e: PlaylistEntry): HTMLElement {
    const name = e.title ?? fmt.basename(e.path);
    return h('li', { class: 'radio-row', 'data-id': e.id },
      h('span', { class: 'radio-row-title', title: e.path }, name),
      h('span', { class: 'radio-row-artist muted' }, e.artist ?? 'Unknown artist'),
      h('span', { class: 'radio-row-reasons muted', title: e.reasons.join(' · ') }, e.reasons.join(' · ')),
      h('button', { class: 'icon-btn radio-remove', type: 'button', 'aria-label': `Take ${name} off the queue`, title: 'Take it off the queue (never picked again)' }, '×'));
  }

  private heardRow(x: HeardEntry): HTMLElement {
    const e = x.entry;
    const name = e.title ?? fmt.basename(e.path);
    const word = FEEDBACK_WORDS[x.feedback];
    return h('li', { class: `radio-row is-${x.feedback}`, 'data-id': e.id, 'data-feedback': x.feedback },
      h('span', { class: 'radio-row-title', title: e.path }, name),
      h('span', { class: 'radio-row-artist muted' }, e.artist ?? 'Unknown artist'),
      word ? h('span', { class: `radio-badge is-${x.feedback}` }, word) : h('span', {}),
      x.feedback === 'liked' ? h('span', {})
        : h('button', { class: 'icon-btn radio-like-heard', type: 'button', 'aria-label': `More like ${name}`, title: 'More like this' }, '♡'));
  }
}
