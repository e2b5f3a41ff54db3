// Audio preview: what plays, against the backend's player.
//
// The backend plays one preview at a time (`play_preview`, `control_preview`) and reports what
// it does with `preview-state` events (10 per second while playing, and on every change). Its
// commands go to a player thread, so the state a command answers may still be the one from
// before it: a new play is "loading" until a state for its file arrives, and a pause, resume or
// seek ignores states that contradict it for a moment. Next/previous walk the list the play came
// from (a PreviewQueue); at 'finished' the next track of that list plays by itself.
import * as api from '../api';
import type { PlayerState } from '../api';
import { PlayerBar, type PreviewLength, type ShownStatus } from './bar';
import type { PlayingMarks } from './marks';
import { readStored, store } from '../storage';
import type { PreviewQueue, PreviewTrack } from './queue';

export type PlayerHooks = {
  /** A track by file path among the lists the UI has (a state it did not ask for, e.g. after a
   *  reload while something plays); null when none has it. */
  findByPath(path: string): PreviewTrack | null;
  /** The list such a track goes on in (the radio playing it), else null. */
  queueOf(path: string): PreviewQueue | null;
  /** next/previous or the automatic advance moved from `from` to `to` in `queue`. */
  onAdvance(from: PreviewTrack, to: PreviewTrack, queue: PreviewQueue): void;
};

const LENGTH_KEY = 'segue.preview.length';
const VOLUME_KEY = 'segue.preview.volume';
/** How long a new play waits for a state that shows it under way before it asks preview_state
 *  (a preview can end before the first event: the events then only ever say 'finished'). */
const PLAY_WAIT_MS = 2000;
/** How long a pause/resume/seek ignores states that say otherwise (sent before it was taken). */
const EXPECT_MS = 1500;

/** "no sound output device found …" → "No sound output device found …". */
const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export class Player {
  private bar: PlayerBar;
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
  /** 0 … 1 and the preview length, remembered in localStorage. */
  private volume: number;
  private length: PreviewLength;
  /** How long the current play and the ones after it in its list play instead of the preview
   *  length chosen in the bar ("Play all": the whole track); null: as chosen in the bar. */
  private lengthOverride: PreviewLength | null = null;
  private volumeTimer = 0;

  /** `el`: footer#player. */
  constructor(el: HTMLElement, private marks: PlayingMarks, private hooks: PlayerHooks) {
    const stored = Number(readStored(VOLUME_KEY));
    this.volume = readStored(VOLUME_KEY) != null && Number.isFinite(stored) ? Math.max(0, Math.min(1, stored)) : 1;
    const len = readStored(LENGTH_KEY);
    this.length = len === '60' || len === 'whole' ? len : '30';
    this.bar = new PlayerBar(el, { volume: this.volume, length: this.length }, {
      onToggle: () => this.toggle(),
      onStep: (dir) => void this.step(dir, false),
      onSeek: (s) => void this.control('seek', s),
      onVolume: (v) => this.setVolume(v),
      onLength: (length) => { this.length = length; store(LENGTH_KEY, length); },
      onClose: () => this.close(),
      onError: (e) => { this.message = sentence(api.errorText(e)); this.render(); },
    });
    this.render();
  }

  /** footer#player */
  get el(): HTMLElement {
    return this.bar.el;
  }

  /** Listen to the backend; pick up a preview that was playing before the page (re)loaded. */
  async start() {
    await api.events.previewState.listen((e) => this.take(e.payload));
    const s = await api.commands.previewState();
    if (s && (s.status === 'playing' || s.status === 'paused') && !this.track) {
      this.take(s);
    }
  }

  /** The kind of list the preview walks (null: none). */
  get queueKind(): PreviewQueue['kind'] | null {
    return this.queue?.kind ?? null;
  }

  /** Something can be paused, resumed or played again. */
  get active(): boolean {
    return this.track != null && this.bar.shown;
  }

  /** A row's play button or Space on a row: pause/resume when it is the current track, else play it. */
  toggleTrack(t: PreviewTrack, queue: PreviewQueue) {
    if (this.track?.id === t.id && (this.status === 'playing' || this.status === 'loading' || this.status === 'paused')) {
      this.toggle();
      return;
    }
    void this.play(t, queue);
  }

  /** Enter or a double click on a row, "Play all": play it (for `length` instead of the bar's
   *  preview length, it and the ones after it), or go on with it when it is the one playing or
   *  paused — never pause it. */
  startTrack(t: PreviewTrack, queue: PreviewQueue, length: PreviewLength | null = null) {
    const same = this.track?.id === t.id && length === this.lengthOverride;
    if (same && (this.status === 'playing' || this.status === 'loading')) return;
    if (same && this.status === 'paused') { void this.control('resume'); return; }
    void this.play(t, queue, length);
  }

  /** The bar's play/pause: pause, resume, or play the current track again. */
  toggle() {
    const t = this.track;
    if (!t || !this.bar.shown) return; // closed: nothing to toggle
    if (this.status === 'playing' || this.status === 'loading') void this.control('pause');
    else if (this.status === 'paused') void this.control('resume');
    else if (t.id >= 0) void this.play(t, this.queue, this.lengthOverride);
  }

  /** Next (1) or previous (-1) in the list the preview came from (`ended`: the track played
   *  to its end, else the listener asked). */
  async step(dir: 1 | -1, ended = false) {
    const t = this.track, q = this.queue;
    if (!t || !q || t.id < 0) return;
    const seq = this.seq;
    if (dir === 1) q.leaving?.(t.id, ended, this.state ? Math.max(0, this.state.position_s - this.state.from_s) : 0);
    let n: PreviewTrack | null;
    try { n = await q.neighbour(t.id, dir); } catch (e) { this.fail(e); return; }
    if (seq !== this.seq || !n) return; // something else was played meanwhile, or an end
    void this.play(n, q, this.lengthOverride);
    this.hooks.onAdvance(t, n, q);
  }

  /** Play `t` from `queue` for the bar's preview length, or for `length` (it and the ones after
   *  it in the queue: "Play all" plays whole tracks without changing the bar's setting). */
  async play(t: PreviewTrack, queue: PreviewQueue | null, length: PreviewLength | null = null) {
    const seq = ++this.seq;
    this.lengthOverride = length ?? queue?.length ?? null;
    this.track = { ...t };
    this.queue = queue;
    this.state = null;
    this.message = null;
    this.status = 'loading';
    this.pending = { path: t.path, until: Date.now() + PLAY_WAIT_MS };
    this.expect = null;
    this.bar.shown = true;
    this.render();
    if (t.duration_s == null && t.id !== api.OUTSIDE_ID) this.lookUpDuration(t.id, seq);
    const chosen = this.lengthOverride ?? this.length;
    const whole = chosen === 'whole';
    const before = this.inflight;
    const call = (async () => {
      // One play at a time, in order (N N N: the last one wins, the ones between never start).
      await before;
      if (seq !== this.seq) return null;
      // The player opens at full volume: a quieter setting goes first.
      if (Math.abs((this.backendVolume ?? 1) - this.volume) > 1e-3) this.backendVolume = (await api.commands.controlPreview('volume', this.volume)).volume;
      if (seq !== this.seq) return null;
      // "Whole track" is the whole of it; a 30/60 s preview starts where the backend likes
      // (a third of the way in, past quiet intros).
      const [from, seconds] = [whole ? 0 : null, whole ? null : Number(chosen)];
      // A file from outside the library (dropped or picked) is played by its path.
      return t.id === api.OUTSIDE_ID ? api.commands.playOutsideFile(t.path, from, seconds) : api.commands.playPreview(t.id, from, seconds);
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
    api.commands.previewState().then((s) => {
      if (seq !== this.seq || !this.pending) return;
      const path = this.pending.path;
      this.pending = null;
      if (s && s.path === path) this.take(s);
      else { this.status = 'idle'; this.render(); }
    }, (e) => { if (seq === this.seq) this.fail(e); });
  }

  /** Stop, hide the bar and release the sound device (the next play opens it again). */
  close() {
    this.seq++;
    this.pending = null;
    // states sent before the stop was taken must not bring the bar back
    this.expect = { status: 'idle', until: Date.now() + EXPECT_MS };
    this.status = 'idle';
    this.bar.shown = false;
    this.render();
    // 'close', not 'stop': a stopped player keeps the device open, writing silence.
    if (this.opened) void this.inflight.then(() => api.commands.controlPreview('close', null)).catch(() => undefined);
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
      const s = await api.commands.controlPreview(action, value ?? null);
      if (seq === this.seq) this.take(s);
    } catch (e) {
      if (seq === this.seq) this.fail(e);
    }
  }

  private setVolume(v: number) {
    this.volume = Math.max(0, Math.min(1, v));
    store(VOLUME_KEY, String(this.volume));
    this.bar.renderVolume(this.volume);
    if (!this.opened) return; // sent before the next play
    // at most every 50 ms while dragging, and the last value always
    if (this.volumeTimer) return;
    this.volumeTimer = window.setTimeout(async () => {
      this.volumeTimer = 0;
      const want = this.volume;
      try {
        this.backendVolume = (await api.commands.controlPreview('volume', want)).volume;
      } catch (e) {
        this.fail(e);
      }
    }, 50);
  }

  private lookUpDuration(id: number, seq: number) {
    api.commands.getTrack(id).then((d) => {
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
      this.queue = this.hooks.queueOf(s.path);
      this.lengthOverride = this.queue?.length ?? null;
    } else if (s.path !== this.track.path) {
      return; // about another file than the one asked for (from before it; or it failed)
    }
    if (s.status === 'playing' || s.status === 'paused') this.bar.shown = true;
    const was = this.status;
    this.state = s;
    this.status = s.status;
    this.message = s.status === 'error' ? sentence(s.error ?? 'This track cannot be played') : null;
    this.render();
    // The preview ended: the next one of the list it came from.
    if (s.status === 'finished' && was !== 'finished' && this.queue) void this.step(1, true);
  }

  private render() {
    // A track picked up from a state (id -1): named once one of the lists has it.
    const t = this.track;
    if (t && t.id < 0 && t.path) {
      const found = this.hooks.findByPath(t.path);
      if (found) this.track = t.duration_s == null ? found : { ...found, duration_s: found.duration_s ?? t.duration_s };
    }
    const track = this.track;
    const st = this.status;
    this.bar.render({ track, status: st, state: this.state, message: this.message, queue: this.queue, volume: this.volume, length: this.length });
    const playing = st === 'playing' || st === 'loading';
    this.marks.set(track && track.id >= 0 ? track.id : null, playing ? 'playing' : st === 'paused' ? 'paused' : null);
  }
}
