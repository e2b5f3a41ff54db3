// The lists a preview plays from: the table (in its current order), the similar tracks (as they
// were when the play started), the playlist shown (with its edits) and the map (the picks). Plays a row of one with
// the queue next/previous walk — toggled (▶, Space: a second press pauses) or started (Enter, a
// double click: never pauses), or the whole playlist ("Play all") — moves the selection or focus
// along when the preview moves on, and decides what Space plays.
import * as api from './api';
import type { PlaylistEntry, SimilarTrack, TrackRow } from './api';
import type { Player } from './player/player';
import { IdQueue, ListQueue, TableQueue, type PreviewQueue, type PreviewTrack } from './player/queue';
import type { PlaylistView } from './playlist/view';
import type { SimilarPanel } from './similar';
import type { TrackTable } from './table';
import type { ViewName } from './views';

export type PreviewSourcesHooks = {
  view(): ViewName;
  /** The table shows rows (there is a library). */
  tableStarted(): boolean;
  /** The track the detail panel shows (null: closed). */
  shownRow(): TrackRow | null;
  /** What Space plays on the map: the selected point and the list it walks (null: none). */
  mapTarget(): { id: number; ids: number[] } | null;
  /** A preview from the map moved on: the map's selection follows. */
  mapFollow(from: number, to: number): void;
};

export class PreviewSources {
  constructor(
    private player: Player,
    private table: TrackTable,
    private similar: SimilarPanel,
    private playlist: PlaylistView,
    private hooks: PreviewSourcesHooks,
  ) {
    table.tbody.addEventListener('click', (e) => {
      const b = (e.target as Element).closest('button.play');
      const tr = b?.closest<HTMLElement>('tr.track-row[data-index]');
      if (!tr) return;
      table.scroller.focus({ preventScroll: true }); // the table keeps the keyboard (the row is selected too)
      this.playRow(Number(tr.dataset.index));
    });
  }

  /** A track by file path in one of the lists (the player picks up a preview it did not start). */
  findByPath(path: string): PreviewTrack | null {
    const r = this.table.findByPath(path);
    if (r) return r;
    const e = this.playlist.currentEntries.find((x) => x.path === path);
    if (e) return e;
    const s = this.similar.results.find((x) => x.path === path);
    return s ? this.similarTrack(s) : null;
  }

  /** Play the table's row `i`: `toggle` (▶, Space) pauses/resumes it when it is the current
   *  track; else (Enter, a double click) it plays, or goes on playing. */
  playRow(i: number, toggle = true) {
    const r = this.table.rowAt(i);
    if (!r) return;
    const queue = new TableQueue(this.table, i);
    if (toggle) this.player.toggleTrack(r, queue); else this.player.startTrack(r, queue);
  }

  /** Play a similar track (▶, Space: toggled); next/previous walk the list as it is now (it
   *  changes with the selection). */
  playSimilar(s: SimilarTrack) {
    this.playFromSimilar(this.similar.results, s.id, true);
  }

  /** Play track `id` of a list of similar tracks (`toggle`: as playSimilar; else started, as a
   *  double click on a similar track does, from the list it was picked in). */
  playFromSimilar(results: readonly SimilarTrack[], id: number, toggle = false) {
    const list = results.map((x) => this.similarTrack(x));
    const t = list.find((x) => x.id === id);
    if (!t) return;
    const queue = new ListQueue('similar', () => list, id);
    if (toggle) this.player.toggleTrack(t, queue); else this.player.startTrack(t, queue);
  }

  /** Play the file from outside the library (the "like a file" view's ▶: toggled); next walks
   *  on into the tracks like it. */
  playOutside(file: api.OutsideTrack, results: readonly SimilarTrack[]) {
    const t: PreviewTrack = { id: api.OUTSIDE_ID, path: file.path, title: file.title, artist: file.artist, duration_s: file.duration_s };
    const list = [t, ...results.map((x) => this.similarTrack(x))];
    this.player.toggleTrack(t, new ListQueue('similar', () => list, t.id));
  }

  /** Play a playlist row (▶, Space: toggled; Enter, a double click: started); next/previous walk
   *  the playlist shown, with its edits, while it is shown. */
  playEntry(e: PlaylistEntry, toggle = true) {
    const queue = this.playlistQueue(e.id);
    if (toggle) this.player.toggleTrack(e, queue); else this.player.startTrack(e, queue);
  }

  /** Play track `id` picked on the map (▶, Space: toggled; Enter, a double click: started);
   *  next/previous walk `ids` (the picks it is among, else it alone). */
  playMapPoint(id: number, ids: readonly number[], toggle = true) {
    const queue = new IdQueue('map', ids, id, (x) => this.trackOf(x));
    void this.trackOf(id).then((t) => {
      if (!t) return;
      if (toggle) this.player.toggleTrack(t, queue); else this.player.startTrack(t, queue);
    });
  }

  /** A track by id as the player needs it (the map has no paths): the details', a loaded row's, or get_track's. */
  private async trackOf(id: number): Promise<PreviewTrack | null> {
    const shown = this.hooks.shownRow();
    if (shown?.id === id) return shown;
    const r = this.table.rowAt(this.table.indexOf(id));
    if (r) return r;
    try { return (await api.commands.getTrack(id)).track; } catch (e) { console.warn('[segue] preview:', api.errorText(e)); return null; }
  }

  /** "Play all": the playlist shown from its first row, whole tracks, each next one when the
   *  last finishes (the bar's preview length stays as it is for single previews). */
  playAll() {
    const first = this.playlist.currentEntries[0];
    if (first) this.player.startTrack(first, this.playlistQueue(first.id), 'whole');
  }

  /** The playlist shown as the list a preview walks (edits followed while it is shown). */
  private playlistQueue(startId: number): ListQueue {
    const playlist = this.playlist;
    const id = playlist.listId;
    let rows = playlist.currentEntries.slice();
    const items = () => {
      if (playlist.listId === id) rows = playlist.currentEntries.slice();
      return rows;
    };
    return new ListQueue('playlist', items, startId);
  }

  /** The preview moved on (next/previous, or the last one finished): the selection (table) or the
   *  focus (similar tracks, playlist) moves along when it was on the track before, so Space pauses
   *  what plays. */
  follow(from: PreviewTrack, to: PreviewTrack, queue: PreviewQueue) {
    if (queue.kind === 'map') { this.hooks.mapFollow(from.id, to.id); return; }
    if (queue.kind === 'table') {
      const table = this.table;
      // (a selection of several rows is the user's: it stays)
      if (this.hooks.view() !== 'library' || table.selectionCount !== 1 || table.rowAt(table.selected)?.id !== from.id) return;
      const i = table.indexOf(to.id);
      if (i >= 0) table.select(i);
      return;
    }
    const a = document.activeElement as HTMLElement | null;
    const li = a?.closest<HTMLElement>('li.similar-row, li.playlist-row');
    if (!li || Number(li.dataset.id) !== from.id) return;
    const next = li.parentElement?.querySelector<HTMLElement>(`li[data-id="${to.id}"]`);
    if (!next) return;
    const target = a!.matches('button.play') ? next.querySelector<HTMLElement>('button.play') ?? next : next;
    target.focus({ preventScroll: false });
  }

  /** Space: play/pause the focused row of the similar tracks or the playlist, else the selected
   *  table row (or the track the details show) or map point, else what is playing. */
  space(t: HTMLElement) {
    const sLi = t.closest('li.similar-row');
    const s = sLi && this.similar.el.contains(sLi) ? this.similar.trackOf(sLi) : null;
    if (s) { this.playSimilar(s); return; }
    const view = this.hooks.view();
    const pLi = view === 'playlist' ? t.closest('li.playlist-row') : null;
    const e = pLi ? this.playlist.entryOf(pLi) : null;
    if (e) { this.playEntry(e); return; }
    const point = view === 'map' ? this.hooks.mapTarget() : null;
    if (point) { this.playMapPoint(point.id, point.ids); return; }
    if (view === 'library' && this.hooks.tableStarted()) {
      const table = this.table;
      if (table.selected >= 0 && table.rowAt(table.selected)) { this.playRow(table.selected); return; }
      const shown = this.hooks.shownRow();
      if (shown) { this.player.toggleTrack(shown, new TableQueue(table, -1)); return; }
    }
    this.player.toggle();
  }

  /** A similar track as the player needs it (its duration from the table, when it is loaded). */
  private similarTrack(s: SimilarTrack): PreviewTrack {
    const i = this.table.indexOf(s.id);
    return { id: s.id, path: s.path, title: s.title, artist: s.artist, duration_s: i >= 0 ? this.table.rowAt(i)?.duration_s ?? null : null };
  }
}
