// The points, rasterised by hand into one pixel buffer (no WebGL: the app must stay smooth in
// WebKitGTK with software rendering): the background, then every point as a small square in
// draw order (faint ones first, picked ones last with an outline), then one putImageData per
// frame. Coordinates are device pixels.

/** What a frame draws. The transform: px = (x − cx)·s + ox, py = oy − (y − cy)·s. */
export type RasterFrame = {
  x: Float32Array; y: Float32Array;
  /** Each point's colour packed for the buffer (see colour.ts `pixel`), faint ones already faded. */
  pixels: Uint32Array;
  /** The points in the order drawn (later ones on top). */
  order: Uint32Array;
  /** Picked points (1) get an outline of `outline`. */
  picked: Uint8Array | null;
  outline: number;
  /** The square's side, device pixels. */
  size: number;
  cx: number; cy: number; s: number; ox: number; oy: number;
};

/** Fill `buf` (w × h) with `bg` and draw the frame's points into it. How many landed on it. */
export function rasterise(buf: Uint32Array, w: number, h: number, bg: number, f: RasterFrame): number {
  buf.fill(bg);
  const { x, y, pixels, order, picked, size, cx, cy, s } = f;
  const half = size / 2;
  const ox = f.ox - half, oy = f.oy - half;
  let drawn = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const px = Math.floor((x[i] - cx) * s + ox);
    const py = Math.floor(oy - (y[i] - cy) * s);
    if (px >= w || py >= h || px + size <= 0 || py + size <= 0) continue;
    drawn++;
    if (picked && picked[i]) square(buf, w, h, px - 1, py - 1, size + 2, f.outline);
    square(buf, w, h, px, py, size, pixels[i]);
  }
  return drawn;
}

function square(buf: Uint32Array, w: number, h: number, px: number, py: number, size: number, c: number) {
  const x0 = px < 0 ? 0 : px, x1 = px + size > w ? w : px + size;
  const y0 = py < 0 ? 0 : py, y1 = py + size > h ? h : py + size;
  for (let yy = y0; yy < y1; yy++) {
    let o = yy * w + x0;
    const end = yy * w + x1;
    while (o < end) buf[o++] = c;
  }
}

/** The canvas's pixel buffer, kept between frames (made again when the canvas changes size). */
export class Raster {
  private image: ImageData | null = null;
  private buf = new Uint32Array(0);

  constructor(private ctx: CanvasRenderingContext2D) {}

  /** Draw a frame over the whole canvas (w × h device pixels). */
  draw(w: number, h: number, bg: number, f: RasterFrame): number {
    if (w <= 0 || h <= 0) return 0;
    if (!this.image || this.image.width !== w || this.image.height !== h) {
      this.image = this.ctx.createImageData(w, h);
      this.buf = new Uint32Array(this.image.data.buffer);
    }
    const t = performance.now();
    const drawn = rasterise(this.buf, w, h, bg, f);
    const t2 = performance.now();
    this.ctx.putImageData(this.image, 0, 0);
    ((window as any).__rT ??= []).push([t2 - t, performance.now() - t2]);
    return drawn;
  }
}
