// The two strips above the table: the scan's (#scan-progress: finding files, reading tags,
// removing missing ones; Cancel; Rescan in the toolbar) and the analysis's (#analysis-progress:
// tracks analysed, speed, ETA; Pause / Resume). Both show a summary when they finish, then fade.
import * as api from './api';
import type { AnalysisProgress, ScanProgress } from './api';
import { $, h } from './dom';
import * as fmt from './format';

const PHASE_LABEL: Record<string, string> = {
  walking: 'Finding files…', reading: 'Reading tags…', removing: 'Removing missing files…',
};
/** How long a finished strip stays before it fades (a failed scan stays longer), and the fade. */
const SHOW_DONE_MS = 4000;
const SHOW_FAILED_MS = 10000;
const FADE_MS = 600;

/** A finished strip: after `ms`, fade, then hide. Returns the timer to clear when it comes back. */
function fadeAfter(strip: HTMLElement, ms: number, setTimer: (t: number) => void) {
  setTimer(window.setTimeout(() => {
    strip.classList.add('fading');
    setTimer(window.setTimeout(() => { strip.hidden = true; }, FADE_MS));
  }, ms));
}

/** Run a backend call from `button` (disabled meanwhile); errors go to `onError`. */
async function fromButton(button: HTMLButtonElement, call: () => Promise<unknown>, onError: (e: unknown) => void) {
  button.disabled = true;
  try { await call(); } catch (e) { onError(e); }
  button.disabled = false;
}

export type ScanHooks = {
  /** A scan started or ended (the table's empty message says rows are coming). */
  onScanningChange(scanning: boolean): void;
  /** A scan this strip saw running has finished: the library changed. */
  onFinished(): void;
  onError(e: unknown): void;
};

export class ScanStrip {
  private scanning = false;
  private fadeTimer = 0;
  private phase: HTMLElement;
  private bar: HTMLProgressElement;
  private counts: HTMLElement;
  private rate: HTMLElement;
  private eta: HTMLElement;
  private failed: HTMLElement;
  private current: HTMLElement;
  private summary: HTMLElement;

  /** `el`: #scan-progress; `rescan`: the toolbar's Rescan (off while a scan runs). */
  constructor(private el: HTMLElement, private rescan: HTMLButtonElement, private hooks: ScanHooks) {
    this.phase = $('#scan-phase', el);
    this.bar = $<HTMLProgressElement>('#scan-bar', el);
    this.counts = $('#scan-counts', el);
    this.rate = $('#scan-rate', el);
    this.eta = $('#scan-eta', el);
    this.failed = $('#scan-failed', el);
    this.current = $('#scan-current', el);
    this.summary = $('#scan-summary', el);
    $<HTMLButtonElement>('#scan-cancel', el).addEventListener('click', () => { api.commands.cancelScan().catch(hooks.onError); });
    rescan.addEventListener('click', async () => {
      rescan.disabled = true;
      try { await api.commands.startScan(); } catch (e) { hooks.onError(e); rescan.disabled = this.scanning; }
    });
  }

  get active(): boolean {
    return this.scanning;
  }

  /** At start, get_overview's scan: one under way shows; a finished one only sets the phase. */
  resume(p: ScanProgress) {
    if (p.phase !== 'idle' && p.phase !== 'done' && p.phase !== 'cancelled' && p.phase !== 'failed') this.update(p);
    else this.el.dataset.phase = p.phase;
  }

  /** A scan-progress event. */
  update(p: ScanProgress) {
    const s = this.el;
    s.dataset.phase = p.phase;
    clearTimeout(this.fadeTimer);
    const active = p.phase === 'walking' || p.phase === 'reading' || p.phase === 'removing';
    const wasScanning = this.scanning;
    this.scanning = active;
    this.rescan.disabled = active;
    if (active) {
      s.hidden = false;
      s.classList.remove('finished', 'fading', 'is-error');
      this.phase.textContent = PHASE_LABEL[p.phase];
      const processed = p.done + p.failed + p.unchanged + (p.ignored ?? 0);
      if (p.phase === 'walking' || p.found === 0) {
        this.bar.removeAttribute('value'); // indeterminate while we don't know the total
        this.counts.textContent = `${fmt.num(p.found)} found`;
      } else {
        this.bar.max = Math.max(1, p.found);
        this.bar.value = Math.min(processed, p.found);
        this.counts.textContent = `${fmt.num(processed)}/${fmt.num(p.found)}`;
      }
      this.rate.textContent = p.phase === 'reading' ? fmt.rate(p.rate) : '';
      this.eta.textContent = p.phase === 'reading' ? fmt.eta(p.eta_s) : '';
      this.failed.textContent = p.failed > 0 ? `${fmt.num(p.failed)} failed` : '';
      this.current.textContent = p.current ? fmt.basename(p.current) : '';
      this.current.title = p.current ?? '';
      this.summary.textContent = '';
    } else if (p.phase === 'idle') {
      s.hidden = true;
    } else {
      s.hidden = false;
      s.classList.add('finished');
      s.classList.remove('fading');
      s.classList.toggle('is-error', p.phase === 'failed');
      const tracks = p.done + p.unchanged;
      this.summary.textContent =
        p.phase === 'done' ? `Scan finished: ${fmt.plural(tracks, 'track')}, ${fmt.num(p.failed)} failed`
        : p.phase === 'cancelled' ? `Scan cancelled after ${fmt.plural(p.done + p.failed + p.unchanged + (p.ignored ?? 0), 'file')}`
        : `Scan failed${p.message ? `: ${p.message}` : ''}`;
      fadeAfter(s, p.phase === 'failed' ? SHOW_FAILED_MS : SHOW_DONE_MS, (t) => { this.fadeTimer = t; });
      if (wasScanning) this.hooks.onFinished();
    }
    if (wasScanning !== this.scanning) this.hooks.onScanningChange(this.scanning);
  }
}

export type AnalysisHooks = {
  /** The analysis finished: the shown track (and the index) may have new neighbours. */
  onDone(): void;
  /** New results (throttled by the caller): refresh what is visible. */
  onResults(): void;
  onError(e: unknown): void;
};

export class AnalysisStrip {
  private current: AnalysisProgress['phase'] = 'idle';
  private fadeTimer = 0;
  /** done + failed at the last event (-1: none seen yet). */
  private seen = -1;
  private text: HTMLElement;
  private bar: HTMLProgressElement;
  private failed: HTMLElement;
  private file: HTMLElement;
  private summary: HTMLElement;
  private pause: HTMLButtonElement;
  private resumeBtn: HTMLButtonElement;

  /** `el`: #analysis-progress. */
  constructor(private el: HTMLElement, private hooks: AnalysisHooks) {
    this.text = $('#analysis-text', el);
    this.bar = $<HTMLProgressElement>('#analysis-bar', el);
    this.failed = $('#analysis-failed', el);
    this.file = $('#analysis-current', el);
    this.summary = $('#analysis-summary', el);
    this.pause = $<HTMLButtonElement>('#analysis-pause', el);
    this.resumeBtn = $<HTMLButtonElement>('#analysis-resume', el);
    this.pause.addEventListener('click', () => void fromButton(this.pause, api.commands.pauseAnalysis, hooks.onError));
    this.resumeBtn.addEventListener('click', () => void fromButton(this.resumeBtn, api.commands.resumeAnalysis, hooks.onError));
  }

  get phase(): AnalysisProgress['phase'] {
    return this.current;
  }

  /** At start, get_overview's analysis: a running or paused one shows; else only noted. */
  resume(a: AnalysisProgress) {
    if (a.phase === 'running' || a.phase === 'paused') this.update(a);
    else { this.el.dataset.phase = a.phase; this.seen = a.done + a.failed; this.el.dataset.processed = String(this.seen); }
  }

  /** An analysis-progress event. */
  update(p: AnalysisProgress) {
    const s = this.el;
    s.dataset.phase = p.phase;
    clearTimeout(this.fadeTimer);
    const was = this.current;
    this.current = p.phase;
    const processed = p.done + p.failed;
    s.dataset.processed = String(processed); // what tests wait on: progress, not the clock
    const active = p.phase === 'running' || p.phase === 'paused';
    this.pause.disabled = false;
    this.resumeBtn.disabled = false;
    if (active) {
      const running = p.phase === 'running';
      s.hidden = false;
      s.classList.remove('finished', 'fading');
      s.classList.toggle('paused', !running);
      const counts = `${fmt.num(processed)} / ${fmt.num(p.total)}`;
      if (running) {
        const meta = [fmt.audioRate(p.audio_hours_per_hour), fmt.etaShort(p.eta_s)].filter(Boolean).join(' · ');
        this.text.replaceChildren(h('span', { class: 'analysis-label' }, 'Analysing'), ' ',
          h('span', { class: 'analysis-counts num' }, counts), meta ? h('span', { class: 'scan-meta num' }, ` · ${meta}`) : '');
      } else {
        this.text.replaceChildren(h('span', { class: 'analysis-label' }, 'Analysis paused'), ' ',
          h('span', { class: 'analysis-counts num' }, `(${counts})`));
      }
      this.text.title = running ? 'Hours of audio analysed per hour of work' : '';
      this.bar.max = Math.max(1, p.total);
      this.bar.value = Math.min(processed, p.total);
      this.failed.textContent = p.failed > 0 ? `${fmt.num(p.failed)} failed` : '';
      this.file.textContent = running && p.current ? fmt.basename(p.current) : '';
      this.file.title = running ? p.current ?? '' : '';
      this.summary.textContent = '';
      this.pause.hidden = !running;
      this.resumeBtn.hidden = running;
    } else if (p.phase === 'idle') {
      s.hidden = true;
    } else {
      s.hidden = false;
      s.classList.add('finished');
      s.classList.remove('fading', 'paused');
      this.summary.textContent = p.phase === 'done'
        ? `Analysis finished: ${fmt.plural(p.done, 'track')}${p.failed ? `, ${fmt.num(p.failed)} failed` : ''}`
        : `Analysis stopped after ${fmt.plural(processed, 'track')}`;
      fadeAfter(s, SHOW_DONE_MS, (t) => { this.fadeTimer = t; });
    }
    if (p.phase === 'done') this.hooks.onDone();
    // New results (or a run that ended): refresh what is visible.
    if (processed !== this.seen || (was !== p.phase && !active)) {
      if (this.seen >= 0 || !active) this.hooks.onResults();
      this.seen = processed;
    }
  }
}
