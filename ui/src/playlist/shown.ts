// What the playlist view shows, and how the session (playlist/session.ts) talks to the view
// and the knobs: the types they share.
import type { Lengthen, PlaylistEntry, PlaylistRequest } from '../api';
import type { Edit } from './history';
import type { Seed } from './seeds';

/** What the view shows. */
export type Shown = {
  state: 'loading' | 'ready' | 'error' | 'empty';
  /** The first seeds, in the request's order, whose tracks are known (all of them for a
   *  playlist made here; the first few of a saved one). `base.seeds` has them all. */
  seeds: Seed[];
  /** The request the knobs are laid over (seeds and the fields without a knob); null: a saved
   *  playlist without one (it cannot be regenerated or swapped in). */
  base: PlaylistRequest | null;
  /** The request behind the rows shown (what swap asks with). */
  request: PlaylistRequest | null;
  entries: PlaylistEntry[];
  /** The engine's words for why there are fewer tracks than asked for ("Only 5 tracks in your
   *  library sound like …"); the one change that would lengthen it (a rule dropped); what it
   *  did on its own ("Allowed 6 per artist …"). None of them for a saved playlist. */
  shortfall: string | null;
  lengthen: Lengthen | null;
  notes: string[];
  /** The rows' reasons describe the step from the track before (flow and harmonic orders). */
  reasonsFollowSteps: boolean;
  /** When they do: what each track's reasons compare it with, by track id (id null: the seed).
   *  Set when the rows arrive; a move or remove leaves it (the reasons were not made again). */
  reasonsAfter: Map<number, { id: number; name: string } | null>;
  error: string | null;
  /** The words of a described list ("calm piano"): its tracks are the ones that fit them best
   *  (null: a playlist from seeds, or a saved one). */
  described: string | null;
  /** +1 per playlist shown (made, regenerated or opened; not by editing it). */
  generation: number;
  /** The saved playlist the rows are bound to (null: an unsaved draft). */
  savedId: number | null;
  savedName: string | null;
  busy: { save: boolean; export: boolean };
  /** Rows whose swap is in flight (by track id). */
  swapping: Set<number>;
};

/** What changed, for the view: 'all' renders everything; 'rows' the list; 'header' and
 *  'actions' just those (the rows stay: a drag may be under way); 'arrived': new rows (made or
 *  opened); 'failed': making or opening failed. */
export type Change = 'all' | 'rows' | 'header' | 'actions' | 'arrived' | 'failed';
export type StatusKind = 'info' | 'ok' | 'error';

export type SessionHooks = {
  onChange(what: Change): void;
  /** A line for the status bar (null: clear it). */
  onStatus(text: string | null, kind?: StatusKind): void;
  /** The saved playlist shown (null: an unsaved draft, or nothing), for the sidebar highlight. */
  onShownSaved(id: number | null): void;
  /** A playlist was saved or its tracks stored: the sidebar list may have changed. */
  onSavedChange(): void;
  /** An edit that can be undone was made (remove, swap, move); null: the last edit can't be
   *  undone from where it was offered any more (it was undone; another list is shown). */
  onUndoable(edit: Edit | null): void;
};

/** The knobs, as the session needs them. */
export type Settings = {
  /** The request to send for `base`. */
  request(base: PlaylistRequest): PlaylistRequest;
  /** Show a request's settings (a saved playlist's; `remember`: as the user's own). */
  setFrom(r: PlaylistRequest, remember?: boolean): void;
};

/** What "Try again" repeats: opening a saved playlist, making one, or describing. */
export type RetryTarget = { kind: 'open'; id: number } | { kind: 'make' } | { kind: 'describe'; words: string };
