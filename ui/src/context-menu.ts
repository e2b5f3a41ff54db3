// The table rows' context menu (#context-menu): "Make playlist from this track" (P), or "… from
// these N tracks" when the row is one of several selected; with two selected, also "Journey from
// the first to the second" (J); and "Start radio" (R). A right click on a row,
// the Menu key or Shift+F10 opens it; Esc, Tab, a click elsewhere, a scroll, a resize or leaving
// the window closes it. WebKit's own menu (Back, Reload, Inspect) never opens: only text boxes
// keep theirs (copy, paste).
import type { TrackRow } from './api';
import { h } from './dom';
import { plural } from './format';
import { hint } from './shortcuts';
import type { TrackTable } from './table';

export type ContextMenuHooks = {
  onMakePlaylist(row: TrackRow, viaKeyboard: boolean): void;
  /** The row was one of several selected: a playlist from all of them. */
  onMakePlaylistFromSelection(viaKeyboard: boolean): void;
  /** The row was one of two selected: a journey from the first to the second. */
  onJourneyFromSelection(viaKeyboard: boolean): void;
  /** A radio from the row, or the selection it is part of. */
  onStartRadio(): void;
};

/** What the menu is for: a row, or the selection it belongs to. */
type Target = { kind: 'row'; row: TrackRow } | { kind: 'selection'; count: number };

/** Text boxes keep the system's menu (copy, paste); nothing else gets it. */
const keepsSystemMenu = (t: EventTarget | null) =>
  t instanceof HTMLTextAreaElement || (t instanceof HTMLInputElement && !['range', 'checkbox', 'radio', 'button'].includes(t.type));

export class ContextMenu {
  /** What the menu is for (null: closed). */
  private target: Target | null = null;

  /** `el`: #context-menu; `makeItem`: #ctx-make-playlist; `journeyItem`: #ctx-journey; `radioItem`: #ctx-radio. */
  constructor(private el: HTMLElement, private makeItem: HTMLButtonElement, private journeyItem: HTMLButtonElement,
    private radioItem: HTMLButtonElement, private table: TrackTable, hooks: ContextMenuHooks) {
    document.addEventListener('contextmenu', (e) => {
      if (!keepsSystemMenu(e.target)) e.preventDefault();
    });
    table.tbody.addEventListener('contextmenu', (e) => {
      const tr = (e.target as Element).closest<HTMLElement>('tr.track-row[data-index]');
      if (!tr) return;
      e.preventDefault();
      const i = Number(tr.dataset.index);
      // a row of a larger selection keeps it; another row is selected on its own
      if (!(table.selectionCount > 1 && table.isSelected(i))) table.select(i, false);
      table.scroller.focus({ preventScroll: true });
      this.openAt(e.clientX, e.clientY, i);
    });
    makeItem.addEventListener('click', (e) => {
      const target = this.target;
      this.close();
      if (target?.kind === 'row') hooks.onMakePlaylist(target.row, e.detail === 0);
      else if (target) hooks.onMakePlaylistFromSelection(e.detail === 0);
    });
    journeyItem.addEventListener('click', (e) => {
      this.close();
      hooks.onJourneyFromSelection(e.detail === 0);
    });
    radioItem.addEventListener('click', () => {
      this.close();
      hooks.onStartRadio();
    });
    el.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        // between the items shown
        e.preventDefault();
        const items = [...el.querySelectorAll<HTMLButtonElement>('button.context-item:not([hidden])')];
        const at = items.indexOf(document.activeElement as HTMLButtonElement);
        items[(at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
      }
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
    if (!tr) return false;
    const box = tr.getBoundingClientRect();
    return this.openAt(box.left + 48, box.bottom - 4, i);
  }

  close(refocus = false) {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.target = null;
    if (refocus) this.table.scroller.focus({ preventScroll: true });
  }

  /** Open at (x, y) for row `i` (or the selection it is part of). */
  private openAt(x: number, y: number, i: number): boolean {
    const count = this.table.selectionCount;
    const row = this.table.rowAt(i);
    if (count > 1) this.target = { kind: 'selection', count };
    else if (row) this.target = { kind: 'row', row };
    else return false;
    this.makeItem.replaceChildren(count > 1 ? `Make playlist from these ${plural(count, 'track')}` : 'Make playlist from this track',
      h('kbd', {}, hint('table.makePlaylist')));
    this.journeyItem.hidden = count !== 2;
    this.journeyItem.replaceChildren('Journey from the first to the second', h('kbd', {}, hint('table.journey')));
    this.radioItem.replaceChildren(count > 1 ? `Start radio from these ${plural(count, 'track')}` : 'Start radio', h('kbd', {}, hint('table.radio')));
    const m = this.el;
    m.hidden = false;
    const w = m.offsetWidth, hgt = m.offsetHeight;
    m.style.left = `${Math.max(4, Math.min(x, window.innerWidth - w - 4))}px`;
    m.style.top = `${Math.max(4, Math.min(y, window.innerHeight - hgt - 4))}px`;
    this.makeItem.focus();
    return true;
  }
}
