// The lasso: a free-hand polygon (flat [x0, y0, x1, y1, …]) and the points inside it, by the
// even-odd rule (a concave or self-crossing outline picks what a person would colour in).

/** Whether (x, y) lies inside the polygon (even-odd: a ray to the right crosses it an odd number of times). */
export function inPolygon(x: number, y: number, poly: ArrayLike<number>): boolean {
  let inside = false;
  const n = poly.length >> 1;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i], yi = poly[2 * i + 1], xj = poly[2 * j], yj = poly[2 * j + 1];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The indices of the points inside the polygon (fewer than 3 corners: none), in point order;
 *  `accept` leaves points out (filtered away). */
export function pickInPolygon(xs: ArrayLike<number>, ys: ArrayLike<number>, poly: ArrayLike<number>,
  accept: (i: number) => boolean = () => true): number[] {
  if (poly.length < 6) return [];
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let k = 0; k < poly.length; k += 2) {
    minX = Math.min(minX, poly[k]); maxX = Math.max(maxX, poly[k]);
    minY = Math.min(minY, poly[k + 1]); maxY = Math.max(maxY, poly[k + 1]);
  }
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i], y = ys[i];
    if (x < minX || x > maxX || y < minY || y > maxY) continue; // most points: outside its box
    if (accept(i) && inPolygon(x, y, poly)) out.push(i);
  }
  return out;
}
