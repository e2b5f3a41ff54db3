// Which points get a "title — artist" label when zoomed in: the candidates on screen in order of
// importance, each label to the right of its point (else to its left), left out when it would
// cover one already placed or leave the canvas; never more than MAX_LABELS.

export const MAX_LABELS = 150;

/** A point that could be labelled: its index, its screen position (CSS px) and its text. */
export type LabelCandidate = { i: number; x: number; y: number; text: string };
/** A label placed: the box its text fills (left, top, width, height). */
export type PlacedLabel = { i: number; text: string; left: number; top: number; w: number; h: number };

/** Gap between a point and its label, and the label's height (CSS px). */
const GAP = 6;
const LINE = 14;

export function placeLabels(cands: readonly LabelCandidate[], measure: (text: string) => number,
  width: number, height: number, max = MAX_LABELS): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const free = (l: number, t: number, w: number) => {
    if (l < 0 || t < 0 || l + w > width || t + LINE > height) return false;
    for (const p of placed) if (l < p.left + p.w && p.left < l + w && t < p.top + p.h && p.top < t + LINE) return false;
    return true;
  };
  for (const c of cands) {
    if (placed.length >= max) break;
    const w = measure(c.text);
    const top = c.y - LINE / 2;
    for (const left of [c.x + GAP, c.x - GAP - w]) {
      if (!free(left, top, w)) continue;
      placed.push({ i: c.i, text: c.text, left, top, w, h: LINE });
      break;
    }
  }
  return placed;
}
