// The global shortcuts: one keydown handler on the document that hands each key to whoever has
// it, in this order — the confirm dialog and the context menu (their own keys), the playlist view,
// Ctrl+F, the toolbar's boxes, Space on the player's sliders; then, outside text boxes: `/`, Esc
// (close the details), Space (play/pause), N/B and Ctrl+→/← (next/previous), P (make a playlist),
// the Menu key (the row's context menu), the similar tracks list, and the table's arrows.
import type { TrackRow } from './api';
import type { ConfirmDialog } from './confirm';
import type { ContextMenu } from './context-menu';
import type { DetailPanel } from './detail-panel';
import type { LibraryView } from './library-view';
import type { Player } from './player/player';
import type { PlaylistView } from './playlist/view';
import type { PreviewSources } from './preview-sources';
import type { SimilarPanel } from './similar';
import type { TrackTable } from './table';
import type { ViewName, Views } from './views';

/** The components the keys go to. */
export type KeyTargets = {
  views: Views; confirm: ConfirmDialog; contextMenu: ContextMenu; library: LibraryView; table: TrackTable;
  detail: DetailPanel; similar: SimilarPanel; playlist: PlaylistView; player: Player; previews: PreviewSources;
};

export type KeyboardHooks = {
  showView(v: ViewName): void;
  /** P: a playlist from `row`. */
  makePlaylist(row: TrackRow, viaKeyboard: boolean): void;
};

export class Keyboard {
  constructor(private c: KeyTargets, private hooks: KeyboardHooks) {
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  private focusSearch() {
    if (this.c.views.current !== 'library') this.hooks.showView('library');
    this.c.library.focusSearch();
  }

  private onKey(e: KeyboardEvent) {
    const { views, confirm, contextMenu, library, table, detail, similar, playlist, player, previews } = this.c;
    if (confirm.isOpen) return; // the modal handles its own keys (Esc cancels)
    if (contextMenu.isOpen) return; // so does the context menu (Esc closes, Enter picks)
    const t = e.target as HTMLElement;
    const mod = e.ctrlKey || e.metaKey || e.altKey;
    const view = views.current;
    // The playlist view: Escape back to the library, its rows' keys (arrows, Alt+arrows, Delete).
    if (view === 'playlist' && playlist.handleKey(e)) { e.preventDefault(); return; }
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
      e.preventDefault();
      this.focusSearch();
      return;
    }
    if (library.handleKey(e)) return;
    // Space on the player's seek or volume slider: play/pause too.
    if (e.key === ' ' && !mod && t instanceof HTMLInputElement && t.type === 'range' && player.el.contains(t)) {
      e.preventDefault();
      if (!e.repeat) player.toggle();
      return;
    }
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable) return;
    if (e.key === '/' && !mod) { e.preventDefault(); this.focusSearch(); return; }
    if (e.key === 'Escape' && detail.isOpen) { e.preventDefault(); detail.close(); return; }
    const onButton = !!t.closest('button, a[href], summary');
    if (e.key === ' ') {
      // Play/pause (preview). Never scroll the page; buttons keep their default (a click).
      if (onButton) return;
      e.preventDefault();
      if (!e.repeat && !mod) previews.space(t);
      return;
    }
    // N / B, Ctrl+→ / Ctrl+←: the next / previous track of the list the preview came from.
    const k = e.key.toLowerCase();
    if (!e.altKey && !e.metaKey && ((!e.ctrlKey && (k === 'n' || k === 'b')) || (e.ctrlKey && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')))) {
      if (player.active) {
        e.preventDefault();
        void player.step(k === 'n' || e.key === 'ArrowRight' ? 1 : -1);
      }
      return;
    }
    // P: a playlist from the selected track (or the one the details show).
    if (view === 'library' && library.started && !mod && k === 'p') {
      const row = table.selected >= 0 ? table.rowAt(table.selected) : detail.shown;
      if (row) { e.preventDefault(); this.hooks.makePlaylist(row, true); }
      return;
    }
    // Menu key / Shift+F10: the selected row's context menu.
    if (view === 'library' && (e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) && table.selected >= 0 && !similar.el.contains(t)) {
      if (contextMenu.openForSelected()) e.preventDefault();
      return;
    }
    // The similar tracks list has its own arrows and Enter; the table's keys stay with the table.
    if (similar.el.contains(t)) {
      if (!mod && !onButton && similar.handleKey(e)) e.preventDefault();
      return;
    }
    if (view !== 'library' || !library.started || mod) return;
    if (onButton && e.key === 'Enter') return;
    this.tableKey(e, onButton);
  }

  /** ↑/↓, PageUp/PageDown, Home/End move the table's selection; Enter opens the details. */
  private tableKey(e: KeyboardEvent, onButton: boolean) {
    const { table, detail } = this.c;
    const sel = table.selected;
    let next: number | null = null;
    switch (e.key) {
      case 'ArrowDown': next = sel < 0 ? 0 : sel + 1; break;
      case 'ArrowUp': next = sel < 0 ? 0 : sel - 1; break;
      case 'PageDown': next = (sel < 0 ? 0 : sel) + table.pageRows; break;
      case 'PageUp': next = (sel < 0 ? 0 : sel) - table.pageRows; break;
      case 'Home': next = 0; break;
      case 'End': next = table.total - 1; break;
      case 'Enter': if (sel >= 0) { e.preventDefault(); detail.open(); } return;
      default: return;
    }
    e.preventDefault();
    if (table.total === 0) return;
    if (document.activeElement !== table.scroller && !onButton) table.scroller.focus({ preventScroll: true });
    table.select(next);
  }
}
