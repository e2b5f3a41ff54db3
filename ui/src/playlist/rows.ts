// The playlist's rows: ol#playlist-list. Renders li.playlist-row for each entry (▶, position,
// title, reasons, tempo, key, time, match, swap and remove), keeps the keyboard focus where it
// was across re-renders, and reorders: drag by the handle, or Alt+↑/↓ on a focused row. A double
// click or Enter on a row plays it. What a row's buttons and keys ask for goes to the hooks (the
// view edits the playlist, then renders).
import type { PlaylistEntry } from '../api';
import { h } from '../dom';
import { duration, num } from '../format';
import { keyLong, keyShort } from '../music';
import type { PlayingMarks } from '../player/marks';
import { hint, is } from '../shortcuts';
import { matchCell, matchData } from '../match';
import { trackName } from './seeds';

export type RowsHooks = {
  /** A row's ▶ was clicked (`toggle`: a second click pauses), or a row double-clicked or Enter
   *  pressed on it (it plays). */
  onPlay(index: number, toggle: boolean): void;
  onSwap(index: number): void;
  /** The × button, Delete or Backspace. */
  onRemove(index: number): void;
  /** A drop, or Alt+↑/↓. */
  onMove(from: number, to: number): void;
};

/** Where the focus goes after a render: a row, or one of its buttons. */
export type RowFocus = { index: number; part: 'row' | 'play' | 'swap' | 'remove' };

/** How the rows are drawn besides their entries. */
export type RowsOptions = {
  /** Track ids whose swap is in flight. */
  swapping: ReadonlySet<number>;
  /** Swap needs the request behind the rows (and no regeneration under way). */
  canSwap: boolean;
  /** Whether a row's score is a similarity to show: not in a described list (its reasons carry
   *  the tags' probabilities), nor for a journey's start (nothing comes before it). */
  scored(e: PlaylistEntry, index: number): boolean;
  /** What a row's reasons compare it with, when they describe steps (flow and harmonic
   *  orders); null: the seed(s), as always in the similarity order. */
  reasonsAfter(e: PlaylistEntry): ReasonsAfter | null;
};

/** The track a row's reasons describe the step from (id null: the seed; name null: not known). */
export type ReasonsAfter = { id: number | null; name: string | null };

/** "Am" / "C", as the table shows keys. */
function keyText(e: PlaylistEntry): string | null {
  if (!e.key) return null;
  if (!/^[A-G][#b]?$/.test(e.key)) return e.key;
  const scale = e.scale ?? (e.camelot?.endsWith('A') ? 'minor' : e.camelot?.endsWith('B') ? 'major' : null);
  return keyShort(e.key, scale);
}

export class PlaylistRows {
  readonly el: HTMLOListElement;
  /** The column heads (div.playlist-columns), above the list. */
  readonly columns: HTMLElement;
  /** The Why column's head: says when the reasons describe steps. */
  private whyEl: HTMLElement;
  /** The row being dragged (-1: none). */
  private dragFrom = -1;

  constructor(private marks: PlayingMarks, private hooks: RowsHooks) {
    this.el = h('ol', { id: 'playlist-list', class: 'playlist-list', 'aria-label': 'Playlist tracks' });
    this.whyEl = h('span', { id: 'playlist-why', class: 'playlist-why' });
    this.columns = h('div', { class: 'playlist-columns', 'aria-hidden': 'true' },
      h('span', {}), h('span', {}), h('span', { class: 'num' }, '#'), h('span', {}, 'Title'), this.whyEl, h('span', { class: 'num' }, 'BPM'),
      h('span', {}, 'Key'), h('span', { class: 'num' }, 'Time'),
      h('span', { title: 'How alike each track and the seed are, next to every pair of tracks in your library' }, 'Match'), h('span', {}));
    this.setStepReasons(false);
    const list = this.el;
    list.addEventListener('click', (e) => {
      const btn = (e.target as Element).closest<HTMLButtonElement>('button');
      const li = (e.target as Element).closest<HTMLElement>('li.playlist-row');
      if (!li) return;
      const i = this.rows().indexOf(li);
      if (btn?.classList.contains('play')) this.hooks.onPlay(i, true);
      else if (btn?.classList.contains('swap')) this.hooks.onSwap(i);
      else if (btn?.classList.contains('remove')) this.hooks.onRemove(i);
    });
    list.addEventListener('dblclick', (e) => {
      const li = (e.target as Element).closest<HTMLElement>('li.playlist-row');
      if (li && !(e.target as Element).closest('button, .playlist-handle')) this.hooks.onPlay(this.indexOf(li), false);
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
    this.wireDrag();
  }

  /** Whether the reasons describe the step from the row before (flow and harmonic orders). */
  setStepReasons(steps: boolean) {
    this.whyEl.textContent = steps ? 'Why (after the one before)' : 'Why';
    this.whyEl.title = steps ? 'In this order each track’s reasons describe the step from the track before it; the first track’s, how it is like the seed.'
      : 'What each track shares with the seed';
  }

  rows(): HTMLElement[] {
    return [...this.el.querySelectorAll<HTMLElement>('li.playlist-row')];
  }

  /** The row index of `li` (-1: not a row of this list). */
  indexOf(li: Element): number {
    return this.rows().indexOf(li as HTMLElement);
  }

  get hasFocus(): boolean {
    return this.el.contains(document.activeElement);
  }

  focusFirst() {
    this.rows()[0]?.focus();
  }

  focusLast() {
    this.rows().slice(-1)[0]?.focus();
  }

  /** Placeholder rows while the first answer is on its way. */
  showSkeleton() {
    this.el.replaceChildren(...[64, 52, 58, 46, 60, 50].map((w, i) => h('li', { class: 'playlist-skeleton', 'aria-hidden': 'true' },
      h('span', { class: 'skeleton', style: `width:${w}%` }), h('span', { class: 'skeleton', style: `width:${30 + ((i * 7) % 20)}%` }))));
  }

  clear() {
    this.el.replaceChildren();
  }

  /** The rows shown are being made again (dimmed until the new ones arrive). */
  setRefreshing(on: boolean) {
    this.el.classList.toggle('is-refreshing', on);
  }

  render(entries: readonly PlaylistEntry[], opts: RowsOptions, focus?: RowFocus) {
    // keep the keyboard focus where it was (by position: a swapped row has a new id)
    if (!focus) {
      const a = document.activeElement as HTMLElement | null;
      const li = a && this.el.contains(a) ? a.closest<HTMLElement>('li.playlist-row') : null;
      if (li) focus = { index: this.indexOf(li), part: a!.classList.contains('swap') ? 'swap' : a!.classList.contains('remove') ? 'remove' : a!.classList.contains('play') ? 'play' : 'row' };
    }
    const tabAt = focus ? focus.index : Math.max(0, this.rows().findIndex((r) => r.tabIndex === 0));
    this.el.replaceChildren(...entries.map((e, i) => this.rowEl(e, i, i === Math.min(tabAt, entries.length - 1), opts)));
    if (focus && focus.index >= 0) {
      const li = this.rows()[Math.min(focus.index, entries.length - 1)];
      const target = focus.part === 'row' ? li : li?.querySelector<HTMLElement>(`button.${focus.part}`);
      target?.focus({ preventScroll: false });
    }
  }

  /** Keys on a focused row: ↑/↓, Home/End move between rows; Alt+↑/↓ move the row; Delete
   *  removes it; Enter plays it. True when the key was used. */
  handleKey(e: KeyboardEvent): boolean {
    const t = e.target as HTMLElement;
    const li = t.closest<HTMLElement>('li.playlist-row');
    if (!li || !this.el.contains(li) || t.closest('button')) return false;
    const rows = this.rows();
    const i = rows.indexOf(li);
    const move = is('playlist.moveDown', e) ? 1 : is('playlist.moveUp', e) ? -1 : 0;
    if (move) {
      const to = i + move;
      if (to >= 0 && to < rows.length) this.hooks.onMove(i, to);
      return true;
    }
    if (is('playlist.remove', e)) { this.hooks.onRemove(i); return true; }
    if (is('playlist.play', e)) { this.hooks.onPlay(i, false); return true; }
    const next = is('playlist.down', e) ? Math.min(rows.length - 1, i + 1) : is('playlist.up', e) ? Math.max(0, i - 1)
      : is('playlist.first', e) ? 0 : is('playlist.last', e) ? rows.length - 1 : -1;
    if (next < 0) return false;
    rows[next]?.focus();
    return true;
  }

  private rowEl(e: PlaylistEntry, i: number, tabStop: boolean, opts: RowsOptions): HTMLElement {
    const name = trackName(e);
    const key = keyText(e);
    const reasons = e.reasons.join(' · ');
    const after = opts.reasonsAfter(e);
    const reasonsTitle = !after ? reasons || null
      : `${after.id != null ? `The step from “${after.name}”` : after.name ? `Compared with the seed, “${after.name}”` : 'Compared with the seed'}${reasons ? `: ${reasons}` : ''}`;
    const swapping = opts.swapping.has(e.id);
    const scored = opts.scored(e, i);
    const tab = tabStop ? '0' : '-1';
    const play = this.marks.button(e.id, name, true);
    play.tabIndex = tabStop ? 0 : -1;
    return h('li', {
      class: `playlist-row${swapping ? ' is-swapping' : ''}${this.marks.rowClass(e.id)}`, 'data-id': e.id, 'data-index': i, ...(scored ? matchData(e) : {}),
      tabindex: tab, 'aria-label': `${i + 1}. ${name}${e.artist ? ` — ${e.artist}` : ''}`,
      title: [name, e.artist].filter(Boolean).join(' — ') + `\n${e.path}`, 'aria-current': this.marks.rowAria(e.id),
    },
      h('span', { class: 'playlist-handle', draggable: 'true', 'aria-hidden': 'true', title: `Drag to reorder (or ${hint('playlist.moveUp')} / ${hint('playlist.moveDown')})` }),
      play,
      h('span', { class: 'playlist-pos num' }, num(i + 1)),
      h('span', { class: 'playlist-track' },
        h('span', { class: `playlist-title${e.title ? '' : ' is-file'}` }, name),
        h('span', { class: 'playlist-artist' }, e.artist ?? 'Unknown artist')),
      // One unbreakable span per reason, its separator inside it: a narrow column wraps between
      // reasons, not inside one, and a line never ends on a dangling "·".
      h('span', { class: 'playlist-reasons', title: reasonsTitle, 'data-after': after ? after.id ?? 'seed' : null },
        ...e.reasons.map((r, k) => h('span', { class: 'reason' }, ...(k ? [h('span', { class: 'sep' }, ' · ')] : []), r))),
      h('span', { class: `playlist-bpm num${e.bpm == null ? ' muted' : ''}` }, e.bpm == null ? '—' : String(Math.round(e.bpm))),
      h('span', { class: 'playlist-key', title: e.key ? keyLong(e.key, e.scale) : null },
        key ? h('span', { class: 'key-name' }, key) : h('span', { class: 'muted' }, '—'),
        e.camelot ? h('span', { class: 'camelot' }, e.camelot) : null),
      h('span', { class: 'playlist-dur num' }, duration(e.duration_s)),
      scored ? matchCell(e, 'playlist') : h('span', { class: 'match playlist-score is-raw' }, h('span', { class: 'match-word' })),
      h('span', { class: 'playlist-row-actions' },
        // (a swap in flight keeps its button enabled, so the focus stays on it; clicks wait)
        h('button', { class: 'icon-btn swap', type: 'button', tabindex: tab, disabled: !opts.canSwap, 'aria-disabled': swapping ? 'true' : null, 'aria-label': `Swap ${name} for another track`, title: 'Swap for another track' }, '⇄'),
        h('button', { class: 'icon-btn remove', type: 'button', tabindex: tab, 'aria-label': `Remove ${name}`, title: `Remove (${hint('playlist.remove')})` }, '×')));
  }

  // ---------- drag and drop ----------

  /** HTML5 drag and drop, from the handle; the row shows where it will land. */
  private wireDrag() {
    const list = this.el;
    list.addEventListener('dragstart', (e) => {
      const handle = (e.target as Element).closest?.('.playlist-handle');
      const li = handle?.closest<HTMLElement>('li.playlist-row');
      if (!li || !e.dataTransfer) { e.preventDefault(); return; }
      this.dragFrom = this.indexOf(li);
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
      const count = this.rows().length;
      this.endDrag();
      // `slot` counts gaps (0 = before the first row); moving down, the row itself leaves a gap
      const to = slot > from ? slot - 1 : slot;
      this.hooks.onMove(from, Math.max(0, Math.min(count - 1, to)));
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
}
