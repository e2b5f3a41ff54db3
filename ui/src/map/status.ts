// What the map says about where it stands: the message in place of the points (no music yet,
// too few tracks analysed, the first layout under way) and the strip over them (a layout under
// way, tracks still being analysed).
import type { MapAnswer, MapProgress } from '../api';
import * as fmt from '../format';

/** Each layout step's share of the whole (the neighbours are quick, the epochs are most of it). */
const PHASES: Record<MapProgress['phase'], [number, number]> = { neighbours: [0, 0.25], layout: [0.25, 0.95], saving: [0.95, 1] };

/** How far a layout is, 0 … 1. */
export function progressShare(p: MapProgress): number {
  const [a, b] = PHASES[p.phase] ?? [0, 1];
  const t = p.total > 0 ? Math.max(0, Math.min(1, p.done / p.total)) : 0;
  return a + (b - a) * t;
}

export type MapStatus = {
  /** In place of the points: 'none' (no music: the card with Add folder and the demo). */
  message: { kind: 'none' | 'few' | 'building' | 'loading'; text: string } | null;
  /** Over the points. */
  strip: { kind: 'building' | 'partial'; text: string; share: number | null } | null;
};

/** `progress`: the latest map-progress (newer than the answer's); `analysing`: an analysis is
 *  running or paused (tracks not analysed yet are on their way). */
export function mapStatus(a: MapAnswer | null, progress: MapProgress | null, analysing: boolean): MapStatus {
  if (!a) return { message: { kind: 'loading', text: 'Loading the map…' }, strip: null };
  const building = a.state === 'building';
  const p = building ? progress ?? a.progress : null;
  const share = p ? progressShare(p) : null;
  const arranging = `Arranging the map…${share != null ? ` ${Math.floor(share * 100)} %` : ''}`;
  let message: MapStatus['message'] = null;
  if (a.tracks === 0) message = { kind: 'none', text: 'No music yet — add a folder or try the demo library' };
  else if (a.state === 'empty') message = { kind: 'few', text: 'The map appears once a few tracks are analysed' };
  else if (building && a.points.ids.length === 0) message = { kind: 'building', text: arranging };
  let strip: MapStatus['strip'] = null;
  if (building && !message) strip = { kind: 'building', text: arranging, share };
  else if (a.tracks > 0 && a.analyzed < a.tracks && analysing && message?.kind !== 'none') {
    strip = { kind: 'partial', text: `${fmt.num(a.analyzed)} of ${fmt.plural(a.tracks, 'track')} analysed — the map fills in as they are`, share: a.analyzed / a.tracks };
  }
  return { message, strip };
}
