// What the rows show of the preview: the ▶ / ❚❚ buttons on the rows of the table, the similar
// tracks and the playlist, and the `.playing` (`.paused`) mark with aria-current on the row of
// the track playing. One instance for the app: the player sets what plays, the lists ask it as
// they render their rows (and the map is told, to pulse the point that plays).
import { h } from '../dom';

type Now = { id: number | null; status: 'playing' | 'paused' | null };

export type MarksHooks = {
  /** What plays changed (the map pulses it). */
  onChange(id: number | null, status: Now['status']): void;
};

export class PlayingMarks {
  /** The track the rows mark as playing (or paused), by id. */
  private now: Now = { id: null, status: null };
  /** Each button's track name, for its label. */
  private names = new WeakMap<HTMLElement, string>();

  constructor(private hooks: MarksHooks) {}

  /** button.play[data-id] for a row; shows ▶, or ❚❚ while its track plays. Clicks are the list's
   *  to handle. Not a tab stop unless `tabbable` (Space plays the selected or focused row). */
  button(id: number, name: string, tabbable = false): HTMLButtonElement {
    const b = h('button', { class: 'play', type: 'button', 'data-id': id, tabindex: tabbable ? null : '-1' });
    this.names.set(b, name);
    this.paintButton(b);
    return b;
  }

  /** Classes for a row being rendered: ' playing' (and ' paused') when its track is the preview. */
  rowClass(id: number): string {
    const now = this.now;
    return now.id === id && now.status != null ? ` playing${now.status === 'paused' ? ' paused' : ''}` : '';
  }

  /** aria-current for a row being rendered. */
  rowAria(id: number): string | null {
    return this.now.id === id && this.now.status != null ? 'true' : null;
  }

  /** The preview is now `id` in `status` (null: nothing plays): repaint the rows on screen that change. */
  set(id: number | null, status: Now['status']) {
    const now = this.now;
    if (now.id === id && now.status === status) return;
    const old = now.id;
    this.now = { id, status };
    for (const b of document.querySelectorAll<HTMLElement>('button.play[data-id]')) {
      const bid = Number(b.dataset.id);
      if (bid !== old && bid !== id) continue;
      this.paintButton(b);
      const row = b.closest('tr, li');
      if (row) this.markRow(row, bid);
    }
    this.hooks.onChange(id, status);
  }

  private paintButton(b: HTMLElement) {
    const id = Number(b.dataset.id);
    const now = this.now;
    const playing = now.id === id && now.status === 'playing';
    const name = this.names.get(b) ?? '';
    b.textContent = playing ? '❚❚' : '▶';
    b.classList.toggle('is-playing', playing);
    b.setAttribute('aria-label', `${playing ? 'Pause' : now.id === id && now.status === 'paused' ? 'Resume' : 'Play'} ${name}`.trim());
    b.title = playing ? 'Pause the preview (Space)' : 'Play a preview (Space)';
  }

  private markRow(row: Element, id: number) {
    const on = this.now.id === id && this.now.status != null;
    row.classList.toggle('playing', on);
    row.classList.toggle('paused', on && this.now.status === 'paused');
    if (on) row.setAttribute('aria-current', 'true'); else row.removeAttribute('aria-current');
  }
}
