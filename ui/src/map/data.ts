// One get_map answer's points as the map draws them: coordinates in typed arrays, their extent,
// the grid that finds the point under the pointer, and each track's index by id.
import type { MapPoints } from '../api';
import { boundsOf, type Bounds } from './camera';
import { searchText } from './filters';
import { PointGrid } from './grid';

export class MapData {
  readonly n: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly bounds: Bounds;
  readonly grid: PointGrid;
  private index = new Map<number, number>();
  private text: string[] | null = null;

  constructor(readonly points: MapPoints) {
    this.n = points.ids.length;
    this.x = Float32Array.from(points.x);
    this.y = Float32Array.from(points.y);
    this.bounds = boundsOf(this.x, this.y);
    this.grid = new PointGrid(this.x, this.y, this.bounds);
    points.ids.forEach((id, i) => this.index.set(id, i));
  }

  /** The point of track `id` (-1: not on the map). */
  indexOf(id: number): number {
    return this.index.get(id) ?? -1;
  }

  id(i: number): number {
    return this.points.ids[i];
  }

  /** Each point's searchable text (made on the first search). */
  get searchText(): string[] {
    return (this.text ??= searchText(this.points));
  }

  /** "Title — Artist" (the title alone when the artist is unknown). */
  label(i: number): string {
    const p = this.points;
    return p.artist[i] ? `${p.title[i]} — ${p.artist[i]}` : p.title[i];
  }
}
