// The UI's one door to the backend. Everything in it is generated from the Rust side
// (src-tauri/src/bindings.rs → bindings.ts): the commands, the events, the types and the
// engine's defaults. Only what the UI adds on top lives here.
export * from './bindings';
import { DEFAULT_PLAYLIST_REQUEST, type CommandError, type PlaylistRequest as PartialRequest } from './bindings';

/** A playlist request as the UI holds it: every field spelled out (the backend fills what a
 *  request leaves out with the defaults, DEFAULT_PLAYLIST_REQUEST, and answers every field). */
export type PlaylistRequest = Required<PartialRequest>;

/** A request from the backend with the engine's defaults for anything it left out. */
export function fullRequest(r: PartialRequest): PlaylistRequest {
  return { ...structuredClone(DEFAULT_PLAYLIST_REQUEST), ...r } as PlaylistRequest;
}

/** The text to show for a failed call: a command's `CommandError` message, or whatever else
 *  rejected (a string from Tauri itself, an Error). */
export function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (isCommandError(e)) return e.message;
  try { return JSON.stringify(e); } catch { return String(e); }
}

export function isCommandError(e: unknown): e is CommandError {
  return typeof e === 'object' && e !== null && typeof (e as CommandError).message === 'string'
    && typeof (e as CommandError).code === 'string';
}
