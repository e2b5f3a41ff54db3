// What a list row's match cell should say for a similar track or playlist entry, as src/match.ts
// documents it: the engine's closeness in words, a bar from the calibrated match (empty at the
// floor, 0.85, full at 1; at least 4 % for a listed track), the match and the raw cosine in the
// tooltip; in a library too small to calibrate (closeness null) the raw percentage.
export const WORDS = { very_close: 'Very close', close: 'Close', related: 'Related', unlike: 'Unlike' };

const pct = (score) => Math.round(Math.max(0, Math.min(1, score)) * 100);

/** { word, bar, title } for a recorded similar track or playlist entry. */
export function expectedMatch(t) {
  if (t.closeness == null) {
    return { word: `${pct(t.score)}%`, bar: `${pct(t.score)}%`,
      title: `Cosine similarity ${t.score.toFixed(2)} (too few analysed tracks in the library to say how close that is)` };
  }
  const fraction = t.closeness === 'unlike' ? 0 : Math.max(0.04, Math.min(1, (t.match - 0.85) / 0.15));
  const tenths = Math.floor(t.match * 1000);
  const share = `${tenths % 10 ? (tenths / 10).toFixed(1) : tenths / 10} %`;
  return { word: WORDS[t.closeness], bar: `${Math.round(fraction * 1000) / 10}%`,
    title: `Closer than ${share} of the pairs in your library · cosine ${t.score.toFixed(2)}` };
}
