// The lists a preview walks: next/previous (and the automatic advance at 'finished') play the
// neighbour of the current track in the list the play came from.
import type { TrackRow } from '../api';

/** What the player needs of a track (a table row, a similar track, a playlist entry). */
export type PreviewTrack = { id: number; path: string; title: string | null; artist: string | null; duration_s: number | null };

/** The list a preview was started from; next/previous walk it. */
export interface PreviewQueue {
  readonly kind: 'table' | 'similar' | 'playlist' | 'map' | 'radio';
  /** The track `step` places from track `id` in the list as it is now; null at either end. */
  neighbour(id: number, step: 1 | -1): PreviewTrack | null | Promise<PreviewTrack | null>;
  /** Whether there is one (the buttons' disabled state). */
  has(id: number, step: 1 | -1): boolean;
  /** The player moves on from `id` (next was asked for, or the track ended: `ended`) after
   *  `heardS` seconds of it; told just before `neighbour(id, 1)`. */
  leaving?(id: number, ended: boolean, heardS: number): void;
  /** How long each track of this list plays, whatever the bar's preview length (a radio:
   *  whole tracks). */
  readonly length?: 'whole';
}

/** A queue over a list (the similar tracks, a playlist). `items` is asked each time, so a live
 *  list (the playlist being edited) is followed; a track that left the list is found by where it
 *  was: next plays what took its place. */
export class ListQueue implements PreviewQueue {
  private at: number;

  constructor(readonly kind: PreviewQueue['kind'], private items: () => PreviewTrack[], startId: number) {
    this.at = items().findIndex((t) => t.id === startId);
  }

  private index(id: number, step: 1 | -1): number {
    const i = this.items().findIndex((t) => t.id === id);
    if (i >= 0) return i;
    if (this.at < 0) return -2; // nowhere
    return step > 0 ? this.at - 1 : this.at;
  }

  neighbour(id: number, step: 1 | -1): PreviewTrack | null {
    const i = this.index(id, step);
    if (i < -1) return null;
    const t = this.items()[i + step] ?? null;
    if (t) this.at = i + step;
    return t;
  }

  has(id: number, step: 1 | -1): boolean {
    const i = this.index(id, step);
    return i >= -1 && this.items()[i + step] != null;
  }
}

/** What a table queue needs of the track table. */
export type TableRows = {
  readonly total: number;
  indexOf(id: number): number;
  loadRow(i: number): Promise<TrackRow | null>;
};

/** The table as the list a preview walks: its order as it is now (rows not loaded are asked
 *  for). A track that left it (a new search) goes on from where it was. */
export class TableQueue implements PreviewQueue {
  readonly kind = 'table';

  /** `at`: the row the play started from (-1: a track not in the table). */
  constructor(private table: TableRows, private at: number) {}

  private index(id: number, step: 1 | -1): number {
    const i = this.table.indexOf(id);
    if (i >= 0) { this.at = i; return i; }
    return step > 0 ? this.at - 1 : this.at;
  }

  async neighbour(id: number, step: 1 | -1): Promise<PreviewTrack | null> {
    const j = this.index(id, step) + step;
    if (this.at < 0 || j < 0 || j >= this.table.total) return null;
    const r = await this.table.loadRow(j);
    if (r) this.at = j;
    return r;
  }

  has(id: number, step: 1 | -1): boolean {
    const j = this.index(id, step) + step;
    return this.at >= 0 && j >= 0 && j < this.table.total;
  }
}

/** A queue over track ids whose tracks are looked up as they play (the map's picks: the map
 *  knows no paths). A track that left the list goes on from where it was. */
export class IdQueue implements PreviewQueue {
  private at: number;

  constructor(readonly kind: PreviewQueue['kind'], private ids: readonly number[], startId: number,
    private load: (id: number) => Promise<PreviewTrack | null>) {
    this.at = ids.indexOf(startId);
  }

  private index(id: number, step: 1 | -1): number {
    const i = this.ids.indexOf(id);
    if (i >= 0) return i;
    return step > 0 ? this.at - 1 : this.at;
  }

  async neighbour(id: number, step: 1 | -1): Promise<PreviewTrack | null> {
    const j = this.index(id, step) + step;
    if (this.at < 0 || j < 0 || j >= this.ids.length) return null;
    const t = await this.load(this.ids[j]);
    if (t) this.at = j;
    return t;
  }

  has(id: number, step: 1 | -1): boolean {
    const j = this.index(id, step) + step;
    return this.at >= 0 && j >= 0 && j < this.ids.length;
  }
}
