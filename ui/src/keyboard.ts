// The global shortcuts: one keydown handler on the document that hands each key to whoever has
// it, in this order — the dialogs and the context menu (their own keys), the playlist view,
// Ctrl+F, the toolbars' boxes, Space on the player's sliders; then, outside text boxes: `?`, `/`,
// Esc (close the details), Space (play/pause), N/B and Ctrl+→/← (next/previous), the map's keys,
// P (make a playlist), R (start a radio), the radio view's Esc and L, the "like a file" view's Esc, the Menu key (the row's context menu), the similar tracks list, and the
// table's keys. Which key does what is declared once, in shortcuts.ts.
import type { TrackRow } from './api';
import type { ConfirmDialog } from './confirm';
import type { ContextMenu } from './context-menu';
import type { DetailPanel } from './detail-panel';
import type { JourneyPick } from './journey-pick';
import type { LibraryView } from './library-view';
import type { MapView } from './map/view';
import type { Player } from './player/player';
import type { PlaylistView } from './playlist/view';
import type { PreviewSources } from './preview-sources';
import type { RadioPanel } from './radio/view';
import type { ShortcutSheet } from './shortcut-sheet';
import { is, type ShortcutId } from './shortcuts';
import type { SimilarPanel } from './similar';
import type { TrackTable } from './table';
import type { ViewName, Views } from './views';

/** The components the keys go to. */
export type KeyTargets = {
  views: Views; confirm: ConfirmDialog; sheet: ShortcutSheet; contextMenu: ContextMenu; library: LibraryView; table: TrackTable;
  detail: DetailPanel; similar: SimilarPanel; playlist: PlaylistView; player: Player; previews: PreviewSources; map: MapView; radio: RadioPanel;
  journeyPick: JourneyPick;
};

export type KeyboardHooks = {
  showView(v: ViewName): void;
  /** P: a playlist from `row`. */
  makePlaylist(row: TrackRow, viaKeyboard: boolean): void;
  /** P with several rows selected: a playlist from all of them. */
  makePlaylistFromSelection(viaKeyboard: boolean): void;
  /** Two rows selected: a journey from the first (in table order) to the second. */
  journeyFromSelection(viaKeyboard: boolean): void;
  /** R with several rows selected: a radio from all of them. */
  radioFromSelection(): void;
  /** R: a radio from these tracks. */
  startRadio(ids: number[]): void;
};

/** The table's moves: where each one takes the lead from `sel` (the lead now, -1: none). */
const TABLE_MOVES: [ShortcutId, (sel: number, t: TrackTable) => number][] = [
  ['table.down', (sel) => (sel < 0 ? 0 : sel + 1)],
  ['table.up', (sel) => (sel < 0 ? 0 : sel - 1)],
  ['table.pageDown', (sel, t) => Math.max(0, sel) + t.pageRows],
  ['table.pageUp', (sel, t) => Math.max(0, sel) - t.pageRows],
  ['table.first', () => 0],
  ['table.last', (_, t) => t.total - 1],
];

const isTextField = (t: HTMLElement) =>
  t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable;

export class Keyboard {
  constructor(private c: KeyTargets, private hooks: KeyboardHooks) {
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** `/`, Ctrl+F: the map's search on the map, else the library's. */
  private focusSearch() {
    if (this.c.views.current === 'map') { this.c.map.focusSearch(); return; }
    if (this.c.views.current !== 'library') this.hooks.showView('library');
    this.c.library.focusSearch();
  }

  private onKey(e: KeyboardEvent) {
    const { views, confirm, sheet, contextMenu, library, table, detail, similar, playlist, player, previews, map } = this.c;
    if (confirm.isOpen || sheet.isOpen) return; // a modal handles its own keys (Esc closes it)
    if (contextMenu.isOpen) return; // so does the context menu (Esc closes, Enter picks)
    const t = e.target as HTMLElement;
    const view = views.current;
    // The playlist view: Escape back to the library, its rows' keys (arrows, Alt+arrows, Delete, Ctrl+Z).
    if (view === 'playlist' && playlist.handleKey(e)) { e.preventDefault(); return; }
    // The radio view: Escape back to the library, L for a thumbs-up.
    if (view === 'radio' && !isTextField(t) && !e.repeat) {
      if (is('radio.back', e)) { e.preventDefault(); this.hooks.showView('library'); return; }
      if (is('radio.like', e)) { e.preventDefault(); this.c.radio.likeNow(); return; }
    }
    // "Like a file": Escape back to the library (its rows' keys are its own).
    if (view === 'outside' && !isTextField(t) && is('outside.back', e)) { e.preventDefault(); this.hooks.showView('library'); return; }
    if (is('search', e) && e.key !== '/') {
      e.preventDefault();
      this.focusSearch();
      return;
    }
    if (library.handleKey(e)) return;
    if (view === 'map' && map.handleFieldKey(e)) return;
    // Space on the player's seek or volume slider: play/pause too.
    if (is('playPause', e) && t instanceof HTMLInputElement && t.type === 'range' && player.el.contains(t)) {
      e.preventDefault();
      if (!e.repeat) player.toggle();
      return;
    }
    if (isTextField(t)) return;
    if (is('help', e)) { e.preventDefault(); sheet.open(); return; }
    if (is('search', e)) { e.preventDefault(); this.focusSearch(); return; }
    if (is('details.close', e) && this.c.journeyPick.active) { e.preventDefault(); this.c.journeyPick.cancel(); return; }
    if (is('details.close', e) && detail.isOpen) { e.preventDefault(); detail.close(); return; }
    const onButton = !!t.closest('button, a[href], summary');
    if (e.key === ' ') {
      // Play/pause (preview). Never scroll the page; buttons keep their default (a click).
      if (onButton) return;
      e.preventDefault();
      if (!e.repeat && is('playPause', e)) previews.space(t);
      return;
    }
    // N / B, Ctrl+→ / Ctrl+←: the next / previous track of the list the preview came from.
    const step = is('next', e) ? 1 : is('previous', e) ? -1 : 0;
    if (step) {
      if (player.active) { e.preventDefault(); void player.step(step); }
      return;
    }
    // The map: arrows pan, + / − zoom, 0 fits, L lassos, Enter plays, P, Esc (the similar tracks keep theirs).
    if (view === 'map' && !similar.el.contains(t) && !(onButton && e.key === 'Enter') && map.handleKey(e)) {
      e.preventDefault();
      return;
    }
    // P: a playlist from the selected track(s) (or the one the details show).
    if (view === 'library' && library.started && is('table.makePlaylist', e)) {
      e.preventDefault();
      if (table.selectionCount > 1) { this.hooks.makePlaylistFromSelection(true); return; }
      const row = table.selected >= 0 ? table.rowAt(table.selected) : detail.shown;
      if (row) this.hooks.makePlaylist(row, true);
      return;
    }
    // R: a radio from the selected track(s) (or the one the details show).
    if (view === 'library' && library.started && is('table.radio', e)) {
      e.preventDefault();
      if (table.selectionCount > 1) { this.hooks.radioFromSelection(); return; }
      const row = table.selected >= 0 ? table.rowAt(table.selected) : detail.shown;
      if (row) this.hooks.startRadio([row.id]);
      return;
    }
    // J: a journey between the two selected tracks.
    if (view === 'library' && library.started && table.selectionCount === 2 && is('table.journey', e)) {
      e.preventDefault();
      this.hooks.journeyFromSelection(true);
      return;
    }
    // Menu key / Shift+F10: the selected row's context menu.
    if (view === 'library' && is('table.menu', e) && table.selected >= 0 && !similar.el.contains(t)) {
      if (contextMenu.openForSelected()) e.preventDefault();
      return;
    }
    // The similar tracks list has its own arrows and Enter; the table's keys stay with the table.
    if (similar.el.contains(t)) {
      if (!onButton && similar.handleKey(e)) e.preventDefault();
      return;
    }
    if (view !== 'library' || !library.started) return;
    if (onButton && e.key === 'Enter') return;
    this.tableKey(e, onButton);
  }

  /** ↑/↓, PageUp/PageDown, Home/End move the table's selection (and show it in the details);
   *  Shift+↑/↓ extend it; Enter plays the lead row. */
  private tableKey(e: KeyboardEvent, onButton: boolean) {
    const { table, detail, previews } = this.c;
    const sel = table.selected;
    if (is('table.play', e)) {
      if (sel >= 0) { e.preventDefault(); previews.playRow(sel, false); }
      return;
    }
    const extend = is('table.extendDown', e) ? 1 : is('table.extendUp', e) ? -1 : 0;
    const move = TABLE_MOVES.find(([id]) => is(id, e));
    if (!extend && !move) return;
    e.preventDefault();
    if (table.total === 0) return;
    if (document.activeElement !== table.scroller && !onButton) table.scroller.focus({ preventScroll: true });
    if (extend) table.extendTo(sel < 0 ? 0 : sel + extend);
    else table.select(move![1](sel, table));
    detail.open();
  }
}
