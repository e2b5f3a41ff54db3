// Every call into the Rust backend goes through this module.
// The types mirror the serde structs on the Rust side exactly.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

export type Folder = { id: number; path: string; track_count: number; added_at: string; exists: boolean };
export type TrackRow = {
  id: number; path: string; title: string | null; artist: string | null; album: string | null;
  album_artist: string | null; track_no: number | null; disc_no: number | null; year: number | null; genre: string | null;
  duration_s: number | null; format: string; codec: string | null; sample_rate: number | null; channels: number | null;
  bitrate_kbps: number | null; has_cover: boolean; status: string;
};
export type SortKey = 'title' | 'artist' | 'album' | 'duration' | 'format' | 'path';
export type TrackQuery = { search: string | null; sort: SortKey; desc: boolean; offset: number; limit: number };
export type TrackPage = { total: number; offset: number; rows: TrackRow[] };
export type Failure = { path: string; stage: string; reason: string; at: string /* RFC 3339 */ };
export type Stats = { folders: number; tracks: number; failures: number; total_duration_s: number };
export type ScanPhase = 'idle' | 'walking' | 'reading' | 'removing' | 'done' | 'cancelled' | 'failed';
export type ScanProgress = {
  phase: ScanPhase; found: number; done: number; failed: number; unchanged: number;
  rate: number /* files per second */; eta_s: number | null; elapsed_s: number; current: string | null; message: string | null;
};
export type Overview = { folders: Folder[]; stats: Stats; scan: ScanProgress };

export const getOverview = () => invoke<Overview>('get_overview');
/** Opens the native folder dialog (Rust side), adds the folder and starts a scan. null = cancelled. */
export const addFolderDialog = () => invoke<Folder | null>('add_folder_dialog');
export const removeFolder = (id: number) => invoke<null>('remove_folder', { id });
export const listTracks = (query: TrackQuery) => invoke<TrackPage>('list_tracks', { query });
export const listFailures = () => invoke<Failure[]>('list_failures');
export const startScan = () => invoke<null>('start_scan');
export const cancelScan = () => invoke<null>('cancel_scan');
export const createDemoLibrary = () => invoke<Folder>('create_demo_library');

export const onScanProgress = (cb: (p: ScanProgress) => void): Promise<UnlistenFn> =>
  listen<ScanProgress>('scan-progress', (e) => cb(e.payload));
export const onLibraryChanged = (cb: () => void): Promise<UnlistenFn> =>
  listen<null>('library-changed', () => cb());

/** invoke() rejects with the Rust error string; normalise anything else. */
export function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  try { return JSON.stringify(e); } catch { return String(e); }
}
