// The tracks a playlist is made from (its seeds) and how the view names them: "Like Wildflower
// Ridge", "Like A and B", "Like A, B and 3 more".
import type { TrackRow } from '../api';
import { basename } from '../format';

/** A track a playlist is made from. */
export type Seed = { id: number; title: string | null; artist: string | null; path: string; bpm: number | null };
export const seedOf = (r: TrackRow): Seed => ({ id: r.id, title: r.title, artist: r.artist, path: r.path, bpm: r.bpm });

/** A file outside the library as a playlist's seed (it has no track id: 0, as the engine's). */
export const fileSeed = (f: { path: string; title: string | null; artist: string | null; bpm: number | null }): Seed =>
  ({ id: 0, title: f.title, artist: f.artist, path: f.path, bpm: f.bpm });

/** How many seeds a request has: its tracks, and the file it starts from. */
export const seedCount = (r: { seeds: readonly number[]; seed_file?: string | null }) => r.seeds.length + (r.seed_file ? 1 : 0);

export const trackName = (t: { title: string | null; path: string }) => t.title ?? basename(t.path);

/** How many seeds are named before "and N more". */
const NAMED = 2;

/** "Like A", "Like A and B", "Like A, B and C", "Like A, B and 3 more": `known` are the first
 *  seeds (in the request's order) whose tracks are known, of `total`. Null when none is known. */
export function likeName(known: readonly Seed[], total = known.length): string | null {
  if (!known.length) return null;
  const names = known.slice(0, total <= NAMED + 1 ? NAMED + 1 : NAMED).map(trackName);
  const more = total - names.length;
  if (more > 0) return `Like ${names.join(', ')} and ${more} more`;
  if (names.length === 1) return `Like ${names[0]}`;
  return `Like ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "Journey: A → B" when both ends are known (`known`: the start, then the end). */
export function journeyName(known: readonly Seed[]): string | null {
  if (known.length < 2) return null;
  return `${trackName(known[0])} → ${trackName(known[1])}`;
}
