// Every call into the Rust backend goes through this module.
// The types mirror the serde structs on the Rust side exactly.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

export type Folder = { id: number; path: string; track_count: number; added_at: string; exists: boolean };
export type TrackRow = {
  id: number; path: string; title: string | null; artist: string | null; album: string | null;
  album_artist: string | null; track_no: number | null; disc_no: number | null; year: number | null; genre: string | null;
  duration_s: number | null; format: string; codec: string | null; sample_rate: number | null; channels: number | null;
  bitrate_kbps: number | null; has_cover: boolean;
  /** 'pending' (not analysed yet or changed), 'analyzed', 'failed' (see the failures view). */
  status: string;
  // Analysis results; null until the track is analysed (or when there is no tempo / key).
  bpm: number | null; bpm_confidence: number | null;
  key: string | null /* tonic: 'C' 'C#' 'D' 'Eb' 'E' 'F' 'F#' 'G' 'Ab' 'A' 'Bb' 'B' */;
  scale: 'major' | 'minor' | null; key_strength: number | null;
  camelot: string | null /* '8B' = C major, '8A' = A minor */; loudness_lufs: number | null;
  /** Genre and mood tags heard in the audio (MusiCNN): lower case, likeliest first, at most 5;
   *  empty when the track is not tagged. */
  chips: string[];
};
export type SortKey = 'title' | 'artist' | 'album' | 'duration' | 'format' | 'path' | 'bpm' | 'key';
export type TrackQuery = {
  search: string | null; sort: SortKey; desc: boolean; offset: number; limit: number;
  /** Tempo range filter, inclusive; null = open. Tracks without a tempo never match a range. */
  bpm_min: number | null; bpm_max: number | null;
  /** Key filter as a Camelot code ('8A'); null = any key. */
  camelot: string | null;
  /** Only tracks with this tag among their chips ('chill'); null = any. */
  tag: string | null;
};
/** Every stored feature of one analysed track (`segue show TRACK --json` prints the same). */
export type Stat = { mean: number; std: number };
export type Features = {
  version: number; duration_s: number;
  tempo: { bpm: number; confidence: number } | null;
  key: { tonic: number /* 0 = C */; scale: 'major' | 'minor'; strength: number } | null;
  tuning_cents: number; chroma: number[] /* 12, C first, max 1 */;
  loudness: { integrated_lufs: number | null; range_lu: number | null; peak_dbfs: number | null };
  timbre: {
    mfcc_mean: number[]; mfcc_std: number[]; centroid_hz: Stat; rolloff_hz: Stat; flatness: Stat;
    flux: Stat; zcr: Stat; rms_db: Stat; silent_share: number;
  };
  onset_rate: number;
};
/** One genre or mood tag and its probability (0 … 1; mean over the analysed patches). */
export type TagScore = { label: string; probability: number };
export type TrackDetail = {
  track: TrackRow; features: Features | null; analyzed_at: string | null;
  /** Every tag of both models, likeliest first (lower case); empty when not tagged. */
  tags: TagScore[];
};
export type TagCount = { label: string; tracks: number };
/** The tags in the library (tag_vocabulary). */
export type TagVocabulary = {
  /** False when the MusiCNN weights are missing or tags are turned off… */
  enabled: boolean;
  /** … and then why, and how to turn them on. */
  message: string | null;
  /** Tracks tagged so far. */
  tagged: number;
  /** Every chip label in the library with its track count, most common first. */
  tags: TagCount[];
};
export type AnalysisPhase = 'idle' | 'running' | 'paused' | 'done' | 'cancelled';
export type AnalysisProgress = {
  phase: AnalysisPhase; done: number; failed: number; total: number /* done + failed + left */;
  audio_s: number /* seconds of audio analysed so far */; elapsed_s: number;
  audio_hours_per_hour: number; eta_s: number | null; current: string | null;
};
export type TrackPage = { total: number; offset: number; rows: TrackRow[] };
export type Failure = { path: string; stage: string; reason: string; at: string /* RFC 3339 */ };
export type Stats = { folders: number; tracks: number; failures: number; total_duration_s: number };
export type ScanPhase = 'idle' | 'walking' | 'reading' | 'removing' | 'done' | 'cancelled' | 'failed';
export type ScanProgress = {
  phase: ScanPhase; found: number; done: number; failed: number; unchanged: number;
  rate: number /* files per second */; eta_s: number | null; elapsed_s: number; current: string | null; message: string | null;
};
export type Overview = { folders: Folder[]; stats: Stats; scan: ScanProgress; analysis: AnalysisProgress };
/** 'ready': from the index; 'building': the index is being (re)built and these come from an exact
 *  search meanwhile (still valid); 'not_analyzed': the asked track has no features yet;
 *  'empty': fewer than 2 analysed tracks in the library. */
export type SimilarState = 'ready' | 'building' | 'not_analyzed' | 'empty';
export type SimilarTrack = {
  id: number; path: string; title: string | null; artist: string | null;
  bpm: number | null; key: string | null; camelot: string | null;
  /** Cosine similarity, -1 … 1. */
  score: number;
};
export type SimilarResponse = {
  state: SimilarState;
  /** The index behind the results: "Flat", "IVF64,Flat", "IVF1024,SQ8" … */
  index_type: string;
  /** Best first; never the asked track. */
  results: SimilarTrack[];
};

/** Playlists (see src/playlist/mod.rs). */
export type Order = 'similarity' | 'flow' | 'harmonic';
export type TempoRange = { kind: 'absolute'; min: number; max: number } | { kind: 'tolerance'; percent: number };
/** Every field but `seeds` has a default on the Rust side; the UI always sends them all. */
export type PlaylistRequest = {
  /** "More like these" (the UI: the track it was made from). */
  seeds: number[];
  /** "Not like this". */
  avoid_like: number[];
  length: number;
  order: Order;
  /** 0 = no limit. */
  max_per_artist: number;
  max_per_album: number;
  tempo: TempoRange | null;
  key_compatible: boolean;
  min_duration_s: number | null; max_duration_s: number | null;
  include_tags: string[]; avoid_tags: string[];
  /** Folder paths; [] = all. */
  folders: string[];
};
export type PlaylistEntry = {
  id: number; path: string; title: string | null; artist: string | null; album: string | null;
  duration_s: number | null; bpm: number | null; key: string | null; scale: string | null; camelot: string | null;
  /** Cosine similarity to the seed(s), -1 … 1. */
  score: number;
  /** Why it is here: "same key", "+3 BPM", "similar timbre". */
  reasons: string[];
};
export type Playlist = {
  request: PlaylistRequest; entries: PlaylistEntry[];
  candidates: number; rejected: { rule: string; count: number }[];
  /** Set when fewer than `length` tracks met the constraints. */
  shortfall: string | null;
};
export type SavedPlaylist = { id: number; name: string; created_at: string; updated_at: string; track_count: number; duration_s: number | null };
export type SavedPlaylistDetail = { playlist: SavedPlaylist; request: PlaylistRequest | null; entries: PlaylistEntry[] };
export type ExportFormat = 'm3u8' | 'xspf';

/** Preview playback (src/audio/preview.rs, PlayerState). */
export type PlayerStatus = 'idle' | 'playing' | 'paused' | 'finished' | 'error';
export type PlayerState = {
  status: PlayerStatus;
  /** The file playing (or last played). */
  path: string | null;
  /** Seconds into the file. */
  position_s: number;
  /** Where this preview started, and where it stops (null: the end of the file). A seek
   *  starts the preview again from there: from_s becomes the seek target. */
  from_s: number; until_s: number | null;
  /** 0 … 1. */
  volume: number;
  device: string; sample_rate: number; channels: number;
  underruns: number;
  /** Set with status 'error' (e.g. a file that cannot be decoded). */
  error: string | null;
};
export type PreviewAction = 'pause' | 'resume' | 'stop' | 'seek' | 'volume';

export const getOverview = () => invoke<Overview>('get_overview');
/** Opens the native folder dialog (Rust side), adds the folder and starts a scan. null = cancelled. */
export const addFolderDialog = () => invoke<Folder | null>('add_folder_dialog');
export const removeFolder = (id: number) => invoke<null>('remove_folder', { id });
export const listTracks = (query: TrackQuery) => invoke<TrackPage>('list_tracks', { query });
export const listFailures = () => invoke<Failure[]>('list_failures');
export const startScan = () => invoke<null>('start_scan');
export const cancelScan = () => invoke<null>('cancel_scan');
export const createDemoLibrary = () => invoke<Folder>('create_demo_library');
export const getTrack = (id: number) => invoke<TrackDetail>('get_track', { id });
export const tagVocabulary = () => invoke<TagVocabulary>('tag_vocabulary');
export const pauseAnalysis = () => invoke<null>('pause_analysis');
export const resumeAnalysis = () => invoke<null>('resume_analysis');
/** The tracks that sound most like track `id`, best first. */
export const similarTracks = (id: number, limit = 20) => invoke<SimilarResponse>('similar_tracks', { id, limit });

export const makePlaylist = (request: PlaylistRequest) => invoke<Playlist>('make_playlist', { request });
/** The best unused track for slot `position` given the other ids of `current`; null = nothing fits. */
export const swapPlaylistTrack = (request: PlaylistRequest, current: number[], position: number) =>
  invoke<PlaylistEntry | null>('swap_playlist_track', { request, current, position });
// Tauri maps camelCase argument names to the Rust side's snake_case (trackIds → track_ids).
export const savePlaylist = (name: string, request: PlaylistRequest | null, trackIds: number[]) =>
  invoke<SavedPlaylist>('save_playlist', { name, request, trackIds });
export const listPlaylists = () => invoke<SavedPlaylist[]>('list_playlists');
export const getPlaylist = (id: number) => invoke<SavedPlaylistDetail>('get_playlist', { id });
export const renamePlaylist = (id: number, name: string) => invoke<SavedPlaylist>('rename_playlist', { id, name });
/** Replaces a saved playlist's tracks (reorder, remove, swap). */
export const setPlaylistTracks = (id: number, trackIds: number[]) => invoke<SavedPlaylist>('set_playlist_tracks', { id, trackIds });
export const deletePlaylist = (id: number) => invoke<null>('delete_playlist', { id });
/** Opens the native save dialog (Rust side) and writes the file: its path, or null = cancelled. */
export const exportPlaylist = (id: number, format: ExportFormat) => invoke<string | null>('export_playlist', { id, format });

/** Plays track `id` from `fromS` (null: the backend's default, a third of the way into tracks
 *  longer than 30 s) for `seconds` (null: to the end). Rejects with a message when there is no
 *  sound device. The state it answers may still be the one from before (the player thread takes
 *  the command a moment later): the `preview-state` events tell what happened. */
export const playPreview = (id: number, fromS: number | null, seconds: number | null) =>
  invoke<PlayerState>('play_preview', { id, fromS, seconds });
/** seek: `value` = seconds into the file; volume: `value` in 0 … 1. */
export const controlPreview = (action: PreviewAction, value?: number) =>
  invoke<PlayerState>('control_preview', value == null ? { action } : { action, value });
/** null before anything was played. */
export const previewState = () => invoke<PlayerState | null>('preview_state');
/** Output device names, the system default first. */
export const listOutputDevices = () => invoke<string[]>('list_output_devices');
/** null: the system default. Remembered by the backend (settings.json). */
export const setOutputDevice = (name: string | null) => invoke<void>('set_output_device', { name });

export const onScanProgress = (cb: (p: ScanProgress) => void): Promise<UnlistenFn> =>
  listen<ScanProgress>('scan-progress', (e) => cb(e.payload));
export const onAnalysisProgress = (cb: (p: AnalysisProgress) => void): Promise<UnlistenFn> =>
  listen<AnalysisProgress>('analysis-progress', (e) => cb(e.payload));
/** A new similarity index was built and swapped in: "building" answers can be asked again. */
export const onIndexUpdated = (cb: () => void): Promise<UnlistenFn> =>
  listen<null>('index-updated', () => cb());
/** A playlist was saved, renamed, deleted or its tracks set. */
export const onPlaylistsChanged = (cb: () => void): Promise<UnlistenFn> =>
  listen<null>('playlists-changed', () => cb());
/** About 10 per second while playing, and on every change of status or track. */
export const onPreviewState = (cb: (s: PlayerState) => void): Promise<UnlistenFn> =>
  listen<PlayerState>('preview-state', (e) => cb(e.payload));
export const onLibraryChanged = (cb: () => void): Promise<UnlistenFn> =>
  listen<null>('library-changed', () => cb());

/** invoke() rejects with the Rust error string; normalise anything else. */
export function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  try { return JSON.stringify(e); } catch { return String(e); }
}
