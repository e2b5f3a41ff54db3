// "Colour by": each point's colour for the chosen property, and what the legend says about it
// (swatches with labels and counts, the Camelot wheel's 24 keys, or a scale with numbers).
// Categories (tags, folders, albums) colour only the most common few; the rest are grey.
import type { MapPoints } from '../api';
import { WHEEL } from '../music';
import { camelotColour, LOUDNESS, PALETTE, rampColour, TEMPO, type Ramp, type Rgb, type Theme } from './colour';

export const COLOUR_MODES = [
  { id: 'tag', label: 'Tag' },
  { id: 'tempo', label: 'Tempo' },
  { id: 'key', label: 'Key' },
  { id: 'loudness', label: 'Loudness' },
  { id: 'folder', label: 'Folder' },
  { id: 'album', label: 'Album' },
] as const;
export type ColourBy = (typeof COLOUR_MODES)[number]['id'];
export const isColourBy = (s: unknown): s is ColourBy => COLOUR_MODES.some((m) => m.id === s);

/** How many tags, and albums or folders, get a colour of their own. */
export const TOP_TAGS = 10;
export const TOP_GROUPS = 12;

export type Swatch = { label: string; colour: Rgb; count: number; grey?: boolean };
export type Legend =
  | { kind: 'swatches'; title: string; items: Swatch[] }
  | { kind: 'ramp'; title: string; ramp: Ramp; unknown: Swatch }
  | { kind: 'wheel'; title: string; keys: (Swatch & { code: string })[]; unknown: Swatch };

/** Every point's colour (0xRRGGBB, in point order) and the legend. */
export type Colouring = { colours: Uint32Array; legend: Legend };

/** What colouring needs besides the points: folder names by id (the overview's folders). */
export type ColourContext = { theme: Theme; folderName(id: number): string };

export function colourPoints(p: MapPoints, by: ColourBy, ctx: ColourContext): Colouring {
  switch (by) {
    case 'tempo': return continuous(p.bpm, TEMPO, 'Tempo', ctx.theme);
    case 'loudness': return continuous(p.loudness, LOUDNESS, 'Loudness', ctx.theme);
    case 'key': return keys(p.camelot, ctx.theme);
    case 'tag': return tags(p, ctx.theme);
    case 'folder': return categorical(p.ids.length, (i) => p.folder[i] ?? null, 'Folder', 'Other folders', ctx,
      (id) => ctx.folderName(id as number));
    case 'album': return categorical(p.ids.length, (i) => p.album[i] || null, 'Album', 'Other albums', ctx, String);
  }
}

function continuous(values: (number | null)[], ramp: Ramp, title: string, theme: Theme): Colouring {
  const colours = new Uint32Array(values.length);
  let unknown = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null) unknown++;
    colours[i] = rampColour(ramp, v, theme);
  }
  return { colours, legend: { kind: 'ramp', title: `${title} (${ramp.unit})`, ramp, unknown: { label: 'Unknown', colour: theme.grey, count: unknown, grey: true } } };
}

function keys(codes: (string | null)[], theme: Theme): Colouring {
  const colours = new Uint32Array(codes.length);
  const counts = new Map<string, number>();
  let unknown = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]?.toUpperCase() ?? null;
    colours[i] = camelotColour(c, theme);
    if (c && WHEEL.some((k) => k.code === c)) counts.set(c, (counts.get(c) ?? 0) + 1); else unknown++;
  }
  return {
    colours,
    legend: {
      kind: 'wheel', title: 'Key (Camelot)',
      keys: WHEEL.map((k) => ({ code: k.code, label: `${k.code} · ${k.name}`, colour: camelotColour(k.code, theme), count: counts.get(k.code) ?? 0 })),
      unknown: { label: 'Unknown', colour: theme.grey, count: unknown, grey: true },
    },
  };
}

/** By each track's first chip (likeliest first) among the library's most common chips. */
function tags(p: MapPoints, theme: Theme): Colouring {
  const n = p.ids.length;
  const freq = new Array<number>(p.tags.length).fill(0);
  for (const chips of p.chips) for (const c of chips) if (c >= 0 && c < freq.length) freq[c]++;
  const top = freq.map((count, tag) => ({ tag, count })).filter((t) => t.count > 0)
    .sort((a, b) => b.count - a.count || (p.tags[a.tag] < p.tags[b.tag] ? -1 : 1)).slice(0, TOP_TAGS);
  const slot = new Map(top.map((t, k) => [t.tag, k]));
  const colours = new Uint32Array(n);
  const counts = new Array<number>(top.length).fill(0);
  let other = 0;
  for (let i = 0; i < n; i++) {
    const first = (p.chips[i] ?? []).find((c) => slot.has(c));
    if (first == null) { other++; colours[i] = theme.grey; continue; }
    const k = slot.get(first)!;
    counts[k]++;
    colours[i] = PALETTE[k];
  }
  const items: Swatch[] = top.map((t, k) => ({ label: p.tags[t.tag], colour: PALETTE[k], count: counts[k] }));
  if (other) items.push({ label: 'Other or none', colour: theme.grey, count: other, grey: true });
  return { colours, legend: { kind: 'swatches', title: 'Tag', items } };
}

/** The TOP_GROUPS most common values get a colour each (most common first); the rest grey. */
function categorical(n: number, keyOf: (i: number) => string | number | null, title: string, otherLabel: string,
  ctx: ColourContext, nameOf: (key: string | number) => string): Colouring {
  const counts = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    const k = keyOf(i);
    if (k != null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1] || (nameOf(a[0]) < nameOf(b[0]) ? -1 : 1)).slice(0, TOP_GROUPS);
  const slot = new Map(top.map(([k], j) => [k, j]));
  const colours = new Uint32Array(n);
  let other = 0;
  for (let i = 0; i < n; i++) {
    const j = slot.get(keyOf(i) as string | number);
    if (j == null) { other++; colours[i] = ctx.theme.grey; } else colours[i] = PALETTE[j];
  }
  const items: Swatch[] = top.map(([k, count], j) => ({ label: nameOf(k), colour: PALETTE[j], count }));
  if (other) items.push({ label: otherLabel, colour: ctx.theme.grey, count: other, grey: true });
  return { colours, legend: { kind: 'swatches', title, items } };
}
