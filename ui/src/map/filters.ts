// The map's search and filters: which points match (the others are drawn faint, not removed).
// They read as the library's do: every word of the search in the title, artist or album; a
// tempo range (inclusive; a track without a tempo never matches one); a Camelot key; a tag
// among the track's chips.
import type { MapPoints } from '../api';

export type MapFilter = { text: string; bpmMin: number | null; bpmMax: number | null; camelot: string | null; tag: string | null };

export const NO_FILTER: MapFilter = { text: '', bpmMin: null, bpmMax: null, camelot: null, tag: null };

export const isFiltered = (f: MapFilter) =>
  f.text.trim() !== '' || f.bpmMin != null || f.bpmMax != null || f.camelot != null || f.tag != null;

/** Each point's searchable text, lower case (made once per answer). */
export function searchText(p: MapPoints): string[] {
  return p.ids.map((_, i) => `${p.title[i] ?? ''}\n${p.artist[i] ?? ''}\n${p.album[i] ?? ''}`.toLowerCase());
}

/** 1 for every point that matches `f`, 0 for the others; null when nothing is filtered (all match). */
export function matchMask(p: MapPoints, f: MapFilter, text: readonly string[] = searchText(p)): Uint8Array | null {
  if (!isFiltered(f)) return null;
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  const cam = f.camelot?.toUpperCase() ?? null;
  const tag = f.tag != null ? p.tags.indexOf(f.tag) : -1;
  const out = new Uint8Array(p.ids.length);
  for (let i = 0; i < out.length; i++) {
    const bpm = p.bpm[i];
    if (f.bpmMin != null && (bpm == null || bpm < f.bpmMin)) continue;
    if (f.bpmMax != null && (bpm == null || bpm > f.bpmMax)) continue;
    if (cam != null && p.camelot[i]?.toUpperCase() !== cam) continue;
    if (f.tag != null && (tag < 0 || !(p.chips[i] ?? []).includes(tag))) continue;
    if (words.length && !words.every((w) => text[i].includes(w))) continue;
    out[i] = 1;
  }
  return out;
}
