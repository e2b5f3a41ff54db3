// Where the map looks: world coordinates (the engine's layout, centred, the farthest point at
// radius ≈ 1, y up) to CSS pixels on the canvas (y down) and back. Pan and zoom keep the point
// under the pointer where it is; the zoom is bounded relative to the scale that fits every point.

export type Bounds = { minX: number; minY: number; maxX: number; maxY: number };

/** How far out and in the zoom goes, as multiples of the scale that fits every point. */
const MIN_ZOOM = 0.25;
const MAX_ZOOM = 2000;
/** Room left around the points when fitting them (CSS px). */
const MARGIN = 28;

export class Camera {
  /** The world point at the centre of the canvas. */
  cx = 0;
  cy = 0;
  /** CSS pixels per world unit. */
  scale = 1;
  /** The canvas's size in CSS pixels. */
  width = 0;
  height = 0;
  /** The scale at which `bounds` fit the canvas (what zoom levels are relative to). */
  private fitScale = 1;
  private bounds: Bounds = { minX: -1, minY: -1, maxX: 1, maxY: 1 };

  /** The canvas changed size: the world point at its top left corner stays there (a panel
   *  opening on the right moves no point, so a double click's second click lands where the first did). */
  resize(width: number, height: number) {
    if (this.width > 0 && this.height > 0) {
      const x0 = this.worldX(0), y0 = this.worldY(0);
      this.cx = x0 + width / 2 / this.scale;
      this.cy = y0 - height / 2 / this.scale;
    }
    this.width = width;
    this.height = height;
    this.fitScale = this.scaleToFit();
  }

  /** The points' extent (new points): zoom limits follow, the view stays. */
  setBounds(b: Bounds) {
    this.bounds = b;
    this.fitScale = this.scaleToFit();
  }

  /** Show every point. */
  fit() {
    const b = this.bounds;
    this.cx = (b.minX + b.maxX) / 2;
    this.cy = (b.minY + b.maxY) / 2;
    this.scale = this.fitScale;
  }

  /** The zoom relative to fitting every point (1: all of them in view). */
  get zoom(): number {
    return this.scale / this.fitScale;
  }

  screenX(x: number): number {
    return (x - this.cx) * this.scale + this.width / 2;
  }

  screenY(y: number): number {
    return this.height / 2 - (y - this.cy) * this.scale;
  }

  worldX(sx: number): number {
    return this.cx + (sx - this.width / 2) / this.scale;
  }

  worldY(sy: number): number {
    return this.cy - (sy - this.height / 2) / this.scale;
  }

  /** Move the view by a drag of (dx, dy) CSS pixels: what was under the pointer follows it. */
  pan(dx: number, dy: number) {
    this.cx -= dx / this.scale;
    this.cy += dy / this.scale;
  }

  /** Zoom by `factor` keeping the world point under (sx, sy) there. */
  zoomAt(factor: number, sx: number, sy: number) {
    const wx = this.worldX(sx), wy = this.worldY(sy);
    this.scale = Math.min(this.fitScale * MAX_ZOOM, Math.max(this.fitScale * MIN_ZOOM, this.scale * factor));
    this.cx = wx - (sx - this.width / 2) / this.scale;
    this.cy = wy + (sy - this.height / 2) / this.scale;
  }

  /** The world rectangle on screen. */
  view(): Bounds {
    return { minX: this.worldX(0), maxX: this.worldX(this.width), minY: this.worldY(this.height), maxY: this.worldY(0) };
  }

  private scaleToFit(): number {
    const b = this.bounds;
    const w = Math.max(1, this.width - 2 * MARGIN), h = Math.max(1, this.height - 2 * MARGIN);
    // a single point (or a line) has no extent: a world unit spans the shorter side
    const bw = b.maxX - b.minX, bh = b.maxY - b.minY;
    const s = Math.min(bw > 1e-9 ? w / bw : Infinity, bh > 1e-9 ? h / bh : Infinity);
    return Number.isFinite(s) ? s : Math.min(w, h) / 2;
  }
}

/** The extent of the points (a unit square around the origin when there are none). */
export function boundsOf(x: ArrayLike<number>, y: ArrayLike<number>): Bounds {
  if (x.length === 0) return { minX: -1, minY: -1, maxX: 1, maxY: 1 };
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const a = x[i], b = y[i];
    if (a < minX) minX = a;
    if (a > maxX) maxX = a;
    if (b < minY) minY = b;
    if (b > maxY) maxY = b;
  }
  return { minX, minY, maxX, maxY };
}
