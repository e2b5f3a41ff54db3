// The mouse, trackpad and touch on the map's canvas: a drag pans (Shift+drag, or any drag in lasso
// mode, draws a lasso), a click picks, a double click plays, the wheel zooms at the pointer; on a
// trackpad two fingers pan and a pinch (ctrl+wheel) zooms. Positions are CSS pixels from the
// canvas's top left corner.

export type PointerHooks = {
  /** The lasso button is on: every drag draws a lasso. */
  lassoMode(): boolean;
  pan(dx: number, dy: number): void;
  zoomAt(factor: number, x: number, y: number): void;
  /** The pointer is over (x, y) with no button down; NaN: it left the canvas. */
  hover(x: number, y: number): void;
  click(x: number, y: number): void;
  doubleClick(x: number, y: number): void;
  /** The lasso so far ([x0, y0, x1, y1, …]); `done` when the button came up; null: dropped. */
  lasso(poly: number[] | null, done: boolean): void;
};

/** A press that moves less than this is a click. */
const CLICK_SLOP = 4;
/** A lasso corner every few pixels. */
const LASSO_STEP = 3;
/** After a trackpad scroll, wheel events stay pans for this long (its momentum has big deltas). */
const TRACKPAD_MS = 400;

export class MapPointer {
  private drag: { id: number; mode: 'press' | 'pan' | 'lasso'; x0: number; y0: number; x: number; y: number; poly: number[] } | null = null;
  private trackpadUntil = 0;

  constructor(private el: HTMLElement, private hooks: PointerHooks) {
    el.addEventListener('pointerdown', (e) => this.down(e));
    el.addEventListener('pointermove', (e) => this.move(e));
    el.addEventListener('pointerup', (e) => this.up(e));
    el.addEventListener('pointercancel', () => this.cancel());
    // The button came up where the canvas could not hear it (the capture was taken away).
    el.addEventListener('lostpointercapture', (e) => { if (this.drag?.id === e.pointerId) this.cancel(); });
    el.addEventListener('pointerleave', () => { if (!this.drag) hooks.hover(NaN, NaN); });
    el.addEventListener('dblclick', (e) => { const [x, y] = this.at(e); hooks.doubleClick(x, y); });
    el.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
  }

  /** A lasso or a pan is under way. */
  get busy(): boolean {
    return this.drag != null && this.drag.mode !== 'press';
  }

  private at(e: MouseEvent): [number, number] {
    const r = this.el.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private down(e: PointerEvent) {
    if (e.button !== 0 || !e.isPrimary) return;
    // A drag whose button-up never arrived gives way to this press (else every press after it
    // would be ignored).
    if (this.drag) this.cancel();
    const [x, y] = this.at(e);
    const lasso = e.shiftKey || this.hooks.lassoMode();
    this.drag = { id: e.pointerId, mode: lasso ? 'lasso' : 'press', x0: x, y0: y, x, y, poly: lasso ? [x, y] : [] };
    this.el.setPointerCapture?.(e.pointerId);
    this.el.focus({ preventScroll: true });
    this.hooks.hover(NaN, NaN);
  }

  private move(e: PointerEvent) {
    const d = this.drag;
    const [x, y] = this.at(e);
    if (!d || d.id !== e.pointerId) { if (!d) this.hooks.hover(x, y); return; }
    if (d.mode === 'press' && Math.hypot(x - d.x0, y - d.y0) > CLICK_SLOP) d.mode = 'pan';
    if (d.mode === 'pan') this.hooks.pan(x - d.x, y - d.y);
    if (d.mode === 'lasso') {
      const n = d.poly.length;
      if (Math.hypot(x - d.poly[n - 2], y - d.poly[n - 1]) >= LASSO_STEP) { d.poly.push(x, y); this.hooks.lasso(d.poly, false); }
    }
    d.x = x;
    d.y = y;
  }

  private up(e: PointerEvent) {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    this.drag = null;
    const [x, y] = this.at(e);
    if (d.mode === 'lasso') {
      if (d.poly.length >= 6) this.hooks.lasso(d.poly, true);
      else { this.hooks.lasso(null, true); this.hooks.click(x, y); } // a Shift+click: a pick, no lasso
    } else if (d.mode === 'press') this.hooks.click(x, y);
    this.hooks.hover(x, y);
  }

  private cancel() {
    if (this.drag?.mode === 'lasso') this.hooks.lasso(null, true);
    this.drag = null;
  }

  /** Mouse wheel: zoom at the pointer. Trackpad: two fingers pan, a pinch (ctrl+wheel) zooms. */
  private wheel(e: WheelEvent) {
    e.preventDefault();
    const [x, y] = this.at(e);
    const line = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    const dx = e.deltaX * line, dy = e.deltaY * line;
    if (e.ctrlKey) { this.hooks.zoomAt(Math.exp(-dy * 0.01), x, y); return; }
    const now = performance.now();
    // A notched wheel sends whole steps of one axis (≥ 40 px); a trackpad small, fractional or sideways ones.
    const trackpad = now < this.trackpadUntil || (e.deltaMode === 0 && (dx !== 0 || Math.abs(dy) < 40 || !Number.isInteger(dy)));
    if (trackpad) {
      this.trackpadUntil = now + TRACKPAD_MS;
      this.hooks.pan(-dx, -dy);
    } else {
      this.hooks.zoomAt(Math.exp(-dy * 0.0025), x, y);
    }
  }
}
