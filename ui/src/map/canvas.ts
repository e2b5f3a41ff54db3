// The map's one canvas (#map-canvas): the camera, the points rasterised into a pixel buffer, the
// vector overlays on top, and hit tests through the grid. It draws only when something changed
// (one requestAnimationFrame), except while the pulse of what plays animates. What the points
// mean (selection, picks, the tooltip) is the view's: this reports the point under the pointer.
import { Camera } from './camera';
import { faint, hex, LIGHT, pixel, unpixel, type Theme } from './colour';
import type { MapData } from './data';
import { placeLabels, type LabelCandidate } from './labels';
import { pickInPolygon } from './lasso';
import { drawLabels, drawLasso, drawPath, drawRing, type ScreenPoint } from './overlays';
import { MapPointer } from './pointer';
import { Raster } from './raster';

export type CanvasHooks = {
  lassoMode(): boolean;
  /** The point under the pointer (-1: none) at (x, y) CSS px in the canvas. */
  onHover(i: number, x: number, y: number): void;
  /** A click on point i (-1: on no point). */
  onClick(i: number): void;
  onDoubleClick(i: number): void;
  /** A lasso closed around these points (matching ones only while filtered). */
  onLasso(picked: number[]): void;
};

/** Points on screen above which only the selected and playing ones get labels: few while the
 *  whole map is in view, more once zoomed in (the labels are "zoomed in" detail). */
const LABEL_DENSITY = { whole: 60, zoomed: 500 };
/** A click this close to a point (CSS px, beyond its own size) picks it. */
const HIT_SLOP = 4;
const PULSE_MS = 1400;

export class MapCanvas {
  readonly el: HTMLCanvasElement;
  readonly camera = new Camera();
  private ctx: CanvasRenderingContext2D;
  private raster: Raster;
  private pointer: MapPointer;
  private data: MapData | null = null;
  /** Each point's colour (0xRRGGBB), which points match the filters (null: all), which are picked. */
  private colours: Uint32Array = new Uint32Array(0);
  private mask: Uint8Array | null = null;
  private picked: Uint8Array | null = null;
  /** Derived from those: each point's packed pixel and the draw order. */
  private pixels: Uint32Array = new Uint32Array(0);
  private order: Uint32Array = new Uint32Array(0);
  private paintDirty = true;
  /** By track id, so they survive a new answer. */
  private selectedId: number | null = null;
  private playing: { id: number | null; status: 'playing' | 'paused' | null } = { id: null, status: null };
  private path: { seeds: number[]; entries: number[] } = { seeds: [], entries: [] };
  private hovered = -1;
  private lassoPoly: number[] | null = null;
  private theme: Theme = LIGHT;
  private font = '11px sans-serif';
  private raf = 0;
  private fitPending = true;
  private measuring = false;
  /** Label widths by text (cleared with new points or a new font). */
  private widths = new Map<string, number>();

  constructor(private hooks: CanvasHooks) {
    this.el = document.createElement('canvas');
    this.el.id = 'map-canvas';
    this.el.className = 'map-canvas';
    this.el.tabIndex = 0;
    this.el.setAttribute('role', 'application');
    this.el.setAttribute('aria-label', 'Map of the library: tracks that sound alike are near each other');
    this.ctx = this.el.getContext('2d', { alpha: false })!;
    this.raster = new Raster(this.ctx);
    this.pointer = new MapPointer(this.el, {
      lassoMode: () => hooks.lassoMode(),
      pan: (dx, dy) => { this.camera.pan(dx, dy); this.schedule(); },
      zoomAt: (f, x, y) => { this.camera.zoomAt(f, x, y); this.schedule(); },
      hover: (x, y) => this.hover(x, y),
      click: (x, y) => hooks.onClick(this.hit(x, y)),
      doubleClick: (x, y) => { const i = this.hit(x, y); if (i >= 0) hooks.onDoubleClick(i); },
      lasso: (poly, done) => this.lasso(poly, done),
    });
    new ResizeObserver(() => this.schedule()).observe(this.el);
    // the window moved to a screen of another pixel ratio: the buffer follows
    const watchRatio = () => matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`)
      .addEventListener('change', () => { this.schedule(); watchRatio(); }, { once: true });
    watchRatio();
    this.installProbe();
  }

  // ---------- what is drawn ----------

  /** New points (the camera stays; it fits them the first time there are any). */
  setData(d: MapData | null) {
    this.data = d;
    this.hovered = -1;
    this.widths.clear();
    if (d) this.camera.setBounds(d.bounds);
    this.paintDirty = true;
    this.schedule();
  }

  setColours(c: Uint32Array) { this.colours = c; this.paintDirty = true; this.schedule(); }
  setMask(m: Uint8Array | null) { this.mask = m; this.paintDirty = true; this.schedule(); }
  setPicked(m: Uint8Array | null) { this.picked = m; this.paintDirty = true; this.schedule(); }
  setSelected(id: number | null) { this.selectedId = id; this.schedule(); }
  setPath(seeds: number[], entries: number[]) { this.path = { seeds, entries }; this.schedule(); }

  setTheme(t: Theme, fontFamily: string) {
    this.theme = t;
    this.font = `11px ${fontFamily}`;
    this.widths.clear();
    this.paintDirty = true;
    this.schedule();
  }

  /** What the preview plays (the pulse animates while it plays). */
  setPlaying(id: number | null, status: 'playing' | 'paused' | null) {
    this.playing = { id, status };
    this.schedule();
  }

  /** Show every point. */
  fit() { this.camera.fit(); this.schedule(); }

  /** Fit every point at the next frame the canvas has a size (the first answer with points). */
  fitSoon() { this.fitPending = true; this.schedule(); }

  // ---------- hit tests ----------

  /** The point nearest (x, y) CSS px within reach of the pointer; matching points first. */
  hit(x: number, y: number): number {
    const d = this.data;
    if (!d || !d.n) return -1;
    const cam = this.camera;
    const r = (this.pointSize() / 2 + HIT_SLOP) / cam.scale;
    const wx = cam.worldX(x), wy = cam.worldY(y);
    const m = this.mask;
    const i = m ? d.grid.nearest(wx, wy, r, (k) => m[k] === 1) : -1;
    return i >= 0 ? i : d.grid.nearest(wx, wy, r);
  }

  /** Point i on screen (CSS px in the canvas). */
  screenOf(i: number): ScreenPoint {
    const d = this.data!;
    return { x: this.camera.screenX(d.x[i]), y: this.camera.screenY(d.y[i]) };
  }

  /** Point i's colour as drawn now. */
  colourOf(i: number): string {
    this.paint();
    return hex(unpixel(this.pixels[i]));
  }

  private hover(x: number, y: number) {
    const i = Number.isNaN(x) || this.pointer.busy ? -1 : this.hit(x, y);
    if (i !== this.hovered) { this.hovered = i; this.schedule(); }
    this.hooks.onHover(i, x, y);
  }

  private lasso(poly: number[] | null, done: boolean) {
    this.lassoPoly = done ? null : poly;
    this.schedule();
    const d = this.data;
    if (!done || !poly || !d) return;
    const cam = this.camera;
    const world = poly.map((v, k) => (k % 2 ? cam.worldY(v) : cam.worldX(v)));
    const m = this.mask;
    this.hooks.onLasso(pickInPolygon(d.x, d.y, world, m ? (i) => m[i] === 1 : undefined));
  }

  // ---------- drawing ----------

  schedule() {
    if (!this.raf && !this.measuring) this.raf = requestAnimationFrame(() => { this.raf = 0; this.frame(); });
  }

  /** The canvas shrank (the detail panel opened over its right side): the selected point, when
   *  it is now out of sight, comes back just inside the edge (else nothing moves). */
  private keepSelectedInView() {
    const i = this.selectedId != null ? this.data?.indexOf(this.selectedId) ?? -1 : -1;
    if (i < 0) return;
    const p = this.screenOf(i), cam = this.camera, m = 40;
    const dx = p.x > cam.width - m ? cam.width - m - p.x : p.x < 0 ? m - p.x : 0;
    const dy = p.y > cam.height - m ? cam.height - m - p.y : p.y < 0 ? m - p.y : 0;
    if (dx || dy) cam.pan(dx, dy);
  }

  /** The square's side in CSS px when the whole map is in view: big enough to see and to hit in
   *  a small library, small enough not to bury each other in a large one; growing as it zooms in. */
  private pointSize(): number {
    const n = this.data?.n ?? 0;
    const base = n > 20000 ? 2 : n > 2000 ? 3 : n > 300 ? 5 : 7;
    return Math.min(9, base + Math.max(0, Math.floor(Math.log2(this.camera.zoom))));
  }

  /** Each point's pixel and the draw order: faint ones first, then grey ones, then coloured,
   *  picked ones last. */
  private paint() {
    if (!this.paintDirty) return;
    this.paintDirty = false;
    const n = this.data?.n ?? 0;
    const t = this.theme, m = this.mask, p = this.picked;
    this.pixels = new Uint32Array(n);
    const layer = new Uint8Array(n);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const c = this.colours[i] ?? t.grey;
      const on = !m || m[i] === 1;
      this.pixels[i] = pixel(on ? c : faint(c, t));
      layer[i] = p && p[i] ? 3 : !on ? 0 : c === t.grey ? 1 : 2;
      counts[layer[i]]++;
    }
    const at = [0, counts[0], counts[0] + counts[1], counts[0] + counts[1] + counts[2]];
    this.order = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.order[at[layer[i]]++] = i;
  }

  /** Draw now (the size follows the element and the device pixel ratio). */
  frame() {
    const el = this.el, cam = this.camera;
    const w = el.clientWidth, h = el.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.round(w * dpr), ph = Math.round(h * dpr);
    if (w === 0 || h === 0) return; // hidden: the camera keeps the size it had
    if (el.width !== pw || el.height !== ph) { el.width = pw; el.height = ph; }
    if (w !== cam.width || h !== cam.height) { cam.resize(w, h); this.keepSelectedInView(); }
    const d = this.data;
    if (this.fitPending && d && d.n) { cam.fit(); this.fitPending = false; }
    this.paint();
    const size = Math.max(1, Math.round(this.pointSize() * dpr));
    const s = cam.scale * dpr;
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    const T0 = performance.now();
    this.raster.draw(pw, ph, pixel(this.theme.bg), {
      x: d?.x ?? new Float32Array(0), y: d?.y ?? new Float32Array(0), pixels: this.pixels, order: d ? this.order : new Uint32Array(0),
      picked: this.picked, outline: pixel(this.theme.text), size, cx: cam.cx, cy: cam.cy, s, ox: pw / 2, oy: ph / 2,
    });
    const T1 = performance.now();
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (d) this.overlays(d);
    const T2 = performance.now();
    ((window as any).__mapT ??= []).push([T1 - T0, T2 - T1]);
    if (this.lassoPoly) drawLasso(this.ctx, this.lassoPoly, this.theme);
  }

  private overlays(d: MapData) {
    const ctx = this.ctx, t = this.theme;
    const on = (id: number) => { const i = d.indexOf(id); return i >= 0 ? i : null; };
    // the open playlist, in order (rows not on the map are left out; numbers are the rows')
    const seeds = this.path.seeds.map(on).filter((i): i is number => i != null).map((i) => this.screenOf(i));
    const steps = this.path.entries.map((id, k) => ({ i: on(id), n: k + 1 })).filter((s) => s.i != null)
      .map((s) => ({ ...this.screenOf(s.i!), n: s.n }));
    if (seeds.length || steps.length) drawPath(ctx, seeds, steps, t, this.font);
    const r = this.pointSize() / 2;
    if (this.hovered >= 0) drawRing(ctx, this.screenOf(this.hovered), r + 3, t.text, 1, 0.6);
    const sel = this.selectedId != null ? on(this.selectedId) : null;
    if (sel != null) drawRing(ctx, this.screenOf(sel), r + 4, t.text, 2);
    const play = this.playing.id != null && this.playing.status ? on(this.playing.id) : null;
    if (play != null) {
      const p = this.screenOf(play);
      if (this.playing.status === 'playing') {
        const phase = (performance.now() % PULSE_MS) / PULSE_MS;
        drawRing(ctx, p, r + 5 + 14 * phase, t.accent, 2, 1 - phase);
        this.schedule(); // the pulse goes on while it plays
      }
      drawRing(ctx, p, r + 5, t.accent, 2);
    }
    drawLabels(ctx, this.labels(d, sel, play), t, this.font);
  }

  /** Labels for the points on screen when there are few enough; the selected and playing ones always. */
  private labels(d: MapData, sel: number | null, play: number | null) {
    const cam = this.camera, m = this.mask;
    const must = [sel, play].filter((i): i is number => i != null);
    const rest: number[] = [];
    let dense = false;
    const most = cam.zoom >= 2 ? LABEL_DENSITY.zoomed : LABEL_DENSITY.whole;
    d.grid.forEachIn(cam.view(), (i) => {
      if (m && m[i] !== 1) return;
      rest.push(i);
      if (rest.length > most) { dense = true; return false; }
    });
    const cx = cam.width / 2, cy = cam.height / 2;
    const cands: LabelCandidate[] = [...new Set(must)].map((i) => ({ i, ...this.screenOf(i), text: d.label(i) }));
    if (!dense) {
      const others = rest.filter((i) => !must.includes(i)).map((i) => ({ i, ...this.screenOf(i), text: '' }));
      others.sort((a, b) => Math.hypot(a.x - cx, a.y - cy) - Math.hypot(b.x - cx, b.y - cy) || a.i - b.i);
      for (const o of others) cands.push({ ...o, text: d.label(o.i) });
    }
    this.ctx.font = this.font;
    const measure = (text: string) => {
      let w = this.widths.get(text);
      if (w == null) { w = this.ctx.measureText(text).width; this.widths.set(text, w); }
      return w;
    };
    return placeLabels(cands, measure, cam.width, cam.height);
  }

  // ---------- test hooks ----------

  /** canvas.mapProbe, for the end-to-end tests (see README): a track's point on screen (viewport
   *  CSS px; null when not on the map or outside the canvas), its colour as drawn, frame times. */
  private installProbe() {
    const at = (id: number) => this.data?.indexOf(id) ?? -1;
    const probe = {
      screenOf: (id: number) => {
        const i = at(id);
        if (i < 0) return null;
        const p = this.screenOf(i), r = this.el.getBoundingClientRect();
        if (p.x < 0 || p.y < 0 || p.x > r.width || p.y > r.height) return null;
        return { x: r.left + p.x, y: r.top + p.y };
      },
      colourOf: (id: number) => (at(id) < 0 ? null : this.colourOf(at(id))),
      measureFrames: (frames: number) => this.measureFrames(frames),
    };
    Object.defineProperty(this.el, 'mapProbe', { value: probe });
  }

  /** A scripted pan and zoom over `frames` animation frames, drawing each: every frame's length
   *  in ms (rAF timestamps, the drawing included). The view is put back afterwards. */
  measureFrames(frames: number): Promise<number[]> {
    const cam = this.camera;
    const was = { cx: cam.cx, cy: cam.cy, scale: cam.scale };
    cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.measuring = true;
    const stamps: number[] = [];
    return new Promise((resolve) => {
      const step = (ts: number) => {
        stamps.push(ts);
        const k = stamps.length - 1;
        if (k === frames) {
          Object.assign(cam, was);
          this.measuring = false;
          this.schedule();
          resolve(stamps.slice(1).map((s, j) => s - stamps[j]));
          return;
        }
        const a = (2 * Math.PI * k) / frames;
        cam.scale = was.scale * Math.pow(2, 1.5 * Math.sin(a / 2));
        const reach = (0.2 * Math.min(cam.width, cam.height)) / cam.scale;
        cam.cx = was.cx + reach * Math.sin(a);
        cam.cy = was.cy + reach * (1 - Math.cos(a));
        this.frame();
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
  }
}
