// The few vector things drawn over the rasterised points with the 2D context (CSS pixels): the
// open playlist's path (a line through its tracks in order, an arrow on each step, numbered
// markers, the seeds as diamonds), rings (the selection, the hovered point, the pulse of what
// plays), the labels and the lasso.
import { hex, type Rgb, type Theme } from './colour';
import type { PlacedLabel } from './labels';

type Ctx = CanvasRenderingContext2D;
/** A point on screen (CSS px). */
export type ScreenPoint = { x: number; y: number };

const rgba = (c: Rgb, a: number) => `rgba(${(c >> 16) & 255}, ${(c >> 8) & 255}, ${c & 255}, ${a})`;

/** The path from the first seed through `steps` (the playlist's rows on the map, in order). */
export function drawPath(ctx: Ctx, seeds: ScreenPoint[], steps: (ScreenPoint & { n: number })[], theme: Theme, font: string) {
  const line = [...seeds.slice(0, 1), ...steps];
  ctx.save();
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  if (line.length > 1) {
    ctx.beginPath();
    line.forEach((p, k) => (k ? ctx.lineTo(p.x, p.y) : ctx.moveTo(p.x, p.y)));
    ctx.strokeStyle = rgba(theme.bg, 0.85);
    ctx.lineWidth = 4.5;
    ctx.stroke();
    ctx.strokeStyle = rgba(theme.accent, 0.9);
    ctx.lineWidth = 1.75;
    ctx.stroke();
    ctx.fillStyle = hex(theme.accent);
    for (let k = 1; k < line.length; k++) arrow(ctx, line[k - 1], line[k]);
  }
  for (const s of seeds) {
    ctx.beginPath();
    ctx.moveTo(s.x, s.y - 8); ctx.lineTo(s.x + 8, s.y); ctx.lineTo(s.x, s.y + 8); ctx.lineTo(s.x - 8, s.y);
    ctx.closePath();
    ctx.fillStyle = hex(theme.bg);
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = hex(theme.accent);
    ctx.stroke();
  }
  ctx.font = `600 9px ${font}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const p of steps) {
    ctx.beginPath();
    ctx.arc(p.x, p.y, 7, 0, Math.PI * 2);
    ctx.fillStyle = hex(theme.accent);
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = hex(theme.bg);
    ctx.stroke();
    ctx.fillStyle = hex(theme.bg);
    ctx.fillText(String(p.n), p.x, p.y + 0.5);
  }
  ctx.restore();
}

/** A small arrow head halfway along a step long enough to show one. */
function arrow(ctx: Ctx, a: ScreenPoint, b: ScreenPoint) {
  const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy);
  if (len < 30) return;
  const ux = dx / len, uy = dy / len;
  const mx = a.x + dx / 2 + ux * 3, my = a.y + dy / 2 + uy * 3;
  ctx.beginPath();
  ctx.moveTo(mx, my);
  ctx.lineTo(mx - ux * 7 - uy * 4, my - uy * 7 + ux * 4);
  ctx.lineTo(mx - ux * 7 + uy * 4, my - uy * 7 - ux * 4);
  ctx.closePath();
  ctx.fill();
}

export function drawRing(ctx: Ctx, p: ScreenPoint, r: number, colour: Rgb, width: number, alpha = 1) {
  ctx.save();
  ctx.beginPath();
  ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
  ctx.strokeStyle = rgba(colour, alpha);
  ctx.lineWidth = width;
  ctx.stroke();
  ctx.restore();
}

/** "Title — Artist" beside their points, on a halo of the background. */
export function drawLabels(ctx: Ctx, labels: readonly PlacedLabel[], theme: Theme, font: string) {
  if (!labels.length) return;
  ctx.save();
  ctx.font = font;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 3;
  ctx.strokeStyle = rgba(theme.bg, 0.9);
  ctx.fillStyle = hex(theme.text);
  for (const l of labels) ctx.strokeText(l.text, l.left, l.top + l.h / 2);
  for (const l of labels) ctx.fillText(l.text, l.left, l.top + l.h / 2);
  ctx.restore();
}

/** The lasso being drawn: its outline, closed back to where it started, lightly filled. */
export function drawLasso(ctx: Ctx, poly: readonly number[], theme: Theme) {
  if (poly.length < 4) return;
  ctx.save();
  ctx.beginPath();
  ctx.moveTo(poly[0], poly[1]);
  for (let k = 2; k < poly.length; k += 2) ctx.lineTo(poly[k], poly[k + 1]);
  ctx.closePath();
  ctx.fillStyle = rgba(theme.accent, 0.08);
  ctx.fill();
  ctx.setLineDash([5, 4]);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = hex(theme.accent);
  ctx.stroke();
  ctx.restore();
}
