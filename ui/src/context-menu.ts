// The table rows' context menu (#context-menu): one item, "Make playlist from this track" (P).
// A right click on a row, the Menu key or Shift+F10 opens it; Esc, Tab, a click elsewhere, a
// scroll, a resize or leaving the window closes it.
import type { TrackRow } from './api';
import type { TrackTable } from './table';

export type ContextMenuHooks = {
  onMakePlaylist(row: TrackRow, viaKeyboard: boolean): void;
};

export class ContextMenu {
  /** The row the menu is for (null: closed). */
  private row: TrackRow | null = null;

  /** `el`: #context-menu; `makeItem`: #ctx-make-playlist. */
  constructor(private el: HTMLElement, private makeItem: HTMLButtonElement, private table: TrackTable, hooks: ContextMenuHooks) {
    table.tbody.addEventListener('contextmenu', (e) => {
      const tr = (e.target as Element).closest<HTMLElement>('tr.track-row[data-index]');
      if (!tr) return;
      e.preventDefault();
      table.select(Number(tr.dataset.index), false);
      table.scroller.focus({ preventScroll: true });
      const r = table.rowAt(Number(tr.dataset.index));
      if (r) this.open(e.clientX, e.clientY, r);
    });
    makeItem.addEventListener('click', (e) => {
      const row = this.row;
      this.close();
      if (row) hooks.onMakePlaylist(row, e.detail === 0);
    });
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' || e.key === 'Tab') { e.preventDefault(); e.stopPropagation(); this.close(true); }
    });
    document.addEventListener('pointerdown', (e) => { if (!el.contains(e.target as Node)) this.close(); }, true);
    window.addEventListener('blur', () => this.close());
    window.addEventListener('resize', () => this.close());
    table.scroller.addEventListener('scroll', () => this.close(), { passive: true });
  }

  /** The menu is up (it has the keyboard: Esc closes, Enter picks). */
  get isOpen(): boolean {
    return !this.el.hidden;
  }

  /** The Menu key / Shift+F10: the menu of the selected row, under it. False when no row is selected and on screen. */
  openForSelected(): boolean {
    const i = this.table.selected;
    if (i < 0) return false;
    const tr = this.table.tbody.querySelector<HTMLElement>(`tr.track-row[data-index="${i}"]`);
    const r = this.table.rowAt(i);
    if (!tr || !r) return false;
    const box = tr.getBoundingClientRect();
    this.open(box.left + 48, box.bottom - 4, r);
    return true;
  }

  close(refocus = false) {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.row = null;
    if (refocus) this.table.scroller.focus({ preventScroll: true });
  }

  private open(x: number, y: number, row: TrackRow) {
    this.row = row;
    const m = this.el;
    m.hidden = false;
    const w = m.offsetWidth, hgt = m.offsetHeight;
    m.style.left = `${Math.max(4, Math.min(x, window.innerWidth - w - 4))}px`;
    m.style.top = `${Math.max(4, Math.min(y, window.innerHeight - hgt - 4))}px`;
    this.makeItem.focus();
  }
}
