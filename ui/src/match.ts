// How alike two tracks are, as the similar tracks and the playlist rows show it: the engine's
// closeness in words ("Very close", "Close", "Related") and a small bar from its calibrated
// match; the raw cosine and the match as a percentage in the tooltip. Declared once here, used
// by both lists. A library too small to calibrate (match and closeness null) shows the raw
// cosine as a percentage, as before.
import type { Closeness } from './api';
import { MATCH_THRESHOLDS } from './bindings';
import { h } from './dom';

/** What the lists say for each closeness. */
export const CLOSENESS_WORDS: Readonly<Record<Closeness, string>> = {
  very_close: 'Very close',
  close: 'Close',
  related: 'Related',
  unlike: 'Unlike',
};

/**
 * The bar's scale, as a match (the share of the library's track pairs less alike than this
 * pair): empty at BAR_FROM, full at 1. BAR_FROM is where the engine's "related" starts (its
 * similarity floor, 0.85: nothing below it is listed), so the bar spans exactly the matches a
 * listed track can have, linearly: "close" (0.95) fills a third, "very close" (0.99) 93 %. A listed
 * track just at the floor still gets a sliver (BAR_MIN), so no listed row shows an empty bar;
 * "unlike" is empty.
 */
const BAR_FROM = MATCH_THRESHOLDS.floor;
const BAR_MIN = 0.04;

/** What a list row knows of a similarity: a similar track or a playlist entry. */
export type Scored = { score: number; match?: number | null; closeness?: Closeness | null };

/** A similarity as shown. */
export type MatchView = {
  /** "Very close" …, or "87%" when the library is too small to calibrate. */
  text: string;
  /** The bar's width, 0 … 100 (%). */
  bar: number;
  /** The tooltip: the calibrated match and the raw cosine. */
  title: string;
  /** For screen readers. */
  label: string;
  closeness: Closeness | null;
  match: number | null;
};

/** A raw cosine as a percentage, clamped: 0.873 → 87; negatives → 0. */
export const scorePercent = (score: number) => Math.round(clamp01(isFinite(score) ? score : 0) * 100);

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));

/** 0.98731 → "98.7 %" (floored: "closer than" stays true), 0.95 → "95 %". */
function sharePercent(match: number): string {
  const tenths = Math.floor(clamp01(match) * 1000);
  return `${tenths % 10 ? (tenths / 10).toFixed(1) : tenths / 10} %`;
}

/** The bar's width (0 … 1) for a calibrated match. */
export function barFraction(match: number, closeness: Closeness): number {
  if (closeness === 'unlike') return 0;
  return Math.max(BAR_MIN, clamp01((match - BAR_FROM) / (1 - BAR_FROM)));
}

export function matchView(x: Scored): MatchView {
  const cosine = isFinite(x.score) ? x.score.toFixed(2) : '?';
  const closeness = x.closeness ?? null;
  const match = x.match ?? null;
  if (closeness == null || match == null || !isFinite(match)) {
    const pct = scorePercent(x.score);
    return {
      text: `${pct}%`, bar: pct, closeness: null, match: null, label: `${pct}% similar`,
      title: `Cosine similarity ${cosine} (too few analysed tracks in the library to say how close that is)`,
    };
  }
  const word = CLOSENESS_WORDS[closeness] ?? closeness;
  const share = `Closer than ${sharePercent(match)} of the pairs in your library`;
  return {
    text: word, bar: Math.round(barFraction(match, closeness) * 1000) / 10, closeness, match,
    title: `${share} · cosine ${cosine}`, label: `${word}: ${share.toLowerCase()}`,
  };
}

/** A row's data attributes for its similarity: data-score (the raw cosine), data-match and
 *  data-closeness (absent when the library is too small to calibrate). */
export function matchData(x: Scored): Record<string, string | number | null> {
  const v = matchView(x);
  return { 'data-score': x.score, 'data-match': v.match, 'data-closeness': v.closeness };
}

/**
 * The match cell: span.match.<cls>-score: the word (or the percentage), then its bar,
 * span.<cls>-bar > span.<cls>-bar-fill. `cls`: the list's prefix ('similar', 'playlist').
 */
export function matchCell(x: Scored, cls: string): HTMLElement {
  const v = matchView(x);
  const fill = h('span', { class: `match-bar-fill ${cls}-bar-fill` });
  fill.style.width = `${v.bar}%`;
  return h('span', {
    class: `match ${cls}-score${v.closeness ? ` is-${v.closeness.replace('_', '-')}` : ' is-raw num'}`,
    title: v.title, 'aria-label': v.label,
  },
    h('span', { class: 'match-word', 'aria-hidden': 'true' }, v.text),
    h('span', { class: `match-bar ${cls}-bar`, 'aria-hidden': 'true' }, fill));
}
