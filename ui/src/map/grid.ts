// A uniform grid over the points' world coordinates, built once per answer: hover and click ask
// it for the nearest point within a radius (a few cells, not every point per mouse move), and the
// labels for the points in view.
import type { Bounds } from './camera';

/** About this many points per cell on average. */
const PER_CELL = 2;
const MAX_SIDE = 1024;

export class PointGrid {
  private cols: number;
  private rows: number;
  private minX: number;
  private minY: number;
  private cell: number;
  /** Cell c's points are items[start[c] … start[c + 1]). */
  private start: Uint32Array;
  private items: Uint32Array;

  constructor(private x: Float32Array, private y: Float32Array, b: Bounds) {
    const n = x.length;
    const w = Math.max(b.maxX - b.minX, 1e-6), h = Math.max(b.maxY - b.minY, 1e-6);
    this.cell = Math.max(Math.sqrt((w * h * PER_CELL) / Math.max(1, n)), w / MAX_SIDE, h / MAX_SIDE);
    this.cols = Math.max(1, Math.ceil(w / this.cell));
    this.rows = Math.max(1, Math.ceil(h / this.cell));
    this.minX = b.minX;
    this.minY = b.minY;
    const cells = this.cols * this.rows;
    const of = new Uint32Array(n);
    const start = new Uint32Array(cells + 1);
    for (let i = 0; i < n; i++) { of[i] = this.cellOf(x[i], y[i]); start[of[i] + 1]++; }
    for (let c = 0; c < cells; c++) start[c + 1] += start[c];
    const fill = start.slice(0, cells);
    const items = new Uint32Array(n);
    for (let i = 0; i < n; i++) items[fill[of[i]]++] = i;
    this.start = start;
    this.items = items;
  }

  private col(x: number) {
    return Math.max(0, Math.min(this.cols - 1, Math.floor((x - this.minX) / this.cell)));
  }

  private row(y: number) {
    return Math.max(0, Math.min(this.rows - 1, Math.floor((y - this.minY) / this.cell)));
  }

  private cellOf(x: number, y: number) {
    return this.row(y) * this.cols + this.col(x);
  }

  /** The point nearest (wx, wy) no farther than `radius` (world units) that `accept` takes; -1: none. */
  nearest(wx: number, wy: number, radius: number, accept: (i: number) => boolean = () => true): number {
    let best = -1, bestD = radius * radius;
    const c0 = this.col(wx - radius), c1 = this.col(wx + radius), r0 = this.row(wy - radius), r1 = this.row(wy + radius);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.cols + c;
        for (let k = this.start[cell]; k < this.start[cell + 1]; k++) {
          const i = this.items[k];
          const dx = this.x[i] - wx, dy = this.y[i] - wy, d = dx * dx + dy * dy;
          if (d <= bestD && (d < bestD || best < 0 || i < best) && accept(i)) { best = i; bestD = d; }
        }
      }
    }
    return best;
  }

  /** Calls `fn` for every point inside `b` (cell by cell) until it returns false. */
  forEachIn(b: Bounds, fn: (i: number) => boolean | void) {
    const c0 = this.col(b.minX), c1 = this.col(b.maxX), r0 = this.row(b.minY), r1 = this.row(b.maxY);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.cols + c;
        for (let k = this.start[cell]; k < this.start[cell + 1]; k++) {
          const i = this.items[k];
          const x = this.x[i], y = this.y[i];
          if (x < b.minX || x > b.maxX || y < b.minY || y > b.maxY) continue;
          if (fn(i) === false) return;
        }
      }
    }
  }
}
