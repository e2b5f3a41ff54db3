// "Similar tracks" in the detail panel: the nearest analysed tracks to the one shown, from
// `similar_tracks`. A click or Enter picks a row (the panel shows that track; a double click's
// second click, caught by the detail panel, plays it); ▶ or Space plays it without picking. The
// section element lives as long as the app (the detail panel re-renders often; moving the same
// element keeps its rows and the keyboard focus in them).
import { commands, errorText, type SimilarAnswer, type SimilarTrack } from './api';
import { h } from './dom';
import { basename, num } from './format';
import { matchCell, matchData } from './match';
import { keyShort } from './music';
import type { PlayingMarks } from './player/marks';
import { is } from './shortcuts';

export const SIMILAR_LIMIT = 20;
/** A new request starts at most this often; holding ↓ in the table asks for the newest row only. */
const THROTTLE_MS = 150;

export type SimilarHooks = {
  /** A row was clicked, or Enter pressed on it. `list`: the similar tracks it was picked from. */
  onPick(id: number, viaKeyboard: boolean, list: SimilarTrack[]): void;
  /** A row's ▶ was clicked (the list stays as it is: no pick). */
  onPlay(t: SimilarTrack): void;
};

/** What the panel is for: the track shown in the detail panel. */
type Shown = { id: number; status: string };

/** The tonic and the Camelot letter ('A' minor, 'B' major) → "Am" / "C"; a key the backend
 *  already spelled out ("A minor", "Am") is shown as it is. */
export function keyText(t: { key: string | null; camelot: string | null }): string | null {
  if (!t.key) return null;
  if (!/^[A-G][#b]?$/.test(t.key)) return t.key;
  const scale = t.camelot?.endsWith('A') ? 'minor' : t.camelot?.endsWith('B') ? 'major' : null;
  return keyShort(t.key, scale);
}

/** A similar track's row (li.similar-row): ▶, title, match, artist, tempo and key. The first
 *  row takes Tab (the lists' rows are a roving tabindex). */
export function similarRow(r: SimilarTrack, i: number, marks: PlayingMarks): HTMLElement {
  const name = r.title ?? basename(r.path);
  const key = keyText(r);
  const meta: Node[] = [];
  if (r.bpm != null) meta.push(h('span', { class: 'similar-bpm num' }, `${num(Math.round(r.bpm))} BPM`));
  if (key) meta.push(h('span', { class: 'key-name' }, key));
  if (r.camelot) meta.push(h('span', { class: 'camelot' }, r.camelot));
  return h('li', {
    class: `similar-row${marks.rowClass(r.id)}`, 'data-id': r.id, ...matchData(r), tabindex: i === 0 ? '0' : '-1',
    title: [name, r.artist].filter(Boolean).join(' — ') + `\n${r.path}`, 'aria-current': marks.rowAria(r.id),
  },
    marks.button(r.id, name),
    h('span', { class: `similar-title${r.title ? '' : ' muted is-file'}` }, name),
    matchCell(r, 'similar'),
    h('span', { class: 'similar-artist muted' }, r.artist ?? 'Unknown artist'),
    h('span', { class: 'similar-meta' }, ...meta));
}

export class SimilarPanel {
  /** section#similar[data-state][data-track] */
  readonly el: HTMLElement;
  private indexEl: HTMLElement;
  private body: HTMLElement;

  private shown: Shown | null = null;
  /** `${id}:${status}` of the last request (a changed status, e.g. just analysed, asks again). */
  private key = '';
  private seq = 0;
  private loading = false;
  private res: SimilarAnswer | null = null;
  private resId = -1;
  private error: string | null = null;
  private lastStart = 0;
  private timer = 0;
  /** Track id whose first row takes the focus when its results arrive (after a pick by keyboard). */
  private focusFor = -1;

  constructor(private marks: PlayingMarks, private hooks: SimilarHooks) {
    this.indexEl = h('span', { class: 'similar-index' });
    this.body = h('div', { class: 'similar-body' });
    this.el = h('section', { id: 'similar', class: 'detail-section similar', tabindex: '-1', 'aria-label': 'Similar tracks', 'data-state': 'loading' },
      h('div', { class: 'similar-head' }, h('h3', {}, 'Similar tracks'), this.indexEl),
      this.body);
    this.el.addEventListener('click', (e) => {
      const li = (e.target as Element).closest<HTMLElement>('li.similar-row');
      if (!li) return;
      const id = Number(li.dataset.id);
      if ((e.target as Element).closest('button.play')) {
        const t = this.results.find((r) => r.id === id);
        li.focus({ preventScroll: true }); // ↑/↓ and Space go on from this row
        if (t) this.hooks.onPlay(t);
        return;
      }
      this.hooks.onPick(id, false, this.results.slice());
    });
    // roving tabindex: Tab enters the list at the row last focused
    this.el.addEventListener('focusin', (e) => {
      const li = (e.target as Element).closest<HTMLElement>('li.similar-row');
      if (!li) return;
      for (const r of this.rows()) r.tabIndex = r === li ? 0 : -1;
    });
  }

  /** The detail panel shows `t` (null: closed). Asks for its similar tracks when it is a new
   *  track or its analysis status changed; otherwise keeps what is shown. */
  show(t: Shown | null) {
    if (!t) {
      this.shown = null;
      this.key = '';
      this.seq++; // whatever is in flight is for a closed panel
      clearTimeout(this.timer);
      this.loading = false;
      this.focusFor = -1;
      return;
    }
    this.shown = { id: t.id, status: t.status };
    const key = `${t.id}:${t.status}`;
    if (key === this.key) return;
    this.key = key;
    this.request();
  }

  /** Ask again for the shown track (e.g. the analysis just finished). */
  refresh() {
    if (this.shown) this.request();
  }

  get trackId(): number | null {
    return this.shown?.id ?? null;
  }

  /** The similar tracks on screen (what next/previous walk when a preview starts here). */
  get results(): SimilarTrack[] {
    const t = this.shown;
    return t && this.resId === t.id && this.res && this.error == null ? this.res.results : [];
  }

  /** The row's track for `li` (Space on a focused row). */
  trackOf(li: Element): SimilarTrack | null {
    const id = Number((li as HTMLElement).dataset.id);
    return this.results.find((r) => r.id === id) ?? null;
  }

  /** After a pick by keyboard: keep the focus in the panel, on the first row once it is there. */
  focusFirstWhenReady(id: number) {
    this.focusFor = id;
    this.el.focus({ preventScroll: true });
    this.takeFocus();
  }

  /** Keys while the focus is in the panel: ↑/↓, Home/End move between rows; Enter picks.
   *  True when the key was used. */
  handleKey(e: KeyboardEvent): boolean {
    const rows = this.rows();
    const li = (e.target as Element).closest<HTMLElement>('li.similar-row');
    const i = li ? rows.indexOf(li) : -1;
    if (is('similar.pick', e)) {
      if (!li) return false;
      this.hooks.onPick(Number(li.dataset.id), true, this.results.slice());
      return true;
    }
    const next = is('similar.down', e) ? (i < 0 ? 0 : Math.min(rows.length - 1, i + 1))
      : is('similar.up', e) ? (i < 0 ? rows.length - 1 : Math.max(0, i - 1))
      : is('similar.first', e) ? 0
      : is('similar.last', e) ? rows.length - 1
      : null;
    if (next == null) return false;
    rows[next]?.focus();
    return true;
  }

  private rows(): HTMLElement[] {
    return [...this.body.querySelectorAll<HTMLElement>('li.similar-row')];
  }

  private request() {
    const t = this.shown!;
    const id = t.id;
    const seq = ++this.seq;
    this.loading = true;
    this.error = null;
    this.render();
    clearTimeout(this.timer);
    const go = () => {
      if (seq !== this.seq) return;
      this.lastStart = Date.now();
      commands.similarTracks(id, SIMILAR_LIMIT).then((res) => {
        if (seq !== this.seq) return; // the selection moved on (or a newer request for it started)
        this.res = res;
        this.resId = id;
        this.loading = false;
        this.render();
      }, (e) => {
        if (seq !== this.seq) return;
        this.error = errorText(e);
        this.loading = false;
        this.render();
      });
    };
    const wait = this.lastStart + THROTTLE_MS - Date.now();
    if (wait <= 0) go();
    else this.timer = window.setTimeout(go, wait);
  }

  private render() {
    const t = this.shown;
    if (!t) return;
    const res = this.resId === t.id ? this.res : null;
    const state = this.error != null ? 'error' : this.loading ? 'loading' : res ? res.state : 'loading';
    this.el.dataset.state = state;
    this.el.dataset.track = String(t.id);
    this.el.setAttribute('aria-busy', String(state === 'loading'));
    this.indexEl.textContent = res?.index_type ?? '';
    this.indexEl.title = res?.index_type ? `Search index: ${res.index_type}` : '';

    const message = (text: string, cls = '', ...extra: Node[]) =>
      h('p', { class: `detail-note similar-message${cls}` }, text, ...extra);
    if (state === 'error') {
      const retry = h('button', { class: 'link-btn', type: 'button', onclick: () => this.refresh() }, 'Try again');
      this.body.replaceChildren(message(this.error!, ' is-error', h('br'), retry));
      return;
    }
    if (!res || (state === 'loading' && res.state !== 'ready' && res.state !== 'building')) {
      // first answer for this track: a few quiet placeholder rows
      this.body.replaceChildren(h('ul', { id: 'similar-list', class: 'similar-list', 'aria-hidden': 'true' },
        ...[62, 48, 55].map((w) => h('li', { class: 'similar-skeleton' },
          h('span', { class: 'skeleton', style: `width:${w}%` }), h('span', { class: 'skeleton', style: `width:${w - 22}%` })))));
      return;
    }
    if (res.state === 'not_analyzed') {
      this.body.replaceChildren(message(t.status === 'failed'
        ? 'This track could not be analysed, so there is nothing to compare it with.'
        : 'Analysing… similar tracks appear once this track is analysed'));
      return;
    }
    if (res.state === 'empty') {
      this.body.replaceChildren(message('Not enough analysed tracks yet: similar tracks need at least two in the library.'));
      return;
    }
    const parts: Node[] = [];
    if (res.state === 'building') parts.push(h('p', { class: 'similar-note' }, 'Index rebuilding — exact search meanwhile'));
    // (the engine lists only tracks that sound alike: none is an answer, not a failure)
    if (res.results.length === 0) parts.push(message('Nothing in your library sounds like this yet.', ' is-none'));
    else {
      parts.push(h('ul', { id: 'similar-list', class: `similar-list${state === 'loading' ? ' is-refreshing' : ''}`, 'aria-label': 'Similar tracks' },
        ...res.results.map((r, i) => similarRow(r, i, this.marks))));
    }
    this.body.replaceChildren(...parts);
    this.takeFocus();
  }

  private takeFocus() {
    if (this.focusFor < 0 || this.shown?.id !== this.focusFor || this.loading) return;
    if (document.activeElement !== this.el) { this.focusFor = -1; return; } // the user moved on
    const first = this.rows()[0];
    if (!first) return;
    this.focusFor = -1;
    first.focus();
  }
}
